"""One chat, one queue: a chat's updates are handled in order, one at a time.

With every update running concurrently, a fast typist's messages reached
Rasa together, waited on Rasa's per-conversation lock past the bot's
timeout and came back as false "technical problem" apologies, then as late
answers. Here each chat's updates wait for the previous one to finish;
different chats still run side by side, so one busy chat slows no other.

The per-user limit (USER_MESSAGES_PER_MINUTE) is a generic cell rate
algorithm: a user may send `limit` messages at once, then one every
60/limit seconds is handled. Messages over the limit are not dropped and
not apologised for: they stay in the chat's queue until their turn, and
the user gets one polite "please wait" notice per backlog.
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from typing import Any

from telegram import Update
from telegram.ext import BaseUpdateProcessor

# Updates held at once (waiting in chat queues or running): far above any
# real load, so only the chat queues and the per-user limit decide order.
MAX_HELD_UPDATES = 8192
# Users whose limit state is kept before idle ones are forgotten.
PRUNE_AT = 10_000


@dataclass
class UserPace:
    """The generic cell rate algorithm's state for one user."""

    tat: float  # theoretical arrival time of the next message
    noticed: bool = False  # told to wait during the present backlog


class UserLimit:
    """When each of a user's messages may be handled, at `per_minute` with a burst of as many."""

    def __init__(self, per_minute: int, clock: Callable[[], float] = time.monotonic,
                 period: float = 60.0) -> None:
        self.per_minute = per_minute
        self.clock = clock
        self.interval = period / per_minute if per_minute > 0 else 0.0
        self.burst = max(0, per_minute - 1) * self.interval
        self._users: dict[int, UserPace] = {}

    def admit(self, user_id: int) -> tuple[float, bool]:
        """(seconds this message must wait, whether the user should now be told to wait)."""
        if self.per_minute <= 0:
            return 0.0, False
        now = self.clock()
        if len(self._users) > PRUNE_AT:
            self._users = {u: p for u, p in self._users.items() if p.tat > now}
        pace = self._users.get(user_id)
        if pace is None or pace.tat <= now:
            pace = self._users[user_id] = UserPace(tat=now)
        wait = max(0.0, pace.tat - self.burst - now)
        pace.tat += self.interval
        if wait <= 0:
            pace.noticed = False  # within the limit again: a later backlog gets its own notice
            return 0.0, False
        notify = not pace.noticed
        pace.noticed = True
        return wait, notify


@dataclass
class ChatLine:
    lock: asyncio.Lock
    holders: int = 0


class ChatQueues(BaseUpdateProcessor):
    """python-telegram-bot's update processor with per-chat order and the per-user limit.

    `notify(update)` sends the "please wait" notice; it runs outside the
    queue, so the user hears it at once, before the queued answers.
    """

    def __init__(self, per_minute: int, notify: Callable[[Update], Awaitable[Any]] | None = None,
                 max_held: int = MAX_HELD_UPDATES, period: float = 60.0) -> None:
        super().__init__(max_held)
        self.limit = UserLimit(per_minute, period=period)
        self.notify = notify
        self._lines: dict[int, ChatLine] = {}
        self._notices: set[asyncio.Task] = set()

    @staticmethod
    def keys(update: object) -> tuple[int | None, int | None]:
        """(chat, user) of an update, either None when it has none."""
        if not isinstance(update, Update):
            return None, None
        chat, user = update.effective_chat, update.effective_user
        user_id = user.id if user else None
        return (chat.id if chat else user_id), user_id

    async def do_process_update(self, update: object, coroutine: Awaitable[Any]) -> None:
        chat_id, user_id = self.keys(update)
        if chat_id is None:
            await coroutine
            return
        wait, notify = self.limit.admit(user_id) if user_id is not None else (0.0, False)
        if notify and self.notify is not None and isinstance(update, Update):
            task = asyncio.create_task(self.notify(update))
            self._notices.add(task)
            task.add_done_callback(self._notices.discard)
        due = time.monotonic() + wait
        line = self._lines.get(chat_id)
        if line is None:
            line = self._lines[chat_id] = ChatLine(asyncio.Lock())
        line.holders += 1
        try:
            async with line.lock:
                left = due - time.monotonic()
                if left > 0:
                    await asyncio.sleep(left)
                await coroutine
        finally:
            line.holders -= 1
            if line.holders == 0:
                del self._lines[chat_id]

    async def initialize(self) -> None:
        pass

    async def shutdown(self) -> None:
        for task in list(self._notices):
            task.cancel()
