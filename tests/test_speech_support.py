"""Helpers shared by the test_speech_* modules (this module holds no tests).

Audio checks use ffprobe, the same tool a maintainer would use, so a test
passes only if the file really is what Telegram needs.
"""

from __future__ import annotations

import base64
import io
import json
import math
import struct
import subprocess
import wave
from pathlib import Path

from bot.speech.engines.base import EngineError, RawAudio

GTTS_URL = "https://translate.google.com/_/TranslateWebserverUi/data/batchexecute"


def ffprobe(path: Path) -> dict[str, str]:
    """Codec, channels, sample rate, container and duration of an audio file."""
    out = subprocess.run(
        [
            "ffprobe", "-v", "error", "-show_entries",
            "stream=codec_name,channels,sample_rate:format=format_name,duration",
            "-of", "json", str(path),
        ],
        capture_output=True, text=True, check=True,
    ).stdout  # fmt: skip
    data = json.loads(out)
    stream = data["streams"][0]
    return {
        "codec": stream["codec_name"],
        "channels": str(stream["channels"]),
        "sample_rate": str(stream["sample_rate"]),
        "format": data["format"]["format_name"],
        "duration": data["format"]["duration"],
    }


def tone_wav(seconds: float, rate: int = 22050) -> bytes:
    """A real WAV file of a quiet tone, as an engine would return."""
    frames = int(seconds * rate)
    buf = io.BytesIO()
    with wave.open(buf, "wb") as w:
        w.setnchannels(1)
        w.setsampwidth(2)
        w.setframerate(rate)
        w.writeframes(
            b"".join(struct.pack("<h", int(3000 * math.sin(2 * math.pi * 440 * i / rate))) for i in range(frames))
        )
    return buf.getvalue()


def make_mp3(seconds: float) -> bytes:
    """A small real MP3 (mono 24 kHz, like Google's), made with ffmpeg."""
    done = subprocess.run(
        [
            "ffmpeg", "-hide_banner", "-loglevel", "error", "-f", "lavfi",
            "-i", f"sine=frequency=300:duration={seconds}", "-ac", "1", "-ar", "24000",
            "-c:a", "libmp3lame", "-b:a", "32k", "-f", "mp3", "pipe:1",
        ],
        capture_output=True, check=True,
    )  # fmt: skip
    return done.stdout


def gtts_body(mp3: bytes) -> str:
    """Google's batchexecute answer carrying `mp3`, in the shape gTTS parses."""
    b64 = base64.b64encode(mp3).decode("ascii")
    return ")]}'\n\n" + '[["wrb.fr","jQ1olc","[\\"' + b64 + '\\"]",null,null,null,"generic"]]\n'


class FakeEngine:
    """An engine whose behaviour a test sets: speak a tone or fail."""

    def __init__(self, name: str, langs: dict[str, str], fail: bool = False, cooldown_s: float = 0.0):
        self.name = name
        self.langs = langs
        self.fail = fail
        self.cooldown_s = cooldown_s
        self.calls: list[tuple[str, str, int]] = []

    def voice_for(self, lang: str) -> str | None:
        return self.langs.get(lang)

    def synthesize(self, text: str, voice: str, rate: int) -> RawAudio:
        self.calls.append((text, voice, rate))
        if self.fail:
            raise EngineError(f"{self.name} is down")
        return RawAudio(tone_wav(0.5), "wav")
