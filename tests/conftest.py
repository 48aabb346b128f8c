"""Shared fixtures: the real Rasa + action server stack, the Bot API stand-in,
and the bot itself as a separate process, as in production."""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import time
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest

from core.settings import ROOT
from tests.pg_fixture import db_url, empty_db_url, pg_server  # noqa: F401 - fixtures for every test module
from tests.telegram_standin import BotApiStandIn

MODEL = ROOT / "models" / "khotoch.tar.gz"


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@pytest.fixture(scope="session")
def stack(tmp_path_factory: pytest.TempPathFactory) -> Iterator[dict[str, str]]:
    """Rasa server and action server on free ports, with their own state folder."""
    from bot.services import Stack

    if not MODEL.exists():
        pytest.fail(f"no trained Rasa model at {MODEL}: run `make model` (make test does)")
    state = tmp_path_factory.mktemp("stack-state")
    urls = {"rasa": f"http://127.0.0.1:{free_port()}", "actions": f"http://127.0.0.1:{free_port()}"}
    services = Stack(urls["rasa"], urls["actions"], state_dir=state)
    services.ensure()
    # Rasa refuses requests without its token (rasa_side/server.py); tests that talk to it pass this on.
    yield dict(urls, token=services.token or "", state=str(state))
    services.stop()


@pytest.fixture(scope="session")
def encoder():
    """The app's own sentence encoder (one per process); test_embedding.py has its own."""
    from actions.embedding.encoder import EncoderUnavailable, get_encoder

    try:
        return get_encoder()
    except EncoderUnavailable as exc:
        pytest.skip(f"embedding model cannot be built on this machine: {exc}")


@pytest.fixture
def standin() -> Iterator[BotApiStandIn]:
    api = BotApiStandIn().start()
    yield api
    api.stop()


class BotProcess:
    def __init__(self, env: dict[str, str], log: Path) -> None:
        self.env = env
        self.log = log
        self.proc: subprocess.Popen | None = None

    def start(self, *args: str, **overrides: str) -> BotProcess:
        env = dict(self.env, **overrides)
        self.proc = subprocess.Popen([sys.executable, "-m", "bot", "run", "--no-services", *args], cwd=ROOT,
                                     env=env, stdout=open(self.log, "ab"), stderr=subprocess.STDOUT)
        return self

    def stop(self) -> None:
        if self.proc and self.proc.poll() is None:
            self.proc.terminate()
            try:
                self.proc.wait(15)
            except subprocess.TimeoutExpired:
                self.proc.kill()

    def output(self) -> str:
        return self.log.read_text(errors="replace")


@pytest.fixture
def bot_factory(stack: dict[str, str], standin: BotApiStandIn,
                tmp_path: Path) -> Iterator[Callable[..., BotProcess]]:
    """Starts `python -m bot run` against the stand-in; waits until it polls."""
    started: list[BotProcess] = []
    base_env = dict(os.environ, TELEGRAM_BOT_TOKEN=standin.token, TELEGRAM_API_URL=standin.url,
                    RASA_URL=stack["rasa"], ACTIONS_URL=stack["actions"], RASA_AUTH_TOKEN=stack["token"],
                    DATABASE_URL=f"sqlite:///{tmp_path / 'bot.db'}", STATE_DIR=str(tmp_path / "state"),
                    PENDING_RETRY_SECONDS="1", LOG_LEVEL="INFO", HF_HUB_OFFLINE="1",
                    KHOTOCH_VOICE_ONLINE="0",
                    # Generous here so a loaded test machine cannot turn answers into
                    # apologies; the failure test sets the production value itself.
                    RASA_TIMEOUT="15")

    def make(*args: str, **overrides: str) -> BotProcess:
        bot = BotProcess(base_env, tmp_path / f"bot{len(started)}.log").start(*args, **overrides)
        started.append(bot)
        mark = standin.mark()
        deadline = time.monotonic() + 60
        while not any(s.method == "getMe" for s in standin.sent[mark:]):
            if bot.proc.poll() is not None or time.monotonic() > deadline:
                raise AssertionError("bot did not start:\n" + bot.output()[-3000:])
            time.sleep(0.1)
        time.sleep(0.5)
        return bot

    yield make
    for bot in started:
        bot.stop()


# --- markers for the fast loop (`make test-fast` runs neither e2e, rasa nor slow) ---
_E2E_FIXTURES = {"stack", "bot_factory"}
_SLOW_FIXTURES = {"encoder"}


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    """Mark tests by what they start, so nobody has to remember to: e2e tests run
    the real Rasa and action servers, rasa tests run code in Rasa's own venv, and
    slow tests load the sentence encoder."""
    for item in items:
        names = set(getattr(item, "fixturenames", ()))
        module = getattr(item, "module", None)
        if names & _E2E_FIXTURES:
            item.add_marker(pytest.mark.e2e)
        if module is not None and hasattr(module, "RASA_PYTHON"):
            item.add_marker(pytest.mark.rasa)
        if names & _SLOW_FIXTURES:
            item.add_marker(pytest.mark.slow)
