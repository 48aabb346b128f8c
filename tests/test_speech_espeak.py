"""espeak-ng alone: the offline engine, and where its Mongolian voice comes from."""

from __future__ import annotations

import io
import wave
from pathlib import Path

import pytest

from bot.speech import espeak_data
from bot.speech.engines.base import EngineError
from bot.speech.engines.espeak import EspeakEngine, EspeakVoice
from bot.speech.normalise import prepare


@pytest.fixture(scope="module")
def engine() -> EspeakEngine:
    found = EspeakEngine.detect()
    assert found is not None, "espeak-ng must be installed (apt-get install espeak-ng)"
    return found


def _seconds(wav: bytes) -> float:
    with wave.open(io.BytesIO(wav)) as w:
        return w.getnframes() / w.getframerate()


def test_mongolian_uses_the_mn_voice_never_russian(engine: EspeakEngine) -> None:
    assert engine.voice_for("mn") == "mn"
    cmd = engine.command("mn", 160)
    assert cmd[cmd.index("-v") + 1] == "mn"
    assert not any(arg.startswith("ru") for arg in cmd)


def test_mongolian_letters_are_pronounced_not_spelled(engine: EspeakEngine) -> None:
    # A Russian voice reads ө and ү as letter names ("...letter..."); the
    # Mongolian voice pronounces them as the vowels ø and y.
    ipa = engine.phonemes("Өнөөдөр үйлчилгээ", "mn")
    assert "ønøødør" in ipa
    assert "yjɭtʃ" in ipa


def test_english_voice(engine: EspeakEngine) -> None:
    assert engine.voice_for("en") == "en-us"
    assert "hə" in engine.phonemes("hello", "en-us")


@pytest.mark.parametrize(
    ("lang", "text"),
    [
        ("mn", "Картаа яаралтай хаалгаарай. Банкандаа 1800-1917 дугаарт залгаарай."),
        ("en", "Block your card now. Then call your bank on 1800-1917."),
    ],
)
def test_speaks_with_plausible_duration(engine: EspeakEngine, lang: str, text: str) -> None:
    spoken = prepare(text, lang)
    raw = engine.synthesize(spoken, engine.voice_for(lang) or "", 160)
    assert raw.fmt == "wav"
    words = len(spoken.split())
    assert 0.2 * words <= _seconds(raw.data) <= 1.0 * words


def test_faster_rate_is_shorter(engine: EspeakEngine) -> None:
    text = prepare("Нэгдүгээрт, картаа яаралтай хаалгаарай.", "mn")
    slow = _seconds(engine.synthesize(text, "mn", 100).data)
    fast = _seconds(engine.synthesize(text, "mn", 250).data)
    assert fast < slow * 0.7


def test_text_is_never_taken_for_options(engine: EspeakEngine) -> None:
    raw = engine.synthesize("-v ru --help", "en-us", 160)
    assert _seconds(raw.data) > 0.3


def test_unknown_voice_is_an_engine_error(engine: EspeakEngine) -> None:
    with pytest.raises(EngineError):
        engine.synthesize("hello", "xx", 160)


def test_missing_mn_voice_means_no_mongolian(engine: EspeakEngine) -> None:
    # Without the mn data the engine offers no Mongolian voice at all,
    # rather than any other voice.
    only_en = EspeakEngine(engine.binary, {"en": EspeakVoice("en-us", None)})
    assert only_en.voice_for("mn") is None


def test_mn_data_is_found_in_the_piper_wheel_without_importing_piper() -> None:
    parent = espeak_data.piper_data_parent()
    assert parent is not None, "piper-tts==1.8.0 must be installed (--no-deps)"
    assert (parent / "espeak-ng-data" / "mn_dict").is_file()
    binary = espeak_data.espeak_binary()
    assert binary and espeak_data.has_voice(binary, "mn", parent)


def test_env_override_without_the_voice_is_ignored(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    monkeypatch.setenv("KHOTOCH_ESPEAK_DATA", str(tmp_path))
    espeak_data.locate_voice_data.cache_clear()
    try:
        binary = espeak_data.espeak_binary()
        assert binary
        found, parent = espeak_data.locate_voice_data(binary, "mn")
        assert found and parent != tmp_path
    finally:
        espeak_data.locate_voice_data.cache_clear()


def test_env_override_is_used(monkeypatch: pytest.MonkeyPatch) -> None:
    wheel = espeak_data.piper_data_parent()
    assert wheel is not None
    monkeypatch.setenv("KHOTOCH_ESPEAK_DATA", str(wheel / "espeak-ng-data"))
    espeak_data.locate_voice_data.cache_clear()
    try:
        binary = espeak_data.espeak_binary()
        assert binary
        assert espeak_data.locate_voice_data(binary, "mn") == (True, wheel)
    finally:
        espeak_data.locate_voice_data.cache_clear()
