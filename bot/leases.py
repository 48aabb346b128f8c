"""Jobs that must run once across replicas, not once per bot process.

Two bot replicas on one database each run python-telegram-bot's job queue,
so without this the retention sweep, the volunteers' daily summary, the
reminders, the corrections and the outbox would run twice (a summary posted
twice, an answer sent twice). A job first claims its lease: a row in
`job_leases` (name, holder, until). The claim is one UPDATE that succeeds
only when the lease has run out or this process already holds it, so of
replicas firing together exactly one wins, on PostgreSQL (row lock, then
the WHERE is checked again) as on SQLite (one writer at a time). A holder
that dies keeps its lease until `until`: that run is lost, the next one
happens as usual, the same as when a single bot is down at that moment.
"""

from __future__ import annotations

import asyncio
import datetime as dt
import logging
import os
import secrets
import socket
from collections.abc import Awaitable, Callable
from typing import Any

from sqlalchemy import DateTime, String, or_, update
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.orm import Mapped, mapped_column

from bot.storage import Base, Database, utcnow

log = logging.getLogger(__name__)

# This process, as holders are named: host, pid and a random part (pids repeat across containers).
HOLDER = f"{socket.gethostname()[:40]}:{os.getpid()}:{secrets.token_hex(4)}"
HOUR_S = 3600.0
DAY_S = 24 * HOUR_S


class JobLease(Base):
    __tablename__ = "job_leases"

    name: Mapped[str] = mapped_column(String(40), primary_key=True)
    holder: Mapped[str] = mapped_column(String(80))
    until: Mapped[dt.datetime] = mapped_column(DateTime)


def claim(db: Database, name: str, seconds: float, holder: str = HOLDER, now: dt.datetime | None = None) -> bool:
    """True when this holder may run `name` now; it then holds it for `seconds`."""
    now = now or utcnow()
    until = now + dt.timedelta(seconds=seconds)
    table = JobLease.__table__
    # The bot runs on SQLite or PostgreSQL: both say INSERT ... ON CONFLICT DO NOTHING.
    with db.engine.begin() as conn:
        insert = postgresql.insert if conn.dialect.name == "postgresql" else sqlite.insert
        if conn.execute(insert(table).values(name=name, holder=holder, until=until)
                        .on_conflict_do_nothing(index_elements=["name"])).rowcount:
            return True
        return bool(conn.execute(update(table).where(table.c.name == name,
                                                     or_(table.c.until <= now, table.c.holder == holder))
                                 .values(holder=holder, until=until)).rowcount)


def lease_for(interval: float) -> float:
    """How long one run holds a job that repeats every `interval` seconds.

    A little less than the interval, so the next run (here or on another
    replica, whose timer may fire a little earlier) finds it free.
    """
    return max(interval * 0.5, interval - 60.0)


def once(db: Database, name: str, interval: float,
         job: Callable[[Any], Awaitable[None]]) -> Callable[[Any], Awaitable[None]]:
    """`job` for a job queue, run by the one replica that claims it for this interval."""

    async def run_if_claimed(context: Any) -> None:
        try:
            mine = await asyncio.to_thread(claim, db, name, lease_for(interval))
        except Exception:  # noqa: BLE001 - the database is down: the next interval tries again
            log.exception("could not claim job %s", name)
            return
        if not mine:
            log.debug("job %s runs on another replica this time", name)
            return
        await job(context)

    run_if_claimed.__name__ = getattr(job, "__name__", name)
    return run_if_claimed
