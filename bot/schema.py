"""The bot's schema: made and upgraded by the migrations in bot/migrations/, never by create_all.

Every process that opens the database (bot/storage.py's Database) brings it
to the newest revision first, the same on SQLite and on PostgreSQL, so a
running deployment upgrades by starting the new code. A database made by
the code of before the migrations (tables from `create_all`, no
`alembic_version`) is adopted: the first revision creates only the tables it
lacks, keeping every row. With several replicas on one PostgreSQL, the
first to start upgrades while the others wait on an advisory lock, then see
the newest revision and go on. How to add a migration: docs/deployment.md.
"""

from __future__ import annotations

import importlib
import logging
import subprocess
import sys
from functools import cache
from pathlib import Path
from typing import Any

from sqlalchemy import MetaData, inspect, text
from sqlalchemy.engine import Connection, Engine

log = logging.getLogger(__name__)

MIGRATIONS = Path(__file__).parent / "migrations"
# Every module that declares tables on bot.storage.Base: the migrations'
# target, and what `compare_metadata` checks them against (tests/test_migrations.py).
MODEL_MODULES = ("bot.storage", "bot.handoff.tables", "bot.stats", "bot.voice_questions", "bot.alert_store",
                 "bot.leases", "bot.cluster.ingress")
# pg_advisory_xact_lock key held while one process upgrades ("khotoch" in ASCII, fits a bigint).
MIGRATION_LOCK = 0x6B686F746F6368


def metadata() -> MetaData:
    """All of the bot's tables, as the models declare them."""
    for name in MODEL_MODULES:
        importlib.import_module(name)
    from bot.storage import Base

    return Base.metadata


def alembic_config(connection: Connection | None = None) -> Any:
    """Alembic's configuration, built here rather than read from an alembic.ini."""
    from alembic.config import Config

    cfg = Config()
    cfg.set_main_option("script_location", str(MIGRATIONS))
    cfg.attributes["connection"] = connection
    return cfg


@cache
def head() -> str:
    """The newest revision in bot/migrations/versions/."""
    from alembic.script import ScriptDirectory

    return ScriptDirectory.from_config(alembic_config()).get_current_head()


def current(conn: Connection) -> str | None:
    """The revision the database is at; None before the first migration."""
    from alembic.migration import MigrationContext

    return MigrationContext.configure(conn).get_current_revision()


def upgrade(engine: Engine) -> None:
    """Brings the database to the newest revision; a single query when it already is."""
    if logging.getLogger("alembic").level == logging.NOTSET:
        # Alembic narrates each step at INFO; the one line below says what matters.
        logging.getLogger("alembic").setLevel(logging.WARNING)
    with engine.begin() as conn:
        if conn.dialect.name == "postgresql":
            # Released at commit: replicas starting together upgrade one after the other.
            conn.execute(text("SELECT pg_advisory_xact_lock(:key)"), {"key": MIGRATION_LOCK})
        was = current(conn)
        if was == head():
            return
        if was is None and inspect(conn).has_table("user_settings"):
            log.info("adopting a database made before the migrations; its rows are kept")
        from alembic import command

        command.upgrade(alembic_config(conn), "head")
        log.info("database schema upgraded from %s to %s", was or "nothing", head())


def new_revision(message: str) -> Path:
    """Writes the next migration, generated from what the models have and the migrations lack.

    The comparison runs on a scratch SQLite database brought to the newest
    revision, so nobody needs a live database to write a migration.
    """
    import tempfile

    from alembic import command
    from sqlalchemy import create_engine

    with tempfile.TemporaryDirectory() as scratch:
        engine = create_engine(f"sqlite:///{Path(scratch) / 'schema.db'}")
        upgrade(engine)
        number = f"{int(head()) + 1:04d}"
        with engine.begin() as conn:
            script = command.revision(alembic_config(conn), message=message, autogenerate=True, rev_id=number)
        engine.dispose()
    path = Path(script.path)
    # The generated file in the house style (quotes, unused imports of an empty migration).
    subprocess.run([sys.executable, "-m", "ruff", "check", "--fix", "--quiet", str(path)], check=False)
    return path


def main(argv: list[str] | None = None) -> int:
    import argparse

    parser = argparse.ArgumentParser(prog="python -m bot.schema", description=__doc__.splitlines()[0])
    sub = parser.add_subparsers(dest="command", required=True)
    rev = sub.add_parser("revision", help="write the next migration from the models (review it before committing)")
    rev.add_argument("message", help="what changes and why, in a few words")
    up = sub.add_parser("upgrade", help="bring DATABASE_URL to the newest revision now (the bot does it at start)")
    up.add_argument("--database", help="SQLAlchemy URL (default: DATABASE_URL)")
    args = parser.parse_args(argv)
    logging.basicConfig(level=logging.INFO, format="%(message)s")
    if args.command == "revision":
        print(new_revision(args.message))
        return 0
    from sqlalchemy import create_engine

    from bot.config import Config

    engine = create_engine(args.database or Config.from_env().database_url)
    upgrade(engine)
    with engine.connect() as conn:
        print(f"database at revision {current(conn)}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
