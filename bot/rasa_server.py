"""Runs `rasa` (in .venv-rasa) without five per-turn overheads of Rasa 3.6.

Profiling a turn (py-spy) showed most of the Rasa server's CPU going to work
that gives the same answer every time rather than to understanding or
dialogue:

- Every reply from the action server (two per turn: the slot mappings and
  the action) is checked with `jsonschema.validate`, which first checks the
  fixed response schema itself against the JSON Schema meta-schema: about a
  third of the server's CPU. Here the schema is checked once and its
  validator kept; each reply is still validated in full, with Rasa's error.
- Reading a conversation from the tracker store looks up each stored event's
  class by walking every Event subclass (with `inspect.isabstract` on each):
  half the cost of loading a tracker, which grows with the conversation.
  Here the class found for a type name is remembered.
- Every turn reloaded the whole conversation session from the SQL tracker
  store (query, JSON, rebuilding each event), a cost that grows with the
  conversation. The tracker a turn saved is kept in memory for the next
  turn of that conversation (the most recent conversations only); the
  database is still written on every turn and stays the truth: a tracker
  that was changed without being saved, a new session, another tracker
  object saved for the conversation, or an event broker (which compares
  against the stored tracker) all mean the next turn reads the database.
  The per-conversation lock (Rasa's lock store) already lets only one
  message of a conversation be handled at a time; the cache relies on that
  and on this being the only Rasa process writing the store, so it is on
  only for SQLite with one Sanic worker (replicas share PostgreSQL, see
  deploy/endpoints.scale.yml, and another replica may have moved on).
  Saving a kept tracker also skips the query that counts the stored events
  (it scans the whole conversation): their number is known.
- Each call to the action server sends the whole conversation session as
  JSON, twice a turn; Python's json module took about 9 ms for a 40-turn
  conversation, ujson (installed with Rasa) about 2 ms for the same JSON.
- On SQLite (the local default) every saved turn waited for fsyncs
  (rollback journal, synchronous=FULL), and SQLAlchemy 1.4 opened and
  closed the file for every read and write. SQLite connections get WAL mode
  and synchronous=NORMAL, as bot/storage.py does for the bot's own
  database (safe when a process crashes; only a power cut can lose the last
  turns), and stay open in a pool. Other databases (PostgreSQL for
  scale-out) are not touched.

The schema and event-class fixes replace pure functions of fixed inputs, so
Rasa behaves exactly as before. All but the WAL settings are written against
the pinned Rasa version; under any other version Rasa runs without them (and
says so), since its internals may differ. Start it as
`.venv-rasa/bin/python -m bot.rasa_server run ...` with `rasa`'s own
arguments; bot/services.py does.
"""

from __future__ import annotations

import sys
from typing import Any

RASA_VERSION = "3.6.21"
CACHED_TRACKERS = 256  # conversations kept in memory; each holds one session's events


def _validate_once() -> None:
    from jsonschema.exceptions import best_match
    from jsonschema.validators import validator_for
    from rasa.core.actions.action import RemoteAction

    original = RemoteAction._validate_action_result
    schema = RemoteAction.action_response_format_spec()
    cls = validator_for(schema)
    cls.check_schema(schema)
    validator = cls(schema)

    def validate(self: Any, result: dict[str, Any]) -> bool:
        if best_match(validator.iter_errors(result)) is None:
            return True
        # Invalid: Rasa's own code raises the error, with its hint about the format.
        return original(self, result)

    RemoteAction._validate_action_result = validate


def _remember_event_classes() -> None:
    from rasa.shared.core.events import Event

    original = Event.resolve_by_type
    found: dict[str, type] = {}

    def resolve_by_type(type_name: str, default: type | None = None) -> type | None:
        cls = found.get(type_name)
        if cls is None:
            cls = original(type_name, default)
            if cls is not None and cls is not default:
                found[type_name] = cls
        return cls

    Event.resolve_by_type = staticmethod(resolve_by_type)


def _cache_trackers() -> None:
    import itertools
    import os
    from collections import OrderedDict

    if os.environ.get("SANIC_WORKERS", "1") != "1":
        return
    from rasa.core.tracker_store import SQLTrackerStore
    from rasa.shared.core.events import SessionStarted

    retrieve, save = SQLTrackerStore.retrieve, SQLTrackerStore.save
    additional_events = SQLTrackerStore._additional_events
    # (store, conversation) -> (tracker, number of its events in the database)
    kept: OrderedDict[tuple[int, str], tuple[Any, int]] = OrderedDict()
    saving: dict[tuple[int, str], tuple[Any, int]] = {}

    async def cached_retrieve(self: Any, sender_id: str) -> Any:
        if self.engine.dialect.name != "sqlite":
            return await retrieve(self, sender_id)
        key = (id(self), sender_id)
        hit = kept.get(key)
        if hit is not None and self.event_broker is None and len(hit[0].events) == hit[1]:
            kept.move_to_end(key)
            return hit[0]
        kept.pop(key, None)
        tracker = await retrieve(self, sender_id)
        if tracker is not None:
            kept[key] = (tracker, len(tracker.events))
            while len(kept) > CACHED_TRACKERS:
                kept.popitem(last=False)
        return tracker

    def known_additional_events(self: Any, session: Any, tracker: Any) -> Any:
        # Rasa counts the stored events of the session with a query that
        # grows with the conversation; for a kept tracker the count is known.
        known = saving.get((id(self), tracker.sender_id))
        if known is not None and known[0] is tracker:
            return itertools.islice(tracker.events, known[1], len(tracker.events))
        return additional_events(self, session, tracker)

    async def cached_save(self: Any, tracker: Any) -> None:
        key = (id(self), tracker.sender_id)
        hit = kept.pop(key, None)
        if hit is not None and hit[0] is tracker:
            saving[key] = hit
        try:
            await save(self, tracker)
        finally:
            saving.pop(key, None)
        if hit is None or hit[0] is not tracker:
            return
        events = list(tracker.events)
        if any(isinstance(event, SessionStarted) for event in events[hit[1]:]):
            return  # the database now returns only the new session
        kept[key] = (tracker, len(events))

    SQLTrackerStore.retrieve = cached_retrieve
    SQLTrackerStore.save = cached_save
    SQLTrackerStore._additional_events = known_additional_events


def _fast_json() -> None:
    import ujson  # a Rasa dependency
    from rasa.utils.endpoints import EndpointConfig

    original = EndpointConfig.request

    async def request(self: Any, method: str = "post", subpath: str | None = None,
                      content_type: str | None = "application/json", compress: bool = False,
                      **kwargs: Any) -> Any:
        if "json" in kwargs and content_type == "application/json":
            try:
                kwargs["data"] = ujson.dumps(kwargs["json"], escape_forward_slashes=False)
                del kwargs["json"]
            except (TypeError, ValueError, OverflowError):
                pass  # something ujson cannot write: aiohttp's json.dumps as before
        return await original(self, method, subpath, content_type, compress, **kwargs)

    EndpointConfig.request = request


def _pool_sqlite() -> None:
    import rasa.core.tracker_store as tracker_store
    from sqlalchemy.pool import QueuePool

    engine_kwargs = tracker_store.create_engine_kwargs

    def pooled(url: Any) -> dict[str, Any]:
        # SQLAlchemy 1.4 opens and closes a SQLite file per session (NullPool);
        # closing the last connection checkpoints the WAL, an fsync per turn.
        # Keep connections open, as SQLAlchemy 2 (and the bot) does.
        kwargs = engine_kwargs(url)
        if str(url).startswith("sqlite") and ":memory:" not in str(url):
            kwargs = dict(kwargs, poolclass=QueuePool, connect_args={"check_same_thread": False})
        return kwargs

    tracker_store.create_engine_kwargs = pooled


def _sqlite_wal() -> None:
    import sqlite3

    from sqlalchemy import event
    from sqlalchemy.engine import Engine

    def pragmas(dbapi: Any, _record: Any) -> None:
        if isinstance(dbapi, sqlite3.Connection):
            dbapi.execute("PRAGMA journal_mode=WAL")
            dbapi.execute("PRAGMA synchronous=NORMAL")

    event.listen(Engine, "connect", pragmas)


def main() -> int:
    import rasa
    from rasa.__main__ import main as rasa_main

    if rasa.__version__ == RASA_VERSION:
        _validate_once()
        _remember_event_classes()
        _cache_trackers()
        _fast_json()
        _pool_sqlite()
    else:
        print(f"bot.rasa_server: Rasa {rasa.__version__} is not {RASA_VERSION}; running it without "
              "the cached schema, event classes and trackers, ujson and pooled SQLite connections", file=sys.stderr)
    _sqlite_wal()
    sys.argv[0] = "rasa"
    return rasa_main()


if __name__ == "__main__":
    sys.exit(main())
