"""Questions asked by voice: answered as if typed, or heard by a volunteer.

An English recording is transcribed (bot/speech/listen.py) and answered
like the same words typed, with "I heard: ..." first so that a wrong
transcript is noticed and corrected. A recording the bot cannot understand
(Mongolian, or English it is unsure of) is never simply refused: the
citizen is asked once whether a volunteer may listen; with consent it
becomes a ticket whose post in the volunteer group carries the recording
itself. Without consent, or with no volunteer group, the citizen is told
plainly how to type or dictate instead.

Recordings: the bot never writes audio to disk. It keeps only Telegram's
file id of the recording (to re-send it to the group) and the id of the
group post that carries it, for as long as the ticket is open or the
consent question waits. `forget_recordings` deletes both for a user
(/forget); `purge_recordings` those of closed tickets and unanswered
consent questions. The frontend then deletes the group posts themselves.
"""

from __future__ import annotations

import datetime as dt
import logging
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from typing import Any

from sqlalchemy import BigInteger, DateTime, Integer, String, delete, select
from sqlalchemy.orm import Mapped, mapped_column

from bot.replies import Button, Reply
from bot.speech.config import MAX_QUESTION_BYTES, MAX_QUESTION_SECONDS
from bot.speech.listen import AudioError, Listener, ListenUnavailable, TooLong
from bot.storage import Base, Database, utcnow
from core.strings import t

log = logging.getLogger(__name__)

# A consent question nobody answered: the recording reference goes after this.
PENDING_HOURS = 24


class VoiceRecording(Base):
    """A citizen's recording the bot may re-send: Telegram's file id, never the audio."""

    __tablename__ = "voice_recordings"

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    user_id: Mapped[int] = mapped_column(BigInteger, index=True)
    file_id: Mapped[str] = mapped_column(String(256))
    kind: Mapped[str] = mapped_column(String(8))  # "voice" or "audio"
    seconds: Mapped[int] = mapped_column(Integer, default=0)
    ticket_id: Mapped[int | None] = mapped_column(Integer, default=None, index=True)  # None: consent asked
    group_chat_id: Mapped[int | None] = mapped_column(BigInteger, default=None)
    group_message_id: Mapped[int | None] = mapped_column(BigInteger, default=None)
    created_at: Mapped[dt.datetime] = mapped_column(DateTime, default=utcnow)


GroupPost = tuple[int, int]  # (chat id, message id) of a group post carrying a recording


def _drop(db: Database, rows: list[VoiceRecording]) -> list[GroupPost]:
    posts = [(r.group_chat_id, r.group_message_id) for r in rows
             if r.group_chat_id is not None and r.group_message_id is not None]
    if rows:
        with db.session() as s:
            s.execute(delete(VoiceRecording).where(VoiceRecording.id.in_([r.id for r in rows])))
    return posts


def forget_recordings(db: Database, user_id: int) -> list[GroupPost]:
    """Deletes every recording reference of a user; returns the group posts to delete.

    For /forget (and the retention rules of the privacy work): after this the
    bot holds nothing of the user's voice; deleting the returned posts in
    the volunteer group removes the recordings from Telegram too.
    """
    with db.session() as s:
        rows = list(s.scalars(select(VoiceRecording).where(VoiceRecording.user_id == user_id)))
    return _drop(db, rows)


def purge_recordings(db: Database, now: dt.datetime | None = None) -> list[GroupPost]:
    """Drops recordings whose ticket is closed or whose consent question expired."""
    from bot.handoff.tables import CLOSED, Ticket

    now = now or utcnow()
    with db.session() as s:
        closed = list(s.scalars(select(VoiceRecording).join(Ticket, Ticket.id == VoiceRecording.ticket_id)
                                .where(Ticket.status == CLOSED)))
        stale = list(s.scalars(select(VoiceRecording).where(
            VoiceRecording.ticket_id.is_(None),
            VoiceRecording.created_at < now - dt.timedelta(hours=PENDING_HOURS))))
    return _drop(db, closed + stale)


@dataclass(frozen=True)
class Incoming:
    """A recording as Telegram announced it, before downloading."""

    file_id: str
    kind: str  # "voice" (a voice note) or "audio" (a file)
    seconds: int | None
    size: int | None


Fetch = Callable[[], Awaitable[bytes]]


class VoiceQuestions:
    def __init__(self, assistant: Any, listener: Listener | None) -> None:
        self.assistant = assistant
        self.listener = listener
        self.db: Database = assistant.db

    def _outcome(self, chat: Any, lang: str, *replies: Reply) -> Any:
        return self.assistant._outcome(chat, list(replies), lang)  # noqa: SLF001 - same package, one rule for voice

    async def received(self, chat: Any, incoming: Incoming, fetch: Fetch) -> Any:
        """The Outcome for a recording a citizen sent."""
        a = self.assistant
        if not self.db.recent_turns(chat.user_id, 1) and not self.db.settings(chat.user_id).voice:
            # Someone who speaks first most likely listens too: no question needed.
            self.db.update_settings(chat.user_id, voice=True, expect=None)
        lang = a.language_of(chat.user_id)
        if (incoming.seconds or 0) > MAX_QUESTION_SECONDS or (incoming.size or 0) > MAX_QUESTION_BYTES:
            return self._outcome(chat, lang, Reply(t(lang, "listen.too_long")))
        try:
            data = await fetch()
        except Exception as exc:  # noqa: BLE001 - any download failure: ask to send again
            log.warning("downloading a voice question failed: %s", exc)
            return self._outcome(chat, lang, Reply(t(lang, "listen.broken")))
        if len(data) > MAX_QUESTION_BYTES:
            return self._outcome(chat, lang, Reply(t(lang, "listen.too_long")))
        transcript = None
        if self.listener is not None:
            try:
                transcript = await self.listener.transcribe_async(bytes(data))
            except TooLong:
                return self._outcome(chat, lang, Reply(t(lang, "listen.too_long")))
            except ListenUnavailable as exc:
                log.warning("speech recognition unavailable: %s", exc)
            except AudioError as exc:
                log.info("unreadable voice question: %s", exc)
                return self._outcome(chat, lang, Reply(t(lang, "listen.broken")))
        del data
        if transcript is not None and transcript.reliable:
            outcome = await a.text(chat, transcript.text)
            outcome.replies.insert(0, Reply(t(outcome.language, "listen.heard", text=transcript.text)))
            return outcome
        seconds = round(transcript.seconds) if transcript is not None else int(incoming.seconds or 0)
        return self._offer_volunteer(chat, lang, incoming, seconds)

    def _volunteers_reachable(self) -> bool:
        desk = self.assistant.desk
        return desk is not None and desk.config.volunteer_chat_id is not None

    def _offer_volunteer(self, chat: Any, lang: str, incoming: Incoming, seconds: int) -> Any:
        if not self._volunteers_reachable():
            return self._outcome(chat, lang, Reply(t(lang, "listen.no_mongolian")))
        with self.db.session() as s:
            # One consent question at a time: a newer recording replaces the older one.
            s.execute(delete(VoiceRecording).where(VoiceRecording.user_id == chat.user_id,
                                                   VoiceRecording.ticket_id.is_(None)))
            s.add(VoiceRecording(user_id=chat.user_id, file_id=incoming.file_id, kind=incoming.kind,
                                 seconds=max(1, seconds)))
        return self._outcome(chat, lang, Reply(t(lang, "listen.consent"), [
            Button(t(lang, "listen.consent_yes"), "vq:yes"), Button(t(lang, "listen.consent_no"), "vq:no")]))

    async def consent(self, chat: Any, lang: str, yes: bool) -> list[Reply]:
        """The citizen's answer to "may a volunteer listen?"."""
        with self.db.session() as s:
            row = s.scalars(select(VoiceRecording).where(VoiceRecording.user_id == chat.user_id,
                                                         VoiceRecording.ticket_id.is_(None))
                            .order_by(VoiceRecording.id.desc())).first()
        if row is None:
            return [Reply(t(lang, "listen.recording_gone"))]
        if not yes or not self._volunteers_reachable():
            _drop(self.db, [row])
            return [Reply(t(lang, "listen.not_sent") + "\n\n" + t(lang, "listen.no_mongolian"))]
        desk = self.assistant.desk
        question = t(desk.glang, "listen.ticket_question", seconds=row.seconds)
        replies, info = await desk.open_ticket(chat, lang, question, "user_request", None)
        number = info.get("number")
        if number is None:
            return replies
        with self.db.session() as s:
            s.get(VoiceRecording, row.id).ticket_id = number
        await self.post_recording(row.id)
        return replies

    async def post_recording(self, recording_id: int) -> bool:
        """Sends the recording to the volunteer group, as a reply to its ticket's post."""
        from bot.handoff.tables import TicketPost

        desk = self.assistant.desk
        notifier = getattr(desk, "notifier", None)
        with self.db.session() as s:
            row = s.get(VoiceRecording, recording_id)
        if row is None or row.ticket_id is None or row.group_message_id is not None or notifier is None:
            return False
        ticket = desk.ticket(row.ticket_id)
        if ticket is None or ticket.post_id is None:
            return False  # posted with the ticket by post_waiting, once the ticket is posted
        group = desk.config.volunteer_chat_id
        caption = t(desk.glang, "listen.group_recording", number=ticket.id)
        message_id = await notifier.post_group_audio(row.file_id, row.kind, caption, reply_to=ticket.post_id)
        if message_id is None:
            return False
        with self.db.session() as s:
            s.add(TicketPost(ticket_id=ticket.id, chat_id=group, message_id=message_id))
            saved = s.get(VoiceRecording, recording_id)
            saved.group_chat_id, saved.group_message_id = group, message_id
        return True

    async def post_waiting(self) -> None:
        """Posts recordings whose ticket could not be posted at first (reminder job)."""
        with self.db.session() as s:
            ids = list(s.scalars(select(VoiceRecording.id).where(VoiceRecording.ticket_id.is_not(None),
                                                                 VoiceRecording.group_message_id.is_(None))))
        for recording_id in ids:
            await self.post_recording(recording_id)
