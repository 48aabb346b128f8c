"""Runs in .venv-rasa: the fixes rasa_side.speed applies to Rasa, against Rasa itself.

Prints one JSON object of observations; tests/rasa_side/test_speed.py judges them.
"""

from __future__ import annotations

import asyncio
import copy
import gc
import json
import logging
import sqlite3
import sys
import tempfile
import warnings
from pathlib import Path
from typing import Any

from aiohttp import web
from rasa.utils.endpoints import EndpointConfig

from rasa_side import speed

RASA_REQUEST = EndpointConfig.request  # Rasa's own, before the patches
MODEL = Path(__file__).resolve().parents[2] / "models" / "khotoch.tar.gz"
GRAPH_MESSAGES = ["hello", "сайн байна уу", "dansaa yaj hamgaalah ve", "e-Mongolia-д яаж нэвтрэх вэ?",
                  "I got an SMS saying I won a prize, is it a scam?", "is there a phone line for e-mongolia problems",
                  "/choose_language{\"language\": \"en\"}", "", "asdfgh qwerty", "thank you so much"]


async def main() -> dict:
    from rasa.core.tracker_store import SQLTrackerStore as Store
    from rasa.shared.core.trackers import DialogueStateTracker

    rasas_own_save = Store.save
    speed._validate_once()
    speed._insert_events_at_once()
    speed._cache_trackers()
    speed._keep_connections()
    speed._pool_sqlite()
    speed._sqlite_wal()

    from jsonschema import ValidationError
    from rasa.core.actions.action import RemoteAction
    from rasa.core.tracker_store import SQLTrackerStore
    from rasa.shared.core.domain import Domain
    from rasa.shared.core.events import ActionExecuted, SessionStarted, SlotSet, UserUttered

    out: dict = {}
    action = RemoteAction("action_answer_faq", None)
    out["valid_reply_accepted"] = action._validate_action_result(
        {"events": [{"event": "slot", "name": "language", "value": "en"}], "responses": [{"text": "hi"}]})
    try:
        action._validate_action_result({"events": [{"event": 5}], "responses": "not a list"})
        out["invalid_reply_rejected"] = False
    except ValidationError as exc:
        out["invalid_reply_rejected"] = "Action server" in exc.message

    out.update(await action_calls())

    # What the action server receives is the same JSON value Rasa meant to send.
    received: list = []

    async def echo(request: web.Request) -> web.Response:
        received.append((request.content_type, await request.json()))
        return web.json_response({"events": [], "responses": []})

    app = web.Application()
    app.router.add_post("/webhook", echo)
    runner = web.AppRunner(app)
    await runner.setup()
    site = web.TCPSite(runner, "127.0.0.1", 0)
    await site.start()
    port = site._server.sockets[0].getsockname()[1]
    payload = {"tracker": {"latest_message": {"text": "картаа хаалгах / kartaa", "metadata": {"voice": False}},
                           "slots": {"language": "mn", "score": 0.1 + 0.2}, "events": [{"n": 1}, None]}}
    answer = await EndpointConfig(f"http://127.0.0.1:{port}/webhook").request(json=payload, method="post")
    await runner.cleanup()
    out["action_call_json_same"] = received == [("application/json", payload)]
    out["action_call_answer"] = answer

    domain = Domain.from_path(Path("domain.yml"))
    db = Path(tempfile.mkdtemp()) / "tracker.db"
    store = SQLTrackerStore(domain, dialect="sqlite", db=str(db))

    tracker = await store.get_or_create_tracker("u1")
    tracker.update(UserUttered("hello", {"name": "greet", "confidence": 1.0}))
    tracker.update(SlotSet("language", "en"))
    await store.save(tracker)
    again = await store.retrieve("u1")
    out["same_events_after_save"] = [e.as_dict() for e in again.events] == [e.as_dict() for e in tracker.events]

    # A turn that failed before saving must not leak into the next turn.
    again.update(UserUttered("lost", {"name": "greet", "confidence": 1.0}))
    fresh = await store.retrieve("u1")
    out["unsaved_events_dropped"] = [e.text for e in fresh.events if isinstance(e, UserUttered)] == ["hello"]

    fresh.update(SlotSet("language", "mn"))
    await store.save(fresh)
    # Two more turns on the kept tracker: each save stores just its new events.
    for text in ("first", "second"):
        kept = await store.retrieve("u1")
        out.setdefault("kept_tracker_reused", []).append(kept is fresh)
        kept.update(UserUttered(text, {"name": "greet", "confidence": 1.0}))
        await store.save(kept)
    # A restarted Rasa (a new store on the same file) sees every saved turn.
    restarted = SQLTrackerStore(domain, dialect="sqlite", db=str(db))
    reread = await restarted.retrieve("u1")
    out["slot_survives_restart"] = reread.get_slot("language")
    out["events_survive_restart"] = [e.as_dict() for e in reread.events] == [e.as_dict() for e in fresh.events]
    out["texts_after_restart"] = [e.text for e in reread.events if isinstance(e, UserUttered)]

    # A new session: the next read holds only the new session, as Rasa's own store returns.
    reread.update(ActionExecuted("action_session_start"))
    reread.update(SessionStarted())
    reread.update(ActionExecuted("action_listen"))
    await restarted.save(reread)
    session = await restarted.retrieve("u1")
    out["new_session_only"] = not any(isinstance(e, UserUttered) for e in session.events)

    with sqlite3.connect(db) as conn:
        out["journal_mode"] = conn.execute("PRAGMA journal_mode").fetchone()[0]

    # The same turns saved by Rasa's own save and by the one-INSERT save give the same rows.
    stored = []
    for save in (rasas_own_save, SQLTrackerStore.save):
        path = Path(tempfile.mkdtemp()) / "rows.db"
        other = SQLTrackerStore(domain, dialect="sqlite", db=str(path))
        turn = DialogueStateTracker.from_events("u2", list(fresh.events), slots=domain.slots)
        await save(other, turn)
        turn.update(UserUttered("later", {"name": "thanks", "confidence": 0.9}, timestamp=1.5))
        turn.update(ActionExecuted("utter_thanks", policy="RulePolicy", confidence=1.0, timestamp=2.5))
        await save(other, turn)
        with sqlite3.connect(path) as conn:
            stored.append(conn.execute("SELECT sender_id, type_name, timestamp, intent_name, action_name, data "
                                       "FROM events ORDER BY id").fetchall())
    out["rows_as_rasa_saves_them"] = stored[0] == stored[1] and len(stored[0]) > 5
    return out


class ActionServer:
    """A stand-in action server that counts the TCP connections it is given."""

    def __init__(self) -> None:
        self.peers: list[int] = []
        self.seen: list[dict] = []
        self.drop_next = False
        self.runner: web.AppRunner | None = None
        self.port = 0

    async def handle(self, request: web.Request) -> web.StreamResponse:
        self.peers.append(request.transport.get_extra_info("peername")[1])
        if self.drop_next:  # closes a kept connection without answering
            self.drop_next = False
            request.transport.close()
            return web.Response()
        body = (await request.read()).decode()
        if request.content_type == "application/json" and body:
            body = json.loads(body)  # the JSON value, whatever its spacing
        self.seen.append({"method": request.method, "path": request.path, "query": dict(request.query), "body": body,
                          **{h: request.headers.get(h) for h in ("Content-Type", "Authorization", "X-Env",
                                                                 "Content-Encoding", "Cookie")}})
        name = request.path.rsplit("/", 1)[-1]
        if name == "rejected":
            return web.json_response({"action_name": "action_x", "error": "not now"}, status=400)
        if name == "broken":
            return web.Response(text="boom", status=500)
        if name == "text":
            return web.Response(text="not json")
        reply = web.json_response({"events": [{"event": "slot", "name": "language", "value": "mn"}],
                                   "responses": [{"text": "сайн уу"}]})
        reply.set_cookie("session", "1")
        return reply

    async def start(self) -> None:
        app = web.Application()
        app.router.add_route("*", "/{name}", self.handle)
        self.runner = web.AppRunner(app)
        await self.runner.setup()
        site = web.TCPSite(self.runner, "127.0.0.1", self.port)
        await site.start()
        self.port = site._server.sockets[0].getsockname()[1]

    async def stop(self) -> None:
        await self.runner.cleanup()

    def url(self, name: str = "webhook") -> str:
        return f"http://127.0.0.1:{self.port}/{name}"


async def outcome(call: Any) -> Any:
    try:
        return ("answer", await call)
    except Exception as exc:  # noqa: BLE001 - the kind of failure is what is compared
        return (type(exc).__name__, getattr(exc, "status", None), getattr(exc, "text", None))


async def action_calls() -> dict:
    import rasa.core.run
    from rasa.core.actions.action import RemoteAction
    from rasa.core.channels import CollectingOutputChannel
    from rasa.core.nlg import TemplatedNaturalLanguageGenerator
    from rasa.shared.core.domain import Domain
    from rasa.shared.core.trackers import DialogueStateTracker

    out: dict = {}
    server = ActionServer()
    await server.start()
    domain = Domain.from_path(Path("domain.yml"))
    action = RemoteAction("action_answer_faq", EndpointConfig(server.url()))
    tracker = DialogueStateTracker("u1", domain.slots)
    nlg = TemplatedNaturalLanguageGenerator(domain.responses)

    async def run_action() -> list:
        events = [e.as_dict() for e in await action.run(CollectingOutputChannel(), nlg, tracker, domain)]
        return [{k: v for k, v in e.items() if k != "timestamp"} for e in events]

    # Twenty actions, as ten turns make: one connection.
    results = [await run_action() for _ in range(20)]
    out["action_results_same"] = all(r == results[0] for r in results) and results[0][-1]["value"] == "mn"
    out["connections_for_20_actions"] = len(set(server.peers))
    out["cookies_sent_back"] = [s["Cookie"] for s in server.seen if s["Cookie"]]

    # A kept connection dropped without an answer: the action still runs, on a new connection.
    server.drop_next = True
    out["action_after_dropped_connection"] = (await run_action())[-1]["value"]
    out["connections_after_drop"] = len(set(server.peers))
    # The action server restarts (on the same port): the next turn reaches the new one.
    await server.stop()
    await server.start()
    out["action_after_restart"] = (await run_action())[-1]["value"]

    # The same request, headers, auth, parameters, body and failures as Rasa's own.
    endpoint = EndpointConfig(server.url(), params={"a": "1"}, headers={"X-Env": "test"},
                              basic_auth={"username": "u", "password": "p"}, token="secret")
    calls = [dict(json={"n": 1}), dict(json={"n": 2}, compress=True), dict(data="raw", content_type="text/plain"),
             dict(json={"n": 3}, params={"b": "2"}, headers={"X-Env": "per-call"}), dict(method="get", json=None)]
    observed = {}
    for name, request in (("rasa", RASA_REQUEST), ("kept", EndpointConfig.request)):
        server.seen.clear()
        answers = [await outcome(request(endpoint, **copy.deepcopy(kwargs))) for kwargs in calls]
        for path in ("rejected", "broken", "text"):
            answers.append(await outcome(request(EndpointConfig(server.url(path)), json={})))
        answers.append(await outcome(request(EndpointConfig("http://127.0.0.1:9/webhook"), json={})))
        observed[name] = (answers, copy.deepcopy(server.seen))
    out["requests_same_as_rasa"] = observed["kept"] == observed["rasa"]
    out["failures"] = [a[0] for a in observed["kept"][0][-4:]]

    # Rasa's shutdown closes the kept connections.
    peers = len(set(server.peers))
    await rasa.core.run.close_resources(type("App", (), {"ctx": None})(), asyncio.get_running_loop())
    await run_action()
    out["new_connection_after_shutdown"] = len(set(server.peers)) == peers + 1
    await server.stop()
    return out


async def on_a_new_loop() -> dict:
    """The kept session belongs to the loop that made it: a new loop gets its own."""
    server = ActionServer()
    await server.start()
    answer = await EndpointConfig(server.url()).request(json={})
    await server.stop()
    return {"answer_on_new_loop": answer["responses"]}


def compare_graph_runs() -> dict:
    """The trained model's graph run by dask (Rasa's way) and in the kept order: same answers."""
    from rasa.core.channels.channel import UserMessage
    from rasa.engine.loader import load_predict_graph_runner
    from rasa.engine.runner.dask import DaskGraphRunner
    from rasa.engine.storage.local_model_storage import LocalModelStorage
    from rasa.shared.core.events import ActionExecuted, UserUttered
    from rasa.shared.core.trackers import DialogueStateTracker

    if not MODEL.exists():
        return {"graph_model_missing": str(MODEL)}
    dasks_own = DaskGraphRunner.run
    speed._run_graph_in_order()
    in_order = DaskGraphRunner.run
    DaskGraphRunner.run = dasks_own
    with tempfile.TemporaryDirectory() as tmp:
        meta, runner = load_predict_graph_runner(Path(tmp), MODEL, LocalModelStorage, DaskGraphRunner)
        slots = meta.domain.slots

        def both(inputs: dict, target: str) -> list:
            return [way(runner, inputs=inputs, targets=[target])[target] for way in (dasks_own, in_order)]

        parses, predictions = [], []
        for text in GRAPH_MESSAGES:
            tracker = DialogueStateTracker.from_events("u", [ActionExecuted("action_listen")], slots=slots)
            message = UserMessage(text, sender_id="u", metadata={"language": "en"})
            one, two = both({"__message__": [message], "__tracker__": tracker}, meta.nlu_target)
            parses.append(one[0].as_dict() == two[0].as_dict() and one[0] is not two[0])
            parsed = one[0].as_dict()
            tracker.update(UserUttered(text, parse_data={"intent": parsed.get("intent", {}),
                                                         "entities": parsed.get("entities", [])}))
            one, two = both({"__tracker__": tracker}, meta.core_target)
            predictions.append(one.probabilities == two.probabilities and one.policy_name == two.policy_name
                               and max(one.probabilities) > 0)
        failures = []
        for way in (dasks_own, in_order):
            try:
                way(runner, inputs={"__tracker__": None}, targets=[meta.core_target])
                failures.append("no error")
            except Exception as exc:  # noqa: BLE001 - the kind of error is the observation
                failures.append(type(exc).__name__)
        plans = runner.__dict__.get("_plans", {})
    return {"graph_parses_same": parses, "graph_predictions_same": predictions,
            "graph_failures": failures, "graph_plans_kept": len(plans)}


def freeze_after_load() -> dict:
    """The model's objects are out of the garbage collector's reach once it is loaded."""
    import rasa.core.agent
    import rasa.core.run

    own_load, own_start = rasa.core.agent.load_agent, rasa.core.run.load_agent_on_start
    loaded = object()

    async def load_agent(**_kwargs: Any) -> object:
        return loaded

    class App:
        ctx = type("Ctx", (), {})()

    rasa.core.agent.load_agent = load_agent
    try:
        speed._freeze_loaded_objects()
        before = gc.get_freeze_count()
        agent = asyncio.run(rasa.core.run.load_agent_on_start("model", None, None, App(), None))
        frozen = gc.get_freeze_count()
    finally:
        rasa.core.agent.load_agent, rasa.core.run.load_agent_on_start = own_load, own_start
        gc.unfreeze()
    return {"freeze_agent_returned": agent is loaded and App.ctx.agent is loaded,
            "frozen_before_load": before, "frozen_after_load": frozen}


def run() -> dict:
    complaints: list[str] = []

    class Collect(logging.Handler):
        def emit(self, record: logging.LogRecord) -> None:
            complaints.append(record.getMessage())

    logging.getLogger("asyncio").addHandler(Collect())
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always", ResourceWarning)
        out = asyncio.run(main())
        out.update(asyncio.run(on_a_new_loop()))
        out.update(compare_graph_runs())
        out.update(freeze_after_load())
        gc.collect()
    complaints += [str(w.message) for w in caught if issubclass(w.category, ResourceWarning)]
    out["unclosed_warnings"] = [c for c in complaints if "nclosed" in c]
    return out


if __name__ == "__main__":
    print(json.dumps(run()))
    sys.exit(0)
