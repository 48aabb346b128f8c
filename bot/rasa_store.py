"""Rasa's conversation store as the bot sees it: deleting conversations.

Rasa keeps each conversation (its events) in its SQL tracker store, SQLite
beside the bot's state by default, PostgreSQL in the scale-out set-up
(deploy/endpoints.scale.yml). /forget and the retention job delete there
directly, with the statements Rasa's own store uses
(rasa_side/events_table.py), so they work while Rasa is down; Rasa
is also asked to drop the conversation (an empty PUT of its events), which
clears the copy it keeps in memory and deletes under its own lock.

RASA_TRACKER_URL (an SQLAlchemy URL) says where the store is; without it
the URL is built from endpoints.yml as bot/services.py starts Rasa.
"""

from __future__ import annotations

import datetime as dt
import logging
import os
from pathlib import Path
from typing import Any

import yaml
from sqlalchemy import create_engine
from sqlalchemy.engine import URL, Engine
from sqlalchemy.exc import SQLAlchemyError

from core.settings import ROOT, STATE_DIR
from rasa_side.events_table import (
    delete_before,
    delete_conversation,
    flush_deleted,
    has_events_table,
    secure_delete_sqlite,
)

log = logging.getLogger(__name__)


def url_from_endpoints(path: Path = ROOT / "endpoints.yml", state_dir: Path = STATE_DIR) -> str | None:
    """The SQLAlchemy URL of the tracker store an endpoints file configures, if it is SQL.

    A SQLite file is looked for in the state folder, where bot/services.py
    puts it; `${VAR}` in a value is read from the environment, as Rasa does.
    """
    try:
        store = (yaml.safe_load(path.read_text(encoding="utf-8")) or {}).get("tracker_store") or {}
    except (OSError, yaml.YAMLError):
        return None
    dialect = store.get("dialect")
    if not dialect:
        return None
    if dialect == "sqlite":
        return f"sqlite:///{state_dir / Path(store.get('db') or 'rasa.db').name}"

    def value(key: str) -> Any:
        raw = store.get(key)
        return os.path.expandvars(str(raw)) if raw is not None else None

    return URL.create(dialect, username=value("username"), password=value("password"), host=value("url"),
                      port=int(store["port"]) if store.get("port") else None,
                      database=value("db")).render_as_string(hide_password=False)


class RasaStore:
    """Deletes conversations in Rasa's tracker store; each call reports how many events went."""

    def __init__(self, url: str | None) -> None:
        self.url = url or url_from_endpoints()
        self._engine: Engine | None = None

    def _connect(self) -> Engine | None:
        if self._engine is not None:
            return self._engine
        if not self.url:
            return None
        if self.url.startswith("sqlite:///") and not Path(self.url.removeprefix("sqlite:///")).exists():
            return None  # Rasa never wrote here: nothing to delete
        secure_delete_sqlite()
        engine = create_engine(self.url)
        if not has_events_table(engine):
            engine.dispose()
            return None
        self._engine = engine
        return engine

    def _delete(self, what: str, statement: Any, arg: Any) -> int:
        try:
            engine = self._connect()
            if engine is None:
                return 0
            with engine.begin() as conn:
                deleted = statement(conn, arg)
            if deleted:
                flush_deleted(engine)
            return deleted
        except SQLAlchemyError as exc:
            # The type only: the message may carry the URL or a sender id.
            log.warning("Rasa's tracker store: could not delete %s (%s)", what, type(exc).__name__)
            return 0

    def forget(self, sender_id: str) -> int:
        """Deletes every event of one conversation."""
        return self._delete("a conversation", delete_conversation, sender_id)

    def delete_older_than(self, cutoff: dt.datetime) -> int:
        """Deletes events from before `cutoff` (naive UTC, like the bot's own times)."""
        return self._delete("old events", delete_before, cutoff.replace(tzinfo=dt.UTC).timestamp())
