"""gTTS: Google Translate's voice, the nicer English voice when online.

It has no Mongolian. It is a web service without a contract: requests
time out, get rate-limited or fail when Google changes its page, so every
failure becomes EngineError and the speaker falls back to espeak-ng. The
rate is applied afterwards as an ffmpeg tempo factor, since gTTS only has
"normal" and a "slow" that is far too slow for most listeners.
"""

from __future__ import annotations

import io
import logging
import time

import requests

from bot.speech.config import ENGINE_COOLDOWN_S, GTTS_DEADLINE_S, GTTS_REQUEST_TIMEOUT
from bot.speech.engines.base import EngineError, RawAudio
from bot.speech.rate import DEFAULT_RATE

log = logging.getLogger(__name__)


class GTTSEngine:
    name = "gtts"
    cooldown_s = ENGINE_COOLDOWN_S

    def __init__(
        self,
        request_timeout: float | tuple[float, float] = GTTS_REQUEST_TIMEOUT,
        deadline_s: float = GTTS_DEADLINE_S,
        tld: str = "com",
        cooldown_s: float | None = None,
    ) -> None:
        self.request_timeout = request_timeout
        self.deadline_s = deadline_s
        self.tld = tld
        if cooldown_s is not None:
            self.cooldown_s = cooldown_s

    @staticmethod
    def available() -> bool:
        try:
            import gtts  # noqa: F401
        except ImportError:
            return False
        return True

    def voice_for(self, lang: str) -> str | None:
        return "en" if lang == "en" else None

    def synthesize(self, text: str, voice: str, rate: int) -> RawAudio:
        from gtts import gTTS, gTTSError

        start = time.monotonic()
        buf = io.BytesIO()
        try:
            tts = gTTS(text, lang=voice, tld=self.tld, lang_check=False, timeout=self.request_timeout)
            # gTTS sends one request per ~100 characters; stop between them
            # once the whole answer has taken too long.
            for part in tts.stream():
                buf.write(part)
                if time.monotonic() - start > self.deadline_s:
                    raise EngineError(f"gTTS took over {self.deadline_s:.0f} s")
        except EngineError:
            raise
        except (gTTSError, requests.RequestException, ValueError, AssertionError) as exc:
            raise EngineError(f"gTTS failed: {exc}") from exc
        if not buf.getbuffer().nbytes:
            raise EngineError("gTTS returned no audio")
        return RawAudio(buf.getvalue(), "mp3", tempo=rate / DEFAULT_RATE)
