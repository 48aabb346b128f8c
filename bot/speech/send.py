"""Speaking texts and sending them as Telegram voice messages, one place for both senders.

The bot's answers (bot/telegram_app.py) and volunteers' answers relayed to a
citizen (bot/volunteers.py) go out the same way: each text voiced, sent in
order, and a clip made for one person only (`keep=False`) deleted once sent,
so no one's words stay on disk (docs/privacy.md). The next text is voiced
while the clip before it is uploaded, so the parts of an answer
(speech/parts.py) follow each other without waiting for Telegram in between.
Voice is an extra: the text already went out, so a failure is logged and
the rest is skipped.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Iterable
from typing import Any

from telegram.error import TelegramError

log = logging.getLogger(__name__)


async def _voiced(speaker: Any, text: str, lang: str, rate: int | None, keep: bool, what: str) -> Any:
    """The clip of `text`, or None (logged) when voice failed."""
    try:
        return await speaker.speak(text, lang=lang, rate=rate, keep=keep)
    except Exception:  # noqa: BLE001 - voice is an extra; the text already went out
        log.exception("voice synthesis for %s failed", what)
        return None


async def send_spoken(bot: Any, speaker: Any, chat_id: int, texts: Iterable[str], *, lang: str,
                      rate: int | None, keep: bool, what: str = "a reply") -> None:
    """Voices each text and sends it to `chat_id`; stops at the first failure."""
    pending = list(texts)
    if not pending:
        return
    making = asyncio.ensure_future(_voiced(speaker, pending.pop(0), lang, rate, keep, what))
    while making is not None:
        clip = await making
        if clip is None:
            return
        # The next part is voiced while this one is uploaded (one synthesis at
        # a time still: it starts only once this clip is made).
        making = asyncio.ensure_future(_voiced(speaker, pending.pop(0), lang, rate, keep, what)) if pending else None
        try:
            with open(clip.path, "rb") as fh:
                await bot.send_voice(chat_id=chat_id, voice=fh, duration=max(1, round(clip.duration)))
        except (TelegramError, OSError) as exc:
            log.warning("sendVoice of %s failed: %s", what, exc)
            if making is not None:
                # Let it finish rather than cancel it: a cancelled wait would
                # leave the worker thread to write a personal clip no one deletes.
                unsent = await making
                if unsent is not None:
                    unsent.discard()
            return
        finally:
            clip.discard()
