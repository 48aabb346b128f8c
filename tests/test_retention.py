"""Retention: after the period, conversations are gone from every store; before it, nothing is.

The clock is moved forward by giving the sweep a later "now"; the stores
are real SQLite files (the bot's database and a Rasa tracker store in WAL
mode), read back as bytes.
"""

from __future__ import annotations

import datetime as dt
import logging
import sqlite3
from pathlib import Path

import pytest
from sqlalchemy import select

from bot import alert_store, retention, stats
from bot.handoff.tables import CLOSED, OPEN, FaqCandidate, Ticket, TicketMessage
from bot.rasa_store import RasaStore
from bot.storage import Database, PendingQuestion, Turn, UserSettings, utcnow

USER = 7123456789
OLD = "OLDTALK-pension-question"


def files_of(folder: Path) -> bytes:
    return b"".join(p.read_bytes() for p in sorted(folder.iterdir()) if p.is_file())


@pytest.fixture
def stores(tmp_path: Path, db_url: str) -> tuple[Database, RasaStore, Path]:
    folder = tmp_path / "state"
    folder.mkdir()
    tracker = folder / "rasa_tracker.db"
    with sqlite3.connect(tracker) as conn:  # Rasa's table, as SQLTrackerStore creates it
        conn.execute("PRAGMA journal_mode=WAL")
        conn.execute("CREATE TABLE events (id INTEGER PRIMARY KEY, sender_id VARCHAR(255) NOT NULL, "
                     "type_name VARCHAR(255) NOT NULL, timestamp FLOAT, intent_name VARCHAR(255), "
                     "action_name VARCHAR(255), data TEXT)")
        conn.executemany("INSERT INTO events (sender_id, type_name, timestamp, data) VALUES (?, ?, ?, ?)",
                         [(str(USER), "user", utcnow().replace(tzinfo=dt.UTC).timestamp(),
                           f'{{"text": "{OLD} {i}"}}') for i in range(5)])
    if db_url.startswith("sqlite"):
        db_url = f"sqlite:///{folder / 'khotoch.db'}"  # beside Rasa's: the byte check below reads both
    db = Database(db_url)
    now = utcnow()
    with db.session() as s:
        s.add_all([Turn(user_id=USER, role="user", text=f"{OLD} turn", language="en", created_at=now),
                   Turn(user_id=USER, role="bot", text="Sorry, I do not know.", topic="banking", answered=False,
                        created_at=now + dt.timedelta(seconds=1)),
                   PendingQuestion(user_id=USER, chat_id=USER, text=f"{OLD} kept", language="en", created_at=now),
                   UserSettings(user_id=USER, language="en", voice=True, last_answer=f"{OLD} answer",
                                updated_at=now)])
        closed = Ticket(user_id=USER, chat_id=USER, language="en", reason="user_request", question=f"{OLD} q1",
                        context=f"{OLD} context", status=CLOSED, created_at=now, closed_at=now)
        for_faq = Ticket(user_id=USER, chat_id=USER, language="en", reason="user_request", question="masked q2",
                         context=f"{OLD} context2", status=CLOSED, created_at=now, closed_at=now)
        still_open = Ticket(user_id=USER, chat_id=USER, language="en", reason="user_request", question="q3",
                            status=OPEN, created_at=now)
        s.add_all([closed, for_faq, still_open])
        s.flush()
        s.add_all([TicketMessage(ticket_id=closed.id, author="volunteer", text=f"{OLD} reply", created_at=now),
                   FaqCandidate(ticket_id=for_faq.id, language="en", question="masked q2", answer="an answer")])
    alert_store.answer_given(db, "block_card", USER)  # kept only for corrections (docs/alerts.md)
    return db, RasaStore(f"sqlite:///{tracker}"), folder


def test_nothing_goes_before_the_period(stores) -> None:
    db, conversations, folder = stores
    counts = retention.sweep(db, conversations, days=90, now=utcnow() + dt.timedelta(days=89))
    assert set(counts.values()) == {0}
    assert len(db.recent_turns(USER)) == 2
    assert db.settings(USER).last_answer == f"{OLD} answer"


def test_everything_old_goes_from_every_store(stores, caplog: pytest.LogCaptureFixture) -> None:
    db, conversations, folder = stores
    with caplog.at_level(logging.INFO, logger="bot.retention"):
        counts = retention.sweep(db, conversations, days=90, now=utcnow() + dt.timedelta(days=91))
    assert counts == {"turns": 2, "kept_questions": 1, "last_answers": 1, "closed_tickets": 1,
                      "tickets_kept_for_faq": 1, "rasa_events": 5, "answers_given": 1}
    with db.session() as s:
        tickets = {t.question: t for t in s.scalars(select(Ticket))}
    assert set(tickets) == {"masked q2", "q3"}  # the open ticket waits for its volunteer
    assert tickets["masked q2"].user_id is None and tickets["masked q2"].context == ""
    assert tickets["q3"].user_id == USER
    settings = db.settings(USER)
    assert settings.last_answer is None and settings.voice is True  # choices stay, content goes
    assert OLD.encode() not in files_of(folder)  # not in free pages, not in the WAL files either
    logged = "\n".join(r.getMessage() for r in caplog.records)
    assert "2 turns" in logged and "5 rasa events" in logged and OLD not in logged


def test_stats_count_the_same_after_the_sweep_but_keep_no_text(stores) -> None:
    db, conversations, _ = stores
    later = utcnow() + dt.timedelta(days=91)
    before = stats.collect(db, days=365, now=later)
    retention.sweep(db, conversations, days=90, now=later)
    after = stats.collect(db, days=365, now=later)
    assert before.questions == after.questions == 1
    assert (after.by_topic, after.by_language) == (before.by_topic, before.by_language)
    assert (after.tickets_opened, after.tickets_answered) == (before.tickets_opened, before.tickets_answered)
    assert before.unanswered and after.unanswered == []  # the wording is gone with the turns


def test_the_sweep_runs_daily_in_the_bot() -> None:
    scheduled = []

    class JobQueue:
        def run_repeating(self, callback, interval, first, name):
            scheduled.append((interval, first, name))

    retention.schedule(JobQueue(), db=None, conversations=None, days=90)
    assert scheduled == [(dt.timedelta(days=1), retention.FIRST_RUN_AFTER, "retention")]
