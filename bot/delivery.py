"""At-least-once delivery of answers that Telegram did not take at once.

A citizen told "I have saved your question and will send the answer" must
get it, even if the Bot API is unreachable, answers 429 or 5xx, or the bot
restarts in between. So such an answer goes into the outbox (the
`outgoing_answers` table) before the first attempt, and leaves it only when
Telegram has accepted every one of its messages; until then it is retried
with exponential backoff, which survives restarts because it is stored.

Telegram gives no idempotency key for sendMessage, so exactly-once is not
possible; the outbox narrows duplicates down to one message at most: each
accepted part is recorded at once, and a retry resumes after it. A kept
question has at most one outbox row (its id is unique there), so a crash
between asking Rasa and sending never produces a second answer.

A refusal that retrying cannot fix (the user blocked the bot, the chat is
gone, Telegram rejects the message) ends the row as "given up" with a
warning in the log: never a silent drop.
"""

from __future__ import annotations

import asyncio
import datetime as dt
import logging
from collections.abc import Awaitable, Callable
from typing import Any

from telegram import InlineKeyboardMarkup
from telegram.error import BadRequest, ChatMigrated, Forbidden, RetryAfter, TelegramError

from bot.health import Dependency
from bot.leases import HOLDER, claim
from bot.replies import Button, Reply, split_text
from bot.storage import Database, OutgoingAnswer, utcnow
from bot.volunteers import markup

log = logging.getLogger(__name__)

# How often the courier looks for answers whose retry is due, when nothing wakes it.
POLL_SECONDS = 2.0
# The sending replica renews its hold at every pass; if it dies another takes over after this.
OUTBOX_LEASE_S = 5 * POLL_SECONDS

Voice = Callable[[Any, OutgoingAnswer], Awaitable[None]]


def parts_of(replies: list[Reply]) -> list[dict[str, Any]]:
    """The messages of an answer as sent: long texts split, buttons under the last piece."""
    parts: list[dict[str, Any]] = []
    for reply in replies:
        chunks = split_text(reply.text) if reply.text else []
        for i, chunk in enumerate(chunks):
            buttons = [[b.title, b.data] for b in reply.buttons] if i == len(chunks) - 1 else []
            parts.append({"text": chunk, "buttons": buttons})
    return parts


def markup_of(part: dict[str, Any]) -> InlineKeyboardMarkup | None:
    """A stored part's keyboard, laid out as every other reply's."""
    return markup([Button(title, data) for title, data in part.get("buttons") or []])


def backoff(attempts: int, first: float, most: float) -> float:
    """Seconds before attempt `attempts + 1`: first, 2x, 4x ... capped at `most`."""
    return min(most, first * 2 ** max(0, attempts - 1))


def is_permanent(exc: TelegramError) -> bool:
    """A refusal that the same request will meet again (BadRequest is a NetworkError in PTB)."""
    return isinstance(exc, Forbidden | BadRequest | ChatMigrated)


def retry_after(exc: RetryAfter) -> float:
    """Telegram's wait in seconds (read as PTB's own limiter does, without its deprecation warning)."""
    value = getattr(exc, "_retry_after", None)
    if isinstance(value, dt.timedelta):
        return value.total_seconds()
    return float(value if value is not None else 1)


class Courier:
    """Sends what is in the outbox, oldest first, one chat's answers in order."""

    def __init__(self, db: Database, telegram: Dependency, *, first_retry: float = 2.0,
                 max_retry: float = 300.0, voice: Voice | None = None) -> None:
        self.db = db
        self.telegram = telegram
        self.first_retry = first_retry
        self.max_retry = max_retry
        self.voice = voice
        self.holder = HOLDER  # who holds the outbox lease: this process
        self._wake: asyncio.Event | None = None
        self._running = asyncio.Lock()
        # Chats with an answer in the outbox: a newer answer to them queues
        # behind it (`holds`), so a chat's answers never overtake each other.
        self._held: set[int] = set()
        self._kept_in_pass: set[int] = set()

    def holds(self, chat_id: int) -> bool:
        return chat_id in self._held

    def keep(self, chat_id: int, user_id: int, language: str, parts: list[dict[str, Any]],
             spoken_text: str | None = None, pending_id: int | None = None, wait: float = 0.0) -> int:
        """Puts an answer in the outbox, to be sent `wait` seconds from now or later."""
        not_before = utcnow() + dt.timedelta(seconds=wait) if wait > 0 else None
        answer_id = self.db.keep_answer(user_id=user_id, chat_id=chat_id, language=language, parts=parts,
                                        spoken_text=spoken_text, pending_id=pending_id, not_before=not_before)
        self._held.add(chat_id)
        self._kept_in_pass.add(chat_id)
        self.wake()
        return answer_id

    def wake(self) -> None:
        if self._wake is not None:
            self._wake.set()

    async def send_parts(self, bot: Any, chat_id: int, parts: list[dict[str, Any]], start: int = 0,
                         sent: Callable[[int], None] | None = None) -> None:
        """Sends parts[start:]; `sent(n)` after each accepted one (n = parts accepted so far)."""
        for n in range(start, len(parts)):
            part = parts[n]
            await bot.send_message(chat_id=chat_id, text=part["text"], reply_markup=markup_of(part))
            if sent is not None:
                sent(n + 1)

    async def deliver_due(self, bot: Any) -> int:
        """One pass over the outbox; returns how many answers were delivered."""
        if self._running.locked():
            return 0
        async with self._running:
            delivered = 0
            now = utcnow()
            # With several bot replicas one sends, the others only learn which chats
            # wait (bot/leases.py): two couriers would send each answer twice.
            sending = claim(self.db, "outbox", OUTBOX_LEASE_S, self.holder)
            self._kept_in_pass = set()
            held: set[int] = set()  # chats whose older answer is still waiting: keep their order
            for row in self.db.due_answers():
                if row.chat_id in held:
                    continue
                if not sending or row.next_attempt_at > now or not await self._deliver(bot, row):
                    held.add(row.chat_id)
                    continue
                delivered += 1
            self._held = held | self._kept_in_pass
            return delivered

    async def _deliver(self, bot: Any, row: OutgoingAnswer) -> bool:
        def sent(n: int) -> None:
            self.db.part_sent(row.id, n)

        try:
            await self.send_parts(bot, row.chat_id, row.parts, row.sent_parts, sent)
        except TelegramError as exc:
            reason = f"{type(exc).__name__}: {exc}"
            if is_permanent(exc):
                self.db.answer_failed(row.id, reason, None)
                log.warning("gave up on answer %s (chat refused it for good): %s", row.id, reason)
                return False
            if isinstance(exc, RetryAfter):
                wait = retry_after(exc)
            else:
                wait = backoff(row.attempts + 1, self.first_retry, self.max_retry)
                self.telegram.failed(reason)
            self.db.answer_failed(row.id, reason, utcnow() + dt.timedelta(seconds=wait))
            log.debug("answer %s not delivered, next try in %.0f s: %s", row.id, wait, reason)
            return False
        self.db.answer_delivered(row.id)
        if self.voice is not None and row.spoken_text:
            await self.voice(bot, row)  # an extra: its failure is logged there, the text went out
        log.info("delivered kept answer %s", row.id)
        return True

    async def run(self, bot: Any) -> None:
        """Delivers forever: at once when woken (a new answer), else every POLL_SECONDS."""
        self._wake = asyncio.Event()
        while True:
            try:
                await self.deliver_due(bot)
            except Exception:  # noqa: BLE001 - the courier must outlive one bad pass
                log.exception("outbox pass failed; trying again")
            try:
                await asyncio.wait_for(self._wake.wait(), POLL_SECONDS)
            except TimeoutError:
                pass
            self._wake.clear()
