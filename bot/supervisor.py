"""Keeps Rasa and the action server running under `bot run` and `bot services`.

Without it a killed or crashed Rasa (or action server) stayed dead: every
citizen got the outage apology until a person restarted it, and the dead
child was never reaped. The supervisor checks each service it started every
few seconds. One that exited, or has answered no health check for
HUNG_AFTER_SECONDS (hung), is stopped, reaped and started again through
Stack.ensure (the same start-up and warm-up as at launch), with a backoff
between attempts that grows while restarts keep failing. Each event is
logged once: the failure, then the recovery.

It runs in a thread: starting Rasa blocks for up to a minute and must not
hold up the bot's event loop. Services found already running when the
stack started (not ours) are not touched.
"""

from __future__ import annotations

import logging
import os
import signal
import subprocess
import threading
import time
from collections.abc import Callable

from bot.services import Stack, actions_healthy, rasa_healthy
from core.settings import SUPERVISE_SECONDS

log = logging.getLogger(__name__)

CHECK_SECONDS = SUPERVISE_SECONDS
# How long a running service may fail every health check before it counts as
# hung: far longer than its longest busy spell (loading the FAQ model on a
# first question took several seconds, during which the check went unanswered).
HUNG_AFTER_SECONDS = 30.0
BACKOFF_FIRST, BACKOFF_MAX = 1.0, 60.0
# A service up this long after a restart has recovered: the backoff starts again.
STABLE_SECONDS = 60.0


class Supervisor:
    def __init__(self, stack: Stack, check_every: float = CHECK_SECONDS) -> None:
        self.stack = stack
        self.check_every = check_every
        self.checks: dict[str, Callable[[], bool]] = {
            "actions": lambda: actions_healthy(stack.actions_url),
            "rasa": lambda: rasa_healthy(stack.rasa_url, stack.token),
        }
        self.failing_since: dict[str, float] = {}
        self.restarts: dict[str, int] = {}  # consecutive, for the backoff
        self.restarted_at: dict[str, float] = {}
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None

    def start(self) -> Supervisor:
        self._thread = threading.Thread(target=self._loop, name="service-supervisor", daemon=True)
        self._thread.start()
        return self

    def stop(self) -> None:
        self._stop.set()
        if self._thread is not None:
            self._thread.join(timeout=5)

    def _loop(self) -> None:
        while not self._stop.wait(self.check_every):
            try:
                self.check_once()
            except SystemExit as exc:  # Stack.ensure's way of saying a start failed
                log.warning("restart failed: %s", exc)
            except Exception:  # noqa: BLE001 - supervision must outlive one bad check
                log.exception("service check failed")

    def check_once(self) -> None:
        broken: list[tuple[str, str]] = []
        for name, proc in list(self.stack.procs.items()):
            code = proc.poll()  # reaps an exited child
            if code is not None:
                broken.append((name, f"exited with code {code}"))
            elif not self.checks[name]():
                since = self.failing_since.setdefault(name, time.monotonic())
                if time.monotonic() - since >= HUNG_AFTER_SECONDS:
                    broken.append((name, f"has not answered its health check for {HUNG_AFTER_SECONDS:.0f} s"))
            else:
                self.failing_since.pop(name, None)
                if time.monotonic() - self.restarted_at.get(name, 0.0) > STABLE_SECONDS:
                    self.restarts[name] = 0
        if not broken or self._stop.is_set():
            return
        for name, why in broken:
            log.warning("%s %s; restarting it", _title(name), why)
            self._end(self.stack.procs.pop(name))
            self.failing_since.pop(name, None)
        delay = max(self._backoff(name) for name, _ in broken)
        if delay and self._stop.wait(delay):
            return
        for name, _ in broken:
            self.restarts[name] = self.restarts.get(name, 0) + 1
            self.restarted_at[name] = time.monotonic()
        self.stack.ensure()  # starts whatever is not healthy, in the right order
        if "rasa" not in {name for name, _ in broken}:
            # ensure() warms up only a Rasa it started: a new action server
            # loads its FAQ model now, not on a citizen's question.
            self.stack.warm_up()
        log.warning("%s running again", " and ".join(_title(name) for name, _ in broken))

    def _backoff(self, name: str) -> float:
        done = self.restarts.get(name, 0)
        return 0.0 if done == 0 else min(BACKOFF_MAX, BACKOFF_FIRST * 2 ** (done - 1))

    def _end(self, proc: subprocess.Popen) -> None:
        """Stops a hung service and reaps it (an exited one is only reaped)."""
        if proc.poll() is None:
            try:
                os.killpg(proc.pid, signal.SIGKILL)  # the service and its workers (own session)
            except ProcessLookupError:
                proc.kill()
        try:
            proc.wait(timeout=10)
        except subprocess.TimeoutExpired:
            log.warning("pid %s did not end after SIGKILL", proc.pid)
        if proc in self.stack.started:
            self.stack.started.remove(proc)


def _title(name: str) -> str:
    return {"actions": "the action server", "rasa": "the Rasa server"}.get(name, name)
