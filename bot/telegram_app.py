"""The Telegram side: python-telegram-bot handlers around the Assistant.

Handlers stay small: turn an update into an Assistant call, then render the
Outcome. A failed non-essential call (typing indicator, command list) is
logged and never stops the reply.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Awaitable
from typing import Any

from telegram import BotCommand, Update
from telegram.constants import ChatAction
from telegram.error import NetworkError, RetryAfter, TelegramError
from telegram.ext import (
    Application,
    ApplicationBuilder,
    CallbackQueryHandler,
    CommandHandler,
    ContextTypes,
    MessageHandler,
    filters,
)

from actions.server import use_uvloop
from bot import button_scope, health, retention
from bot.assistant import COMMANDS, Assistant, Chat, Outcome
from bot.chat_queue import ChatQueues
from bot.config import Config
from bot.delivery import Courier, is_permanent, parts_of, retry_after
from bot.health import Dependency
from bot.leases import once
from bot.replies import Reply
from bot.speech.parts import voice_parts
from bot.speech.send import send_spoken
from bot.storage import OutgoingAnswer
from bot.telegram_limits import TelegramLimits
from bot.telegram_request import AiohttpRequest
from bot.voice_questions import Incoming, VoiceQuestions
from bot.volunteers import reads_as_question
from core.settings import LANGUAGES
from core.strings import t

log = logging.getLogger(__name__)


class TelegramFrontend:
    def __init__(self, assistant: Assistant, speaker: Any | None, *, typing_after: float,
                 courier: Courier | None = None) -> None:
        self.assistant = assistant
        self.speaker = speaker
        self.typing_after = typing_after
        self.courier = courier

    @staticmethod
    def chat_of(update: Update) -> Chat:
        user = update.effective_user
        chat = update.effective_chat
        return Chat(user_id=user.id if user else chat.id, chat_id=chat.id,
                    private=chat.type == chat.PRIVATE)

    async def deliver(self, bot: Any, chat_id: int, outcome: Outcome, user_id: int | None = None) -> None:
        """Sends replies (split at 4096 characters), then the voice message.

        If Telegram is unreachable or still says 429 after the rate limiter's
        retries, what was not sent goes to the outbox and arrives later
        (bot/delivery.py) rather than being lost with the handler's error.
        """
        parts = parts_of(outcome.replies)
        accepted = 0

        def sent(n: int) -> None:
            nonlocal accepted
            accepted = n

        speak = outcome.speak and self.speaker and outcome.spoken_text
        assert self.courier is not None  # build_application always sets one
        if self.courier.holds(chat_id):
            # An earlier answer to this chat is still in the outbox: this one goes behind it.
            self.courier.keep(chat_id, user_id or chat_id, outcome.language, parts,
                              outcome.spoken_text if speak else None)
            return
        try:
            await self.courier.send_parts(bot, chat_id, parts, 0, sent)
        except TelegramError as exc:
            if is_permanent(exc):
                raise
            if isinstance(exc, RetryAfter):
                wait = retry_after(exc)
            else:
                wait = self.courier.first_retry
                self.courier.telegram.failed(f"{type(exc).__name__}: {exc}")
            self.courier.keep(chat_id, user_id or chat_id, outcome.language, parts[accepted:],
                              outcome.spoken_text if speak else None, wait=wait)
            return
        if speak:
            await self.send_voice(bot, chat_id, outcome, user_id or chat_id)
            if outcome.spoken_choices:
                await self.send_voice(bot, chat_id, outcome, user_id or chat_id, outcome.spoken_choices)

    async def voice_of_kept(self, bot: Any, row: OutgoingAnswer) -> None:
        """The voice message of an answer the outbox delivered (text first, as always)."""
        if self.speaker is None or not row.spoken_text:
            return
        outcome = Outcome(replies=[Reply(row.spoken_text)], language=row.language, speak=True)
        await self.send_voice(bot, row.chat_id, outcome, row.user_id)

    async def please_wait(self, update: Update) -> None:
        """The one notice to a user over the per-user limit (bot/chat_queue.py)."""
        if update.effective_chat is None:
            return
        user = update.effective_user
        lang = self.assistant.language_of(user.id if user else update.effective_chat.id)
        try:
            await update.get_bot().send_message(update.effective_chat.id, t(lang, "delivery.please_wait"))
        except TelegramError as exc:
            log.info("please-wait notice not sent: %s", exc)

    async def send_voice(self, bot: Any, chat_id: int, outcome: Outcome, user_id: int,
                         text: str | None = None) -> None:
        """Voices the text; a long one as a short first clip and the rest (speech/parts.py).

        A personal reply (it quotes the user's words) is made for this one
        sending and never kept in the voice cache (docs/privacy.md).
        """
        rate = self.assistant.db.settings(user_id).rate
        await send_spoken(bot, self.speaker, chat_id, voice_parts(text or outcome.spoken_text),
                          lang=outcome.language, rate=rate, keep=not outcome.personal)

    async def typing(self, update: Update) -> None:
        try:
            await update.effective_chat.send_chat_action(ChatAction.TYPING)
        except TelegramError as exc:
            log.info("sendChatAction failed (ignored): %s", exc)

    # --- handlers ----------------------------------------------------------
    async def on_command(self, update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
        words = (update.effective_message.text or "").split()
        name = words[0].lstrip("/").split("@")[0].lower()
        chat = self.chat_of(update)
        outcome = await self.assistant.command(chat, name if name in COMMANDS else "", " ".join(words[1:2]))
        await self.deliver(context.bot, chat.chat_id, outcome, chat.user_id)

    async def on_text(self, update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
        message = update.effective_message
        chat = self.chat_of(update)
        forwarded = message.forward_origin is not None
        text = message.text or message.caption or ""
        desk = self.assistant.desk
        if forwarded and desk is not None and desk.is_volunteer(chat.user_id) and reads_as_question(text):
            # A volunteer passing on a citizen's question wants the answer,
            # not a scam check of the question.
            forwarded = False
        outcome = await self._typing_while(update, self.assistant.text(chat, text, forwarded=forwarded))
        await self.deliver(context.bot, chat.chat_id, outcome, chat.user_id)

    async def _typing_while(self, update: Update, answer: Awaitable[Outcome]) -> Outcome:
        """Awaits the answer; shows "typing..." if it takes over `typing_after` seconds.

        The indicator goes out while Rasa thinks, not before (on Telegram it
        is a full round trip that would delay every answer), and never
        arrives after the answer: once sent it is awaited, and if the answer
        came first it is not sent at all.
        """
        sending = asyncio.Event()

        async def later() -> None:
            await asyncio.sleep(self.typing_after)
            sending.set()
            await self.typing(update)

        typing = asyncio.create_task(later())
        try:
            return await answer
        finally:
            if sending.is_set():
                await typing
            else:
                typing.cancel()

    async def on_voice(self, update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
        """A question asked by voice (a voice note, or an audio file)."""
        message = update.effective_message
        chat = self.chat_of(update)
        questions = self.assistant.voice_questions
        media = message.voice or message.audio or message.document
        if questions is None or media is None:
            await self.on_unsupported(update, context)
            return
        incoming = Incoming(file_id=media.file_id, kind="voice" if message.voice else "audio",
                            seconds=getattr(media, "duration", None), size=media.file_size)

        async def fetch() -> bytes:
            telegram_file = await context.bot.get_file(media.file_id)
            return bytes(await telegram_file.download_as_bytearray())

        outcome = await self._typing_while(update, questions.received(chat, incoming, fetch))
        await self.deliver(context.bot, chat.chat_id, outcome, chat.user_id)

    async def on_button(self, update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
        query = update.callback_query
        try:
            await query.answer()
        except TelegramError as exc:
            log.info("answerCallbackQuery failed (ignored): %s", exc)
        chat = self.chat_of(update)
        outcome = await self.assistant.press(chat, query.data)
        await self.deliver(context.bot, chat.chat_id, outcome, chat.user_id)

    async def on_unsupported(self, update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
        message = update.effective_message
        if update.edited_message is not None:
            kind = "edited"
        elif message.sticker:
            kind = "sticker"
        elif message.photo:
            kind = "photo"
        elif message.voice or message.audio or message.video_note:
            kind = "voice"
        else:
            kind = "media"
        chat = self.chat_of(update)
        outcome = await self.assistant.unsupported(chat, kind)
        await self.deliver(context.bot, chat.chat_id, outcome, chat.user_id)

    async def on_error(self, update: object, context: ContextTypes.DEFAULT_TYPE) -> None:
        if update is None and isinstance(context.error, NetworkError | RetryAfter):
            # getUpdates failing while the Bot API is down: AiohttpRequest's
            # Dependency has logged the outage once; PTB retries with backoff.
            return
        log.error("handler failed: %s", context.error, exc_info=context.error)
        if isinstance(update, Update) and update.effective_chat:
            lang = self.assistant.language_of(update.effective_user.id if update.effective_user
                                              else update.effective_chat.id)
            try:
                await context.bot.send_message(update.effective_chat.id, t(lang, "bot.service_down"))
            except TelegramError:
                pass

    async def retry_job(self, context: ContextTypes.DEFAULT_TYPE) -> None:
        """Puts kept questions to Rasa again; their answers go to the outbox, one per question.

        The question counts as answered only once Telegram accepted the whole
        answer (Courier), so a Bot API outage at this moment loses nothing.
        """
        assert self.courier is not None
        for question, outcome in await self.assistant.retry_pending():
            speak = outcome.speak and self.speaker is not None and bool(outcome.spoken_text)
            self.courier.keep(question.chat_id, question.user_id, outcome.language, parts_of(outcome.replies),
                              outcome.spoken_text if speak else None, pending_id=question.id)


async def set_commands(app: Application) -> None:
    for lang in LANGUAGES:
        commands = [BotCommand(name, t(lang, f"command_menu.{name}")) for name in COMMANDS]
        try:
            await app.bot.set_my_commands(commands, language_code=None if lang == "en" else lang)
        except TelegramError as exc:
            log.info("setMyCommands failed (ignored): %s", exc)


def build_application(config: Config, assistant: Assistant, speaker: Any | None,
                      desk: Any | None = None) -> Application:
    # The pool sizes are the builder's own defaults: 256 for the bot's calls,
    # 1 for getUpdates (whose read timeout PTB lengthens by the poll time).
    telegram = Dependency("the Telegram Bot API")
    builder: ApplicationBuilder = (Application.builder().token(config.token or "")
                                   .request(AiohttpRequest(connection_pool_size=256, health=telegram))
                                   .get_updates_request(AiohttpRequest(connection_pool_size=1, health=telegram))
                                   .rate_limiter(TelegramLimits()))
    if config.api_url:
        builder = builder.base_url(f"{config.api_url}/bot").base_file_url(f"{config.api_url}/file/bot")

    async def close_rasa(app: Application) -> None:
        await assistant.rasa.close()

    courier = Courier(assistant.db, telegram, first_retry=config.delivery_retry_first,
                      max_retry=config.delivery_retry_max)
    front = TelegramFrontend(assistant, speaker, typing_after=config.typing_after, courier=courier)
    courier.voice = front.voice_of_kept
    queues = ChatQueues(config.user_messages_per_minute, front.please_wait)

    def status() -> dict[str, Any]:
        return {"telegram": "up" if telegram.up else "down", "rasa": "up" if assistant.rasa.health.up else "down",
                "actions": "up" if assistant.rasa.actions_health.up else "down"}

    async def start(app: Application) -> None:
        await set_commands(app)
        app.bot_data["courier"] = asyncio.get_running_loop().create_task(courier.run(app.bot))
        await app.bot_data["alerts"].resume(app.bot)  # broadcasts a crash interrupted
        if app.bot_data.get("health_port"):
            app.bot_data["health"] = await health.serve(app.bot_data["health_port"], status,
                                                        app.bot_data.get("health_host", "0.0.0.0"))

    async def stop(app: Application) -> None:
        task = app.bot_data.pop("courier", None)
        if task is not None:
            task.cancel()
        runner = app.bot_data.pop("health", None)
        if runner is not None:
            await runner.cleanup()

    builder = builder.post_init(start).post_stop(stop).post_shutdown(close_rasa).concurrent_updates(queues)
    app = builder.build()
    from bot.speech.listen import Listener

    assistant.voice_questions = VoiceQuestions(assistant, Listener.default())
    app.bot_data["frontend"] = front

    button_scope.register(app, assistant, desk, config.volunteer_chat_id)
    from bot import alerts

    app.bot_data["alerts"] = alerts.register(app, assistant, config, speaker)
    if desk is not None:
        from bot import volunteers

        volunteers.register(app, assistant, desk, speaker)

    private = filters.ChatType.PRIVATE
    app.add_handler(CommandHandler(list(COMMANDS), front.on_command, filters=private))
    app.add_handler(MessageHandler(private & filters.COMMAND, front.on_command))
    app.add_handler(MessageHandler(private & filters.UpdateType.EDITED_MESSAGE, front.on_unsupported))
    app.add_handler(MessageHandler(private & (filters.TEXT | (filters.FORWARDED & filters.CAPTION)),
                                   front.on_text))
    app.add_handler(MessageHandler(private & (filters.VOICE | filters.AUDIO | filters.Document.AUDIO)
                                   & filters.UpdateType.MESSAGE, front.on_voice))
    app.add_handler(MessageHandler(private & ~filters.TEXT, front.on_unsupported))
    app.add_handler(CallbackQueryHandler(front.on_button))
    app.add_error_handler(front.on_error)
    if app.job_queue is not None:
        # Kept questions are put to Rasa again by one replica at a time (bot/leases.py).
        app.job_queue.run_repeating(once(assistant.db, "retry-pending", config.retry_interval, front.retry_job),
                                    interval=config.retry_interval, first=config.retry_interval)
        retention.schedule(app.job_queue, assistant.db, assistant.conversations, config.retention_days)
    return app


def run(config: Config, assistant: Assistant, speaker: Any | None, desk: Any | None,
        webhook: bool = False) -> None:
    app = build_application(config, assistant, speaker, desk)
    use_uvloop()  # under load the event loop itself was a visible share of the CPU
    if webhook:
        if not config.webhook_url:
            raise SystemExit("--webhook needs WEBHOOK_URL (the public HTTPS address of this bot)")
        # Telegram sends the secret in X-Telegram-Bot-Api-Secret-Token with
        # every update; the webhook answers 403 to a request without it,
        # before anything is stored, so a forged update (say, as a volunteer
        # replying to a ticket) is never relayed. docs/security.md. Updates
        # go through a durable queue shared by replicas (bot/cluster/ingress.py).
        from bot.cluster.webhook_run import run_webhook

        app.bot_data["health_port"] = config.health_port  # GET /health for the compose file
        run_webhook(app, config, assistant.db)
    else:
        app.run_polling(allowed_updates=Update.ALL_TYPES)
