"""The desk's tables: tickets, their posts in the volunteer group, their
threads, and answers suggested for the FAQ.

Questions and follow-ups are stored masked (core/privacy.py); /forget
clears the citizen's ids (bot/handoff/desk.py).
"""

from __future__ import annotations

import datetime as dt

from sqlalchemy import BigInteger, DateTime, ForeignKey, Integer, String, Text, bindparam, select
from sqlalchemy.orm import Mapped, mapped_column

from bot.storage import Base, utcnow

OPEN, TAKEN, CLOSED = "open", "taken", "closed"


class Ticket(Base):
    """One question handed to volunteers; its id is the number people see."""

    __tablename__ = "tickets"

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    # The citizen: both are set to None by /forget.
    user_id: Mapped[int | None] = mapped_column(BigInteger, index=True, default=None)
    chat_id: Mapped[int | None] = mapped_column(BigInteger, default=None)
    language: Mapped[str] = mapped_column(String(8))
    topic: Mapped[str | None] = mapped_column(String(20), default=None)
    reason: Mapped[str] = mapped_column(String(20))
    via_volunteer: Mapped[bool] = mapped_column(default=False)
    question: Mapped[str] = mapped_column(Text)  # masked
    context: Mapped[str] = mapped_column(Text, default="")  # masked recent turns, as posted
    status: Mapped[str] = mapped_column(String(10), default=OPEN, index=True)
    created_at: Mapped[dt.datetime] = mapped_column(DateTime, default=utcnow, index=True)
    taken_at: Mapped[dt.datetime | None] = mapped_column(DateTime, default=None)
    taken_by: Mapped[int | None] = mapped_column(BigInteger, default=None)
    taken_name: Mapped[str | None] = mapped_column(String(64), default=None)
    answered_at: Mapped[dt.datetime | None] = mapped_column(DateTime, default=None, index=True)
    answered_name: Mapped[str | None] = mapped_column(String(64), default=None)
    closed_at: Mapped[dt.datetime | None] = mapped_column(DateTime, default=None)
    closed_by: Mapped[str | None] = mapped_column(String(16), default=None)  # citizen|volunteer|forget
    closed_name: Mapped[str | None] = mapped_column(String(64), default=None)
    post_id: Mapped[int | None] = mapped_column(BigInteger, default=None)  # latest full post
    reminded_at: Mapped[dt.datetime | None] = mapped_column(DateTime, default=None)


# Built once: constructing a select costs more than running it.
OPEN_TICKET_OF_USER = (select(Ticket.id).where(Ticket.user_id == bindparam("user_id"), Ticket.status != CLOSED)
                       .order_by(Ticket.id.desc()).limit(1))


class TicketPost(Base):
    """A message of the bot in the volunteer group that belongs to a ticket.

    A volunteer may reply to any of them (the first post, a reminder, a
    follow-up); each one routes back to the same ticket, also after a restart.
    """

    __tablename__ = "ticket_posts"

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    ticket_id: Mapped[int] = mapped_column(ForeignKey("tickets.id"), index=True)
    chat_id: Mapped[int] = mapped_column(BigInteger)
    message_id: Mapped[int] = mapped_column(BigInteger, index=True)


class TicketMessage(Base):
    """The thread of a ticket: the citizen's follow-ups (masked) and volunteers' answers."""

    __tablename__ = "ticket_messages"

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    ticket_id: Mapped[int] = mapped_column(ForeignKey("tickets.id"), index=True)
    author: Mapped[str] = mapped_column(String(10))  # "citizen" or "volunteer"
    name: Mapped[str | None] = mapped_column(String(64), default=None)  # volunteer's first name
    text: Mapped[str] = mapped_column(Text)
    delivered: Mapped[bool] = mapped_column(default=True)
    created_at: Mapped[dt.datetime] = mapped_column(DateTime, default=utcnow)


class FaqCandidate(Base):
    """A volunteer's answer suggested for the FAQ; exported for maintainers."""

    __tablename__ = "faq_candidates"

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    ticket_id: Mapped[int] = mapped_column(ForeignKey("tickets.id"), unique=True)
    language: Mapped[str] = mapped_column(String(8))
    topic: Mapped[str | None] = mapped_column(String(20), default=None)
    question: Mapped[str] = mapped_column(Text)  # masked
    answer: Mapped[str] = mapped_column(Text)
    suggested_name: Mapped[str | None] = mapped_column(String(64), default=None)
    created_at: Mapped[dt.datetime] = mapped_column(DateTime, default=utcnow)
    updated_at: Mapped[dt.datetime] = mapped_column(DateTime, default=utcnow, onupdate=utcnow)
