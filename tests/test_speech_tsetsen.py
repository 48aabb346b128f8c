"""Tsetsen alone and in the chain, against a local gRPC stand-in of the service.

The stand-in (tests/tsetsen_standin.py) is built from the SDK's own
generated stubs, so the SDK client speaks real gRPC to it. Nothing here
reaches the internet.
"""

from __future__ import annotations

import asyncio
import io
import logging
import time
import wave
from collections.abc import Iterator
from pathlib import Path

import pytest

from bot.speech import Speaker
from bot.speech.cache import VoiceCache
from bot.speech.engines.base import EngineError
from bot.speech.engines.espeak import EspeakEngine
from bot.speech.engines.tsetsen import AUTO_VOICE, TsetsenEngine
from bot.speech.rate import DEFAULT_RATE
from tests.tsetsen_standin import VOICE_ID, TsetsenStandIn

KEY = "tsetsen-development-standin-key"
TEXT = "Картаа алдсан бол банкандаа яаралтай мэдэгдээрэй."
# The bot's VOICE_TIMEOUT default: a voice reply must come within it.
VOICE_TIMEOUT_S = 4.0


@pytest.fixture
def service() -> Iterator[TsetsenStandIn]:
    server = TsetsenStandIn().start()
    yield server
    server.stop()


def _engine(service: TsetsenStandIn, **kw) -> TsetsenEngine:
    return TsetsenEngine(KEY, endpoint=service.endpoint, insecure=True, **kw)


def test_speaks_mongolian_only(service: TsetsenStandIn) -> None:
    engine = _engine(service)
    assert engine.voice_for("mn") == AUTO_VOICE and engine.voice_for("en") is None
    raw = engine.synthesize(TEXT, AUTO_VOICE, DEFAULT_RATE)
    with wave.open(io.BytesIO(raw.data)) as wav:
        assert wav.getframerate() == 24000 and wav.getnframes() / 24000 == pytest.approx(0.6, abs=0.01)
    methods = [m for m, _, _ in service.requests]
    assert methods == ["ListVoices", "StreamSpeech"]  # the voice is looked up once
    _, text, metadata = service.requests[-1]
    assert text == TEXT and metadata["x-api-key"] == KEY
    engine.synthesize(TEXT, AUTO_VOICE, DEFAULT_RATE)
    assert [m for m, _, _ in service.requests].count("ListVoices") == 1


def test_configured_voice_is_used_without_listing(service: TsetsenStandIn) -> None:
    engine = _engine(service, voice_id=VOICE_ID)
    assert engine.voice_for("mn") == VOICE_ID
    engine.synthesize(TEXT, VOICE_ID, DEFAULT_RATE)
    assert [m for m, _, _ in service.requests] == ["StreamSpeech"]


def test_needs_a_key(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("TSETSEN_API_KEY", raising=False)
    assert TsetsenEngine.from_env() is None
    monkeypatch.setenv("TSETSEN_API_KEY", KEY)
    assert TsetsenEngine.from_env() is not None


def test_slow_service_is_an_engine_error_within_the_deadline(service: TsetsenStandIn) -> None:
    service.delay_s = 3.0
    engine = _engine(service, voice_id=VOICE_ID, timeout_s=0.5)
    start = time.monotonic()
    with pytest.raises(EngineError):
        engine.synthesize(TEXT, VOICE_ID, DEFAULT_RATE)
    assert time.monotonic() - start < 1.5


def test_key_never_appears_in_errors(service: TsetsenStandIn) -> None:
    service.stop()
    engine = _engine(service, voice_id=VOICE_ID)
    with pytest.raises(EngineError) as err:
        engine.synthesize(TEXT, VOICE_ID, DEFAULT_RATE)
    assert KEY not in str(err.value) and KEY not in repr(engine)


def _chain(service: TsetsenStandIn, tmp_path: Path, **kw) -> Speaker:
    espeak = EspeakEngine.detect()
    if espeak is None or espeak.voice_for("mn") is None:
        pytest.fail("espeak-ng with the mn voice is needed (apt-get install espeak-ng; piper-tts)")
    return Speaker([_engine(service, voice_id=VOICE_ID, **kw), espeak], VoiceCache(tmp_path, 10 << 20))


def test_chain_uses_tsetsen_when_it_answers_and_caches_its_clip(service: TsetsenStandIn, tmp_path: Path) -> None:
    speaker = _chain(service, tmp_path)
    clip = asyncio.run(speaker.speak(TEXT, "mn"))
    assert clip is not None and clip.engine == "tsetsen" and clip.duration == pytest.approx(0.6, abs=0.1)
    again = asyncio.run(speaker.speak(TEXT, "mn"))
    assert again.path == clip.path and len(service.requests) == 1


@pytest.mark.parametrize("failure", ["down", "slow"])
def test_down_or_slow_service_falls_back_to_espeak_in_time_and_logs_once(
        service: TsetsenStandIn, tmp_path: Path, caplog: pytest.LogCaptureFixture, failure: str) -> None:
    if failure == "down":
        service.stop()
    else:
        service.delay_s = 5.0
    speaker = _chain(service, tmp_path, timeout_s=2.5)
    caplog.set_level(logging.WARNING, logger="bot.speech.speaker")
    start = time.monotonic()
    clip = asyncio.run(speaker.speak(TEXT, "mn"))
    assert clip is not None and clip.engine == "espeak-ng"
    assert time.monotonic() - start < VOICE_TIMEOUT_S
    # The next answers skip Tsetsen while it cools down: each in time, and no new log line.
    for n in range(3):
        start = time.monotonic()
        assert asyncio.run(speaker.speak(f"{TEXT} {n + 2}", "mn")).engine == "espeak-ng"
        assert time.monotonic() - start < VOICE_TIMEOUT_S
    assert [m for m, _, _ in service.requests].count("StreamSpeech") <= 1  # Tsetsen was not asked again
    failures = [r for r in caplog.records if "tsetsen failed" in r.getMessage()]
    assert len(failures) == 1
