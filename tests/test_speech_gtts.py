"""gTTS alone, and the fallback to espeak-ng when Google fails.

Google is never reached: `responses` intercepts every HTTP request (an
unregistered one fails as a connection error) and answers with a small
real MP3 made by ffmpeg at test time.
"""

from __future__ import annotations

import asyncio
import socket
import threading
import time
from collections.abc import Iterator
from pathlib import Path

import pytest
import requests
import responses

from bot.speech.cache import VoiceCache
from bot.speech.engines.base import EngineError
from bot.speech.engines.espeak import EspeakEngine
from bot.speech.engines.gtts import GTTSEngine
from bot.speech.rate import DEFAULT_RATE, MAX_RATE
from bot.speech.speaker import Speaker
from tests.test_speech_support import GTTS_URL, ffprobe, gtts_body, make_mp3

TEXT = "Block your card now. Then call your bank."


@pytest.fixture(scope="module")
def mp3() -> bytes:
    return make_mp3(1.0)


@pytest.fixture
def google() -> Iterator[responses.RequestsMock]:
    with responses.RequestsMock(assert_all_requests_are_fired=False) as rsps:
        yield rsps


def _speaker(tmp_path: Path) -> Speaker:
    espeak = EspeakEngine.detect()
    assert espeak is not None
    return Speaker([GTTSEngine(), espeak], VoiceCache(tmp_path, 50 * 1024 * 1024))


# --- the engine alone ------------------------------------------------------------


def test_returns_googles_mp3(google: responses.RequestsMock, mp3: bytes) -> None:
    google.add(responses.POST, GTTS_URL, body=gtts_body(mp3))
    raw = GTTSEngine().synthesize(TEXT, "en", DEFAULT_RATE)
    assert raw.fmt == "mp3"
    assert raw.data == mp3 * len(google.calls)  # one request per text chunk
    assert raw.tempo == 1.0


def test_rate_becomes_tempo(google: responses.RequestsMock, mp3: bytes) -> None:
    google.add(responses.POST, GTTS_URL, body=gtts_body(mp3))
    assert GTTSEngine().synthesize(TEXT, "en", MAX_RATE).tempo == MAX_RATE / DEFAULT_RATE


def test_has_no_mongolian() -> None:
    assert GTTSEngine().voice_for("mn") is None


@pytest.mark.parametrize(
    "failure",
    [
        requests.exceptions.ConnectTimeout("connect timed out"),
        requests.exceptions.ReadTimeout("read timed out"),
        requests.exceptions.ConnectionError("network unreachable"),
    ],
)
def test_network_failures_are_engine_errors(google: responses.RequestsMock, failure: Exception) -> None:
    google.add(responses.POST, GTTS_URL, body=failure)
    with pytest.raises(EngineError):
        GTTSEngine().synthesize(TEXT, "en", DEFAULT_RATE)


@pytest.mark.parametrize("status", [429, 500, 503])
def test_http_errors_are_engine_errors(google: responses.RequestsMock, status: int) -> None:
    google.add(responses.POST, GTTS_URL, status=status, body="error")
    with pytest.raises(EngineError):
        GTTSEngine().synthesize(TEXT, "en", DEFAULT_RATE)


def test_answer_without_audio_is_an_engine_error(google: responses.RequestsMock) -> None:
    google.add(responses.POST, GTTS_URL, body=')]}\'\n\n[["wrb.fr","jQ1olc",null]]')
    with pytest.raises(EngineError):
        GTTSEngine().synthesize(TEXT, "en", DEFAULT_RATE)


def test_a_silent_server_is_given_up_on_quickly(monkeypatch: pytest.MonkeyPatch) -> None:
    # A server that accepts the connection and never answers: the request
    # timeout, not the server, decides how long a user waits.
    server = socket.socket()
    server.bind(("127.0.0.1", 0))
    server.listen(1)
    port = server.getsockname()[1]
    accepted: list[socket.socket] = []
    threading.Thread(target=lambda: accepted.append(server.accept()[0]), daemon=True).start()
    import gtts.tts

    monkeypatch.setattr(gtts.tts, "_translate_url", lambda tld="com", path="": f"http://127.0.0.1:{port}/{path}")
    start = time.monotonic()
    try:
        with pytest.raises(EngineError):
            GTTSEngine(request_timeout=(0.5, 0.5)).synthesize(TEXT, "en", DEFAULT_RATE)
    finally:
        server.close()
        for conn in accepted:
            conn.close()
    assert time.monotonic() - start < 5


# --- in the speaker's chain ------------------------------------------------------------


def test_english_voice_comes_from_google_when_it_works(google, mp3, tmp_path) -> None:
    google.add(responses.POST, GTTS_URL, body=gtts_body(mp3))
    clip = asyncio.run(_speaker(tmp_path).speak(TEXT, lang="en"))
    assert clip is not None and clip.engine == "gtts"
    info = ffprobe(clip.path)
    assert (info["codec"], info["channels"]) == ("opus", "1")
    assert clip.duration == pytest.approx(1.0 * len(google.calls), abs=0.15)


@pytest.mark.parametrize(
    "failure",
    [
        {"body": requests.exceptions.ReadTimeout("read timed out")},
        {"status": 500, "body": "server error"},
        {"body": requests.exceptions.ConnectionError("no route to host")},
    ],
    ids=["timeout", "http-error", "connection-error"],
)
def test_falls_back_to_espeak_when_google_fails(google, tmp_path, failure) -> None:
    google.add(responses.POST, GTTS_URL, **failure)
    clip = asyncio.run(_speaker(tmp_path).speak(TEXT, lang="en"))
    assert clip is not None and clip.engine == "espeak-ng"
    assert ffprobe(clip.path)["codec"] == "opus"
    assert 0.2 * len(TEXT.split()) <= clip.duration <= 1.0 * len(TEXT.split())


def test_after_a_failure_google_is_not_asked_on_every_message(google, tmp_path) -> None:
    google.add(responses.POST, GTTS_URL, body=requests.exceptions.ConnectTimeout("down"))
    speaker = _speaker(tmp_path)
    first = asyncio.run(speaker.speak(TEXT, lang="en"))
    calls = len(google.calls)
    second = asyncio.run(speaker.speak("Another answer entirely.", lang="en"))
    assert first and second and second.engine == "espeak-ng"
    assert len(google.calls) == calls  # cooling down: no new request


def test_mongolian_never_goes_to_google(google, tmp_path) -> None:
    clip = asyncio.run(_speaker(tmp_path).speak("Сайн байна уу.", lang="mn"))
    assert clip is not None and clip.engine == "espeak-ng"
    assert len(google.calls) == 0
