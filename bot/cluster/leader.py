"""Which bot replica runs the jobs that must run once: kept questions' retries and the outbox.

Every replica runs the same code. Run by both, a kept question was put to
Rasa twice and its answer sent twice. So on PostgreSQL the replica holding a
session advisory lock is the one that runs them; the lock lives as long as
that replica's connection, so when the replica dies (even by SIGKILL) the
database frees it and another replica takes the jobs over at its next try.
On SQLite (one machine, one bot) the one bot always runs them.
"""

from __future__ import annotations

import logging

from sqlalchemy import text
from sqlalchemy.engine import Connection

from bot.storage import Database

log = logging.getLogger(__name__)

# pg_try_advisory_lock key ("jobs" in ASCII): any value other locks do not use.
LOCK_KEY = 0x6A6F6273


class Leader:
    def __init__(self, db: Database) -> None:
        self.engine = db.engine
        self.shared = self.engine.dialect.name == "postgresql"
        self._conn: Connection | None = None
        self._held = False

    def held(self) -> bool:
        """True while this replica runs the once-only jobs (tries to take them when free)."""
        if not self.shared:
            return True
        try:
            if self._conn is None:
                self._conn = self.engine.connect().execution_options(isolation_level="AUTOCOMMIT")
            if self._held:
                self._conn.execute(text("SELECT 1"))  # still connected, so still held
            else:
                self._held = bool(self._conn.execute(text("SELECT pg_try_advisory_lock(:k)"),
                                                     {"k": LOCK_KEY}).scalar())
                if self._held:
                    log.info("this replica now runs the outbox and the retries of kept questions")
        except Exception as exc:  # noqa: BLE001 - a lost connection loses the lock too
            log.warning("job lock connection lost: %s", exc)
            self._drop()
        return self._held

    def _drop(self) -> None:
        self._held = False
        if self._conn is not None:
            try:
                self._conn.close()
            except Exception:  # noqa: BLE001 - already broken
                pass
            self._conn = None
