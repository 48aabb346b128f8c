"""Sending one message to many chats: scam alerts and answer corrections (issue 22).

A campaign (one alert, or one entry's correction) goes to each recipient in
their language, with a voice message when they use voice; the clip is made
once per language and uploaded once (later sends reuse Telegram's file id).

Telegram's limits: `ALERT_MESSAGES_PER_SECOND` sends a second at most, evenly
spaced and never more than that many in any one second (bot/telegram_limits.py
keeps the bot's overall 30 a second on top of this when the broadcast runs
inside the bot). A 429 pauses every worker for Telegram's `retry_after`,
then the same message is tried again.

No second copy, even across a crash: before a send the chat gets a
"sending" row in `broadcast_deliveries`; when Telegram accepts the message the
row becomes "sent" (or "text" while the voice is still due). A resumed run
skips every chat with a row. Telegram has no idempotency key, so a chat
whose send was in flight when the process died ("sending") is not sent
again: it may have arrived, and a second copy is what this must not do.
Those chats are counted as "uncertain" in the summary. A 403 marks the
user inactive (no more alerts or corrections); 5xx and 400 answers are
"failed" and tried again on the next run.
"""

from __future__ import annotations

import asyncio
import collections
import logging
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from telegram.error import BadRequest, ChatMigrated, Forbidden, NetworkError, RetryAfter, TelegramError, TimedOut

from bot import alert_store as store
from bot.delivery import backoff, retry_after
from bot.replies import split_text
from bot.storage import Database
from core.settings import DEFAULT_LANGUAGE, LANGUAGES

log = logging.getLogger(__name__)

WORKERS = 16  # sends in flight at once: enough to keep the pace when Telegram answers slowly
PAGE = 500  # recipients read from the database at a time
TRANSIENT_TRIES = 3  # 5xx / unreachable: attempts before the chat is "failed" for this run

Recipients = Callable[[int, int], list[tuple[int, str | None, bool]]]


@dataclass
class Campaign:
    key: str  # "alert:<id>" or "correction:<faq id>:<date>"
    texts: dict[str, str]  # the whole message, per language
    recipients: Recipients  # (after chat id, limit) -> (chat id, language, voice), not yet done


@dataclass
class Progress:
    done: int = 0
    total: int = 0
    sent: int = 0
    blocked: int = 0
    failed: int = 0
    voice: int = 0
    messages: int = 0  # Telegram messages (texts and voices) accepted
    started: float = field(default_factory=time.monotonic)
    already: dict[str, int] = field(default_factory=dict)  # rows found from an earlier run

    @property
    def elapsed(self) -> float:
        return max(1e-6, time.monotonic() - self.started)

    @property
    def rate(self) -> float:
        return self.messages / self.elapsed

    @property
    def left_seconds(self) -> float | None:
        per_chat = self.elapsed / self.done if self.done else None
        return per_chat * (self.total - self.done) if per_chat else None

    @property
    def uncertain(self) -> int:
        return self.already.get(store.SENDING, 0) + self.already.get(store.VOICE_SENDING, 0)


class Pacer:
    """At most `rate` sends a second: evenly spaced, and never more than that in any one second."""

    def __init__(self, rate: float, clock: Callable[[], float] = time.monotonic) -> None:
        self.rate = rate
        self.interval = 1.0 / rate
        self.clock = clock
        self._next = 0.0
        self._paused_until = 0.0
        self._recent: collections.deque[float] = collections.deque()
        self._per_second = max(1, int(rate))
        self._lock = asyncio.Lock()

    def pause(self, seconds: float) -> None:
        """Telegram said 429: nobody sends until `retry_after` has passed."""
        self._paused_until = max(self._paused_until, self.clock() + seconds)

    async def slot(self) -> None:
        async with self._lock:  # one waiter at a time: slots are handed out in order
            while True:
                now = self.clock()
                wait = max(self._paused_until, self._next) - now
                if len(self._recent) >= self._per_second:
                    # The oldest of the last `rate` sends must be a second old.
                    wait = max(wait, self._recent[-self._per_second] + 1.0 - now)
                if wait <= 0:
                    break
                await asyncio.sleep(wait)
            now = self.clock()
            while len(self._recent) >= self._per_second:
                self._recent.popleft()
            self._recent.append(now)
            self._next = now + self.interval


class Broadcaster:
    def __init__(self, db: Database, bot: Any, rate: float, speaker: Any | None = None,
                 workers: int = WORKERS, on_progress: Callable[[Progress], Any] | None = None) -> None:
        self.db = store.ensure(db)
        self.bot = bot
        self.pacer = Pacer(rate)
        self.speaker = speaker
        self.workers = workers
        self.on_progress = on_progress
        self._voices: dict[str, str | Any] = {}  # language -> Telegram file id (or the clip until uploaded)
        self._voice_locks: dict[str, asyncio.Lock] = {lang: asyncio.Lock() for lang in LANGUAGES}
        self._blocked: list[int] = []

    async def run(self, campaign: Campaign, started_by: int | None = None) -> Progress:
        store.start_run(self.db, campaign.key, started_by)
        store.retry_failed(self.db, campaign.key)
        # 403s recorded just before a crash: their users are marked now (marking is batched).
        store.mark_blocked(self.db, store.blocked_chats(self.db, campaign.key))
        progress = Progress(already=store.counts(self.db, campaign.key))
        voice_due = store.voice_due(self.db, campaign.key)
        progress.total = len(campaign.recipients(0, 10**9)) + len(voice_due)
        queue: asyncio.Queue[tuple[int, str | None, bool, bool] | None] = asyncio.Queue(maxsize=self.workers * 4)

        async def feed() -> None:
            for chat_id, lang, voice in voice_due:
                await queue.put((chat_id, lang, voice, True))
            after = 0
            while True:
                page = campaign.recipients(after, PAGE)
                if not page:
                    break
                for chat_id, lang, voice in page:
                    await queue.put((chat_id, lang, voice, False))
                after = page[-1][0]
            for _ in range(self.workers):
                await queue.put(None)

        async def work() -> None:
            while (item := await queue.get()) is not None:
                await self._one(campaign, progress, *item)
                progress.done += 1
                if len(self._blocked) >= 100:
                    self._flush_blocked()

        ticker = asyncio.create_task(self._report(progress)) if self.on_progress else None
        try:
            await asyncio.gather(feed(), *(work() for _ in range(self.workers)))
        finally:
            self._flush_blocked()
            if ticker is not None:
                ticker.cancel()
        store.finish_run(self.db, campaign.key)
        if self.on_progress:
            await _maybe_await(self.on_progress(progress))
        return progress

    async def _report(self, progress: Progress) -> None:
        while True:
            await asyncio.sleep(1.0)
            try:
                await _maybe_await(self.on_progress(progress))
            except Exception:  # noqa: BLE001 - a progress line must not stop the broadcast
                log.exception("progress report failed")

    def _flush_blocked(self) -> None:
        blocked, self._blocked = self._blocked, []
        store.mark_blocked(self.db, blocked)

    async def _one(self, campaign: Campaign, progress: Progress, chat_id: int, lang: str | None,
                   voice: bool, voice_only: bool) -> None:
        lang = lang if lang in LANGUAGES else DEFAULT_LANGUAGE
        text = campaign.texts[lang]
        if not voice_only:
            store.record(self.db, campaign.key, chat_id, store.SENDING)
            outcome = await self._send(lambda: self._text(chat_id, text))
            if outcome != store.SENT:
                store.record(self.db, campaign.key, chat_id, outcome)
                if outcome == store.BLOCKED:
                    progress.blocked += 1
                    self._blocked.append(chat_id)
                elif outcome == store.FAILED:
                    progress.failed += 1
                return  # SENDING (timed out) stays: it may have arrived
            progress.messages += 1
            if voice and self.speaker is not None:
                store.record(self.db, campaign.key, chat_id, store.TEXT_SENT)
        if voice and self.speaker is not None:
            store.record(self.db, campaign.key, chat_id, store.VOICE_SENDING)
            outcome = await self._send(lambda: self._voice(chat_id, lang, text))
            if outcome == store.SENT:
                progress.voice += 1
                progress.messages += 1
            elif outcome == store.FAILED:
                # The text went out; the voice is tried again on the next run.
                store.record(self.db, campaign.key, chat_id, store.TEXT_SENT)
                progress.failed += 1
                return
        store.record(self.db, campaign.key, chat_id, store.SENT)
        progress.sent += 1

    async def _send(self, call: Callable[[], Any]) -> str:
        """One message, paced; 429 waited out. Returns SENT, BLOCKED, FAILED or SENDING (unknown)."""
        tries = 0
        while True:
            await self.pacer.slot()
            try:
                await call()
                return store.SENT
            except RetryAfter as exc:
                self.pacer.pause(retry_after(exc))
                log.info("Telegram asked to wait %.0f s; the broadcast pauses", retry_after(exc))
            except Forbidden:
                return store.BLOCKED
            except (BadRequest, ChatMigrated) as exc:
                log.warning("broadcast message refused: %s", exc)
                return store.FAILED
            except TimedOut:
                return store.SENDING
            except (NetworkError, TelegramError) as exc:
                tries += 1
                if tries >= TRANSIENT_TRIES:
                    log.info("broadcast message not delivered for now: %s", exc)
                    return store.FAILED
                await asyncio.sleep(backoff(tries, 0.5, 5.0))

    async def _text(self, chat_id: int, text: str) -> None:
        for chunk in split_text(text):
            await self.bot.send_message(chat_id=chat_id, text=chunk)

    async def _voice(self, chat_id: int, lang: str, text: str) -> None:
        """The clip is made once per language; after its first upload Telegram's file id is reused."""
        async with self._voice_locks[lang]:
            known = self._voices.get(lang)
            if known is None:
                clip = await self.speaker.speak(text, lang=lang)
                if clip is None:
                    self._voices[lang] = ""
                    return
                with open(clip.path, "rb") as fh:
                    message = await self.bot.send_voice(chat_id=chat_id, voice=fh,
                                                        duration=max(1, round(clip.duration)))
                self._voices[lang] = message.voice.file_id if message.voice else ""
                return
        if known:
            await self.bot.send_voice(chat_id=chat_id, voice=known)


async def _maybe_await(value: Any) -> Any:
    if asyncio.iscoroutine(value):
        return await value
    return value


def summary_line(p: Progress) -> str:
    """Figures for the log and the command line (maintainers' texts are in strings/)."""
    return (f"sent {p.sent}, blocked {p.blocked}, failed {p.failed}, voice {p.voice}, "
            f"uncertain from an earlier crash {p.uncertain}, {p.messages} messages in {p.elapsed:.1f} s "
            f"({p.rate:.1f}/s)")
