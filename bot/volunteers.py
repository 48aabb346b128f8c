"""The Telegram side of the volunteer desk.

- `TelegramNotifier` posts and edits tickets in the volunteer group and
  sends volunteers' answers to citizens (text, then voice when the citizen
  has voice on).
- Handlers: a volunteer's reply to a ticket post is relayed; ticket buttons
  (Take, Close, Suggest as FAQ) carry the presser's first name; /tickets for
  volunteers and /stats for maintainers. Everyone else is refused politely
  and learns nothing about tickets or other users.
- Jobs: reminders for tickets nobody took, and a daily summary.

The handlers run in group -1, before the frontend's, and stop the update
once handled; a message in the volunteer group never reaches the FAQ
pipeline (volunteers talk among themselves there).
"""

from __future__ import annotations

import datetime as dt
import io
import logging
import re
from collections.abc import Sequence
from typing import Any
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from telegram import InlineKeyboardButton, InlineKeyboardMarkup, ReplyParameters, Update
from telegram.error import BadRequest, TelegramError
from telegram.ext import (
    Application,
    ApplicationHandlerStop,
    CallbackQueryHandler,
    CommandHandler,
    ContextTypes,
    MessageHandler,
    filters,
)

from bot.handoff.desk import Desk
from bot.leases import DAY_S, once
from bot.replies import TELEGRAM_TEXT_LIMIT, Button, Reply, split_text
from bot.speech.send import send_spoken
from core.privacy import mask_pii
from core.strings import t

log = logging.getLogger(__name__)

HANDLER_GROUP = -1
REMIND_INTERVAL_S = 60
STATS_DEFAULT_DAYS = 7
STATS_MAX_DAYS = 365
VOLUNTEER_BUTTON = re.compile(r"^tk:(take|close|faq):(\d{1,10})$")

# A volunteer's forward that reads as a question is asked as a question; a
# link or personal data (typical of scam messages) keeps it a scam check.
_URL = re.compile(r"(https?://|www\.|t\.me/|\b[\w-]+\.(?:mn|com|net|org|info|xyz|top|site|online|ru)\b)", re.I)
# English questions open with a question word or an auxiliary; Mongolian ones
# carry a question word anywhere or end with a question particle.
_EN_FIRST = frozenset({"how", "what", "where", "when", "why", "who", "which", "can", "could", "should",
                       "is", "are", "do", "does", "did", "will", "would", "may"})
_MN_ANY = frozenset({"яаж", "яах", "хэрхэн", "хаана", "хэзээ", "яагаад", "хэн", "ямар", "хэд",
                     "yaj", "yaaj", "yah", "herhen", "haana", "hezee", "yagaad", "ymar", "yamar"})
_MN_LAST = frozenset({"вэ", "бэ", "уу", "үү", "юу", "ve", "be", "uu", "vv", "yu"})
FORWARDED_QUESTION_MAX_CHARS = 400


def reads_as_question(text: str) -> bool:
    """Whether a volunteer's forwarded message should be answered as a question.

    Volunteers forward citizens' questions ("how do I block my card?") and
    suspicious messages alike. A question has a question mark or question
    word, is short, and carries no link and no personal data; anything else
    goes to the scam checker as for any user.
    """
    text = (text or "").strip()
    if not text or len(text) > FORWARDED_QUESTION_MAX_CHARS or _URL.search(text):
        return False
    if mask_pii(text) != text:
        return False
    words = re.findall(r"[^\W\d_]+", text.lower())
    if "?" in text:
        return True
    return bool(words) and (words[0] in _EN_FIRST or words[-1] in _MN_LAST or bool(_MN_ANY & set(words)))


def markup(buttons: Sequence[Button]) -> InlineKeyboardMarkup | None:
    """One button per row: easier to find and read with a screen reader."""
    if not buttons:
        return None
    return InlineKeyboardMarkup([[InlineKeyboardButton(b.title, callback_data=b.data)] for b in buttons])


def _limit(text: str) -> str:
    return text if len(text) <= TELEGRAM_TEXT_LIMIT else text[: TELEGRAM_TEXT_LIMIT - 1] + "…"


class TelegramNotifier:
    """The desk's Notifier over a telegram.Bot."""

    def __init__(self, bot: Any, group_chat_id: int | None, speaker: Any | None = None) -> None:
        self.bot = bot
        self.group_chat_id = group_chat_id
        self.speaker = speaker

    async def post_group(self, text: str, buttons: Sequence[Button] = (),
                         reply_to: int | None = None) -> int | None:
        if self.group_chat_id is None:
            return None
        params = ReplyParameters(message_id=reply_to, allow_sending_without_reply=True) if reply_to else None
        try:
            message = await self.bot.send_message(chat_id=self.group_chat_id, text=_limit(text),
                                                  reply_markup=markup(buttons), reply_parameters=params)
        except TelegramError as exc:
            log.warning("posting to the volunteer group failed: %s", exc)
            return None
        return message.message_id

    async def post_group_audio(self, file_id: str, kind: str, caption: str, reply_to: int | None = None) -> int | None:
        """Re-sends a citizen's recording (by Telegram file id) to the group."""
        if self.group_chat_id is None:
            return None
        params = ReplyParameters(message_id=reply_to, allow_sending_without_reply=True) if reply_to else None
        send = self.bot.send_voice if kind == "voice" else self.bot.send_audio
        try:
            message = await send(self.group_chat_id, file_id, caption=_limit(caption)[:1024],
                                 reply_parameters=params)
        except TelegramError as exc:
            log.warning("posting a recording to the volunteer group failed: %s", exc)
            return None
        return message.message_id

    async def delete_group(self, chat_id: int, message_id: int) -> None:
        """Deletes a post carrying a recording (the ticket closed, or /forget)."""
        try:
            await self.bot.delete_message(chat_id=chat_id, message_id=message_id)
        except TelegramError as exc:
            # Telegram lets bots delete their group posts for 48 hours only.
            log.warning("deleting recording post %s failed: %s", message_id, exc)

    async def edit_group(self, message_id: int, text: str, buttons: Sequence[Button] = ()) -> None:
        if self.group_chat_id is None:
            return
        try:
            await self.bot.edit_message_text(chat_id=self.group_chat_id, message_id=message_id,
                                             text=_limit(text), reply_markup=markup(buttons))
        except BadRequest as exc:
            # "message is not modified" and deleted posts are harmless.
            log.info("editing ticket post %s: %s", message_id, exc)
        except TelegramError as exc:
            log.warning("editing ticket post %s failed: %s", message_id, exc)

    async def send_citizen(self, chat_id: int, replies: Sequence[Reply], lang: str,
                           voice: bool = False, rate: int | None = None,
                           recording: tuple[str, str] | None = None) -> bool:
        """Texts, then the volunteer's own recording (kind, file id) if any, then our voice."""
        try:
            for reply in replies:
                chunks = split_text(reply.text) if reply.text else []
                for i, chunk in enumerate(chunks):
                    keys = markup(reply.buttons) if i == len(chunks) - 1 else None
                    await self.bot.send_message(chat_id=chat_id, text=chunk, reply_markup=keys)
            if recording is not None:
                kind, file_id = recording
                send = self.bot.send_voice if kind == "voice" else self.bot.send_audio
                await send(chat_id, file_id)
        except TelegramError as exc:
            # Typically Forbidden: the citizen blocked the bot.
            log.warning("message to a citizen failed: %s", exc)
            return False
        if voice and self.speaker is not None:
            await self._voice(chat_id, "\n\n".join(r.text for r in replies if r.text), lang, rate)
        return True

    async def _voice(self, chat_id: int, text: str, lang: str, rate: int | None) -> None:
        # Made for this one person: never kept in the voice cache.
        await send_spoken(self.bot, self.speaker, chat_id, [text], lang=lang, rate=rate, keep=False,
                          what="a volunteer answer")


class VolunteerHandlers:
    def __init__(self, assistant: Any, desk: Desk) -> None:
        self.assistant = assistant
        self.desk = desk

    def lang_for(self, update: Update) -> str:
        """The group's language inside the group, else the user's own."""
        chat = update.effective_chat
        if chat is not None and chat.id == self.desk.config.volunteer_chat_id:
            return self.desk.glang
        user = update.effective_user
        return self.assistant.language_of(user.id) if user else self.desk.glang

    async def on_button(self, update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
        query = update.callback_query
        user = update.effective_user
        m = VOLUNTEER_BUTTON.match(query.data or "")
        lang = self.lang_for(update)
        if m is None or user is None:
            text = t(lang, "bot.forged_button")
        else:
            text = await self.desk.volunteer_button(user.id, user.first_name, m.group(1), int(m.group(2)), lang)
        try:
            await query.answer(text=text[:200])
        except TelegramError as exc:
            log.info("answerCallbackQuery failed (ignored): %s", exc)
        raise ApplicationHandlerStop

    async def on_group_message(self, update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
        message = update.effective_message
        user = update.effective_user
        target = message.reply_to_message if message else None
        if message is None or user is None or target is None:
            raise ApplicationHandlerStop
        recording = None
        if message.voice is not None:
            recording = ("voice", message.voice.file_id)
        elif message.audio is not None:
            recording = ("audio", message.audio.file_id)
        note = await self.desk.volunteer_answer(message.chat_id, target.message_id, user.id, user.first_name,
                                                message.text or message.caption or "", recording=recording)
        if note is not None:
            try:
                await message.reply_text(note, do_quote=True)
            except TelegramError as exc:
                log.warning("note in the volunteer group failed: %s", exc)
        raise ApplicationHandlerStop

    async def on_tickets(self, update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
        user = update.effective_user
        lang = self.lang_for(update)
        if user is None or not self.desk.is_volunteer(user.id):
            text = t(lang, "handoff.group.volunteers_only")
        else:
            text = self.desk.open_tickets_text(lang)
        await update.effective_message.reply_text(text)
        raise ApplicationHandlerStop

    async def on_stats(self, update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
        from bot import stats

        user = update.effective_user
        lang = self.lang_for(update)
        message = update.effective_message
        if user is None or not self.desk.is_maintainer(user.id):
            await message.reply_text(t(lang, "handoff.stats.maintainers_only"))
            raise ApplicationHandlerStop
        days = parse_days(context.args or [])
        figures = stats.collect(self.desk.db, days, tz=self.desk.settings.timezone)
        await reply_with_chart(message, stats.format_text(figures, lang),
                               lambda out: stats.render_chart(figures, out, lang), stats.chart_caption(figures, lang))
        await send_scam_waves(message, self.desk.db, days, lang)
        raise ApplicationHandlerStop

    async def remind_job(self, context: ContextTypes.DEFAULT_TYPE) -> None:
        try:
            posted = await self.desk.remind_due()
            await self._recordings()
        except Exception:  # noqa: BLE001 - a failed round is retried next minute
            log.exception("ticket reminder round failed")
            return
        if posted:
            log.info("posted or re-posted tickets %s", posted)

    async def _recordings(self) -> None:
        """Recordings follow their tickets: posted once the ticket is, dropped once it is closed."""
        from bot.voice_questions import purge_recordings

        questions = getattr(self.assistant, "voice_questions", None)
        if questions is not None:
            await questions.post_waiting()
        notifier = self.desk.notifier
        for chat_id, message_id in purge_recordings(self.desk.db):
            if notifier is not None:
                await notifier.delete_group(chat_id, message_id)

    async def summary_job(self, context: ContextTypes.DEFAULT_TYPE) -> None:
        try:
            await self.desk.post_daily_summary()
        except Exception:  # noqa: BLE001
            log.exception("daily ticket summary failed")


async def reply_with_chart(message: Any, text: str, render: Any, caption: str) -> None:
    """Figures as text (for the ear), then their chart with a caption saying what it shows."""
    for chunk in split_text(text):
        await message.reply_text(chunk)
    buffer = io.BytesIO()
    render(buffer)
    buffer.seek(0)
    try:
        await message.reply_photo(photo=buffer, caption=caption)
    except TelegramError as exc:
        log.warning("sending a stats chart failed: %s", exc)


async def send_scam_waves(message: Any, db: Any, days: int, lang: str) -> None:
    """Scam checks by pattern per week, text then chart (bot/scam_waves.py)."""
    from bot import scam_waves

    waves = scam_waves.collect(db, max(1, min(52, -(-days // 7) + 1)))
    await reply_with_chart(message, scam_waves.format_text(waves, lang),
                           lambda out: scam_waves.render_chart(waves, out, lang), scam_waves.caption(waves, lang))


def parse_days(args: Sequence[str]) -> int:
    """`/stats`, `/stats 30`, `/stats 30 days`: the first number, within limits."""
    for arg in args:
        if arg.isdigit():
            return max(1, min(STATS_MAX_DAYS, int(arg)))
    return STATS_DEFAULT_DAYS


def _summary_time(desk: Desk) -> dt.time:
    try:
        tz: dt.tzinfo = ZoneInfo(desk.settings.timezone)
    except (ZoneInfoNotFoundError, ValueError):
        log.warning("unknown TICKET_TIMEZONE %r; using UTC+8", desk.settings.timezone)
        tz = dt.timezone(dt.timedelta(hours=8))
    return desk.settings.summary_time.replace(tzinfo=tz)


def register(application: Application, assistant: Any, desk: Desk, speaker: Any | None) -> VolunteerHandlers:
    """Connects the desk to Telegram: notifier, handlers and jobs."""
    group_id = desk.config.volunteer_chat_id
    desk.notifier = TelegramNotifier(application.bot, group_id, speaker)
    handlers = VolunteerHandlers(assistant, desk)
    application.add_handler(CallbackQueryHandler(handlers.on_button, pattern=VOLUNTEER_BUTTON), HANDLER_GROUP)
    application.add_handler(CommandHandler("stats", handlers.on_stats), HANDLER_GROUP)
    application.add_handler(CommandHandler("tickets", handlers.on_tickets), HANDLER_GROUP)
    if group_id is not None:
        application.add_handler(MessageHandler(filters.Chat(group_id) & filters.UpdateType.MESSAGE
                                               & ~filters.COMMAND, handlers.on_group_message), HANDLER_GROUP)
    else:
        log.warning("VOLUNTEER_CHAT_ID is not set: tickets are kept but reach no volunteer")
    if not (desk.config.volunteer_ids or desk.config.maintainer_ids):
        log.warning("VOLUNTEER_IDS is empty: nobody can answer tickets")
    jobs = application.job_queue
    if jobs is None:
        log.warning("no job queue (install python-telegram-bot[job-queue]): no ticket reminders")
    else:
        # Each round once across bot replicas (bot/leases.py): one reminder, one summary a day.
        jobs.run_repeating(once(desk.db, "ticket-reminders", REMIND_INTERVAL_S, handlers.remind_job),
                           interval=REMIND_INTERVAL_S, first=REMIND_INTERVAL_S / 3, name="ticket-reminders")
        jobs.run_daily(once(desk.db, "ticket-summary", DAY_S, handlers.summary_job), time=_summary_time(desk),
                       name="ticket-summary")
    return handlers
