"""The bot's database tests on SQLite and on a live PostgreSQL, from one test body.

`db_url` is parametrised: each test that takes it runs once on a fresh
SQLite file and once on a fresh database of a throwaway PostgreSQL 15
cluster, started once per session by bot/cluster/postgres.py (as the
`postgres` user when the tests run as root) and removed with the session.
Without PostgreSQL's programs the PostgreSQL runs are skipped and say why;
the SQLite runs need nothing.
"""

from __future__ import annotations

import itertools
import os
import shutil
import tempfile
from collections.abc import Iterator
from pathlib import Path

import pytest

_NUMBERS = itertools.count()
# Migrated once per session; each test's database is a copy of it.
TEMPLATE = "khotoch_migrated"


@pytest.fixture(scope="session")
def pg_server() -> Iterator[str]:
    """The URL of a superuser database on a throwaway PostgreSQL cluster.

    Its folder is not under pytest's temporary root: every pytest run of
    root makes that root 0700 again, which would lock the `postgres` user
    out of a cluster still running for another session.
    """
    from bot.cluster import postgres
    from tests.conftest import free_port

    if postgres.binaries() is None:
        pytest.skip("PostgreSQL is not installed (scripts/apt-scale-packages.sh installs it); "
                    "the SQLite runs of the same tests still ran")
    from bot.storage import Database

    state = Path(tempfile.mkdtemp(prefix="khotoch-test-postgres-"))
    url = postgres.start(state, free_port(), throwaway=True)
    template = Database(postgres.create_database(url, TEMPLATE))  # the migrations run here, once
    template.engine.dispose()  # a database is copied only while nobody is connected to it
    try:
        yield url
    finally:
        postgres.stop(state)
        shutil.rmtree(state, ignore_errors=True)


def pg_database(server_url: str, *, migrated: bool = True) -> str:
    """A new database on the test cluster: a copy of the migrated template, or empty."""
    from bot.cluster import postgres

    return postgres.create_database(server_url, f"test_{os.getpid()}_{next(_NUMBERS)}",
                                    template=TEMPLATE if migrated else None)


def drop_database(url: str) -> None:
    """Drops a test database, ending its open connections (each test's engine keeps some)."""
    import psycopg2
    from psycopg2 import sql
    from sqlalchemy.engine import make_url

    parsed = make_url(url)
    conn = psycopg2.connect(host=parsed.host, port=parsed.port, user=parsed.username,
                            password=parsed.password, dbname="postgres")
    try:
        conn.autocommit = True
        with conn.cursor() as cur:
            cur.execute(sql.SQL("DROP DATABASE IF EXISTS {} WITH (FORCE)").format(sql.Identifier(parsed.database)))
    finally:
        conn.close()


BOTH = ["sqlite", pytest.param("postgresql", marks=pytest.mark.postgres)]


def _database(request: pytest.FixtureRequest, tmp_path: Path, migrated: bool) -> Iterator[str]:
    if request.param == "sqlite":
        yield f"sqlite:///{tmp_path / 'bot.db'}"
        return
    url = pg_database(request.getfixturevalue("pg_server"), migrated=migrated)
    yield url
    drop_database(url)


@pytest.fixture(params=BOTH)
def db_url(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[str]:
    """A fresh database: a SQLite file (empty), then a PostgreSQL one (migrated, as the bot leaves it)."""
    yield from _database(request, tmp_path, migrated=True)


@pytest.fixture(params=BOTH)
def empty_db_url(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[str]:
    """A database with no tables at all, on SQLite and on PostgreSQL (for the migration tests)."""
    yield from _database(request, tmp_path, migrated=False)
