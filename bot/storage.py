"""Durable state: user settings, unanswered questions, conversation turns.

SQLite by default so nothing external is needed; any SQLAlchemy URL (for
example PostgreSQL) works for the scale-out set-up. Texts of turns are stored
masked: they feed volunteer tickets and statistics, which must never show
personal data.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from sqlalchemy import (
    JSON,
    BigInteger,
    Boolean,
    DateTime,
    Integer,
    String,
    Text,
    bindparam,
    create_engine,
    delete,
    event,
    insert,
    select,
    update,
)
from sqlalchemy.engine import Engine
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import DeclarativeBase, Mapped, Session, mapped_column, sessionmaker

from rasa_side.events_table import flush_deleted


def utcnow() -> dt.datetime:
    return dt.datetime.now(dt.UTC).replace(tzinfo=None)


class Base(DeclarativeBase):
    pass


class UserSettings(Base):
    __tablename__ = "user_settings"

    user_id: Mapped[int] = mapped_column(BigInteger, primary_key=True)
    language: Mapped[str | None] = mapped_column(String(8), default=None)
    language_chosen: Mapped[bool] = mapped_column(Boolean, default=False)
    voice: Mapped[bool] = mapped_column(Boolean, default=False)
    rate: Mapped[int | None] = mapped_column(Integer, default=None)
    expect: Mapped[str | None] = mapped_column(String(32), default=None)
    last_answer: Mapped[str | None] = mapped_column(Text, default=None)
    last_answer_lang: Mapped[str | None] = mapped_column(String(8), default=None)
    created_at: Mapped[dt.datetime] = mapped_column(DateTime, default=utcnow)
    updated_at: Mapped[dt.datetime] = mapped_column(DateTime, default=utcnow, onupdate=utcnow)


class PendingQuestion(Base):
    """A question that could not be answered because a service was down.

    Its text is masked (the bot masks every message first) and emptied
    once the question is answered.
    """

    __tablename__ = "pending_questions"

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    user_id: Mapped[int] = mapped_column(BigInteger, index=True)
    chat_id: Mapped[int] = mapped_column(BigInteger)
    text: Mapped[str] = mapped_column(Text)
    forwarded: Mapped[bool] = mapped_column(Boolean, default=False)
    language: Mapped[str] = mapped_column(String(8))
    created_at: Mapped[dt.datetime] = mapped_column(DateTime, default=utcnow)
    attempts: Mapped[int] = mapped_column(Integer, default=0)
    answered_at: Mapped[dt.datetime | None] = mapped_column(DateTime, default=None, index=True)


class OutgoingAnswer(Base):
    """An answer Telegram has not yet accepted in full: the outbox of at-least-once delivery.

    `parts` are the messages exactly as they will be sent (already split at
    Telegram's length limit), so `sent_parts` counts the ones Telegram
    accepted and a retry, even after a crash, resumes at the next one rather
    than sending the whole answer again. `pending_id` is unique: one answer
    per kept question, however often the retry job or a restart runs. The
    texts are cleared once delivered (they may quote the citizen's question).
    """

    __tablename__ = "outgoing_answers"

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    pending_id: Mapped[int | None] = mapped_column(Integer, unique=True, default=None)
    user_id: Mapped[int] = mapped_column(BigInteger, index=True)
    chat_id: Mapped[int] = mapped_column(BigInteger)
    language: Mapped[str] = mapped_column(String(8))
    parts: Mapped[list[dict[str, Any]]] = mapped_column(JSON)
    spoken_text: Mapped[str | None] = mapped_column(Text, default=None)
    sent_parts: Mapped[int] = mapped_column(Integer, default=0)
    attempts: Mapped[int] = mapped_column(Integer, default=0)
    next_attempt_at: Mapped[dt.datetime] = mapped_column(DateTime, default=utcnow)
    last_error: Mapped[str | None] = mapped_column(String(200), default=None)
    created_at: Mapped[dt.datetime] = mapped_column(DateTime, default=utcnow)
    # Exactly one of these ends the row's life: delivered, or refused for good
    # (the user blocked the bot, the chat is gone), which is logged.
    delivered_at: Mapped[dt.datetime | None] = mapped_column(DateTime, default=None, index=True)
    given_up_at: Mapped[dt.datetime | None] = mapped_column(DateTime, default=None)


class Turn(Base):
    """One message of a conversation, masked; for tickets and statistics."""

    __tablename__ = "turns"

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    user_id: Mapped[int] = mapped_column(BigInteger, index=True)
    role: Mapped[str] = mapped_column(String(8))  # "user" or "bot"
    text: Mapped[str] = mapped_column(Text)
    language: Mapped[str | None] = mapped_column(String(8), default=None)
    intent: Mapped[str | None] = mapped_column(String(40), default=None)
    topic: Mapped[str | None] = mapped_column(String(20), default=None)
    faq_id: Mapped[str | None] = mapped_column(String(60), default=None)
    answered: Mapped[bool | None] = mapped_column(Boolean, default=None)
    info: Mapped[dict[str, Any] | None] = mapped_column(JSON, default=None)
    created_at: Mapped[dt.datetime] = mapped_column(DateTime, default=utcnow, index=True)


# The per-message statements, built once: building a statement cost more
# than running it (about 280 against 80 us), on the event loop all users share.
_SETTINGS = select(UserSettings.__table__).where(UserSettings.user_id == bindparam("key"))
_NEW_SETTINGS = insert(UserSettings.__table__)
_CHANGE_SETTINGS = update(UserSettings.__table__).where(UserSettings.user_id == bindparam("key"))
_NEW_TURN = insert(Turn.__table__)


def _new_settings(conn: Any, user_id: int, fields: dict[str, Any]) -> None:
    """A user's first settings row.

    On PostgreSQL another bot replica may make the same row at the same
    moment (a button pressed while a message is handled): then its row is
    changed instead, in a savepoint so this transaction goes on. SQLite has
    one writer at a time, so the row cannot appear in between.
    """
    if conn.dialect.name != "postgresql":
        conn.execute(_NEW_SETTINGS, {"user_id": user_id, **fields})
        return
    try:
        with conn.begin_nested():
            conn.execute(_NEW_SETTINGS, {"user_id": user_id, **fields})
    except IntegrityError:
        if fields:
            conn.execute(_CHANGE_SETTINGS, {"key": user_id, **fields})


def _sqlite_pragmas(dbapi: Any, _record: Any) -> None:
    dbapi.execute("PRAGMA journal_mode=WAL")
    dbapi.execute("PRAGMA synchronous=NORMAL")
    # What /forget and the retention job delete must not stay readable in
    # the file's free space (docs/privacy.md).
    dbapi.execute("PRAGMA secure_delete=ON")


class Database:
    def __init__(self, url: str) -> None:
        if url.startswith("sqlite:///"):
            Path(url.removeprefix("sqlite:///")).parent.mkdir(parents=True, exist_ok=True)
        self.engine: Engine = create_engine(url, future=True)
        if url.startswith("sqlite"):
            # With WAL, NORMAL syncs at checkpoints rather than on every commit:
            # still durable across a bot crash, and far cheaper per message
            # (an fsync per commit cost about 7 ms, on the event loop, several
            # times a turn). Set on connect, before any connection exists:
            # the pool keeps its first connection, so a listener added later
            # never reaches it.
            event.listen(self.engine, "connect", _sqlite_pragmas)
        self._sessions = sessionmaker(self.engine, expire_on_commit=False)
        from bot import schema  # imports every module with tables, which import this one

        schema.upgrade(self.engine)

    @contextmanager
    def session(self) -> Iterator[Session]:
        with self._sessions() as s, s.begin():
            yield s

    # --- user settings -------------------------------------------------
    # The per-message paths (settings, update_settings, add_turn, add_bot_turns) use SQL
    # statements rather than ORM sessions: the ORM's unit of work cost about
    # twice as much, on the event loop that every user shares.
    def settings(self, user_id: int) -> UserSettings:
        """The user's settings (created with defaults on first contact), detached."""
        with self.engine.begin() as conn:
            row = conn.execute(_SETTINGS, {"key": user_id}).mappings().first()
            if row is None:
                _new_settings(conn, user_id, {})
                row = conn.execute(_SETTINGS, {"key": user_id}).mappings().first()
        return UserSettings(**row)

    def update_settings(self, user_id: int, **fields: Any) -> None:
        """Changes some of a user's settings, creating the row on first contact.

        A plain UPDATE (an INSERT the first time): the language a user writes
        in is saved whenever it changes, often on the same messages as
        everything else.
        """
        with self.engine.begin() as conn:
            if not conn.execute(_CHANGE_SETTINGS, {"key": user_id, **fields}).rowcount:
                _new_settings(conn, user_id, fields)

    # --- pending questions -----------------------------------------------
    def keep_pending(self, user_id: int, chat_id: int, text: str, language: str,
                     forwarded: bool) -> int:
        with self.session() as s:
            row = PendingQuestion(user_id=user_id, chat_id=chat_id, text=text,
                                  language=language, forwarded=forwarded)
            s.add(row)
            s.flush()
            return row.id

    def open_pending(self, limit: int = 50) -> list[PendingQuestion]:
        """Kept questions still to be put to Rasa: not answered, and no answer in the outbox."""
        with self.session() as s:
            has_answer = select(OutgoingAnswer.id).where(OutgoingAnswer.pending_id == PendingQuestion.id)
            rows = s.scalars(select(PendingQuestion).where(PendingQuestion.answered_at.is_(None))
                             .where(~has_answer.exists())
                             .order_by(PendingQuestion.id).limit(limit))
            return list(rows)

    def mark_pending(self, pending_id: int, answered: bool) -> None:
        """Counts an attempt; an answered question's text is dropped, only the fact is kept."""
        with self.session() as s:
            row = s.get(PendingQuestion, pending_id)
            if row is not None:
                row.attempts += 1
                if answered:
                    row.answered_at = utcnow()
                    row.text = ""

    # --- the outbox (bot/delivery.py) -------------------------------------------
    def keep_answer(self, *, user_id: int, chat_id: int, language: str, parts: list[dict[str, Any]],
                    spoken_text: str | None = None, pending_id: int | None = None,
                    not_before: dt.datetime | None = None) -> int:
        """Puts an answer in the outbox; for a kept question, once (its existing row otherwise)."""
        with self.session() as s:
            if pending_id is not None:
                found = s.scalar(select(OutgoingAnswer.id).where(OutgoingAnswer.pending_id == pending_id))
                if found is not None:
                    return found
                question = s.get(PendingQuestion, pending_id)
                if question is not None:
                    question.attempts += 1
            row = OutgoingAnswer(user_id=user_id, chat_id=chat_id, language=language, parts=parts,
                                 spoken_text=spoken_text, pending_id=pending_id,
                                 next_attempt_at=not_before or utcnow())
            s.add(row)
            s.flush()
            return row.id

    def due_answers(self, limit: int = 100) -> list[OutgoingAnswer]:
        """Undelivered answers, oldest first, including those not yet due (callers keep a chat's order)."""
        with self.session() as s:
            rows = s.scalars(select(OutgoingAnswer).where(OutgoingAnswer.delivered_at.is_(None))
                             .where(OutgoingAnswer.given_up_at.is_(None))
                             .order_by(OutgoingAnswer.id).limit(limit))
            return list(rows)

    def part_sent(self, answer_id: int, sent_parts: int) -> None:
        with self.engine.begin() as conn:
            conn.execute(update(OutgoingAnswer.__table__).where(OutgoingAnswer.id == answer_id)
                         .values(sent_parts=sent_parts))

    def answer_delivered(self, answer_id: int) -> None:
        """Marks the answer, and its kept question, done: Telegram accepted every message."""
        now = utcnow()
        with self.session() as s:
            row = s.get(OutgoingAnswer, answer_id)
            if row is None:
                return
            row.delivered_at = now
            row.parts = []
            row.spoken_text = None
            if row.pending_id is not None:
                question = s.get(PendingQuestion, row.pending_id)
                if question is not None:
                    question.answered_at = now
                    question.text = ""  # answered: only the fact is kept (docs/privacy.md)

    def answer_failed(self, answer_id: int, error: str, retry_at: dt.datetime | None) -> int:
        """Records a failed attempt; `retry_at` None gives up for good. Returns the attempts so far."""
        with self.session() as s:
            row = s.get(OutgoingAnswer, answer_id)
            if row is None:
                return 0
            row.attempts += 1
            row.last_error = error[:200]
            if retry_at is None:
                row.given_up_at = utcnow()
                row.parts = []
                row.spoken_text = None
            else:
                row.next_attempt_at = retry_at
            return row.attempts

    # --- turns -------------------------------------------------------------
    def add_turn(self, user_id: int, role: str, text: str, **fields: Any) -> None:
        with self.engine.begin() as conn:
            conn.execute(_NEW_TURN, {"user_id": user_id, "role": role, "text": text, **fields})

    def add_bot_turns(self, user_id: int, texts: list[str], settings: dict[str, Any],
                      **fields: Any) -> None:
        """A reply's turns and the settings it changes, in one transaction.

        One commit per reply rather than one per message keeps the event
        loop free for other users.
        """
        with self.engine.begin() as conn:
            if texts:
                conn.execute(_NEW_TURN, [{"user_id": user_id, "role": "bot", "text": text, **fields}
                                         for text in texts])
            if not conn.execute(_CHANGE_SETTINGS, {"key": user_id, **settings}).rowcount:
                _new_settings(conn, user_id, settings)

    def recent_turns(self, user_id: int, limit: int = 6) -> list[Turn]:
        with self.session() as s:
            rows = s.scalars(select(Turn).where(Turn.user_id == user_id)
                             .order_by(Turn.id.desc()).limit(limit))
            return list(reversed(list(rows)))

    def forget_user(self, user_id: int) -> None:
        """Deletes what is stored about a user (the /forget command)."""
        with self.session() as s:
            for model in (Turn, PendingQuestion, OutgoingAnswer, UserSettings):
                s.execute(delete(model).where(model.user_id == user_id))
        self.flush_deleted()

    def flush_deleted(self) -> None:
        """SQLite: empties the write-ahead log, which still holds copies of deleted rows."""
        flush_deleted(self.engine)
