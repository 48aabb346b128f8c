"""Two bot replicas on one database: each daily or repeating job runs once, not once per replica.

What people would notice otherwise: the volunteers' daily summary posted
twice, a reminder twice, a kept answer sent to the citizen twice.
"""

from __future__ import annotations

import asyncio
import datetime as dt
import threading

from sqlalchemy import update

from bot import leases
from bot.delivery import Courier, parts_of
from bot.health import Dependency
from bot.replies import Reply
from bot.storage import Database, utcnow
from tests.test_delivery import FlakyBot

DAY = 24 * 3600.0


def test_replicas_firing_together_run_each_job_once(db_url: str) -> None:
    # Two replicas (an engine and a holder each) racing for 30 jobs at the same moment.
    replicas = {"replica-a": Database(db_url), "replica-b": Database(db_url)}
    names = [f"job-{i}" for i in range(30)]
    ran: dict[str, list[str]] = {name: [] for name in names}
    start = threading.Barrier(len(replicas))

    def replica(holder: str, db: Database) -> None:
        start.wait()
        for name in names:
            if leases.claim(db, name, leases.lease_for(DAY), holder=holder):
                ran[name].append(holder)

    threads = [threading.Thread(target=replica, args=item) for item in replicas.items()]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert [name for name, holders in ran.items() if len(holders) != 1] == []


def test_the_next_day_the_job_runs_again_on_whichever_replica_comes_first(db_url: str) -> None:
    db = Database(db_url)
    now = utcnow()
    assert leases.claim(db, "ticket-summary", leases.lease_for(DAY), holder="a", now=now)
    assert not leases.claim(db, "ticket-summary", leases.lease_for(DAY), holder="b", now=now + dt.timedelta(hours=23))
    assert leases.claim(db, "ticket-summary", leases.lease_for(DAY), holder="b", now=now + dt.timedelta(days=1))


def test_a_job_claimed_elsewhere_is_skipped_here(db_url: str) -> None:
    db = Database(db_url)
    runs: list[str] = []

    async def summary(_context: object) -> None:
        runs.append("posted")

    job = leases.once(db, "ticket-summary", DAY, summary)
    assert leases.claim(db, "ticket-summary", leases.lease_for(DAY), holder="the-other-replica")
    asyncio.run(job(None))
    assert runs == []
    # The other replica's lease runs out (it died, or a day passed): this one runs the next round.
    with db.engine.begin() as conn:
        conn.execute(update(leases.JobLease.__table__).values(until=utcnow() - dt.timedelta(seconds=1)))
    asyncio.run(job(None))
    assert runs == ["posted"]


def test_two_couriers_send_a_kept_answer_once(db_url: str) -> None:
    db_a, db_b = Database(db_url), Database(db_url)
    courier_a, courier_b = Courier(db_a, Dependency("Bot API")), Courier(db_b, Dependency("Bot API"))
    courier_a.holder, courier_b.holder = "replica-a", "replica-b"
    courier_a.keep(7, 7, "en", parts_of([Reply("Your kept question's answer.")]))
    bot_a, bot_b = FlakyBot(), FlakyBot()

    async def both() -> None:
        await asyncio.gather(courier_a.deliver_due(bot_a), courier_b.deliver_due(bot_b))

    asyncio.run(both())
    asyncio.run(both())
    assert bot_a.accepted + bot_b.accepted == [(7, "Your kept question's answer.")]
    assert db_a.due_answers() == []
