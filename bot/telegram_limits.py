"""Telegram's flood limits, kept by every call the bot makes.

Telegram allows a bot about 30 messages a second in all, about one a second
in one chat (short bursts pass) and 20 a minute in one group, and answers
429 with `retry_after` beyond them. python-telegram-bot's AIORateLimiter
keeps the overall and the group limits and waits out a 429 before trying
again (holding back every other call meanwhile, as Telegram asks); this
adds the per-chat pace for private chats. A 429 that outlasts the retries
reaches the caller as RetryAfter, and the caller keeps the answer in the
outbox (bot/delivery.py): it is never lost.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Coroutine
from typing import Any

from aiolimiter import AsyncLimiter
from telegram.ext import AIORateLimiter

OVERALL_PER_SECOND = 30
GROUP_PER_MINUTE = 20
# One message a second in a chat, with a burst of three (an answer, its
# second part, the voice message) so that one answer is not slowed.
CHAT_BURST, CHAT_PERIOD = 3, 3.0
# 429s waited out inside the limiter before the caller sees RetryAfter.
RETRIES = 3
# Calls that put a message in the chat (chat actions and callback answers do not).
SENDS = frozenset({"sendMessage", "sendVoice", "sendAudio", "sendPhoto", "sendDocument", "sendVideo",
                   "sendAnimation", "sendSticker", "sendLocation", "sendContact", "sendMediaGroup",
                   "copyMessage", "forwardMessage", "editMessageText", "editMessageReplyMarkup"})
KEEP_CHATS = 2048


class _GivenUpIsNotAnError(logging.Filter):
    """PTB logs a 429 that outlasted its retries as an exception with a traceback.

    Here that is routine (the caller keeps the message in the outbox and
    tries again after `retry_after`), so it becomes one INFO line.
    """

    def filter(self, record: logging.LogRecord) -> bool:
        if record.getMessage().startswith("Rate limit hit after"):
            record.levelno, record.levelname = logging.INFO, "INFO"
            record.exc_info = None
            record.exc_text = None
            record.msg = record.getMessage() + "; the message waits in the outbox"
            record.args = ()
        return True


logging.getLogger("telegram.ext.AIORateLimiter").addFilter(_GivenUpIsNotAnError())


class TelegramLimits(AIORateLimiter):
    def __init__(self) -> None:
        super().__init__(overall_max_rate=OVERALL_PER_SECOND, overall_time_period=1,
                         group_max_rate=GROUP_PER_MINUTE, group_time_period=60, max_retries=RETRIES)
        self._chats: dict[int, AsyncLimiter] = {}

    def _chat(self, chat_id: int) -> AsyncLimiter:
        limiter = self._chats.get(chat_id)
        if limiter is None:
            if len(self._chats) > KEEP_CHATS:
                # Forget chats whose bucket is empty again (nothing sent lately).
                self._chats = {c: lim for c, lim in self._chats.items() if not lim.has_capacity(CHAT_BURST)}
            limiter = self._chats[chat_id] = AsyncLimiter(CHAT_BURST, CHAT_PERIOD)
        return limiter

    async def process_request(self, callback: Callable[..., Coroutine[Any, Any, Any]], args: Any,
                              kwargs: dict[str, Any], endpoint: str, data: dict[str, Any],
                              rate_limit_args: int | None) -> Any:
        if endpoint not in SENDS:
            # "typing...", button acknowledgements, getUpdates: not messages, not
            # under the flood limits; counting them made answers queue behind them.
            await self._retry_after_event.wait()  # but a 429 pause holds them too
            return await callback(*args, **kwargs)
        chat_id = data.get("chat_id")
        if isinstance(chat_id, int | str) and str(chat_id).isdigit():
            # Private chats (positive ids); groups have their own, slower limit upstream.
            # The chat's pace is kept first, so waiting for it holds no overall capacity.
            async with self._chat(int(chat_id)):
                return await super().process_request(callback, args, kwargs, endpoint, data, rate_limit_args)
        return await super().process_request(callback, args, kwargs, endpoint, data, rate_limit_args)
