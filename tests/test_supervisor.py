"""The supervisor's decisions with stand-in processes: reap and restart the dead,
restart the hung only after a long silence, back off while restarts fail."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

from bot import supervisor
from bot.supervisor import Supervisor


class FakeStack:
    """A Stack whose services are `sleep` processes; ensure() starts the missing ones."""

    def __init__(self, tmp: Path) -> None:
        self.rasa_url = self.actions_url = "http://127.0.0.1:9"
        self.state_dir = tmp
        self.procs: dict[str, subprocess.Popen] = {}
        self.started: list[subprocess.Popen] = []
        self.ensured = 0
        self.warmed = 0
        for name in ("actions", "rasa"):
            self.spawn(name)

    def spawn(self, name: str) -> None:
        proc = subprocess.Popen([sys.executable, "-c", "import time; time.sleep(60)"], start_new_session=True)
        self.procs[name] = proc
        self.started.append(proc)

    def ensure(self) -> None:
        self.ensured += 1
        for name in ("actions", "rasa"):
            if name not in self.procs:
                self.spawn(name)

    def warm_up(self) -> None:
        self.warmed += 1

    def stop(self) -> None:
        for proc in self.started:
            proc.kill()
            proc.wait()


@pytest.fixture
def stack(tmp_path: Path):
    fake = FakeStack(tmp_path)
    yield fake
    fake.stop()


def test_a_dead_service_is_reaped_restarted_and_logged_once(stack: FakeStack,
                                                           caplog: pytest.LogCaptureFixture) -> None:
    sup = Supervisor(stack)  # type: ignore[arg-type]
    sup.checks = {"actions": lambda: True, "rasa": lambda: True}
    dead = stack.procs["actions"]
    dead.kill()
    dead.wait(5)  # gone, but only Popen.wait/poll reaps: the supervisor's poll must
    sup.check_once()
    assert dead not in stack.started and stack.procs["actions"] is not dead
    assert stack.procs["actions"].poll() is None, "a new action server runs"
    assert stack.warmed == 1, "a new action server alone is warmed up (ensure warms only a new Rasa)"
    sup.check_once()
    assert stack.ensured == 1, "nothing more to do once it runs"
    lines = [r.getMessage() for r in caplog.records if r.name == "bot.supervisor"]
    assert lines == ["the action server exited with code -9; restarting it", "the action server running again"]


def test_a_hung_service_is_restarted_only_after_a_long_silence(stack: FakeStack,
                                                              monkeypatch: pytest.MonkeyPatch) -> None:
    clock = [1000.0]
    monkeypatch.setattr(supervisor.time, "monotonic", lambda: clock[0])
    sup = Supervisor(stack)  # type: ignore[arg-type]
    sup.checks = {"actions": lambda: True, "rasa": lambda: False}
    hung = stack.procs["rasa"]
    sup.check_once()
    clock[0] += supervisor.HUNG_AFTER_SECONDS - 1
    sup.check_once()
    assert stack.procs["rasa"] is hung and stack.ensured == 0, "busy for a while is not hung"
    clock[0] += 2
    sup.check_once()
    assert hung.poll() is not None, "the hung Rasa was killed and reaped"
    assert stack.procs["rasa"] is not hung and stack.warmed == 0


def test_restarts_back_off_while_they_keep_failing(stack: FakeStack, monkeypatch: pytest.MonkeyPatch) -> None:
    waits: list[float] = []
    sup = Supervisor(stack)  # type: ignore[arg-type]
    sup.checks = {"actions": lambda: True, "rasa": lambda: True}
    monkeypatch.setattr(sup._stop, "wait", lambda seconds=None: waits.append(seconds) or False)  # noqa: SLF001
    for _ in range(4):
        stack.procs["rasa"].kill()
        stack.procs["rasa"].wait(5)
        sup.check_once()
    assert waits == [1.0, 2.0, 4.0], "the first restart at once, then 1, 2, 4 s"
