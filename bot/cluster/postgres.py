"""A PostgreSQL 15 cluster of the project's own, for the scale-out set-up and its tests.

The cluster lives in `state_dir / "postgres"` and listens on 127.0.0.1 only
(its unix socket sits in the data folder, not in /var/run, so nothing of the
system's own PostgreSQL is touched). PostgreSQL refuses to run as root: when
the caller is root (CI, containers) every server command runs as the
`postgres` system user, which then owns the data folder. Connections go over
TCP with a password generated once and kept in the state folder (0600,
bot/local_secrets.py), so other local users cannot log in; the returned URL
holds that password and is never logged.

Only the scale-out path needs PostgreSQL: the single-machine default uses
SQLite and never imports this module's server side.
"""

from __future__ import annotations

import grp
import logging
import os
import pwd
import shutil
import stat
import subprocess
from pathlib import Path
from typing import Any

from sqlalchemy.engine import URL, make_url

from bot.local_secrets import load_or_create

log = logging.getLogger(__name__)

SYSTEM_USER = "postgres"
SUPERUSER = "khotoch"
DATABASE = "khotoch"
PASSWORD_FILE = "postgres_password"
# Our settings, rewritten at every start (the port may change); postgresql.conf includes it.
OWN_CONF = "khotoch.conf"
START_TIMEOUT_S = 60


class PostgresError(RuntimeError):
    """The cluster could not be set up or started (the message never holds the password)."""


def binaries() -> Path | None:
    """The folder of PostgreSQL's server programs (15 first, else the newest), or None."""
    root = Path("/usr/lib/postgresql")
    found = sorted((p for p in root.glob("*/bin") if (p / "pg_ctl").exists()),
                   key=lambda p: (p.parent.name != "15", -_major(p.parent.name)))
    if found:
        return found[0]
    on_path = shutil.which("pg_ctl")
    return Path(on_path).parent if on_path else None


def _major(name: str) -> int:
    return int(name) if name.isdigit() else 0


def data_dir(state_dir: Path) -> Path:
    return Path(state_dir) / "postgres"


def start(state_dir: Path, port: int, *, throwaway: bool = False) -> str:
    """Starts the cluster (made on first use) and returns the URL of its database `khotoch`.

    Idempotent: a cluster already running on `port` is left as it is; one
    running on another port is restarted on this one. `throwaway` (tests)
    skips every flush to disk: several times faster on a busy machine, and
    a crash may lose the data, which a test does not keep anyway.
    """
    state_dir = Path(state_dir).resolve()
    bindir = binaries()
    if bindir is None:
        raise PostgresError("PostgreSQL is not installed: run scripts/apt-scale-packages.sh")
    password = load_or_create("", PASSWORD_FILE, state_dir, environ={})
    data = data_dir(state_dir)
    if not (data / "PG_VERSION").exists():
        _initdb(bindir, data, password)
    running = _running_port(bindir, data)
    if running is not None and running != port:
        log.info("PostgreSQL in %s runs on port %s; restarting it on %s", data, running, port)
        stop(state_dir)
        running = None
    if running is None:
        _write_conf(data, port, throwaway)
        logfile = data / "server.log"
        result = _run([str(bindir / "pg_ctl"), "start", "-w", "-t", str(START_TIMEOUT_S), "-D", str(data),
                       "-l", str(logfile)], data)
        if result.returncode != 0:
            raise PostgresError(f"pg_ctl start failed ({result.returncode}): {result.stdout.strip()[-500:]}"
                                f"\n{_tail(logfile)}")
        log.info("PostgreSQL started in %s on 127.0.0.1:%s", data, port)
    server = URL.create("postgresql+psycopg2", username=SUPERUSER, password=password,
                        host="127.0.0.1", port=port, database="postgres")
    return create_database(server.render_as_string(hide_password=False), DATABASE)


def create_database(url: str, name: str, *, template: str | None = None) -> str:
    """The URL of database `name` on the server of `url`, created (owned by the URL's user) if missing.

    `template`: made as a copy of that database (tests copy one already
    migrated, several times faster than migrating each).
    """
    import psycopg2
    from psycopg2 import sql

    server = make_url(url)
    conn = psycopg2.connect(**_connect_args(server))
    try:
        conn.autocommit = True  # CREATE DATABASE cannot run inside a transaction
        with conn.cursor() as cur:
            cur.execute("SELECT 1 FROM pg_database WHERE datname = %s", (name,))
            if cur.fetchone() is None:
                try:
                    create = sql.SQL("CREATE DATABASE {}").format(sql.Identifier(name))
                    if template:
                        create += sql.SQL(" TEMPLATE {}").format(sql.Identifier(template))
                    cur.execute(create)
                except psycopg2.errors.DuplicateDatabase:
                    pass  # another process made it between the look and the create
    finally:
        conn.close()
    return server.set(database=name).render_as_string(hide_password=False)


def stop(state_dir: Path) -> None:
    """Stops the cluster if it runs (fast shutdown: open sessions are ended, data is kept)."""
    data = data_dir(Path(state_dir).resolve())
    bindir = binaries()
    if bindir is None or not (data / "postmaster.pid").exists():
        return
    result = _run([str(bindir / "pg_ctl"), "stop", "-w", "-m", "fast", "-t", str(START_TIMEOUT_S),
                   "-D", str(data)], data)
    if result.returncode != 0 and _running_port(bindir, data) is not None:
        raise PostgresError(f"pg_ctl stop failed ({result.returncode}): {result.stdout.strip()[-500:]}")


# --- set-up -------------------------------------------------------------------

def _as_root() -> bool:
    return os.geteuid() == 0


def _initdb(bindir: Path, data: Path, password: str) -> None:
    data.mkdir(parents=True, exist_ok=True)
    if _as_root():
        _let_server_user_in(data)
    os.chmod(data, 0o700)
    # initdb reads the password from a file only the server user can read, then it is deleted.
    pwfile = data.parent / f".{PASSWORD_FILE}.initdb"
    pwfile.write_text(password + "\n", encoding="ascii")
    os.chmod(pwfile, 0o600)
    try:
        if _as_root():
            _chown(pwfile)
        result = _run([str(bindir / "initdb"), "-D", str(data), "-U", SUPERUSER, f"--pwfile={pwfile}",
                       "--auth-host=scram-sha-256", "--auth-local=peer", "-E", "UTF8", "--locale=C.UTF-8"],
                      data)
    finally:
        pwfile.unlink(missing_ok=True)
    if result.returncode != 0:
        raise PostgresError(f"initdb failed ({result.returncode}): {result.stdout.strip()[-800:]}")
    conf = data / "postgresql.conf"
    with conf.open("a", encoding="utf-8") as fh:
        fh.write(f"\ninclude_if_exists = '{OWN_CONF}'\n")
    log.info("PostgreSQL cluster made in %s", data)


def _write_conf(data: Path, port: int, throwaway: bool) -> None:
    """Loopback only, the socket in the data folder, our port."""
    path = data / OWN_CONF
    unsafe = "fsync = off\nsynchronous_commit = off\nfull_page_writes = off\n" if throwaway else ""
    path.write_text("# Written by bot/cluster/postgres.py at every start; edits here are lost.\n"
                    "listen_addresses = '127.0.0.1'\n"
                    f"port = {int(port)}\n"
                    f"unix_socket_directories = '{_quote(str(data))}'\n"
                    # Two bot replicas, two Rasa servers and tests: the default 100 is plenty;
                    # shared memory kept small for a 2-core development machine.
                    "max_connections = 100\n"
                    "shared_buffers = 64MB\n"
                    "log_line_prefix = '%m [%p] '\n" + unsafe, encoding="utf-8")
    if _as_root():
        _chown(path)


def _quote(value: str) -> str:
    return value.replace("\\", "\\\\").replace("'", "''")


def _let_server_user_in(data: Path) -> None:
    """The data folder owned by `postgres`, and every folder above it passable (x, not r).

    A state folder under a private home or pytest's 0700 temporary folder
    would otherwise stop the server at its first chdir. Every pytest run of
    root makes its temporary root 0700 again, locking out a server still
    running there: tests keep a cluster in a folder of its own
    (tests/pg_fixture.py uses tempfile.mkdtemp).
    """
    _chown(data)
    for parent in data.parents:
        mode = parent.stat().st_mode
        if not mode & stat.S_IXOTH:
            os.chmod(parent, mode | stat.S_IXOTH)
            log.info("let the postgres user pass through %s (o+x)", parent)


def _chown(path: Path) -> None:
    os.chown(path, pwd.getpwnam(SYSTEM_USER).pw_uid, grp.getgrnam(SYSTEM_USER).gr_gid)


def _running_port(bindir: Path, data: Path) -> int | None:
    """The port of the server running on `data`, None when none runs."""
    if not (data / "postmaster.pid").exists():
        return None
    if _run([str(bindir / "pg_ctl"), "status", "-D", str(data)], data).returncode != 0:
        return None
    try:
        lines = _read_as_server(data / "postmaster.pid").splitlines()
        return int(lines[3])  # line 4 of postmaster.pid: the port
    except (IndexError, ValueError):
        return None


def _read_as_server(path: Path) -> str:
    return path.read_text(encoding="utf-8", errors="replace")  # root reads any file; others own it


def _tail(logfile: Path, lines: int = 15) -> str:
    try:
        return "\n".join(_read_as_server(logfile).splitlines()[-lines:])
    except OSError:
        return ""


def _run(cmd: list[str], data: Path) -> subprocess.CompletedProcess[str]:
    """Runs a server program, as `postgres` when we are root, from a folder it can enter."""
    kwargs: dict[str, Any] = {}
    env = {"PATH": os.environ.get("PATH", "/usr/bin:/bin"), "LC_ALL": "C.UTF-8", "LANG": "C.UTF-8"}
    if _as_root():
        user = pwd.getpwnam(SYSTEM_USER)
        kwargs.update(user=user.pw_uid, group=user.pw_gid, extra_groups=[])
        env["HOME"] = user.pw_dir
    cwd = data if data.exists() else data.parent
    return subprocess.run(cmd, cwd=cwd, env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT,
                          text=True, check=False, **kwargs)


def _connect_args(url: URL) -> dict[str, Any]:
    return {"host": url.host or "127.0.0.1", "port": url.port or 5432, "user": url.username,
            "password": url.password, "dbname": url.database or "postgres", "connect_timeout": 10}
