"""Encoding: Telegram shows a voice bubble only for mono OGG/Opus."""

from pathlib import Path

import pytest

from bot.speech.audio import encode_ogg_opus, ogg_opus_duration
from bot.speech.engines.base import EngineError, RawAudio
from tests.test_speech_support import ffprobe, make_mp3, tone_wav


def test_wav_becomes_mono_ogg_opus_with_exact_duration(tmp_path: Path) -> None:
    out = tmp_path / "clip.ogg"
    encode_ogg_opus(RawAudio(tone_wav(2.0), "wav"), out)
    info = ffprobe(out)
    assert (info["codec"], info["channels"], info["format"]) == ("opus", "1", "ogg")
    assert ogg_opus_duration(out) == pytest.approx(2.0, abs=0.03)
    assert float(info["duration"]) == pytest.approx(ogg_opus_duration(out), abs=0.03)


def test_mp3_with_tempo_is_faster(tmp_path: Path) -> None:
    # gTTS gives MP3 at one speed; the user's rate becomes a tempo factor.
    out = tmp_path / "fast.ogg"
    encode_ogg_opus(RawAudio(make_mp3(2.0), "mp3", tempo=1.5), out)
    assert ffprobe(out)["codec"] == "opus"
    assert ogg_opus_duration(out) == pytest.approx(2.0 / 1.5, abs=0.1)


def test_garbage_audio_is_an_engine_error(tmp_path: Path) -> None:
    with pytest.raises(EngineError):
        encode_ogg_opus(RawAudio(b"not audio at all", "wav"), tmp_path / "x.ogg")


def test_duration_rejects_non_opus(tmp_path: Path) -> None:
    path = tmp_path / "x.ogg"
    path.write_bytes(b"RIFF....WAVE")
    with pytest.raises(ValueError):
        ogg_opus_duration(path)
