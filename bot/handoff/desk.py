"""Volunteer tickets: questions the bot could not answer, relayed to people.

A ticket is opened when the user asks for a person, when the bot is unsure
twice in a row, or when an answer did not help. The desk keeps every ticket,
its messages and its posts in the volunteer group in the database, so a
restart in the middle of a conversation loses nothing: a volunteer's reply to
a post made before the restart still reaches the citizen.

What volunteers see is masked (card, phone and register numbers, codes) and
never carries the citizen's name, Telegram id or phone: the ticket number is
the only handle. Volunteers are shown to the citizen as "a volunteer"; only
their first name appears, and only inside the volunteer group.

/forget: the citizen's link to their tickets (user id and chat id) is
dropped, their open tickets are closed (an answer could no longer be
delivered, and keeping the link would defeat the request), and the group is
told so. The masked question and messages stay, for statistics and FAQ work.

Telegram I/O is behind the small `Notifier` protocol (notifier.py; bot/volunteers.py has
the real one); the desk works without one (the terminal chat), keeping
tickets that could not be posted and posting them from the reminder job.
"""

from __future__ import annotations

import asyncio
import datetime as dt
import logging
import re
import statistics
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from sqlalchemy import delete, select, update

from bot.config import Config
from bot.handoff.notifier import Chat, Notifier
from bot.handoff.tables import (
    CLOSED,
    OPEN,
    OPEN_TICKET_OF_USER,
    TAKEN,
    FaqCandidate,
    Ticket,
    TicketMessage,
    TicketPost,
)
from bot.handoff.wording import clip, created_text, known_reason, only_first_name, topic_name, wait_text
from bot.replies import Button, Reply
from bot.storage import Database, utcnow
from core.privacy import mask_pii
from core.settings import TOPICS, DeskSettings
from core.strings import t

log = logging.getLogger(__name__)

# Limits that keep a ticket post well inside Telegram's 4096 characters.
QUESTION_CHARS = 1200
TURN_CHARS = 300
CONTEXT_TURNS = 6
# How many recent answered tickets the usual wait is computed from.
WAIT_SAMPLE = 50
WAIT_WINDOW_DAYS = 30
_TICKET_DATA = re.compile(r"^tk:(take|close|faq|done):(\d{1,10})$")
# A citizen's follow-ups within this time of the group note that carries
# them are added to that note (edited in) rather than posted one by one:
# volunteers are paged at most once a minute per ticket.
FOLLOW_UP_MERGE = dt.timedelta(minutes=1)


def _minutes(start: dt.datetime, end: dt.datetime) -> float:
    return max(0.0, (end - start).total_seconds() / 60.0)


@dataclass
class _FollowUpNote:
    """The group note that gathers a ticket's follow-ups for FOLLOW_UP_MERGE."""

    started: dt.datetime
    texts: list[str]
    message_id: int | None = None  # None while it is being posted


class Desk:
    """The HandoffDesk of bot.assistant: tickets, relays, reminders, FAQ candidates."""

    def __init__(self, config: Config, db: Database, notifier: Notifier | None = None,
                 settings: DeskSettings | None = None,
                 clock: Callable[[], dt.datetime] = utcnow) -> None:
        self.config = config
        self.db = db
        self.notifier = notifier
        self.settings = settings or DeskSettings.from_env()
        self.now = clock
        # /forget is synchronous; its group notices run as tasks kept here.
        self._tasks: set[asyncio.Task[Any]] = set()
        # Ticket number -> the follow-up note still open for more (in memory:
        # after a restart the next follow-up simply starts a new note).
        self._follow_ups: dict[int, _FollowUpNote] = {}

    # --- roles ------------------------------------------------------------------
    def is_volunteer(self, user_id: int) -> bool:
        """Volunteers and maintainers may answer tickets and press their buttons."""
        return user_id in self.config.volunteer_ids or user_id in self.config.maintainer_ids

    def is_maintainer(self, user_id: int) -> bool:
        return user_id in self.config.maintainer_ids

    def in_group(self, chat: Chat) -> bool:
        return self.config.volunteer_chat_id is not None and chat.chat_id == self.config.volunteer_chat_id

    @property
    def glang(self) -> str:
        return self.settings.group_language

    # --- queries -------------------------------------------------------------------
    def ticket(self, number: int) -> Ticket | None:
        with self.db.session() as s:
            return s.get(Ticket, number)

    def open_ticket_of(self, user_id: int) -> Ticket | None:
        number = self.open_ticket_number(user_id)
        if number is None:
            return None
        with self.db.session() as s:
            ticket = s.get(Ticket, number)
        return ticket if ticket is not None and ticket.status != CLOSED else None

    def open_ticket_number(self, user_id: int) -> int | None:
        """The number of the user's newest ticket not closed, if any.

        Asked on every message a citizen sends, almost always to learn there
        is none: one prepared statement on a plain connection costs a fifth
        of an ORM session building the query and loading a Ticket each time.
        """
        with self.db.engine.connect() as conn:
            return conn.execute(OPEN_TICKET_OF_USER, {"user_id": user_id}).scalar()

    def ticket_for_post(self, chat_id: int, message_id: int) -> Ticket | None:
        with self.db.session() as s:
            post = s.scalars(select(TicketPost).where(TicketPost.chat_id == chat_id,
                                                      TicketPost.message_id == message_id)).first()
            return s.get(Ticket, post.ticket_id) if post else None

    def messages(self, number: int) -> list[TicketMessage]:
        with self.db.session() as s:
            return list(s.scalars(select(TicketMessage).where(TicketMessage.ticket_id == number)
                                  .order_by(TicketMessage.id)))

    def usual_wait_minutes(self) -> float:
        """Median time to a first answer over recent tickets, else the configured default."""
        since = self.now() - dt.timedelta(days=WAIT_WINDOW_DAYS)
        with self.db.session() as s:
            rows = s.execute(select(Ticket.created_at, Ticket.answered_at)
                             .where(Ticket.answered_at.is_not(None), Ticket.created_at >= since)
                             .order_by(Ticket.answered_at.desc()).limit(WAIT_SAMPLE)).all()
        if not rows:
            return float(self.settings.default_wait_minutes)
        return statistics.median(_minutes(a, b) for a, b in rows)

    # --- citizen side: HandoffDesk protocol -------------------------------------------------
    async def open_ticket(self, chat: Chat, lang: str, question: str, reason: str,
                          topic: str | None) -> tuple[list[Reply], dict[str, Any]]:
        if self.in_group(chat):
            return [Reply(t(self.glang, "handoff.group.use_reply"))], {}
        reason = known_reason(reason)
        topic = topic if topic in TOPICS else None
        question = clip(mask_pii(question or ""), QUESTION_CHARS)
        existing = self.open_ticket_of(chat.user_id)
        if existing is not None:
            # One open ticket per citizen: a second request joins the first.
            if question and question != existing.question:
                await self._add_follow_up(existing, question)
            reply = Reply(t(lang, "handoff.already_open", number=existing.id),
                          [self._close_button(lang, existing.id)])
            return [reply], self._ticket_info(existing, existing=True)

        context = self._context(chat.user_id, question)
        topic = topic or self._recent_topic(chat.user_id)
        with self.db.session() as s:
            ticket = Ticket(user_id=chat.user_id, chat_id=chat.chat_id, language=lang, topic=topic,
                            reason=reason, via_volunteer=self.is_volunteer(chat.user_id),
                            question=question, context=context, created_at=self.now())
            s.add(ticket)
            s.flush()
        wait = self.usual_wait_minutes()
        posted = await self._post_ticket(ticket)
        log.info("ticket %s opened (%s, %s, posted=%s)", ticket.id, reason, lang, posted)
        text = "\n\n".join([created_text(lang, reason),
                            t(lang, "handoff.created_body", number=ticket.id, wait=wait_text(lang, wait))])
        info = self._ticket_info(ticket)
        info.update(wait_minutes=round(wait, 1), posted=posted)
        return [Reply(text, [self._close_button(lang, ticket.id)])], info

    async def follow_up(self, chat: Chat, lang: str, text: str) -> list[Reply] | None:
        if self.in_group(chat):
            return None
        ticket = self.open_ticket_of(chat.user_id)
        if ticket is None:
            return None
        await self._add_follow_up(ticket, clip(mask_pii(text), QUESTION_CHARS))
        return [Reply(t(lang, "handoff.follow_up_added", number=ticket.id),
                      [self._close_button(lang, ticket.id)])]

    async def press(self, chat: Chat, lang: str, data: str) -> list[Reply]:
        m = _TICKET_DATA.match(data or "")
        if not m:
            return [Reply(t(lang, "bot.forged_button"))]
        action, number = m.group(1), int(m.group(2))
        if action == "done":
            return await self.citizen_close(chat, lang, number)
        text = await self.volunteer_button(chat.user_id, None, action, number, lang)
        # Pressed in the group: the edited post already shows what happened.
        return [] if self.in_group(chat) and self.is_volunteer(chat.user_id) else [Reply(text)]

    def forget(self, user_id: int) -> None:
        """Unlinks the user's tickets and keeps only their masked question (docs/privacy.md).

        The recent turns copied into the post and the thread (follow-ups,
        volunteers' answers) are deleted; a FAQ candidate made from a
        ticket keeps its own masked copy for maintainers.
        """
        closed: list[int] = []
        with self.db.session() as s:
            tickets = list(s.scalars(select(Ticket).where(Ticket.user_id == user_id)))
            for ticket in tickets:
                if ticket.status != CLOSED:
                    ticket.status = CLOSED
                    ticket.closed_at = self.now()
                    ticket.closed_by = "forget"
                    closed.append(ticket.id)
                ticket.user_id = None
                ticket.chat_id = None
                ticket.context = ""
            if tickets:
                s.execute(delete(TicketMessage).where(TicketMessage.ticket_id.in_([t.id for t in tickets])))
        if closed:
            log.info("forget: closed tickets %s and dropped the user link", closed)
            self._spawn(self._announce_closed(closed))

    async def citizen_close(self, chat: Chat, lang: str, number: int) -> list[Reply]:
        ticket = self.ticket(number)
        if ticket is None or ticket.user_id != chat.user_id:
            # Someone else's or an unknown number: say nothing about it.
            return [Reply(t(lang, "bot.forged_button"))]
        if ticket.status == CLOSED:
            return [Reply(t(lang, "handoff.already_closed", number=number))]
        ticket = self._close(number, "citizen", None)
        await self._refresh_post(ticket)
        await self._group_note(ticket, t(self.glang, "handoff.group.closed_by_citizen", number=number))
        return self._closed_replies(ticket, lang, t(lang, "handoff.closed_by_you", number=number))

    # --- volunteer side ----------------------------------------------------------------
    async def volunteer_button(self, user_id: int, first_name: str | None, action: str,
                               number: int, lang: str | None = None) -> str:
        """Take, Close or Suggest as FAQ; returns a short text for the presser."""
        glang = lang or self.glang
        if not self.is_volunteer(user_id):
            return t(glang, "handoff.group.volunteers_only")
        ticket = self.ticket(number)
        if ticket is None:
            return t(glang, "handoff.group.no_such_ticket", number=number)
        name = only_first_name(first_name)
        if action == "take":
            return await self._take(ticket, user_id, name, glang)
        if action == "close":
            if ticket.status == CLOSED:
                return t(glang, "handoff.group.already_closed", number=number)
            ticket = self._close(number, "volunteer", name)
            await self._refresh_post(ticket)
            if ticket.chat_id is not None:
                clang = ticket.language
                replies = self._closed_replies(ticket, clang, t(clang, "handoff.closed_by_volunteer",
                                                                number=number))
                await self._send_citizen(ticket, replies)
            return t(glang, "handoff.group.closed_toast", number=number)
        if action == "faq":
            return self._suggest_faq(ticket, name, glang)
        return t(glang, "bot.forged_button")

    async def volunteer_answer(self, chat_id: int, reply_to: int, user_id: int,
                               first_name: str | None, text: str,
                               recording: tuple[str, str] | None = None) -> str | None:
        """A volunteer's reply to a ticket post in the group.

        Returns the bot's note for the group, or None when the reply was not
        to a ticket post (volunteers also talk among themselves). A voice
        message or audio file (`recording`: kind, Telegram file id) is
        relayed as it is, after the usual introduction.
        """
        ticket = self.ticket_for_post(chat_id, reply_to)
        if ticket is None:
            return None
        glang = self.glang
        if not self.is_volunteer(user_id):
            return t(glang, "handoff.group.volunteers_only")
        text = (text or "").strip()
        if not text and recording is None:
            return t(glang, "handoff.group.text_only")
        if ticket.status == CLOSED:
            key = "handoff.group.answer_forgotten" if ticket.closed_by == "forget" else "handoff.group.answer_closed"
            return t(glang, key, number=ticket.id)
        name = only_first_name(first_name)
        clang = ticket.language
        reply = Reply("\n\n".join(p for p in (t(clang, "handoff.answer_intro", number=ticket.id), text) if p),
                      [self._close_button(clang, ticket.id)])
        delivered = await self._send_citizen(ticket, [reply], recording)
        if recording is not None:
            text = " ".join(p for p in (t(glang, "listen.volunteer_voice"), text) if p)
        now = self.now()
        with self.db.session() as s:
            # Kept masked: a volunteer may repeat the citizen's numbers back.
            s.add(TicketMessage(ticket_id=ticket.id, author="volunteer", name=name, text=mask_pii(text),
                                delivered=delivered, created_at=now))
            row = s.get(Ticket, ticket.id)
            if delivered:
                if row.answered_at is None:
                    row.answered_at = now
                row.answered_name = name
                if row.status == OPEN:
                    row.status, row.taken_at, row.taken_by, row.taken_name = TAKEN, now, user_id, name
            ticket = row
        if not delivered:
            return t(glang, "handoff.group.answer_failed", number=ticket.id)
        if ticket.user_id is not None:
            self.db.add_turn(ticket.user_id, "bot", mask_pii(reply.text), language=clang,
                             intent="volunteer_answer", topic=ticket.topic, answered=True)
            self.db.update_settings(ticket.user_id, last_answer=mask_pii(reply.text), last_answer_lang=clang)
        await self._refresh_post(ticket)
        return t(glang, "handoff.group.answer_sent", number=ticket.id)

    def open_tickets_text(self, lang: str) -> str:
        """The /tickets list for volunteers: numbers, age, state; no personal data."""
        with self.db.session() as s:
            rows = list(s.scalars(select(Ticket).where(Ticket.status != CLOSED).order_by(Ticket.id)))
        if not rows:
            return t(lang, "handoff.group.no_open_tickets")
        lines = [t(lang, "handoff.group.open_tickets", count=len(rows))]
        lines += [self._summary_line(row, lang) for row in rows[:50]]
        return "\n".join(lines)

    # --- jobs -------------------------------------------------------------------------
    async def remind_due(self) -> list[int]:
        """Posts tickets never posted, and re-posts once those nobody took in time."""
        if self.notifier is None or self.config.volunteer_chat_id is None:
            return []
        now = self.now()
        due = now - dt.timedelta(minutes=self.settings.remind_minutes)
        with self.db.session() as s:
            unposted = list(s.scalars(select(Ticket).where(Ticket.status != CLOSED, Ticket.post_id.is_(None))))
            stale = list(s.scalars(select(Ticket).where(Ticket.status == OPEN, Ticket.post_id.is_not(None),
                                                        Ticket.reminded_at.is_(None),
                                                        Ticket.created_at <= due)))
        done: list[int] = []
        for ticket in unposted:
            if await self._post_ticket(ticket):
                done.append(ticket.id)
        for ticket in stale:
            waited = wait_text(self.glang, _minutes(ticket.created_at, now))
            note = t(self.glang, "handoff.group.reminder", number=ticket.id, wait=waited)
            if await self._post_ticket(ticket, note=note):
                with self.db.session() as s:
                    s.get(Ticket, ticket.id).reminded_at = now
                done.append(ticket.id)
        return done

    def daily_summary_text(self) -> str | None:
        """Yesterday's figures and every ticket open longer than a day; None if nothing to say."""
        now = self.now()
        since = now - dt.timedelta(days=1)
        stale_before = now - dt.timedelta(hours=self.settings.stale_hours)
        lang = self.glang
        with self.db.session() as s:
            opened = len(s.scalars(select(Ticket.id).where(Ticket.created_at >= since)).all())
            answered = len(s.scalars(select(Ticket.id).where(Ticket.answered_at >= since)).all())
            stale = list(s.scalars(select(Ticket).where(Ticket.status != CLOSED,
                                                        Ticket.created_at <= stale_before)
                                   .order_by(Ticket.id)))
        if not (opened or answered or stale):
            return None
        lines = [t(lang, "handoff.group.summary", opened=opened, answered=answered)]
        if stale:
            lines.append(t(lang, "handoff.group.summary_stale", count=len(stale)))
            lines += [self._summary_line(row, lang) for row in stale[:50]]
        else:
            lines.append(t(lang, "handoff.group.summary_none_stale"))
        return "\n".join(lines)

    async def post_daily_summary(self) -> bool:
        text = self.daily_summary_text()
        if text is None or self.notifier is None or self.config.volunteer_chat_id is None:
            return False
        return await self.notifier.post_group(text) is not None

    # --- internals ------------------------------------------------------------------
    def _ticket_info(self, ticket: Ticket, existing: bool = False) -> dict[str, Any]:
        return {"number": ticket.id, "reason": ticket.reason, "topic": ticket.topic,
                "language": ticket.language, "existing": existing}

    @staticmethod
    def _close_button(lang: str, number: int) -> Button:
        return Button(t(lang, "handoff.close_button"), f"tk:done:{number}")

    def _context(self, user_id: int, question: str) -> str:
        """The last few turns before the handoff, masked again in case an older row was not."""
        lines = []
        for turn in self.db.recent_turns(user_id, CONTEXT_TURNS):
            text = clip(mask_pii(turn.text or ""), TURN_CHARS)
            if not text or (turn.role == "user" and text == question):
                continue
            who = t(self.glang, "handoff.group.role_user" if turn.role == "user" else "handoff.group.role_bot")
            lines.append(f"{who}: {text}")
        return "\n".join(lines)

    def _recent_topic(self, user_id: int) -> str | None:
        """The topic of the bot's latest answer: the best guess when the request named none."""
        for turn in reversed(self.db.recent_turns(user_id, CONTEXT_TURNS)):
            if turn.role == "bot" and turn.topic in TOPICS:
                return turn.topic
        return None

    def _status_line(self, ticket: Ticket) -> str:
        lang = self.glang
        if ticket.status == CLOSED:
            name = ticket.closed_name or t(lang, "handoff.group.a_volunteer")
            by = {"citizen": t(lang, "handoff.group.by_citizen"),
                  "forget": t(lang, "handoff.group.by_forget")}.get(
                ticket.closed_by or "", t(lang, "handoff.group.by_name", name=name))
            return t(lang, "handoff.group.status_closed", number=ticket.id, by=by)
        if ticket.answered_at is not None:
            return t(lang, "handoff.group.status_answered", number=ticket.id,
                     name=ticket.answered_name or t(lang, "handoff.group.a_volunteer"))
        if ticket.status == TAKEN:
            return t(lang, "handoff.group.status_taken", number=ticket.id,
                     name=ticket.taken_name or t(lang, "handoff.group.a_volunteer"))
        return t(lang, "handoff.group.status_new", number=ticket.id)

    def _post_text(self, ticket: Ticket, note: str | None = None) -> str:
        lang = self.glang
        parts = [note] if note else []
        parts.append(self._status_line(ticket))
        facts = [t(lang, "handoff.group.language", language=t(lang, f"handoff.lang_name.{ticket.language}")),
                 t(lang, "handoff.group.topic", topic=topic_name(lang, ticket.topic)),
                 t(lang, f"handoff.group.reason.{ticket.reason}")]
        if ticket.via_volunteer:
            facts.append(t(lang, "handoff.group.via_volunteer"))
        parts.append("\n".join(facts))
        parts.append(t(lang, "handoff.group.question") + "\n" + (ticket.question or "-"))
        if ticket.context:
            parts.append(t(lang, "handoff.group.context") + "\n" + ticket.context)
        if ticket.status != CLOSED:
            parts.append(t(lang, "handoff.group.how_to_answer"))
        return "\n\n".join(parts)

    def _post_buttons(self, ticket: Ticket) -> list[Button]:
        lang = self.glang
        buttons = []
        if ticket.status == OPEN:
            buttons.append(Button(t(lang, "handoff.group.take"), f"tk:take:{ticket.id}"))
        if ticket.status != CLOSED:
            buttons.append(Button(t(lang, "handoff.group.close"), f"tk:close:{ticket.id}"))
        if ticket.answered_at is not None:
            buttons.append(Button(t(lang, "handoff.group.faq"), f"tk:faq:{ticket.id}"))
        return buttons

    async def _post_ticket(self, ticket: Ticket, note: str | None = None) -> bool:
        if self.notifier is None or self.config.volunteer_chat_id is None:
            return False
        try:
            message_id = await self.notifier.post_group(self._post_text(ticket, note), self._post_buttons(ticket))
        except Exception:  # noqa: BLE001 - the ticket is kept and posted by the reminder job
            log.exception("posting ticket %s failed", ticket.id)
            return False
        if message_id is None:
            return False
        with self.db.session() as s:
            s.add(TicketPost(ticket_id=ticket.id, chat_id=self.config.volunteer_chat_id, message_id=message_id))
            s.get(Ticket, ticket.id).post_id = message_id
        ticket.post_id = message_id
        return True

    async def _refresh_post(self, ticket: Ticket) -> None:
        """Edits the latest full post so the group sees who took, answered or closed it."""
        if self.notifier is None or ticket.post_id is None:
            return
        try:
            await self.notifier.edit_group(ticket.post_id, self._post_text(ticket), self._post_buttons(ticket))
        except Exception:  # noqa: BLE001 - an unedited post is cosmetic
            log.warning("editing the post of ticket %s failed", ticket.id, exc_info=True)

    async def _group_note(self, ticket: Ticket, text: str) -> int | None:
        """A short message in the group, as a reply to the ticket's post, and routable like it."""
        if self.notifier is None or self.config.volunteer_chat_id is None:
            return None
        try:
            message_id = await self.notifier.post_group(text, (), reply_to=ticket.post_id)
        except Exception:  # noqa: BLE001
            log.warning("group note for ticket %s failed", ticket.id, exc_info=True)
            return None
        if message_id is not None:
            with self.db.session() as s:
                s.add(TicketPost(ticket_id=ticket.id, chat_id=self.config.volunteer_chat_id,
                                 message_id=message_id))
        return message_id

    async def _add_follow_up(self, ticket: Ticket, text: str) -> None:
        now = self.now()
        with self.db.session() as s:
            s.add(TicketMessage(ticket_id=ticket.id, author="citizen", text=text, created_at=now))
        if ticket.post_id is None:
            # Never posted yet: the reminder job will post it; keep the thread in the database.
            return
        for number in [n for n, old in self._follow_ups.items() if now - old.started >= FOLLOW_UP_MERGE]:
            del self._follow_ups[number]
        note = self._follow_ups.get(ticket.id)
        if note is not None:
            note.texts.append(text)
            if note.message_id is not None:  # else the post under way takes it in below
                await self._edit_follow_up(ticket.id, note)
            return
        # Taken before the first await, so a follow-up arriving meanwhile joins this note.
        note = self._follow_ups[ticket.id] = _FollowUpNote(now, [text])
        note.message_id = await self._group_note(ticket, self._follow_up_text(ticket.id, note))
        if note.message_id is None:
            if self._follow_ups.get(ticket.id) is note:
                del self._follow_ups[ticket.id]  # the next follow-up tries a new post
        elif len(note.texts) > 1:
            await self._edit_follow_up(ticket.id, note)

    def _follow_up_text(self, number: int, note: _FollowUpNote) -> str:
        return t(self.glang, "handoff.group.follow_up", number=number, text="\n".join(note.texts))

    async def _edit_follow_up(self, number: int, note: _FollowUpNote) -> None:
        if self.notifier is None or note.message_id is None:
            return
        try:
            await self.notifier.edit_group(note.message_id, self._follow_up_text(number, note))
        except Exception:  # noqa: BLE001 - the follow-up is kept in the thread all the same
            log.warning("adding a follow-up to the note of ticket %s failed", number, exc_info=True)

    async def _send_citizen(self, ticket: Ticket, replies: list[Reply],
                            recording: tuple[str, str] | None = None) -> bool:
        if self.notifier is None or ticket.chat_id is None or ticket.user_id is None:
            return False
        settings = self.db.settings(ticket.user_id)
        extra = {"recording": recording} if recording is not None else {}
        try:
            return bool(await self.notifier.send_citizen(ticket.chat_id, replies, ticket.language,
                                                         voice=bool(settings.voice), rate=settings.rate, **extra))
        except Exception:  # noqa: BLE001 - reported to the volunteer as not delivered
            log.exception("sending to the citizen of ticket %s failed", ticket.id)
            return False

    async def _take(self, ticket: Ticket, user_id: int, name: str | None, lang: str) -> str:
        if ticket.status == CLOSED:
            return t(lang, "handoff.group.already_closed", number=ticket.id)
        if ticket.status == TAKEN:
            if ticket.taken_by == user_id:
                return t(lang, "handoff.group.taken_toast", number=ticket.id)
            return t(lang, "handoff.group.already_taken", number=ticket.id,
                     name=ticket.taken_name or t(lang, "handoff.group.a_volunteer"))
        # Two volunteers may press Take at once: only the update that still finds it open wins.
        with self.db.session() as s:
            won = s.execute(update(Ticket).where(Ticket.id == ticket.id, Ticket.status == OPEN)
                            .values(status=TAKEN, taken_at=self.now(), taken_by=user_id, taken_name=name)
                            ).rowcount == 1
        if not won:
            return await self._take(self.ticket(ticket.id), user_id, name, lang)
        ticket = self.ticket(ticket.id)
        await self._refresh_post(ticket)
        if ticket.chat_id is not None:
            await self._send_citizen(ticket, [Reply(t(ticket.language, "handoff.taken", number=ticket.id),
                                                    [self._close_button(ticket.language, ticket.id)])])
        return t(lang, "handoff.group.taken_toast", number=ticket.id)

    def _close(self, number: int, by: str, name: str | None) -> Ticket:
        with self.db.session() as s:
            row = s.get(Ticket, number)
            row.status, row.closed_at, row.closed_by, row.closed_name = CLOSED, self.now(), by, name
            return row

    def _closed_replies(self, ticket: Ticket, lang: str, lead: str) -> list[Reply]:
        if ticket.answered_at is not None:
            return [Reply(lead + " " + t(lang, "handoff.feedback_question"), [
                Button(t(lang, "answer.helped"), '/feedback{"helpful":"yes"}'),
                Button(t(lang, "answer.not_helped"), '/feedback{"helpful":"no"}')])]
        return [Reply(lead + " " + t(lang, "handoff.closed_unanswered"),
                      [Button(t(lang, "answer.ask_person"), "/human_handoff")])]

    def _suggest_faq(self, ticket: Ticket, name: str | None, lang: str) -> str:
        answers = [m.text for m in self.messages(ticket.id) if m.author == "volunteer" and m.delivered]
        if not answers:
            return t(lang, "handoff.group.faq_needs_answer", number=ticket.id)
        follow = [m.text for m in self.messages(ticket.id) if m.author == "citizen"]
        question = ticket.question if not follow else ticket.question + "\n" + "\n".join(follow)
        with self.db.session() as s:
            row = s.scalars(select(FaqCandidate).where(FaqCandidate.ticket_id == ticket.id)).first()
            if row is None:
                row = FaqCandidate(ticket_id=ticket.id, created_at=self.now(), language=ticket.language,
                                   question=question, answer="", topic=ticket.topic)
                s.add(row)
            row.question = question
            row.answer = "\n\n".join(answers)
            row.suggested_name = name
            row.updated_at = self.now()
            s.flush()
            candidate = row.id
        return t(lang, "handoff.group.faq_saved", number=ticket.id, candidate=candidate)

    def _summary_line(self, ticket: Ticket, lang: str) -> str:
        if ticket.answered_at is not None:
            state = t(lang, "handoff.group.state_answered")
        elif ticket.status == TAKEN:
            state = t(lang, "handoff.group.state_taken")
        else:
            state = t(lang, "handoff.group.state_new")
        return t(lang, "handoff.group.summary_line", number=ticket.id,
                 age=wait_text(lang, _minutes(ticket.created_at, self.now())), state=state,
                 topic=topic_name(lang, ticket.topic))

    async def _announce_closed(self, numbers: list[int]) -> None:
        for number in numbers:
            ticket = self.ticket(number)
            if ticket is None:
                continue
            await self._refresh_post(ticket)
            await self._group_note(ticket, t(self.glang, "handoff.group.closed_by_forget", number=number))

    def _spawn(self, coro: Any) -> None:
        try:
            loop = asyncio.get_running_loop()
        except RuntimeError:
            coro.close()  # no event loop (command line): nobody to tell
            return
        task = loop.create_task(coro)
        self._tasks.add(task)
        task.add_done_callback(self._tasks.discard)
