"""Runs in .venv-rasa: the fixes bot.rasa_server applies to Rasa, against Rasa itself.

Prints one JSON object of observations; tests/test_rasa_server.py judges them.
"""

from __future__ import annotations

import asyncio
import json
import sqlite3
import sys
import tempfile
from pathlib import Path

from bot import rasa_server


async def main() -> dict:
    rasa_server._validate_once()
    rasa_server._remember_event_classes()
    rasa_server._cache_trackers()
    rasa_server._fast_json()
    rasa_server._pool_sqlite()
    rasa_server._sqlite_wal()

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

    # What the action server receives is the same JSON value Rasa meant to send.
    from aiohttp import web
    from rasa.utils.endpoints import EndpointConfig

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
    return out


if __name__ == "__main__":
    print(json.dumps(asyncio.run(main())))
    sys.exit(0)
