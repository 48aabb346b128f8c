"""The interface every speech engine implements.

The speaker tries engines in order and falls back on failure, so an engine
only has to say which voice it has for a language and turn prepared text
into audio; encoding, caching and fallback live elsewhere. That keeps each
engine small enough to swap or test alone.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Protocol


@dataclass(frozen=True)
class RawAudio:
    """Audio as the engine made it, before encoding for Telegram.

    `fmt` is the ffmpeg demuxer name ("wav", "mp3"); `tempo` is a speed
    factor still to apply, for engines that cannot set a rate themselves.
    """

    data: bytes
    fmt: str
    tempo: float = 1.0


class EngineError(Exception):
    """This engine cannot speak this text now; the next engine should try."""


class Engine(Protocol):
    # Goes into cache keys and logs; changing it invalidates cached audio.
    name: str
    # Seconds to skip this engine after a failure. Online engines fail for
    # minutes at a time; retrying on every message would add a timeout to
    # every reply.
    cooldown_s: float

    def voice_for(self, lang: str) -> str | None:
        """The voice this engine uses for `lang`, or None if it has none."""
        ...

    def synthesize(self, text: str, voice: str, rate: int) -> RawAudio:
        """Speak `text`; blocking (the speaker runs it in a worker thread).

        Raises EngineError on any failure.
        """
        ...
