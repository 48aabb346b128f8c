"""The conversation logic shared by Telegram, the terminal chat and `ask`.

Telegram handlers and the terminal loop only translate their input into
calls on Assistant and render the Outcome; everything a user experiences
(language choice, Rasa round trip, failure handling, handoff) happens here.
"""

from __future__ import annotations

import logging
from collections import OrderedDict
from dataclasses import dataclass, field
from typing import Any, Protocol

from bot import alert_store, buttons
from bot.config import Config
from bot.handoff.wording import created_text as handoff_created_text
from bot.rasa_client import RasaClient, RasaUnavailable
from bot.rasa_store import RasaStore
from bot.replies import Button, Reply, from_rasa
from bot.speech import rate as speech_rate
from bot.spoken_choices import match_choice, say_choices
from bot.storage import Database, PendingQuestion
from core.junk_input import junk_kind
from core.junk_input import reply_key as junk_reply_key
from core.metadata import ActionOutcome, turn_metadata
from core.privacy import mask_pii
from core.script import detect_language
from core.settings import DEFAULT_LANGUAGE, LANGUAGES, MAX_MESSAGE_CHARS
from core.strings import t

log = logging.getLogger(__name__)

TOPIC_PAYLOADS = (("eservices", "/ask_eservices"), ("banking", "/ask_banking"),
                  ("scams", "/ask_scams"), ("literacy", "/ask_literacy"))
COMMANDS = ("start", "help", "menu", "language", "voice", "repeat", "slower", "faster", "alerts", "forget")
# Users whose last offered choices are remembered (for answers by number or
# by voice); the oldest are forgotten first.
CHOICES_KEPT = 10000


def choice_buttons(replies: list[Reply]) -> list[Button]:
    """The choices a reply list offers: the last keyboard, without ticket buttons.

    Only the newest keyboard is the question being asked. Ticket buttons
    (close my question) are left out: a citizen's "1" written to a
    volunteer must not close their ticket.
    """
    for reply in reversed(replies):
        if reply.buttons:
            return [b for b in reply.buttons if not b.data.startswith("tk:")]
    return []


@dataclass(frozen=True)
class Chat:
    """Who is talking: a Telegram user in a chat (private unless a group)."""

    user_id: int
    chat_id: int
    private: bool = True


@dataclass
class Outcome:
    replies: list[Reply]
    language: str
    meta: ActionOutcome = field(default_factory=dict)
    speak: bool = False
    error: str | None = None
    ticket: dict[str, Any] | None = None
    # Made from this user's own words (a check of their message, a ticket,
    # a kept question, /repeat): its voice clip is not kept in the cache.
    personal: bool = False

    @property
    def spoken_text(self) -> str:
        return "\n\n".join(r.text for r in self.replies if r.text)

    @property
    def spoken_choices(self) -> str:
        """The choices said aloud ("Say or type 1 for ..."), a separate clip.

        Kept apart from the answer so that an FAQ answer's clip is the same
        with or without choices, and stays cached.
        """
        return say_choices(self.language, choice_buttons(self.replies))


class HandoffDesk(Protocol):
    """Where questions go that the bot cannot answer (volunteer tickets)."""

    async def open_ticket(self, chat: Chat, lang: str, question: str, reason: str,
                          topic: str | None) -> tuple[list[Reply], dict[str, Any]]: ...

    async def follow_up(self, chat: Chat, lang: str, text: str) -> list[Reply] | None: ...

    async def press(self, chat: Chat, lang: str, data: str) -> list[Reply]: ...

    def forget(self, user_id: int) -> None: ...


class Assistant:
    def __init__(self, config: Config, db: Database, rasa: RasaClient,
                 desk: HandoffDesk | None = None, dry_run: bool = False,
                 conversations: RasaStore | None = None) -> None:
        self.config = config
        self.db = db
        self.rasa = rasa
        self.desk = desk
        # Rasa's tracker store, where /forget deletes the conversation too.
        self.conversations = conversations
        # `ask` runs with dry_run: it reports what would happen without
        # opening tickets or queueing questions.
        self.dry_run = dry_run
        # Voice questions (bot/voice_questions.py); set by the Telegram side.
        self.voice_questions: Any | None = None
        self._choices: OrderedDict[int, list[Button]] = OrderedDict()

    # --- helpers --------------------------------------------------------
    def language_of(self, user_id: int) -> str:
        lang = self.db.settings(user_id).language
        return lang if lang in LANGUAGES else DEFAULT_LANGUAGE

    def _outcome(self, chat: Chat, replies: list[Reply], lang: str, voice: bool | None = None,
                 **kw: Any) -> Outcome:
        if voice is None:
            voice = self.db.settings(chat.user_id).voice
        self._remember_choices(chat.user_id, replies)
        return Outcome(replies=replies, language=lang, speak=voice, **kw)

    def _remember_choices(self, user_id: int, replies: list[Reply]) -> None:
        choices = choice_buttons(replies)
        if choices:
            self._choices[user_id] = choices
            self._choices.move_to_end(user_id)
            while len(self._choices) > CHOICES_KEPT:
                self._choices.popitem(last=False)
        else:
            self._choices.pop(user_id, None)

    def chosen(self, user_id: int, text: str) -> Button | None:
        """The offered button a short answer ("2", "two", "Scams") names, if any."""
        choices = self._choices.get(user_id)
        return match_choice(text, choices) if choices else None

    @staticmethod
    def language_buttons() -> list[Button]:
        return [Button(title, data) for title, data in buttons.language_buttons()]

    @staticmethod
    def menu(lang: str) -> Reply:
        return Reply(t(lang, "bot.menu"),
                     [Button(t(lang, f"bot.topic_{topic}"), data) for topic, data in TOPIC_PAYLOADS])

    # --- entry points -----------------------------------------------------
    async def text(self, chat: Chat, text: str, forwarded: bool = False) -> Outcome:
        text = (text or "").strip()
        settings = self.db.settings(chat.user_id)
        chosen = settings.language if settings.language_chosen else None
        if not text:
            return self._outcome(chat, [Reply(t(self.language_of(chat.user_id), "bot.empty"))],
                                 self.language_of(chat.user_id))
        # A spoken-choice answer ("1", "two") first: the junk rule below reads bare digits as junk.
        if not forwarded:
            button = self.chosen(chat.user_id, text)
            if button is not None:
                return await self.press(chat, button.data)
        junk = junk_kind(text)
        if junk is not None:
            # No letters, no question: a kind reply; nothing for Rasa to count
            # towards a ticket, nothing to relay to volunteers.
            lang = self.language_of(chat.user_id)
            return self._outcome(chat, [Reply(t(lang, junk_reply_key(junk)))], lang)
        notes: list[Reply] = []
        lang = detect_language(text, chosen)
        if len(text) > MAX_MESSAGE_CHARS:
            text = text[:MAX_MESSAGE_CHARS]
            notes.append(Reply(t(lang, "bot.too_long")))
        # Masked here, before anything keeps it: Rasa's conversation store,
        # kept questions, turns and tickets all get this text (docs/privacy.md).
        text = mask_pii(text)
        if not settings.language_chosen and settings.language != lang:
            self.db.update_settings(chat.user_id, language=lang)
        if settings.expect == "message_to_check":
            forwarded = True
            self.db.update_settings(chat.user_id, expect=None)

        if self.desk and not forwarded and not self.dry_run:
            relayed = await self.desk.follow_up(chat, lang, text)
            if relayed is not None:
                self.db.add_turn(chat.user_id, "user", mask_pii(text), language=lang, intent="ticket_follow_up")
                return self._outcome(chat, notes + relayed, lang)

        message = "/check_message" if forwarded else text
        outcome = await self._ask_rasa(chat, message, lang, original=text, forwarded=forwarded,
                                       voice=settings.voice)
        outcome.replies[:0] = notes
        return outcome

    async def press(self, chat: Chat, data: str | None) -> Outcome:
        lang = self.language_of(chat.user_id)
        pressed = buttons.parse(data)
        if pressed.kind == "invalid":
            log.warning("invalid button data")
            return self._outcome(chat, [Reply(t(lang, "bot.forged_button"))], lang)
        if pressed.kind == "rasa":
            return await self._ask_rasa(chat, pressed.value, lang, original=pressed.value)
        return await self._local(chat, pressed.value, lang)

    async def command(self, chat: Chat, name: str, args: str = "") -> Outcome:
        lang = self.language_of(chat.user_id)
        if name == "start":
            # One question only (voice or not); the language comes from the
            # first message the user writes, and /language changes it.
            self.db.update_settings(chat.user_id, expect="onboarding")
            return self._outcome(chat, [Reply(t(lang, "listen.start"), [
                Button(t(lang, "listen.start_voice_yes"), "voice:on"),
                Button(t(lang, "listen.start_voice_no"), "voice:off")])], lang)
        if name == "language":
            return self._outcome(chat, [Reply(t(lang, "bot.language_prompt"), self.language_buttons())], lang)
        if name == "voice":
            on = not self.db.settings(chat.user_id).voice
            self.db.update_settings(chat.user_id, voice=on)
            return self._outcome(chat, [Reply(t(lang, "bot.voice_on" if on else "bot.voice_off"))], lang)
        if name == "menu":
            return self._outcome(chat, [self.menu(lang)], lang)
        if name == "help":
            return await self._ask_rasa(chat, "/help", lang, original="/help")
        if name == "repeat":
            settings = self.db.settings(chat.user_id)
            if not settings.last_answer:
                return self._outcome(chat, [Reply(t(lang, "bot.repeat_none"))], lang)
            out = self._outcome(chat, [Reply(settings.last_answer)], settings.last_answer_lang or lang)
            out.speak = True
            out.personal = True
            return out
        if name in ("slower", "faster"):
            return self._change_rate(chat, lang, name)
        if name == "alerts":
            return self._alerts(chat, lang, args.strip().lower())
        if name == "forget":
            await self.forget(chat.user_id)
            return Outcome([Reply(t(lang, "bot.forget_done"))], lang)
        return self._outcome(chat, [Reply(t(lang, "bot.unknown_command"))], lang)

    async def forget(self, user_id: int) -> None:
        """/forget: the user's data in every store (docs/privacy.md says what stays, and why)."""
        self._choices.pop(user_id, None)
        await self._forget_recordings(user_id)  # before the desk forgets which tickets were theirs
        if self.desk:
            self.desk.forget(user_id)
        alert_store.forget(self.db, user_id, user_id)  # a private chat's id is its user's
        # Last: it also overwrites what the deletes above left in SQLite's files.
        self.db.forget_user(user_id)
        sender = str(user_id)
        if self.conversations is not None:
            self.conversations.forget(sender)
        if not await self.rasa.forget(sender):
            log.warning("Rasa could not be asked to drop a conversation; its database copy is deleted")

    async def unsupported(self, chat: Chat, kind: str) -> Outcome:
        lang = self.language_of(chat.user_id)
        key = {"sticker": "bot.unsupported_sticker", "photo": "bot.unsupported_photo",
               "voice": "bot.unsupported_voice", "edited": "bot.edited"}.get(kind, "bot.unsupported_media")
        return self._outcome(chat, [Reply(t(lang, key))], lang)

    async def retry_pending(self) -> list[tuple[PendingQuestion, Outcome]]:
        """Answers questions kept while Rasa was down: (question, answer to deliver).

        The question is not marked answered here: the caller does that once
        the answer reached the user (bot/delivery.py for Telegram), so an
        answer that cannot be delivered is never lost.
        """
        done: list[tuple[PendingQuestion, Outcome]] = []
        pending = self.db.open_pending()
        if not pending or not await self.rasa.healthy():
            return done
        for item in pending:
            chat = Chat(item.user_id, item.chat_id)
            message = "/check_message" if item.forwarded else item.text
            outcome = await self._ask_rasa(chat, message, item.language, original=item.text,
                                           forwarded=item.forwarded, keep=False)
            if outcome.error is not None:
                self.db.mark_pending(item.id, answered=False)
                break
            outcome.personal = True  # it quotes the question
            intro = t(item.language, "bot.pending_intro", question=_short(item.text))
            if outcome.replies:
                outcome.replies[0].text = f"{intro}\n\n{outcome.replies[0].text}"
            else:
                outcome.replies.append(Reply(intro))
            done.append((item, outcome))
        return done

    # --- internals ----------------------------------------------------------
    async def _forget_recordings(self, user_id: int) -> None:
        """Drops the user's voice recordings, and their posts in the volunteer group."""
        from bot.voice_questions import forget_recordings

        posts = forget_recordings(self.db, user_id)
        notifier = getattr(self.desk, "notifier", None)
        for chat_id, message_id in posts:
            if notifier is not None:
                await notifier.delete_group(chat_id, message_id)

    def _alerts(self, chat: Chat, lang: str, arg: str) -> Outcome:
        """/alerts on|off, bare /alerts toggles; "no" is the offer's "No, thank you" button.

        Only a user's own yes subscribes them (docs/alerts.md); "off" also
        stops corrections, "no" only declines the offer.
        """
        if arg == "no":
            return self._outcome(chat, [Reply(t(lang, "alerts.offer_declined"))], lang)
        if arg not in ("on", "off"):
            row = alert_store.subscription(self.db, chat.user_id)
            arg = "off" if row is not None and row.active else "on"
        alert_store.set_alerts(self.db, chat.user_id, chat.chat_id, arg == "on")
        return self._outcome(chat, [Reply(t(lang, "alerts.turned_on" if arg == "on" else "alerts.turned_off"))], lang)

    def _remember(self, chat: Chat, lang: str, meta: ActionOutcome, replies: list[Reply]) -> None:
        """What alerts and corrections need: the entry answered, the scam check, the one offer."""
        if meta.get("faq_id"):
            alert_store.answer_given(self.db, str(meta["faq_id"]), chat.chat_id)
        scam = meta.get("scam")
        if isinstance(scam, dict):
            alert_store.scam_checked(self.db, str(scam.get("verdict") or ""), list(meta.get("scam_patterns") or []),
                                     list(scam.get("signals") or []))
            if chat.private and alert_store.take_offer(self.db, chat.user_id, chat.chat_id):
                replies.append(Reply(t(lang, "alerts.offer"), [Button(t(lang, "alerts.offer_yes"), "alerts:on"),
                                                               Button(t(lang, "alerts.offer_no"), "alerts:no")]))

    def _change_rate(self, chat: Chat, lang: str, name: str) -> Outcome:
        current = speech_rate.clamp(self.db.settings(chat.user_id).rate)
        new = speech_rate.slower(current) if name == "slower" else speech_rate.faster(current)
        if new == current:
            which = t(lang, "bot.rate_slowest" if name == "slower" else "bot.rate_fastest")
            return self._outcome(chat, [Reply(t(lang, "bot.rate_limit", which=which))], lang)
        self.db.update_settings(chat.user_id, rate=new)
        out = self._outcome(chat, [Reply(t(lang, "bot.rate_changed", rate=new))], lang)
        return out

    async def _local(self, chat: Chat, data: str, lang: str) -> Outcome:
        settings = self.db.settings(chat.user_id)
        onboarding = settings.expect == "onboarding"
        if data.startswith("lang:"):
            lang = data.split(":", 1)[1]
            self.db.update_settings(chat.user_id, language=lang, language_chosen=True)
            replies = [Reply(t(lang, "bot.language_set"))]
            if onboarding:
                replies.append(Reply(t(lang, "bot.voice_prompt"),
                                     [Button(t(lang, "bot.voice_yes"), "voice:on"),
                                      Button(t(lang, "bot.voice_no"), "voice:off")]))
            return self._outcome(chat, replies, lang)
        if data.startswith("voice:"):
            on = data == "voice:on"
            self.db.update_settings(chat.user_id, voice=on, expect=None if onboarding else settings.expect)
            replies = [Reply(t(lang, "bot.voice_on" if on else "bot.voice_off"))]
            if onboarding:
                replies.append(Reply(t(lang, "bot.ready")))
                replies.append(self.menu(lang))
            return self._outcome(chat, replies, lang)
        if data == "menu":
            return self._outcome(chat, [self.menu(lang)], lang)
        if data.startswith("vq:") and self.voice_questions is not None:
            return self._outcome(chat, await self.voice_questions.consent(chat, lang, data == "vq:yes"), lang)
        if data in ("alerts:on", "alerts:no"):
            return self._alerts(chat, lang, "on" if data == "alerts:on" else "no")
        if data.startswith("tk:") and self.desk:
            return self._outcome(chat, await self.desk.press(chat, lang, data), lang)
        return self._outcome(chat, [Reply(t(lang, "bot.forged_button"))], lang)

    async def _ask_rasa(self, chat: Chat, message: str, lang: str, original: str,
                        forwarded: bool = False, keep: bool = True, voice: bool | None = None) -> Outcome:
        # `voice` saves a settings read when the caller has just read them:
        # every database call here runs on the event loop all users share.
        if voice is None:
            voice = self.db.settings(chat.user_id).voice
        metadata = turn_metadata(lang, bool(voice), forwarded, original if forwarded else None)
        if keep:
            self.db.add_turn(chat.user_id, "user", mask_pii(original), language=lang)
        try:
            messages = await self.rasa.send(str(chat.user_id), message, metadata)
        except RasaUnavailable as exc:
            # RasaClient logs the outage once; a line per message would bury it.
            log.debug("Rasa unavailable: %s", exc)
            if keep and not self.dry_run:
                self.db.keep_pending(chat.user_id, chat.chat_id, original, lang, forwarded)
            return self._outcome(chat, [Reply(t(lang, "bot.service_down"))], lang, voice=bool(voice),
                                 error=str(exc))

        replies, meta = from_rasa(messages)
        if meta.get("set_language") in LANGUAGES:
            lang = meta["set_language"]
            self.db.update_settings(chat.user_id, language=lang, language_chosen=True)
        if "set_voice" in meta:
            voice = bool(meta["set_voice"])
            self.db.update_settings(chat.user_id, voice=voice)
        if meta.get("expect"):
            self.db.update_settings(chat.user_id, expect=meta["expect"])

        ticket = None
        handoff = meta.get("handoff")
        if handoff and self.desk and not self.dry_run:
            question = handoff.get("question") or original
            more, ticket = await self.desk.open_ticket(chat, lang, question, handoff.get("reason", ""),
                                                       handoff.get("topic") or meta.get("topic"))
            replies.extend(more)
        elif handoff and self.dry_run:
            # `ask` shows maintainers what the user would be told, without a ticket.
            replies.append(Reply(handoff_created_text(lang, handoff.get("reason"))))

        answered = bool(meta.get("faq_id") or meta.get("scam"))
        if replies:
            self.db.add_bot_turns(
                chat.user_id, [mask_pii(reply.text) for reply in replies],
                {"last_answer": mask_pii("\n\n".join(r.text for r in replies if r.text)),
                 "last_answer_lang": lang},
                language=lang, intent=meta.get("intent"), topic=meta.get("topic"),
                faq_id=meta.get("faq_id"), answered=answered)
        if not self.dry_run:
            self._remember(chat, lang, meta, replies)
        return self._outcome(chat, replies, lang, voice=bool(voice), meta=meta, ticket=ticket,
                             personal=bool(meta.get("scam") or handoff))


def _short(text: str, limit: int = 80) -> str:
    text = mask_pii(" ".join(text.split()))
    return text if len(text) <= limit else text[: limit - 1] + "…"
