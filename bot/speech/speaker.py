"""The speaker: prepared text in, a cached Telegram voice clip out.

Engines are tried in order for the user's language (gTTS, then Piper,
then espeak-ng for English; Tsetsen when a key is set, then espeak-ng for
Mongolian). A cached clip of any engine in the
chain is used before a slower engine is asked. An engine that fails is
skipped for its cooldown, so an unreachable Google costs one timeout a
minute, not one per message. When every engine fails the caller gets None
and sends the text reply alone; that is logged once, and again only after
voice has worked in between, so an outage does not flood the log.
"""

from __future__ import annotations

import asyncio
import logging
import os
import tempfile
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path

from bot.speech import rate as rates
from bot.speech.audio import encode_ogg_opus, ffmpeg_binary, ogg_opus_duration
from bot.speech.cache import VoiceCache
from bot.speech.config import (
    MAX_PARALLEL_SYNTHESES,
    ONLINE_ENABLED,
    VOICE_CACHE_DIR,
    VOICE_CACHE_MAX_MB,
)
from bot.speech.engines.base import Engine, EngineError
from bot.speech.normalise import prepare
from core.settings import LANGUAGES, MAX_MESSAGE_CHARS

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class Clip:
    """A voice message ready to send: an .ogg file in the cache, or a temporary one."""

    path: Path
    duration: float  # seconds
    engine: str
    # A personal reply's clip (speak(keep=False)): outside the cache, for
    # one sending; the caller calls discard() once it is sent.
    temporary: bool = False

    def discard(self) -> None:
        if self.temporary:
            self.path.unlink(missing_ok=True)


class Speaker:
    def __init__(
        self,
        engines: Sequence[Engine],
        cache: VoiceCache,
        max_parallel: int = MAX_PARALLEL_SYNTHESES,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self.engines = list(engines)
        self.cache = cache
        self.max_parallel = max_parallel
        self._clock = clock
        self._down_until: dict[str, float] = {}
        self._failing: set[str] = set()
        self._silent = False  # True after "no engine works" was logged
        self._semaphores: dict[asyncio.AbstractEventLoop, asyncio.Semaphore] = {}
        self._key_locks: dict[str, asyncio.Lock] = {}

    @classmethod
    def default(cls, cache_dir: Path | None = None, online: bool = ONLINE_ENABLED) -> Speaker:
        """The chain of engines installed on this machine.

        English: gTTS when online use is allowed, then the offline Piper
        voice. Mongolian: Tsetsen when TSETSEN_API_KEY is set. espeak-ng
        last for both, with every voice it really has (see espeak_data).
        """
        from bot.speech.engines.espeak import EspeakEngine
        from bot.speech.engines.gtts import GTTSEngine
        from bot.speech.engines.piper import PiperEngine
        from bot.speech.engines.tsetsen import TsetsenEngine

        engines: list[Engine] = []
        if online and GTTSEngine.available():
            engines.append(GTTSEngine())
        tsetsen = TsetsenEngine.from_env() if online else None
        if tsetsen is not None:
            engines.append(tsetsen)
        piper = PiperEngine.detect()
        if piper is not None:
            engines.append(piper)
        espeak = EspeakEngine.detect()
        if espeak is not None:
            engines.append(espeak)
        if ffmpeg_binary() is None:
            log.warning("ffmpeg is not installed: voice replies are off (apt-get install ffmpeg)")
        cache = VoiceCache(cache_dir or VOICE_CACHE_DIR, VOICE_CACHE_MAX_MB * 1024 * 1024)
        return cls(engines, cache)

    def languages(self) -> set[str]:
        """Languages at least one engine can speak."""
        return {lang for lang in LANGUAGES for e in self.engines if e.voice_for(lang)}

    def _semaphore(self) -> asyncio.Semaphore:
        # One per event loop: a Speaker outlives loops in tests and CLIs.
        loop = asyncio.get_running_loop()
        sem = self._semaphores.get(loop)
        if sem is None:
            self._semaphores = {loop: asyncio.Semaphore(self.max_parallel)}
            sem = self._semaphores[loop]
        return sem

    async def speak(self, text: str, lang: str = "mn", rate: int | None = None,
                    keep: bool = True) -> Clip | None:
        """A voice clip of `text` in `lang`, or None if no engine can say it.

        Never raises for bad input or broken engines: the text reply must
        go out whatever happens to the voice. `keep=False` is for replies
        made for one person (a volunteer's answer, a check of their
        message): a clip already cached is used, but a new one is made
        outside the cache, as a temporary file (docs/privacy.md).
        """
        if lang not in LANGUAGES:
            log.warning("no voice for unknown language %r", lang)
            return None
        spoken_rate = rates.clamp(rate)
        prepared = prepare((text or "")[:MAX_MESSAGE_CHARS], lang)
        if not prepared:
            return None
        reasons: list[str] = []
        for engine in self.engines:
            voice = engine.voice_for(lang)
            if voice is None:
                continue
            key = self.cache.key(engine.name, voice, spoken_rate, prepared)
            clip = self._cached(key, engine.name)
            if clip is not None:
                return clip
            if self._clock() < self._down_until.get(engine.name, 0.0):
                reasons.append(f"{engine.name}: cooling down after a failure")
                continue
            try:
                clip = (await self._synthesize(engine, voice, spoken_rate, prepared, key) if keep
                        else await self._synthesize_once(engine, voice, spoken_rate, prepared))
            except Exception as exc:  # noqa: BLE001 - any engine failure means: try the next
                self._engine_failed(engine, exc)
                reasons.append(f"{engine.name}: {exc}")
                continue
            self._engine_worked(engine)
            return clip
        self._nothing_worked(lang, reasons)
        return None

    def _cached(self, key: str, engine_name: str) -> Clip | None:
        path = self.cache.get(key)
        if path is None:
            return None
        try:
            return Clip(path, ogg_opus_duration(path), engine_name)
        except (OSError, ValueError) as exc:  # removed meanwhile, or damaged
            log.warning("voice cache entry %s unusable: %s", path.name, exc)
            path.unlink(missing_ok=True)
            return None

    async def _synthesize_once(self, engine: Engine, voice: str, rate: int, text: str) -> Clip:
        fd, name = tempfile.mkstemp(prefix="khotoch-voice-", suffix=".ogg")
        os.close(fd)
        path = Path(name)
        try:
            async with self._semaphore():
                raw = await asyncio.to_thread(engine.synthesize, text, voice, rate)
                await asyncio.to_thread(encode_ogg_opus, raw, path)
            return Clip(path, ogg_opus_duration(path), engine.name, temporary=True)
        except BaseException:
            path.unlink(missing_ok=True)
            raise

    async def _synthesize(self, engine: Engine, voice: str, rate: int, text: str, key: str) -> Clip:
        # One synthesis per key at a time: a popular answer asked by several
        # users at once is made once, the others wait for the cached clip.
        lock = self._key_locks.setdefault(key, asyncio.Lock())
        try:
            async with lock:
                clip = self._cached(key, engine.name)
                if clip is not None:
                    return clip
                async with self._semaphore():
                    raw = await asyncio.to_thread(engine.synthesize, text, voice, rate)
                    path = await asyncio.to_thread(self.cache.put, key, lambda tmp: encode_ogg_opus(raw, tmp))
                return Clip(path, ogg_opus_duration(path), engine.name)
        finally:
            if not lock.locked():
                self._key_locks.pop(key, None)

    def _engine_failed(self, engine: Engine, exc: BaseException) -> None:
        if engine.cooldown_s > 0:
            self._down_until[engine.name] = self._clock() + engine.cooldown_s
        if engine.name not in self._failing:
            self._failing.add(engine.name)
            kind = "" if isinstance(exc, EngineError) else f"{type(exc).__name__}: "
            log.warning("voice engine %s failed (%s%s); using the next engine", engine.name, kind, exc)
        else:
            log.debug("voice engine %s still failing: %s", engine.name, exc)

    def _engine_worked(self, engine: Engine) -> None:
        self._down_until.pop(engine.name, None)
        if engine.name in self._failing:
            self._failing.discard(engine.name)
            log.info("voice engine %s works again", engine.name)
        if self._silent:
            self._silent = False
            log.info("voice replies work again")

    def _nothing_worked(self, lang: str, reasons: list[str]) -> None:
        if self._silent:
            return
        self._silent = True
        why = "; ".join(reasons) or "no engine has a voice for this language"
        log.error("no voice engine could speak %s (%s); sending text only until one works", lang, why)
