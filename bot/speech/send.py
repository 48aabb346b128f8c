"""Speaking texts and sending them as Telegram voice messages, one place for both senders.

The bot's answers (bot/telegram_app.py) and volunteers' answers relayed to a
citizen (bot/volunteers.py) go out the same way: each text voiced, sent in
order, and a clip made for one person only (`keep=False`) deleted once sent,
so no one's words stay on disk (docs/privacy.md). Voice is an extra: the
text already went out, so a failure is logged and the rest is skipped.
"""

from __future__ import annotations

import logging
from collections.abc import Iterable
from typing import Any

from telegram.error import TelegramError

log = logging.getLogger(__name__)


async def send_spoken(bot: Any, speaker: Any, chat_id: int, texts: Iterable[str], *, lang: str,
                      rate: int | None, keep: bool, what: str = "a reply") -> None:
    """Voices each text and sends it to `chat_id`; stops at the first failure."""
    for text in texts:
        try:
            clip = await speaker.speak(text, lang=lang, rate=rate, keep=keep)
        except Exception:  # noqa: BLE001 - voice is an extra; the text already went out
            log.exception("voice synthesis for %s failed", what)
            return
        if clip is None:
            return
        try:
            with open(clip.path, "rb") as fh:
                await bot.send_voice(chat_id=chat_id, voice=fh, duration=max(1, round(clip.duration)))
        except (TelegramError, OSError) as exc:
            log.warning("sendVoice of %s failed: %s", what, exc)
            return
        finally:
            clip.discard()
