"""A button press counts only in the chat its button belongs to.

Telegram lets any client send any callback data on any message it can see,
so the data alone proves nothing. Two kinds of buttons exist:

- Ticket buttons (Take, Close, Suggest as FAQ: `tk:take|close|faq:N`) live
  on the bot's posts in the volunteer group. They count only there, and
  only on a post of that same ticket: pressed in a citizen's chat, another
  group, or on another ticket's post, they are refused.
- Every other button (language, voice, menu, FAQ choices, feedback, a
  citizen's Close) lives in a citizen's private chat. Pressed in a group
  they are refused: otherwise a group member could press a forged
  "/choose_faq" or "tk:done" and the bot would answer, with that member's
  own conversation, into the group.

A refused press gets the usual "this button is no longer valid" notice,
shown to the presser alone (answerCallbackQuery), and nothing is posted
anywhere. The check runs before every other handler (group GATE_GROUP).
"""

from __future__ import annotations

import logging
from typing import Any

from telegram import Update
from telegram.constants import ChatType
from telegram.error import TelegramError
from telegram.ext import Application, ApplicationHandlerStop, CallbackQueryHandler, ContextTypes

from bot.volunteers import VOLUNTEER_BUTTON
from core.strings import t

log = logging.getLogger(__name__)

# Before bot/volunteers.py's handlers (group -1) and the frontend's (group 0).
GATE_GROUP = -2


def belongs_here(data: str | None, chat_id: int | None, chat_type: str | None,
                 volunteer_chat_id: int | None) -> bool:
    """Whether a press with this data may be honoured in this chat."""
    if chat_id is None:
        return False  # an inline message: the bot sends none
    if VOLUNTEER_BUTTON.match(data or ""):
        return volunteer_chat_id is not None and chat_id == volunteer_chat_id
    return chat_type == ChatType.PRIVATE


class ButtonGate:
    def __init__(self, assistant: Any, desk: Any | None, volunteer_chat_id: int | None) -> None:
        self.assistant = assistant
        self.desk = desk
        self.volunteer_chat_id = volunteer_chat_id

    def allowed(self, update: Update) -> bool:
        query = update.callback_query
        chat = update.effective_chat
        if not belongs_here(query.data, chat.id if chat else None, chat.type if chat else None,
                            self.volunteer_chat_id):
            return False
        m = VOLUNTEER_BUTTON.match(query.data or "")
        if m is None:
            return True
        # A ticket button must sit on a post of its own ticket.
        if self.desk is None or query.message is None:
            return False
        ticket = self.desk.ticket_for_post(chat.id, query.message.message_id)
        return ticket is not None and ticket.id == int(m.group(2))

    def language(self, update: Update) -> str:
        chat = update.effective_chat
        if self.desk is not None and chat is not None and chat.id == self.volunteer_chat_id:
            return self.desk.glang
        user = update.effective_user
        return self.assistant.language_of(user.id if user else chat.id if chat else 0)

    async def check(self, update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
        if self.allowed(update):
            return
        chat = update.effective_chat
        # Not the data: forged data can carry anything, personal data included.
        log.warning("button press refused in a %s chat", chat.type if chat else "unknown")
        try:
            await update.callback_query.answer(text=t(self.language(update), "bot.forged_button")[:200])
        except TelegramError as exc:
            log.info("answerCallbackQuery failed (ignored): %s", exc)
        raise ApplicationHandlerStop


def register(application: Application, assistant: Any, desk: Any | None,
             volunteer_chat_id: int | None) -> ButtonGate:
    gate = ButtonGate(assistant, desk, volunteer_chat_id)
    application.add_handler(CallbackQueryHandler(gate.check), GATE_GROUP)
    return gate
