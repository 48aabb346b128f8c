"""Runs in .venv-rasa: rasa_side/tracker_store.py against Rasa itself.

Writes conversations carrying personal data through MaskedSQLTrackerStore,
with rasa_side.speed's layers on (as `make run` starts Rasa) and off,
then reads the SQLite files as bytes. With `--postgres URL` first, the same
conversation goes to that PostgreSQL database instead (as the scale-out
set-up keeps it), and what is stored is read back as the rows of `events`.
Prints one JSON object of observations; tests/rasa_side/test_tracker_store.py judges them.
"""

from __future__ import annotations

import asyncio
import json
import sys
import tempfile
from pathlib import Path

POSTGRES = sys.argv[2] if sys.argv[1:2] == ["--postgres"] else None
RAW = sys.argv[3:] if POSTGRES else sys.argv[1:]  # the raw values to look for, given by the test


def file_bytes(folder: Path) -> bytes:
    return b"".join(p.read_bytes() for p in sorted(folder.iterdir()) if p.is_file())


def held(value: str, blob: bytes) -> bool:
    """`value` is in `blob` as written, or as JSON writes it (Cyrillic as \\u escapes)."""
    return value.encode() in blob or json.dumps(value)[1:-1].encode() in blob


def sqlite(db: Path) -> dict:
    return {"dialect": "sqlite", "db": str(db)}


def postgres_rows(url: str):
    """The store's arguments for a PostgreSQL URL, and a reader of everything in its `events` table."""
    from sqlalchemy import create_engine, text
    from sqlalchemy.engine import make_url

    parsed = make_url(url)
    args = {"dialect": "postgresql", "host": parsed.host, "port": parsed.port, "db": parsed.database,
            "username": parsed.username, "password": parsed.password}
    engine = create_engine(url)

    def stored() -> bytes:
        with engine.connect() as conn:
            rows = conn.execute(text("SELECT * FROM events")).fetchall()
        return "\n".join(str(value) for row in rows for value in row).encode()

    return args, stored


async def conversation(store_cls, domain, args: dict, stored, sender: str) -> dict:
    """One masked conversation and its deletion; `stored()` is every byte the database holds of it."""
    from rasa.shared.core.events import ActionExecuted, BotUttered, SlotSet, UserUttered

    store = store_cls(domain, **args)
    tracker = await store.get_or_create_tracker(sender, append_action_listen=False)
    text = " ".join(RAW)
    tracker.update(UserUttered(text, {"name": "ask_banking", "confidence": 0.9},
                               metadata={"language": "en", "forwarded_text": text}))
    tracker.update(ActionExecuted("action_answer_faq"))
    tracker.update(BotUttered(f"You wrote {text}", {"custom": {"khotoch": {"question": text}}}))
    tracker.update(SlotSet("last_question", text))
    await store.save(tracker)
    again = await store.retrieve(sender)  # the next turn: from Rasa's memory or the database
    again.update(UserUttered("and one more thing", {"name": "greet", "confidence": 0.9}))
    await store.save(again)
    restarted = store_cls(domain, **args)  # as after a restart
    reread = await restarted.retrieve(sender)
    out = {"stored_events": len(reread.events) if reread else 0,
           "latest_text": reread.latest_message.text if reread else None,
           "raw_in_files": [v for v in RAW if held(v, stored())]}
    # /forget: the REST API's "replace the events with none".
    emptied = store.init_tracker(sender)
    await store.save(emptied)
    out["after_delete"] = await store.retrieve(sender) is None
    out["after_delete_restarted"] = await store_cls(domain, **args).retrieve(sender) is None
    # The next message of that sender starts afresh, in memory too.
    fresh = await store.get_or_create_tracker(sender, append_action_listen=False)
    out["fresh_events"] = len(fresh.events)
    out["sender_in_files"] = held(sender, stored())
    return out


async def main() -> dict:
    from rasa.shared.core.domain import Domain

    from rasa_side import speed
    from rasa_side.tracker_store import MaskedSQLTrackerStore

    domain = Domain.from_path(Path("domain.yml"))
    out = {}
    if POSTGRES:
        speed._insert_events_at_once()  # as the cluster's Rasa runs (the SQLite fixes do nothing here)
        speed._cache_trackers()
        args, stored = postgres_rows(POSTGRES)
        out["postgresql"] = await conversation(MaskedSQLTrackerStore, domain, args, stored, "7700789")
        return out
    with tempfile.TemporaryDirectory() as tmp:
        plain = Path(tmp) / "plain"
        plain.mkdir()
        out["rasa_as_is"] = await conversation(MaskedSQLTrackerStore, domain, sqlite(plain / "t.db"),
                                               lambda: file_bytes(plain), "7700123")
        for fix in (speed._insert_events_at_once, speed._cache_trackers,
                    speed._pool_sqlite, speed._sqlite_wal):
            fix()
        fast = Path(tmp) / "fast"
        fast.mkdir()
        out["with_speed_fixes"] = await conversation(MaskedSQLTrackerStore, domain, sqlite(fast / "t.db"),
                                                     lambda: file_bytes(fast), "7700456")
    return out


if __name__ == "__main__":
    print(json.dumps(asyncio.run(main())))
