"""`python -m bot cluster up|down`: the scale-out set-up on one machine, all on loopback.

PostgreSQL (bot/cluster/postgres.py: the bot's database `khotoch` and Rasa's
tracker database `rasa`), Redis (Rasa's lock store, so two Rasa replicas
never run one conversation at once), two action servers, two Rasa servers,
two bots in webhook mode, and one haproxy with a balancer in front of each
tier that checks every replica's health and retries a request whose replica
died under it on the other one. The same processes production runs under
compose or systemd (docs/deployment.md); ports from bot/cluster/layout.py.

Every process runs in its own session with its pid and log under the state
folder, so `up` returns and `down` (another command) finds them again.
"""

from __future__ import annotations

import os
import shutil
import signal
import subprocess
import sys
import time
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import yaml
from sqlalchemy.engine import make_url

from bot import local_secrets
from bot.cluster import postgres
from bot.cluster.layout import TIERS, Layout
from bot.services import (
    MODEL_PATH,
    RASA_VENV,
    START_TIMEOUT,
    actions_healthy,
    health_ok,
    rasa_healthy,
    spawn_logged,
    warm_up,
)
from core.settings import ROOT

RASA_DB = "rasa"
# The compose file's balancer configuration, generated (`python -m bot cluster compose`).
COMPOSE_BALANCER = ROOT / "deploy" / "haproxy.cfg"
STOP_SECONDS = 15.0
# haproxy takes a replica out after 5 failed checks 2 s apart, and back after 1 good one.
# Lenient on purpose: a replica busy with a burst on a loaded machine answers its check
# late but is not dead, and taking out both left nobody to answer. A dead replica
# refuses connections, and haproxy retries those requests on the other one at once.
CHECK = "check inter 2s fall 5 rise 1"
# The largest request the balancer can retry on the other replica (see haproxy_config).
BALANCER_BUFFER_BYTES = 512 * 1024


def _say(msg: str) -> None:
    print(f"[cluster] {msg}", file=sys.stderr, flush=True)


def _need(program: str) -> str:
    path = shutil.which(program) or (f"/usr/sbin/{program}" if Path(f"/usr/sbin/{program}").exists() else None)
    if path is None:
        raise SystemExit(f"{program} is not installed: run `make scale-up` (scripts/apt-scale-packages.sh)")
    return path


class Cluster:
    def __init__(self, layout: Layout | None = None, env: dict[str, str] | None = None) -> None:
        """`env`: settings for every replica on top of this process's environment (tests)."""
        self.layout = layout or Layout()
        self.extra_env = dict(env or {})
        self.state = self.layout.state_dir
        self.logs = self.state / "logs"
        self.env: dict[str, str] = {}

    # --- processes -----------------------------------------------------------
    def pid(self, name: str) -> int | None:
        try:
            return int((self.logs / f"{name}.pid").read_text())
        except (OSError, ValueError):
            return None

    def alive(self, name: str) -> bool:
        pid = self.pid(name)
        if pid is None:
            return False
        try:
            os.kill(pid, 0)
        except ProcessLookupError:
            return False
        except PermissionError:
            return True
        # A zombie child of this process counts as dead.
        try:
            return os.waitpid(pid, os.WNOHANG) == (0, 0)
        except ChildProcessError:
            return True

    def spawn(self, name: str, cmd: list[str], env: dict[str, str]) -> int:
        return spawn_logged(self.logs, name, cmd, env, stdin=subprocess.DEVNULL).pid

    def kill(self, name: str, sig: int = signal.SIGKILL) -> None:
        """Sends `sig` to a process's whole group (SIGKILL: a crash, nothing shuts down)."""
        pid = self.pid(name)
        if pid is not None:
            try:
                os.killpg(pid, sig)
            except ProcessLookupError:
                pass

    def _wait(self, name: str, healthy: Callable[[], bool], timeout: float = START_TIMEOUT) -> None:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if healthy():
                return
            if not self.alive(name):
                raise SystemExit(f"{name} exited; see {self.logs / (name + '.log')}")
            time.sleep(0.5)
        raise SystemExit(f"{name} did not start within {timeout:.0f} s; see {self.logs / (name + '.log')}")

    # --- the environment every replica shares ---------------------------------------
    def _base_env(self) -> dict[str, str]:
        token = local_secrets.load_or_create(local_secrets.RASA_TOKEN_ENV, local_secrets.RASA_TOKEN_FILE,
                                             self.state)
        secret = local_secrets.load_or_create(local_secrets.WEBHOOK_SECRET_ENV,
                                              local_secrets.WEBHOOK_SECRET_FILE, self.state)
        env = {**os.environ, **self.extra_env}
        env.update(HF_HUB_OFFLINE="1", TRANSFORMERS_OFFLINE="1", OMP_WAIT_POLICY="PASSIVE", PYTHONUNBUFFERED="1",
                   SQLALCHEMY_SILENCE_UBER_WARNING="1",
                   **{local_secrets.RASA_TOKEN_ENV: token, local_secrets.WEBHOOK_SECRET_ENV: secret})
        return env

    def _databases(self) -> tuple[str, str]:
        """(the bot's database URL, Rasa's tracker database URL); starts PostgreSQL if needed."""
        bot_url = postgres.start(self.state, self.layout.postgres_port)
        return bot_url, postgres.create_database(bot_url, RASA_DB)

    # --- each kind of process -------------------------------------------------------
    def start_redis(self) -> None:
        if self.alive("redis"):
            return
        folder = self.state / "redis"
        folder.mkdir(parents=True, exist_ok=True)
        # Only Rasa's locks live here: nothing to keep across a restart.
        self.spawn("redis", [_need("redis-server"), "--port", str(self.layout.redis_port), "--bind", "127.0.0.1",
                             "--dir", str(folder), "--save", "", "--appendonly", "no",
                             "--protected-mode", "yes"], self.env)
        self._wait("redis", lambda: _answers_ping(self.layout.redis_port), 20)

    def start_haproxy(self) -> None:
        if self.alive("haproxy"):
            return
        cfg = self.state / "haproxy.cfg"
        cfg.write_text(haproxy_config(self.layout), encoding="utf-8")
        binary = _need("haproxy")
        subprocess.run([binary, "-c", "-q", "-f", str(cfg)], check=True)
        self.spawn("haproxy", [binary, "-db", "-f", str(cfg)], self.env)
        self._wait("haproxy", lambda: _listening(self.layout.balancer_port("bot")), 20)

    def rasa_endpoints(self, rasa_url: str) -> Path:
        url = make_url(rasa_url)
        endpoints = {
            "action_endpoint": {"url": f"{self.layout.url('actions')}/webhook"},
            "tracker_store": {"type": "rasa_side.tracker_store.MaskedSQLTrackerStore", "dialect": "postgresql",
                              "url": url.host, "port": url.port, "db": url.database, "username": url.username,
                              # Rasa reads it from the environment: no password in this file.
                              "password": "${POSTGRES_PASSWORD}"},
            "lock_store": {"type": "redis", "url": "127.0.0.1", "port": self.layout.redis_port, "db": 1},
        }
        out = self.state / "endpoints.cluster.yml"
        out.write_text(yaml.safe_dump(endpoints), encoding="utf-8")
        return out

    def start_replica(self, name: str) -> None:
        """Starts one replica ("actions-1", "rasa-2", "bot-1") and waits until it is healthy."""
        tier, replica = name.rsplit("-", 1)
        i = int(replica)
        lay, env = self.layout, dict(self.env, STATE_DIR=str(self.state / name))
        port = lay.port(tier, i)
        if tier == "actions":
            self.spawn(name, [sys.executable, "-m", "actions.server", "--actions", "actions",
                              "--port", str(port)], env)
            self._wait(name, lambda: actions_healthy(lay.url(tier, i)))
        elif tier == "rasa":
            if not MODEL_PATH.exists():
                raise SystemExit(f"no trained Rasa model at {MODEL_PATH}: run `make model` first")
            self.spawn(name, [str(RASA_VENV / "bin" / "python"), "-m", "rasa_side.server", "run", "--enable-api",
                              "--model", str(MODEL_PATH), "--port", str(port),
                              "--endpoints", str(self.state / "endpoints.cluster.yml"),
                              "--credentials", str(ROOT / "credentials.yml")], env)
            token = env[local_secrets.RASA_TOKEN_ENV]
            self._wait(name, lambda: rasa_healthy(lay.url(tier, i), token))
            warm_up(lay.url(tier, i), token, messages=4, sender=f"warm-up-{name}")
        elif tier == "bot":
            env.update(WEBHOOK_LISTEN="127.0.0.1", WEBHOOK_PORT=str(port),
                       HEALTH_PORT=str(lay.health_port(tier, i)))
            self.spawn(name, [sys.executable, "-m", "bot", "run", "--no-services", "--webhook"], env)
            self._wait(name, lambda: health_ok(f"http://127.0.0.1:{lay.health_port(tier, i)}"), 120)
        else:
            raise SystemExit(f"no such replica: {name}")

    def prepare(self) -> None:
        """The shared environment, PostgreSQL and Redis (idempotent)."""
        self.state.mkdir(parents=True, exist_ok=True)
        self.env = self._base_env()
        bot_url, rasa_url = self._databases()
        lay = self.layout
        self.env.update(
            DATABASE_URL=bot_url, RASA_TRACKER_URL=rasa_url,
            POSTGRES_PASSWORD=make_url(rasa_url).password or "",
            RASA_URL=lay.url("rasa"), ACTIONS_URL=lay.url("actions"),
            # Where Telegram posts: the bot balancer here; the public HTTPS address in production.
            WEBHOOK_URL=self.env.get("WEBHOOK_URL") or lay.url("bot"))
        _bot_schema(bot_url)
        self.start_redis()
        self.rasa_endpoints(rasa_url)

    def up(self) -> None:
        started = time.monotonic()
        self.prepare()
        self.start_haproxy()
        for tier in ("actions", "rasa", "bot"):
            todo = [n for n in self.layout.names(tier) if not self.alive(n)]
            _say(f"starting {', '.join(todo) or 'nothing'} ({tier})")
            with ThreadPoolExecutor(len(todo) or 1) as pool:
                list(pool.map(self.start_replica, todo))
        _say(f"cluster up in {time.monotonic() - started:.0f} s: Telegram posts to {self.layout.url('bot')}"
             f"/telegram; logs in {self.logs}")

    def down(self) -> None:
        names = [n for t in reversed(TIERS) for n in self.layout.names(t.name)] + ["haproxy", "redis"]
        for name in names:
            self.kill(name, signal.SIGTERM)
        deadline = time.monotonic() + STOP_SECONDS
        for name in names:
            while self.alive(name) and time.monotonic() < deadline:
                time.sleep(0.2)
            if self.alive(name):
                self.kill(name, signal.SIGKILL)
            (self.logs / f"{name}.pid").unlink(missing_ok=True)
        postmaster = _postmaster_pid(self.state)
        try:
            postgres.stop(self.state)
        except postgres.PostgresError as exc:
            _say(f"PostgreSQL did not stop cleanly: {exc}")
        if postmaster is not None and not _wait_gone(postmaster, 3):
            # pg_ctl runs as `postgres` and can fail to reach the data folder, for
            # example under pytest's /tmp/pytest-of-root, which each pytest session
            # makes 0700 again: stopped by pid then.
            _say(f"PostgreSQL (pid {postmaster}) still runs after pg_ctl stop; sending it a fast shutdown")
            os.kill(postmaster, signal.SIGINT)  # PostgreSQL's "fast" shutdown
            _wait_gone(postmaster, STOP_SECONDS)
        _say("cluster down")

    def status(self) -> dict[str, bool]:
        names = ["redis", "haproxy"] + [n for t in TIERS for n in self.layout.names(t.name)]
        return {n: self.alive(n) for n in names}


def haproxy_config(layout: Layout, compose: bool = False) -> str:
    """One balancer per tier: on loopback here, or in compose (deploy/haproxy.cfg), where
    Docker's DNS gives the replicas' addresses."""
    lines = ["global", "    maxconn 4096",
             # haproxy retries only a request it holds whole, in one buffer. Rasa's call to the
             # action server carries the conversation's every event: tens of kilobytes after a
             # few questions, beyond the default 16 kB (tests/scale/test_balancer.py).
             f"    tune.bufsize {BALANCER_BUFFER_BYTES}", "defaults", "    mode http", "    timeout connect 2s",
             "    timeout client 120s", "    timeout server 120s", "    timeout check 5s",
             # A request whose replica died under it goes to the other one. Without
             # http-buffer-request, haproxy streams a POST's body on and cannot resend it.
             "    retries 3", "    option redispatch 1", "    option http-buffer-request",
             "    retry-on conn-failure empty-response response-timeout 502 503"]
    if compose:
        lines += ["resolvers docker", "    nameserver dns 127.0.0.11:53", "    hold valid 5s"]
    for tier in TIERS:
        bind = f"*:{tier.container_port}" if compose else f"127.0.0.1:{layout.balancer_port(tier.name)}"
        lines += [f"frontend {tier.name}", f"    bind {bind}", f"    default_backend {tier.name}_replicas",
                  f"backend {tier.name}_replicas", "    balance roundrobin",
                  f"    option httpchk GET {tier.health}", "    http-check expect status 200"]
        if compose:
            extra = f" port {tier.container_health_port}" if tier.container_health_port else ""
            lines.append(f"    server-template {tier.name}- {layout.replicas} {tier.name}:{tier.container_port} "
                         f"{CHECK}{extra} resolvers docker init-addr none")
            continue
        for i in range(1, layout.replicas + 1):
            port, health = layout.port(tier.name, i), layout.health_port(tier.name, i)
            extra = f" port {health}" if health != port else ""
            lines.append(f"    server {tier.name}-{i} 127.0.0.1:{port} {CHECK}{extra}")
    return "\n".join(lines) + "\n"


def _bot_schema(url: str) -> None:
    """The bot's schema brought up to date once here (bot/schema.py), before the bots start."""
    from bot.storage import Database

    Database(url).engine.dispose()


def _postmaster_pid(state: Path) -> int | None:
    try:
        return int((postgres.data_dir(state) / "postmaster.pid").read_text().split()[0])
    except (OSError, ValueError, IndexError):
        return None


def _wait_gone(pid: int, seconds: float) -> bool:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        try:
            os.kill(pid, 0)
        except ProcessLookupError:
            return True
        time.sleep(0.2)
    return False


def _listening(port: int) -> bool:
    import socket

    with socket.socket() as s:
        return s.connect_ex(("127.0.0.1", port)) == 0


def _answers_ping(port: int) -> bool:
    import socket

    try:
        with socket.create_connection(("127.0.0.1", port), timeout=1) as s:
            s.sendall(b"PING\r\n")
            return s.recv(16).startswith(b"+PONG")
    except OSError:
        return False
