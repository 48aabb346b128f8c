"""SIGTERM stops the bot's child services, as Ctrl-C does."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import textwrap
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]

# The same shape as cmd_services: children in their own session, stopped in `finally`.
SCRIPT = textwrap.dedent("""
    import subprocess, sys, time
    from bot.cli import stop_on_sigterm
    stop_on_sigterm()
    child = subprocess.Popen(["sleep", "300"], start_new_session=True)
    try:
        # Inside the try: the test sends SIGTERM as soon as it reads the pid.
        print(child.pid, flush=True)
        while True:
            time.sleep(0.1)
    except KeyboardInterrupt:
        pass
    finally:
        child.terminate()
        child.wait()
""")


def _alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    # A zombie still answers kill(0); read its state.
    stat = Path(f"/proc/{pid}/stat")
    return stat.exists() and stat.read_text().split()[2] != "Z"


def test_sigterm_runs_the_cleanup_that_stops_child_services() -> None:
    proc = subprocess.Popen([sys.executable, "-c", SCRIPT], cwd=ROOT, stdout=subprocess.PIPE, text=True)
    child = int(proc.stdout.readline())
    assert _alive(child)
    proc.send_signal(signal.SIGTERM)
    assert proc.wait(timeout=10) == 0
    deadline = time.monotonic() + 5
    while _alive(child) and time.monotonic() < deadline:
        time.sleep(0.05)
    assert not _alive(child)
