"""Seven per-turn overheads of Rasa 3.6 that rasa_side/server.py starts Rasa without.

Profiling a turn (py-spy) showed most of the Rasa server's CPU going to work
that gives the same answer every time rather than to understanding or
dialogue:

- Every reply from the action server (one per turn that runs an action)
  is checked with `jsonschema.validate`, which first checks the
  fixed response schema itself against the JSON Schema meta-schema: about a
  third of the server's CPU. Here the schema is checked once and its
  validator kept; each reply is still validated in full, with Rasa's error
  (22 ms to 0.8 ms of CPU a reply).
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
- Saving a turn made one SQLAlchemy ORM object per event (about eight a
  turn) and flushed them one by one: about a sixth of the CPU. The same
  rows now go in with one multi-row INSERT.
- Each call to the action server made a new aiohttp session
  and TCP connection, which the action server had to accept as well:
  session set-up and connecting took about 7% of the CPU. Calls to HTTP
  endpoints (the action server; NLG or callback servers if configured) now
  share one session per event loop, a pool of kept-alive connections, with
  Rasa's headers, auth, parameters, timeout and errors; Rasa's shutdown
  closes it. aiohttp never retries a POST, so a kept connection the server
  closes just as a request goes out would fail the turn. Two guards: idle
  connections are closed after 4 s, before the server closes them (Sanic's
  default keep-alive is 5 s, rasa-sdk's 120 s); and a call whose kept
  connection closed before any answer (the action server restarted) is made
  once more, Rasa's own way, on a new connection. Such a request did not
  reach a live server (at worst the server died running it, and the retry
  most likely meets the same outage: Rasa's error, as before). Every other
  failure, and any on a new connection, reaches Rasa unchanged.
- On SQLite (the local default) every saved turn waited for fsyncs
  (rollback journal, synchronous=FULL), and SQLAlchemy 1.4 opened and
  closed the file for every read and write. SQLite connections get WAL mode
  and synchronous=NORMAL, as bot/storage.py does for the bot's own
  database (safe when a process crashes; only a power cut can lose the last
  turns), and stay open in a pool. Other databases (PostgreSQL for
  scale-out) are not touched.
- Every full garbage collection walked the half a million objects that
  loading the model left behind, stopping the server for about a quarter
  of a second. They are frozen once the model is loaded.
- Every graph run (understanding a message, predicting each action) went
  through dask, which ordered the graph's tasks afresh each time: about
  12% of the CPU, 8% in `dask.order` alone. The order is now worked out
  once per runner and set of targets, and the nodes are called in it.

The schema fix replaces a pure function of fixed inputs, so Rasa behaves
exactly as before. Three earlier layers were removed because each saved
under 5% of a message's CPU (docs/performance.md): a hand-written copy of
the reply schema (0.8 ms a reply), remembered event classes (0.03 ms an
event) and ujson for action calls (0.1 ms a call). All but the WAL settings
are written against the pinned Rasa version; under any other version Rasa
runs without them (and says so), since its internals may differ.
rasa_side/server.py applies them (`apply`) unless KHOTOCH_SPEED_LAYERS=off
(core/settings.py), which starts Rasa as installed; docs/performance.md
gives what each saves.
"""

from __future__ import annotations

import sys
from typing import Any

RASA_VERSION = "3.6.21"
CACHED_TRACKERS = 256  # conversations kept in memory; each holds one session's events
# Sanic closes a connection idle for 5 s, and aiohttp never resends a POST,
# so a kept connection to a Sanic server (the action server here, Rasa in
# bot/rasa_client.py) is dropped once idle this long.
KEEPALIVE_SECONDS = 4.0


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


def _insert_events_at_once() -> None:
    import json

    from rasa.core.tracker_store import SQLTrackerStore
    from rasa.shared.nlu.constants import INTENT_NAME_KEY

    async def save(self: Any, tracker: Any) -> None:
        # Rasa's SQLTrackerStore.save, with one multi-row INSERT instead of an
        # ORM object per event (the same rows, columns and JSON text).
        await self.stream_events(tracker)
        with self.session_scope() as session:
            rows = []
            for event in self._additional_events(session, tracker):
                data = event.as_dict()
                rows.append({"sender_id": tracker.sender_id, "type_name": event.type_name,
                             "timestamp": data.get("timestamp"),
                             "intent_name": data.get("parse_data", {}).get("intent", {}).get(INTENT_NAME_KEY),
                             "action_name": data.get("name"), "data": json.dumps(data)})
            if rows:
                session.execute(self.SQLEvent.__table__.insert(), rows)
            session.commit()

    SQLTrackerStore.save = save


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


def _keep_connections() -> None:
    import asyncio
    import os
    import ssl
    from types import SimpleNamespace

    import aiohttp
    import rasa.core.run
    from aiohttp.client_exceptions import ContentTypeError
    from rasa.core.constants import DEFAULT_REQUEST_TIMEOUT
    from rasa.shared.exceptions import FileNotFoundException
    from rasa.utils.endpoints import ClientResponseError, EndpointConfig, concat_url

    original = EndpointConfig.request
    close_resources = rasa.core.run.close_resources
    # (event loop, basic auth) -> session; a session belongs to the loop it was made on.
    sessions: dict[tuple[asyncio.AbstractEventLoop, Any], aiohttp.ClientSession] = {}
    tracing = aiohttp.TraceConfig()

    async def reused(_session: Any, context: SimpleNamespace, _params: Any) -> None:
        context.trace_request_ctx.reused = True

    tracing.on_connection_reuseconn.append(reused)

    def shared_session(auth: aiohttp.BasicAuth | None) -> aiohttp.ClientSession:
        loop = asyncio.get_running_loop()
        session = sessions.get((loop, auth))
        if session is None or session.closed:
            for key in [key for key in sessions if key[0].is_closed()]:
                old = sessions.pop(key)  # its loop is gone, so it cannot be awaited: drop it quietly
                old.connector._close()
            # As Rasa's EndpointConfig.session(), except: one pool of kept
            # connections, no limit on their number (Rasa had a connector per
            # call), and no cookies kept between calls (Rasa kept none).
            session = aiohttp.ClientSession(
                connector=aiohttp.TCPConnector(limit=0, keepalive_timeout=KEEPALIVE_SECONDS),
                auth=auth, timeout=aiohttp.ClientTimeout(total=DEFAULT_REQUEST_TIMEOUT),
                cookie_jar=aiohttp.DummyCookieJar(), trace_configs=[tracing])
            sessions[(loop, auth)] = session
        return session

    async def request(self: Any, method: str = "post", subpath: str | None = None,
                      content_type: str | None = "application/json", compress: bool = False,
                      **kwargs: Any) -> Any:
        # Rasa's EndpointConfig.request, on a kept session instead of a new one.
        if "trace_request_ctx" in kwargs:  # a caller tracing its own request (none in Rasa)
            return await original(self, method, subpath, content_type, compress, **kwargs)
        as_called = dict(kwargs)
        headers = {}
        if content_type:
            headers["Content-Type"] = content_type
        if "headers" in kwargs:
            headers.update(kwargs.pop("headers"))
        if self.headers:
            headers.update(self.headers)
        url = concat_url(self.url, subpath)
        sslcontext = None
        if self.cafile:
            try:
                sslcontext = ssl.create_default_context(cafile=self.cafile)
            except FileNotFoundError as e:
                raise FileNotFoundException(
                    f"Failed to find certificate file, '{os.path.abspath(self.cafile)}' does not exist.") from e
        auth = aiohttp.BasicAuth(self.basic_auth["username"], self.basic_auth["password"]) \
            if self.basic_auth else None
        attempt = SimpleNamespace(reused=False)
        try:
            response = await shared_session(auth).request(
                method, url, headers=headers, params=self.combine_parameters(kwargs), compress=compress,
                ssl=sslcontext, trace_request_ctx=attempt, **kwargs)
        except (aiohttp.ServerDisconnectedError, aiohttp.ClientOSError) as e:
            # A kept connection the server closed before answering (it
            # restarted, or timed the connection out just as the request went
            # out): the request did not get through. Once more on a new
            # connection, Rasa's own way; every other failure is Rasa's.
            if (not attempt.reused or isinstance(e, aiohttp.ClientConnectorError)
                    or not isinstance(as_called.get("data"), str | bytes | None)):
                raise
            return await original(self, method, subpath, content_type, compress, **as_called)
        async with response:
            if response.status >= 400:
                raise ClientResponseError(response.status, response.reason, await response.content.read())
            try:
                return await response.json()
            except ContentTypeError:
                return None

    async def close_resources_and_sessions(app: Any, loop: Any) -> None:
        try:
            await close_resources(app, loop)
        finally:
            running = asyncio.get_running_loop()
            for key in [key for key in sessions if key[0] is running]:
                await sessions.pop(key).close()

    EndpointConfig.request = request
    rasa.core.run.close_resources = close_resources_and_sessions


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


def _run_graph_in_order() -> None:
    """Runs the prediction graph without dask's per-run scheduling.

    Rasa hands each graph run (one to understand a message, one per
    predicted action) to `dask.get`, which orders the tasks afresh on every
    call (`dask.order`: about 8% of the server's CPU under load) and runs
    them one after another on this thread. The graph and the targets never
    change between runs, so the order is worked out once per set of targets
    and inputs and kept; each node still runs once, on the outputs of the
    nodes it needs, exactly as dask would call it. A graph whose node needs
    something that is neither a node nor an input (dask would pass the name
    itself) goes to dask as before.
    """
    from rasa.engine.exceptions import GraphRunError
    from rasa.engine.runner.dask import DaskGraphRunner

    original = DaskGraphRunner.run

    def plan(self: Any, targets: list[str], inputs: frozenset[str]) -> list[tuple[str, tuple[str, ...]]] | None:
        nodes = self._graph_schema.nodes
        order: list[tuple[str, tuple[str, ...]]] = []
        placed: set[str] = set()

        def place(name: str) -> bool:
            if name in placed:
                return True
            if name in inputs:  # an input wins over a node of the same name, as in dask
                placed.add(name)
                return True
            if name not in nodes:
                return False
            needs = tuple(nodes[name].needs.values())
            if not all(place(need) for need in needs):
                return False
            placed.add(name)
            order.append((name, needs))
            return True

        return order if all(place(target) for target in targets) else None

    def run(self: Any, inputs: dict[str, Any] | None = None, targets: list[str] | None = None) -> dict[str, Any]:
        run_targets = targets if targets else self._graph_schema.target_names
        key = (tuple(run_targets), frozenset(inputs or ()))
        plans = self.__dict__.setdefault("_plans", {})  # kept with the runner: a new model, new plans
        if key not in plans:
            plans[key] = plan(self, list(run_targets), key[1])
        steps = plans[key]
        if steps is None or any(isinstance(v, str) and v in self._graph_schema.nodes
                                for v in (inputs or {}).values()):
            return original(self, inputs, targets)  # unusual graphs and Rasa's input checks
        results: dict[str, Any] = {name: (name, value) for name, value in (inputs or {}).items()}
        try:
            for name, needs in steps:
                results[name] = self._instantiated_nodes[name](*(results[need] for need in needs))
        except RuntimeError as e:
            raise GraphRunError("Error running runner.") from e
        return dict(results[target] for target in run_targets)

    DaskGraphRunner.run = run


def _freeze_loaded_objects() -> None:
    """Keeps the garbage collector away from what loading the model created.

    Rasa's process holds about half a million long-lived objects
    (TensorFlow, jax, scikit-learn, the model's graph). Every full
    collection walked them all: 250 to 280 ms, measured with gc callbacks,
    during which no conversation moved, every few hundred messages. Once
    the model is loaded, everything alive is moved out of the collector's
    reach (`gc.freeze`); objects made by conversations are collected as
    before, and full collections no longer happened in a 600-message run.
    A model loaded later (PUT /model) is frozen again.
    """
    import functools
    import gc

    import rasa.core.run

    load = rasa.core.run.load_agent_on_start

    @functools.wraps(load)
    async def load_then_freeze(*args: Any, **kwargs: Any) -> Any:
        agent = await load(*args, **kwargs)
        gc.collect()
        gc.freeze()
        return agent

    rasa.core.run.load_agent_on_start = load_then_freeze


def apply() -> None:
    """Every layer above, in the order they wrap each other."""
    import rasa

    if rasa.__version__ == RASA_VERSION:
        _validate_once()
        _insert_events_at_once()
        _cache_trackers()  # wraps the save _insert_events_at_once installed
        _keep_connections()
        _pool_sqlite()
        _run_graph_in_order()
        _freeze_loaded_objects()
    else:
        print(f"rasa_side.speed: Rasa {rasa.__version__} is not {RASA_VERSION}; running it without "
              "the cached schema, kept trackers, one-INSERT saves, "
              "kept action server connections, pooled SQLite connections, graph runs "
              "without dask and frozen model objects", file=sys.stderr)
    _sqlite_wal()
