"""Retention: what is older than the retention period is deleted, in every store.

Once a day (a job in `python -m bot run`; `python -m bot retention` runs it
once) the bot deletes, older than RETENTION_DAYS (default 90):

- turns (the masked conversation the bot keeps for tickets and /stats);
- kept questions (pending_questions), answered or not;
- closed tickets with their thread and group-post references; a ticket a
  volunteer suggested as a FAQ entry keeps its masked question for the
  candidate and loses everything else;
- the last answer kept for /repeat of users quiet for that long (their
  language and voice choices stay until /forget);
- Rasa's conversation events (bot/rasa_store.py).

It logs how many rows went, never what they held. What /stats counts of the
deleted turns and tickets is kept as counts per day (bot/stats.py: no text,
no user), so its figures stay the same; only the list of unanswered
questions forgets their wording. Voice clips of
personal replies are never kept (bot/speech/speaker.py), so the voice cache
needs no sweep.
"""

from __future__ import annotations

import argparse
import asyncio
import datetime as dt
import logging
from typing import Any

from sqlalchemy import delete, func, select, update

from bot import alert_store, stats
from bot.config import Config
from bot.handoff.tables import CLOSED, FaqCandidate, Ticket, TicketMessage, TicketPost
from bot.leases import once
from bot.rasa_store import RasaStore
from bot.storage import Database, PendingQuestion, Turn, UserSettings, utcnow
from core.settings import DeskSettings

log = logging.getLogger(__name__)

RUN_EVERY = dt.timedelta(days=1)
# The first sweep after a start waits this long, so it never slows the start-up.
FIRST_RUN_AFTER = dt.timedelta(minutes=5)


def sweep(db: Database, conversations: RasaStore | None, days: int,
          now: dt.datetime | None = None) -> dict[str, int]:
    """Deletes everything older than `days` before `now`; returns counts per kind."""
    cutoff = (now or utcnow()) - dt.timedelta(days=days)
    counts: dict[str, int] = {}
    with db.session() as s:
        old_turns = list(s.scalars(select(Turn).where(Turn.created_at < cutoff).order_by(Turn.user_id, Turn.id)))
        old = list(s.scalars(select(Ticket).where(
            Ticket.status == CLOSED, func.coalesce(Ticket.closed_at, Ticket.created_at) < cutoff)))
        for_faq = set(s.scalars(select(FaqCandidate.ticket_id).where(
            FaqCandidate.ticket_id.in_([t.id for t in old]))))
        # /stats keeps counting them, as counts per day.
        stats.archive(s, old_turns, [t for t in old if t.id not in for_faq], DeskSettings.from_env().timezone)
        counts["turns"] = s.execute(delete(Turn).where(Turn.created_at < cutoff)).rowcount
        counts["kept_questions"] = s.execute(
            delete(PendingQuestion).where(PendingQuestion.created_at < cutoff)).rowcount
        counts["last_answers"] = s.execute(
            update(UserSettings).where(UserSettings.updated_at < cutoff, UserSettings.last_answer.is_not(None))
            .values(last_answer=None, expect=None)).rowcount
        old_ids = [t.id for t in old]
        gone = [number for number in old_ids if number not in for_faq]
        if old_ids:
            s.execute(delete(TicketMessage).where(TicketMessage.ticket_id.in_(old_ids)))
            s.execute(delete(TicketPost).where(TicketPost.ticket_id.in_(old_ids)))
        if gone:
            s.execute(delete(Ticket).where(Ticket.id.in_(gone)))
        if for_faq:
            s.execute(update(Ticket).where(Ticket.id.in_(for_faq))
                      .values(user_id=None, chat_id=None, context=""))
        counts["closed_tickets"] = len(gone)
        counts["tickets_kept_for_faq"] = len(for_faq)
    counts["rasa_events"] = conversations.delete_older_than(cutoff) if conversations is not None else 0
    # Which FAQ answer went to which chat (kept only for corrections, docs/alerts.md).
    counts["answers_given"] = alert_store.drop_old_answers(db, days, now)
    db.flush_deleted()
    log.info("retention (%d days): deleted %s", days,
             ", ".join(f"{n} {kind.replace('_', ' ')}" for kind, n in counts.items()))
    return counts


def schedule(job_queue: Any, db: Database, conversations: RasaStore | None, days: int) -> None:
    """The daily sweep in python-telegram-bot's job queue, off the event loop."""

    async def job(_context: Any) -> None:
        try:
            await asyncio.to_thread(sweep, db, conversations, days)
        except Exception:  # noqa: BLE001 - tomorrow's run tries again; the bot goes on
            log.exception("retention sweep failed")

    # One sweep a day across replicas (bot/leases.py), not one per bot process.
    job_queue.run_repeating(once(db, "retention", RUN_EVERY.total_seconds(), job), interval=RUN_EVERY,
                            first=FIRST_RUN_AFTER, name="retention")


def main(argv: list[str] | None = None) -> int:
    """`python -m bot retention [--days N]`: one sweep now; prints the counts."""
    from bot import logs

    config = Config.from_env()
    parser = argparse.ArgumentParser(prog="python -m bot retention",
                                     description="Delete conversations, turns, kept questions and closed "
                                                 "tickets older than the retention period, in every store.")
    parser.add_argument("--days", type=int, default=config.retention_days,
                        help=f"retention period in days (default RETENTION_DAYS or {Config.retention_days})")
    args = parser.parse_args(argv)
    if args.days < 1:
        parser.error("--days must be at least 1")
    logs.setup()
    counts = sweep(Database(config.database_url), RasaStore(config.rasa_tracker_url), args.days)
    for kind, n in counts.items():
        print(f"{kind.replace('_', ' ')}: {n}")
    return 0
