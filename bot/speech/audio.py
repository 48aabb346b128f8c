"""Encoding for Telegram voice messages, and reading their duration.

Telegram shows a voice bubble (with a play button and a waveform, and a
"voice message" label for screen readers) only for OGG files with an Opus
stream; anything else arrives as a file to download. ffmpeg with libopus
does the encoding; the duration is read back from the Ogg file itself so
that cached clips need no side file.
"""

from __future__ import annotations

import shutil
import struct
import subprocess
from pathlib import Path

from bot.speech.config import (
    OPUS_APPLICATION,
    OPUS_BITRATE,
    OPUS_COMPRESSION_LEVEL,
    OPUS_SAMPLE_RATE,
    SUBPROCESS_TIMEOUT_S,
)
from bot.speech.engines.base import EngineError, RawAudio

# ffmpeg's atempo filter accepts 0.5-100 per instance; rates stay within
# 0.5-2 of the default, so one instance is enough.
_MIN_TEMPO, _MAX_TEMPO = 0.5, 2.0


def ffmpeg_binary() -> str | None:
    return shutil.which("ffmpeg")


def encode_command(raw: RawAudio, out: Path, ffmpeg: str = "ffmpeg") -> list[str]:
    cmd = [ffmpeg, "-hide_banner", "-loglevel", "error", "-nostdin", "-y", "-f", raw.fmt, "-i", "pipe:0"]
    tempo = max(_MIN_TEMPO, min(_MAX_TEMPO, raw.tempo))
    if abs(tempo - 1.0) > 0.01:
        cmd += ["-af", f"atempo={tempo:.3f}"]
    cmd += [
        "-ac", "1",
        "-ar", str(OPUS_SAMPLE_RATE),
        "-c:a", "libopus",
        "-b:a", OPUS_BITRATE,
        "-compression_level", str(OPUS_COMPRESSION_LEVEL),
        "-application", OPUS_APPLICATION,
        "-f", "ogg",
        str(out),
    ]  # fmt: skip
    return cmd


def encode_ogg_opus(raw: RawAudio, out: Path) -> None:
    """Write `raw` to `out` as mono OGG/Opus; EngineError if ffmpeg fails."""
    ffmpeg = ffmpeg_binary()
    if ffmpeg is None:
        raise EngineError("ffmpeg is not installed (apt-get install ffmpeg)")
    try:
        done = subprocess.run(
            encode_command(raw, out, ffmpeg),
            input=raw.data,
            capture_output=True,
            timeout=SUBPROCESS_TIMEOUT_S,
            check=False,
        )
    except (OSError, subprocess.SubprocessError) as exc:
        raise EngineError(f"ffmpeg did not run: {exc}") from exc
    if done.returncode != 0 or not out.exists() or out.stat().st_size == 0:
        raise EngineError(f"ffmpeg failed: {done.stderr.decode(errors='replace').strip()[-500:]}")


def ogg_opus_duration(path: Path) -> float:
    """Seconds of audio in an OGG/Opus file.

    Walks the Ogg pages to the last one, whose granule position counts
    48 kHz samples including the encoder's pre-skip (given by the OpusHead
    packet). Voice clips are tens of kilobytes, so this is cheap enough for
    every cache hit, and exact where a bitrate estimate is not.
    """
    data = path.read_bytes()
    if data[:4] != b"OggS" or data[28:36] != b"OpusHead":
        raise ValueError(f"{path} is not an Ogg Opus file")
    pre_skip = struct.unpack_from("<H", data, 28 + 10)[0]
    granule = -1
    pos = 0
    while pos + 27 <= len(data) and data[pos : pos + 4] == b"OggS":
        segments = data[pos + 26]
        if pos + 27 + segments > len(data):
            break
        body = sum(data[pos + 27 : pos + 27 + segments])
        page_granule = struct.unpack_from("<q", data, pos + 6)[0]
        if page_granule >= 0:
            granule = page_granule
        pos += 27 + segments + body
    if granule < 0:
        raise ValueError(f"{path} has no audio pages")
    return max(0.0, (granule - pre_skip) / 48000.0)
