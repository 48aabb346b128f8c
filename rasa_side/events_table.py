"""Deleting rows of Rasa's SQL tracker store, from Rasa or from the bot.

Rasa's SQLTrackerStore keeps one row per event in the table `events`
(sender_id, timestamp in seconds since the epoch, the event as JSON); Rasa
3.6 has no way to delete them. These statements are plain SQLAlchemy Core
on the two columns they need, so they run the same on SQLite and on
PostgreSQL, under SQLAlchemy 1.4 (Rasa's venv) and 2 (the bot's).
"""

from __future__ import annotations

import sqlite3
from typing import Any

from sqlalchemy import column, delete, event, func, inspect, select, table
from sqlalchemy.engine import Engine

EVENTS = table("events", column("sender_id"), column("timestamp"))


def secure_delete_sqlite() -> None:
    """Every SQLite connection of this process overwrites what it deletes.

    SQLite otherwise leaves a deleted row's bytes in the file's free space
    (and in the write-ahead log) until the space is reused: a forgotten
    conversation would still be readable there.
    """
    if not event.contains(Engine, "connect", _secure_delete):
        event.listen(Engine, "connect", _secure_delete)


def _secure_delete(dbapi: Any, _record: Any) -> None:
    if isinstance(dbapi, sqlite3.Connection):
        dbapi.execute("PRAGMA secure_delete=ON")


def flush_deleted(engine: Any) -> None:
    """After a delete on SQLite: moves the write-ahead log into the file and empties it.

    The log keeps earlier copies of changed pages (with the deleted rows)
    until they are overwritten; a TRUNCATE checkpoint leaves it empty.
    Nothing to do on other databases.
    """
    if engine.dialect.name == "sqlite":
        with engine.connect() as conn:
            conn.exec_driver_sql("PRAGMA wal_checkpoint(TRUNCATE)")


def has_events_table(engine: Any) -> bool:
    """False for a database Rasa never wrote to (nothing to delete there)."""
    return inspect(engine).has_table("events")


def delete_conversation(conn: Any, sender_id: str) -> int:
    """Deletes every event of one conversation; returns how many."""
    return conn.execute(delete(EVENTS).where(EVENTS.c.sender_id == sender_id)).rowcount or 0


def delete_before(conn: Any, timestamp: float) -> int:
    """Deletes events older than `timestamp` (seconds since the epoch); returns how many."""
    return conn.execute(delete(EVENTS).where(EVENTS.c.timestamp < timestamp)).rowcount or 0


def count_conversation(conn: Any, sender_id: str) -> int:
    return conn.execute(select(func.count()).select_from(EVENTS)
                        .where(EVENTS.c.sender_id == sender_id)).scalar() or 0
