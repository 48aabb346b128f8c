"""What alerts and corrections need to remember, and nothing more (issue 22).

- `alert_subscriptions`: who said yes to scam alerts, who said no, who was
  offered them once, and who blocked the bot (403). Nobody is subscribed
  without a yes; /forget and /alerts off end it at once.
- `answers_given`: which FAQ entry's answer went to which chat, and the last
  day it did: only the entry id, the chat id and the date, kept for
  `RETENTION_DAYS` and deleted by /forget, so that a correction reaches the
  people who got the old answer.
- `broadcast_deliveries`: one row per campaign (an alert, or a correction of
  one entry) and chat, written before the send ("sending") and updated when
  Telegram accepted it. A resumed broadcast skips every chat with a row, so
  nobody gets a second copy, even after a crash (see docs/alerts.md).
- `scam_checks`: one row per scam check, with its pattern and week only (no
  user, no text), for the "waves" figures of /stats.

The tables live on the same metadata as bot/storage.py but in their own
module, so the other tables' code stays as it is.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from typing import Any

from sqlalchemy import BigInteger, Boolean, DateTime, Integer, String, delete, select, update
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.orm import Mapped, mapped_column

from bot.storage import Base, Database, UserSettings, utcnow

# Delivery states of one campaign in one chat.
SENDING = "sending"  # asked Telegram, no answer recorded: maybe delivered, never sent again
TEXT_SENT = "text"  # the text was accepted, the voice message is still due
VOICE_SENDING = "vsending"  # asked Telegram for the voice message: maybe delivered, never sent again
SENT = "sent"
BLOCKED = "blocked"  # 403: the user blocked the bot or the chat is gone
FAILED = "failed"  # refused for now (5xx, 400): tried again on the next run
DONE_STATES = (SENT, BLOCKED)


class AlertSubscription(Base):
    __tablename__ = "alert_subscriptions"

    user_id: Mapped[int] = mapped_column(BigInteger, primary_key=True)
    chat_id: Mapped[int] = mapped_column(BigInteger)
    active: Mapped[bool] = mapped_column(Boolean, default=False, index=True)
    # Said "off" in so many words: no alerts, and no corrections either.
    opted_out: Mapped[bool] = mapped_column(Boolean, default=False)
    offered: Mapped[bool] = mapped_column(Boolean, default=False)
    blocked_at: Mapped[dt.datetime | None] = mapped_column(DateTime, default=None)
    changed_at: Mapped[dt.datetime] = mapped_column(DateTime, default=utcnow, onupdate=utcnow)


class AnswerGiven(Base):
    __tablename__ = "answers_given"

    faq_id: Mapped[str] = mapped_column(String(60), primary_key=True)
    chat_id: Mapped[int] = mapped_column(BigInteger, primary_key=True)
    day: Mapped[dt.datetime] = mapped_column(DateTime, index=True)  # midnight of the last day it was sent


class BroadcastDelivery(Base):
    __tablename__ = "broadcast_deliveries"

    campaign: Mapped[str] = mapped_column(String(120), primary_key=True)
    chat_id: Mapped[int] = mapped_column(BigInteger, primary_key=True)
    status: Mapped[str] = mapped_column(String(8))
    at: Mapped[dt.datetime] = mapped_column(DateTime, default=utcnow)


class BroadcastRun(Base):
    """A campaign started and not yet finished: resumed when the bot starts again."""

    __tablename__ = "broadcast_runs"

    campaign: Mapped[str] = mapped_column(String(120), primary_key=True)
    started_at: Mapped[dt.datetime] = mapped_column(DateTime, default=utcnow)
    finished_at: Mapped[dt.datetime | None] = mapped_column(DateTime, default=None)
    # Who started it from Telegram (the maintainer's chat, for the summary), if anyone.
    started_by: Mapped[int | None] = mapped_column(BigInteger, default=None)


class ScamCheck(Base):
    __tablename__ = "scam_checks"

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    at: Mapped[dt.datetime] = mapped_column(DateTime, default=utcnow, index=True)
    verdict: Mapped[str] = mapped_column(String(16))
    # The known pattern it matched, else "signal:<strongest red flag>", else "none".
    pattern: Mapped[str] = mapped_column(String(60))


def _upsert(conn: Any, table: Any, key: dict[str, Any], values: dict[str, Any]) -> None:
    """Insert, or update the row with this key: one statement, so replicas writing at once do not collide."""
    insert = postgresql.insert if conn.dialect.name == "postgresql" else sqlite.insert
    conn.execute(insert(table).values(**key, **values).on_conflict_do_update(index_elements=list(key), set_=values))


def ensure(db: Database) -> Database:
    """The database these functions use; its tables are made by the migrations (bot/schema.py)."""
    return db


# --- subscriptions ------------------------------------------------------------
def subscription(db: Database, user_id: int) -> AlertSubscription | None:
    with ensure(db).session() as s:
        return s.get(AlertSubscription, user_id)


def set_alerts(db: Database, user_id: int, chat_id: int, on: bool) -> None:
    """The user's own yes or no; a yes also clears an old "blocked" mark."""
    with ensure(db).session() as s:
        row = s.get(AlertSubscription, user_id)
        if row is None:
            row = AlertSubscription(user_id=user_id, chat_id=chat_id)
            s.add(row)
        row.chat_id = chat_id
        row.active = on
        row.opted_out = not on
        row.offered = True
        if on:
            row.blocked_at = None


def take_offer(db: Database, user_id: int, chat_id: int) -> bool:
    """True once per user (then never again): may the bot offer alerts now?"""
    with ensure(db).session() as s:
        row = s.get(AlertSubscription, user_id)
        if row is not None and (row.offered or row.active or row.opted_out):
            return False
        if row is None:
            s.add(AlertSubscription(user_id=user_id, chat_id=chat_id, offered=True))
        else:
            row.offered = True
        return True


def mark_blocked(db: Database, chat_ids: Iterable[int]) -> None:
    """403 from Telegram: no more alerts or corrections to these chats."""
    ids = list(chat_ids)
    if not ids:
        return
    now = utcnow()
    with ensure(db).session() as s:
        known = set(s.scalars(select(AlertSubscription.chat_id).where(AlertSubscription.chat_id.in_(ids))))
        s.execute(update(AlertSubscription).where(AlertSubscription.chat_id.in_(ids))
                  .values(active=False, blocked_at=now))
        for chat_id in set(ids) - known:
            s.add(AlertSubscription(user_id=chat_id, chat_id=chat_id, blocked_at=now))


def forget(db: Database, user_id: int, chat_id: int | None = None) -> None:
    """/forget: the subscription, the answers given and the delivery records go."""
    chat = chat_id if chat_id is not None else user_id
    with ensure(db).session() as s:
        s.execute(delete(AlertSubscription).where(AlertSubscription.user_id == user_id))
        s.execute(delete(AnswerGiven).where(AnswerGiven.chat_id == chat))
        s.execute(delete(BroadcastDelivery).where(BroadcastDelivery.chat_id == chat))


# --- answers given (for corrections) ------------------------------------------
def answer_given(db: Database, faq_id: str, chat_id: int, day: dt.date | None = None) -> None:
    day = day or utcnow().date()
    moment = dt.datetime(day.year, day.month, day.day)
    with ensure(db).engine.begin() as conn:
        _upsert(conn, AnswerGiven.__table__, {"faq_id": faq_id, "chat_id": chat_id}, {"day": moment})


def drop_old_answers(db: Database, retention_days: int, now: dt.datetime | None = None) -> int:
    """The retention job: records older than the retention period are deleted."""
    cutoff = (now or utcnow()) - dt.timedelta(days=retention_days)
    with ensure(db).session() as s:
        return s.execute(delete(AnswerGiven).where(AnswerGiven.day < cutoff)).rowcount


# --- recipients -----------------------------------------------------------------
def _not_done(campaign: str):
    return ~select(BroadcastDelivery.chat_id).where(BroadcastDelivery.campaign == campaign,
                                                    BroadcastDelivery.chat_id == AlertSubscription.chat_id
                                                    ).exists()


def alert_recipients(db: Database, campaign: str, after: int, limit: int) -> list[tuple[int, str | None, bool]]:
    """(chat id, language, voice) of active subscribers without a delivery row, by chat id."""
    with ensure(db).session() as s:
        rows = s.execute(
            select(AlertSubscription.chat_id, UserSettings.language, UserSettings.voice)
            .outerjoin(UserSettings, UserSettings.user_id == AlertSubscription.user_id)
            .where(AlertSubscription.active.is_(True), AlertSubscription.chat_id > after, _not_done(campaign))
            .order_by(AlertSubscription.chat_id).limit(limit))
        return [(c, lang, bool(voice)) for c, lang, voice in rows]


def correction_recipients(db: Database, campaign: str, faq_id: str, since: dt.datetime, until: dt.datetime,
                          after: int, limit: int) -> list[tuple[int, str | None, bool]]:
    """Chats that got `faq_id`'s answer between `since` and `until`, not opted out nor blocked."""
    with ensure(db).session() as s:
        sub = AlertSubscription
        done = select(BroadcastDelivery.chat_id).where(BroadcastDelivery.campaign == campaign,
                                                       BroadcastDelivery.chat_id == AnswerGiven.chat_id)
        refused = select(sub.chat_id).where(sub.chat_id == AnswerGiven.chat_id,
                                            sub.opted_out.is_(True) | sub.blocked_at.is_not(None))
        rows = s.execute(
            select(AnswerGiven.chat_id, UserSettings.language, UserSettings.voice)
            .outerjoin(UserSettings, UserSettings.user_id == AnswerGiven.chat_id)
            .where(AnswerGiven.faq_id == faq_id, AnswerGiven.day >= since, AnswerGiven.day <= until,
                   AnswerGiven.chat_id > after, ~done.exists(), ~refused.exists())
            .order_by(AnswerGiven.chat_id).limit(limit))
        return [(c, lang, bool(voice)) for c, lang, voice in rows]


# --- delivery records ---------------------------------------------------------------
def record(db: Database, campaign: str, chat_id: int, status: str) -> None:
    with ensure(db).engine.begin() as conn:
        _upsert(conn, BroadcastDelivery.__table__, {"campaign": campaign, "chat_id": chat_id},
                {"status": status, "at": utcnow()})


def retry_failed(db: Database, campaign: str) -> int:
    """Rows refused for now (5xx, 400) are forgotten so this run tries them again."""
    with ensure(db).session() as s:
        return s.execute(delete(BroadcastDelivery).where(BroadcastDelivery.campaign == campaign,
                                                         BroadcastDelivery.status == FAILED)).rowcount


def forget_uncertain(db: Database, campaign: str) -> int:
    """A maintainer's choice after a crash: resend what may or may not have arrived."""
    with ensure(db).session() as s:
        n = s.execute(delete(BroadcastDelivery).where(BroadcastDelivery.campaign == campaign,
                                                      BroadcastDelivery.status == SENDING)).rowcount
        n += s.execute(update(BroadcastDelivery).where(BroadcastDelivery.campaign == campaign,
                                                       BroadcastDelivery.status == VOICE_SENDING)
                       .values(status=TEXT_SENT)).rowcount
        return n


def voice_due(db: Database, campaign: str) -> list[tuple[int, str | None, bool]]:
    """Chats whose text went out but whose voice message did not (a crash in between)."""
    with ensure(db).session() as s:
        rows = s.execute(select(BroadcastDelivery.chat_id, UserSettings.language, UserSettings.voice)
                         .outerjoin(UserSettings, UserSettings.user_id == BroadcastDelivery.chat_id)
                         .where(BroadcastDelivery.campaign == campaign, BroadcastDelivery.status == TEXT_SENT))
        return [(c, lang, bool(voice)) for c, lang, voice in rows]


def blocked_chats(db: Database, campaign: str) -> list[int]:
    with ensure(db).session() as s:
        return list(s.scalars(select(BroadcastDelivery.chat_id).where(BroadcastDelivery.campaign == campaign,
                                                                      BroadcastDelivery.status == BLOCKED)))


def counts(db: Database, campaign: str) -> dict[str, int]:
    from sqlalchemy import func

    with ensure(db).session() as s:
        rows = s.execute(select(BroadcastDelivery.status, func.count()).where(BroadcastDelivery.campaign == campaign)
                         .group_by(BroadcastDelivery.status))
        return {status: n for status, n in rows}


def start_run(db: Database, campaign: str, started_by: int | None = None) -> None:
    with ensure(db).session() as s:
        row = s.get(BroadcastRun, campaign)
        if row is None:
            s.add(BroadcastRun(campaign=campaign, started_by=started_by))
        else:
            row.finished_at = None
            if started_by is not None:
                row.started_by = started_by


def finish_run(db: Database, campaign: str) -> None:
    with ensure(db).session() as s:
        row = s.get(BroadcastRun, campaign)
        if row is not None:
            row.finished_at = utcnow()


def unfinished_runs(db: Database) -> list[BroadcastRun]:
    with ensure(db).session() as s:
        return list(s.scalars(select(BroadcastRun).where(BroadcastRun.finished_at.is_(None))))


# --- scam checks ----------------------------------------------------------------------
def scam_checked(db: Database, verdict: str, patterns: list[str], signals: list[str]) -> None:
    if patterns:
        key = patterns[0]
    elif signals:
        key = f"signal:{signals[0]}"
    else:
        key = "none"
    with ensure(db).engine.begin() as conn:
        conn.execute(ScamCheck.__table__.insert().values(verdict=str(verdict)[:16], pattern=key[:60], at=utcnow()))


def scam_checks_since(db: Database, since: dt.datetime) -> list[tuple[dt.datetime, str]]:
    with ensure(db).session() as s:
        return [(at, p) for at, p in s.execute(select(ScamCheck.at, ScamCheck.pattern).where(ScamCheck.at >= since))]
