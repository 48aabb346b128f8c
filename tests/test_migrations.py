"""The bot's schema comes from the migrations, on SQLite and on PostgreSQL alike.

What an operator would notice: a new deployment gets every table the code
uses; an existing database made before the migrations is upgraded in
place with its users' settings, conversations and tickets kept; replicas
starting together on one PostgreSQL do not trip over each other.
"""

from __future__ import annotations

import datetime as dt
import subprocess
import sys

from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from sqlalchemy import create_engine, inspect, select

from bot import schema
from bot.handoff.tables import Ticket, TicketPost
from bot.storage import Base, Database, Turn, UserSettings
from core.settings import ROOT
from tests.pg_fixture import drop_database, pg_database


def differences(db: Database) -> list:
    """What the database lacks or has unlike the models (Alembic's autogenerate comparison)."""
    with db.engine.connect() as conn:
        context = MigrationContext.configure(conn, opts={"compare_type": True})
        return compare_metadata(context, schema.metadata())


def revision(db: Database) -> str | None:
    with db.engine.connect() as conn:
        return schema.current(conn)


def test_a_new_database_is_made_by_the_migrations_and_matches_the_models(empty_db_url: str) -> None:
    db = Database(empty_db_url)
    assert revision(db) == schema.head()
    assert differences(db) == []
    assert set(schema.metadata().tables) <= set(inspect(db.engine).get_table_names())


def test_a_database_made_before_the_migrations_keeps_its_rows(empty_db_url: str) -> None:
    # As the bot of before made it: create_all at start for the tables then
    # imported, the others (alerts, voice, daily counts) only on first use.
    old_engine = create_engine(empty_db_url)
    made_then = [Base.metadata.tables[name] for name in
                 ("user_settings", "pending_questions", "outgoing_answers", "turns",
                  "tickets", "ticket_posts", "ticket_messages", "faq_candidates")]
    Base.metadata.create_all(old_engine, tables=made_then)
    asked = dt.datetime(2026, 5, 1, 9, 30)
    with old_engine.begin() as conn:
        conn.execute(UserSettings.__table__.insert().values(user_id=42, language="mn", language_chosen=True,
                                                            voice=True, created_at=asked, updated_at=asked))
        conn.execute(Turn.__table__.insert().values(user_id=42, role="user", text="тэтгэвэр хэзээ орох вэ",
                                                    created_at=asked))
        ticket = conn.execute(Ticket.__table__.insert().values(
            user_id=42, chat_id=42, language="mn", reason="user_request", via_volunteer=False,
            question="тэтгэвэр", context="", status="taken", created_at=asked, taken_by=5)).inserted_primary_key[0]
        conn.execute(TicketPost.__table__.insert().values(ticket_id=ticket, chat_id=-100, message_id=777))
    old_engine.dispose()

    db = Database(empty_db_url)

    assert revision(db) == schema.head()
    assert differences(db) == []
    settings = db.settings(42)
    assert (settings.language, settings.voice) == ("mn", True)
    assert [t.text for t in db.recent_turns(42)] == ["тэтгэвэр хэзээ орох вэ"]
    with db.session() as s:
        assert s.scalar(select(Ticket.status).where(Ticket.id == ticket)) == "taken"
        assert s.scalar(select(TicketPost.message_id).where(TicketPost.ticket_id == ticket)) == 777
    # The tables it never made are there now, and usable.
    from bot import alert_store

    alert_store.answer_given(db, "block_card", 42)


def test_replicas_starting_together_upgrade_once(pg_server: str) -> None:
    # Separate processes, as replicas are (Alembic's `op` is one per process).
    url = pg_database(pg_server, migrated=False)
    opening = [subprocess.Popen([sys.executable, "-c", "import sys; from bot.storage import Database; "
                                 "Database(sys.argv[1])", url], cwd=ROOT, stderr=subprocess.PIPE, text=True)
               for _ in range(3)]
    errors = [proc.communicate(timeout=120)[1] for proc in opening]
    assert [proc.returncode for proc in opening] == [0, 0, 0], errors
    db = Database(url)
    assert revision(db) == schema.head()
    assert differences(db) == []
    db.engine.dispose()
    drop_database(url)
