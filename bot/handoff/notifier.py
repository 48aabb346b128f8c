"""The Telegram side as the desk needs it: the real one is bot/volunteers.py;
without one (the terminal chat) the desk keeps tickets it could not post."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Protocol

from bot.replies import Button, Reply


class Chat(Protocol):
    """bot.assistant.Chat as the desk uses it (not imported: that pulls in the action code)."""

    @property
    def user_id(self) -> int: ...

    @property
    def chat_id(self) -> int: ...


class Notifier(Protocol):
    """Sends to the volunteer group and to citizens; False/None means it failed."""

    async def post_group(self, text: str, buttons: Sequence[Button] = (),
                         reply_to: int | None = None) -> int | None: ...

    async def edit_group(self, message_id: int, text: str, buttons: Sequence[Button] = ()) -> None: ...

    async def send_citizen(self, chat_id: int, replies: Sequence[Reply], lang: str,
                           voice: bool = False, rate: int | None = None,
                           recording: tuple[str, str] | None = None) -> bool: ...
