"""Starts and stops the Rasa server and the action server for local runs.

`make run`, `python -m bot ask` and the end-to-end tests all use this, so a
newcomer gets the same three processes that production runs. A service that
is already running on its port is reused, not started twice.
"""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from dataclasses import dataclass, field
from pathlib import Path
from urllib.parse import urlparse

import httpx
import yaml

from bot.local_secrets import RASA_TOKEN_ENV, auth_headers, rasa_token
from core.settings import RASA_MODEL as MODEL_PATH
from core.settings import RASA_VENV, ROOT, STATE_DIR
from core.settings import SERVICE_START_TIMEOUT as START_TIMEOUT


def _say(msg: str) -> None:
    print(f"[khotoch] {msg}", file=sys.stderr, flush=True)


def _port(url: str) -> int:
    return urlparse(url).port or 80


def health_ok(url: str) -> bool:
    """GET {url}/health answers 200: rasa-sdk's action server and the bot's own check (bot/health.py)."""
    try:
        return httpx.get(f"{url}/health", timeout=2).status_code == 200
    except httpx.HTTPError:
        return False


actions_healthy = health_ok


def spawn_logged(logs: Path, name: str, cmd: list[str], env: dict[str, str],
                 **popen: object) -> subprocess.Popen:
    """Starts a service in its own session, its output in logs/<name>.log and its pid in
    logs/<name>.pid, so a later command (bot/supervisor.py, `cluster down`) finds it again."""
    logs.mkdir(parents=True, exist_ok=True)
    with open(logs / f"{name}.log", "ab") as log:  # the child keeps its own copy of the descriptor
        proc = subprocess.Popen(cmd, cwd=ROOT, env=env, stdout=log, stderr=subprocess.STDOUT,
                                start_new_session=True, **popen)
    (logs / f"{name}.pid").write_text(str(proc.pid))
    return proc


def rasa_healthy(url: str, token: str | None = None) -> bool:
    try:
        resp = httpx.get(f"{url}/status", timeout=2, headers=auth_headers(token))
    except httpx.HTTPError:
        return False
    if resp.status_code in (401, 403):
        raise SystemExit(f"the Rasa server at {url} refuses this token: give it and the bot "
                         f"the same {RASA_TOKEN_ENV}, or stop it")
    try:
        return resp.status_code == 200 and bool(resp.json().get("model_file"))
    except ValueError:
        return False


def run_endpoints(actions_url: str, state_dir: Path) -> Path:
    """endpoints.yml with this run's action server address and state folder."""
    with open(ROOT / "endpoints.yml", encoding="utf-8") as fh:
        endpoints = yaml.safe_load(fh)
    endpoints["action_endpoint"]["url"] = f"{actions_url}/webhook"
    store = endpoints.get("tracker_store") or {}
    if store.get("dialect") == "sqlite":
        store["db"] = str(state_dir / Path(store["db"]).name)
    state_dir.mkdir(parents=True, exist_ok=True)
    out = state_dir / "endpoints.run.yml"
    out.write_text(yaml.safe_dump(endpoints), encoding="utf-8")
    return out


@dataclass
class Stack:
    rasa_url: str
    actions_url: str
    state_dir: Path = STATE_DIR
    started: list[subprocess.Popen] = field(default_factory=list)
    # Rasa's token (bot/local_secrets.py): from RASA_AUTH_TOKEN, else kept in state_dir.
    token: str | None = field(default=None, repr=False)
    # The process of each service this stack started, by name ("actions", "rasa"),
    # for bot/supervisor.py; its pid is also in state_dir/logs/<name>.pid.
    procs: dict[str, subprocess.Popen] = field(default_factory=dict)
    stopping: bool = False

    def __post_init__(self) -> None:
        if self.token is None:
            self.token = rasa_token(self.state_dir)

    def _spawn(self, name: str, cmd: list[str], env: dict[str, str]) -> subprocess.Popen:
        if self.stopping:
            raise SystemExit(f"not starting {name}: the services are being stopped")
        proc = spawn_logged(self.state_dir / "logs", name, cmd, env)
        self.started.append(proc)
        self.procs[name] = proc
        return proc

    def _wait(self, name: str, check, proc: subprocess.Popen) -> None:
        deadline = time.monotonic() + START_TIMEOUT
        while time.monotonic() < deadline:
            if check():
                return
            if proc.poll() is not None:
                raise SystemExit(f"{name} exited with code {proc.returncode}; "
                                 f"see {self.state_dir / 'logs' / (name + '.log')}")
            time.sleep(0.5)
        raise SystemExit(f"{name} did not start within {START_TIMEOUT:.0f} s; "
                         f"see {self.state_dir / 'logs' / (name + '.log')}")

    def ensure(self) -> None:
        # Passive OpenMP waiting: torch's spinning threads would otherwise
        # starve Rasa and the bot, which share the same two cores.
        env = dict(os.environ, HF_HUB_OFFLINE="1", TRANSFORMERS_OFFLINE="1", OMP_WAIT_POLICY="PASSIVE",
                   STATE_DIR=str(self.state_dir), PYTHONUNBUFFERED="1", **{RASA_TOKEN_ENV: self.token})
        if actions_healthy(self.actions_url):
            _say(f"action server already running at {self.actions_url}")
        else:
            _say(f"starting the action server on port {_port(self.actions_url)} ...")
            proc = self._spawn("actions", [sys.executable, "-m", "actions.server", "--actions", "actions",
                                           "--port", str(_port(self.actions_url))], env)
            self._wait("action server", lambda: actions_healthy(self.actions_url), proc)
        if rasa_healthy(self.rasa_url, self.token):
            _say(f"Rasa server already running at {self.rasa_url}")
            return
        rasa = RASA_VENV / "bin" / "rasa"
        python = RASA_VENV / "bin" / "python"
        if not rasa.exists():
            raise SystemExit(f"Rasa is not installed in {RASA_VENV}: run `make setup` first")
        if not MODEL_PATH.exists():
            raise SystemExit(f"no trained Rasa model at {MODEL_PATH}: run `make model` first")
        _say(f"starting the Rasa server on port {_port(self.rasa_url)} (loading the model) ...")
        endpoints = run_endpoints(self.actions_url, self.state_dir)
        # rasa_side.server is `rasa` without its per-turn overheads (see there).
        proc = self._spawn("rasa", [str(python), "-m", "rasa_side.server", "run", "--enable-api",
                                    "--model", str(MODEL_PATH),
                                    "--port", str(_port(self.rasa_url)), "--endpoints", str(endpoints),
                                    "--credentials", str(ROOT / "credentials.yml")],
                           dict(env, SQLALCHEMY_SILENCE_UBER_WARNING="1"))
        self._wait("Rasa server", lambda: rasa_healthy(self.rasa_url, self.token), proc)
        self.warm_up()
        _say("services ready")

    def warm_up(self) -> None:
        warm_up(self.rasa_url, self.token)

    def stop(self) -> None:
        self.stopping = True
        for proc in reversed(self.started):
            if proc.poll() is None:
                try:
                    os.killpg(proc.pid, signal.SIGTERM)
                except ProcessLookupError:
                    continue
        for proc in reversed(self.started):
            try:
                proc.wait(timeout=15)
            except subprocess.TimeoutExpired:
                os.killpg(proc.pid, signal.SIGKILL)
        self.started.clear()


def warm_up(rasa_url: str, token: str | None, messages: int = 1, sender: str = "warm-up") -> None:
    """Messages through the whole stack, so the first user waits for nothing.

    The first message loads the FAQ model and index in the action server
    and builds Rasa's inference graph; behind a balancer each action server
    needs its own first message (bot/cluster/cluster.py sends several), and
    each Rasa replica its own sender: two warming one conversation at once
    wait on each other's lock.
    """
    try:
        for _ in range(messages):
            httpx.post(f"{rasa_url}/webhooks/rest/webhook",
                       json={"sender": sender, "message": "e-mongolia", "metadata": {"language": "en"}},
                       headers=auth_headers(token), timeout=START_TIMEOUT)
        # Not a conversation: the masked tracker store (rasa_side/tracker_store.py) deletes one emptied like this.
        httpx.put(f"{rasa_url}/conversations/{sender}/tracker/events", json=[],
                  headers=auth_headers(token), timeout=10)
    except httpx.HTTPError as exc:
        _say(f"warm-up message failed: {exc}")
