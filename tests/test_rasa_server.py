"""bot.rasa_server's speed fixes keep Rasa's behaviour (checked in Rasa's own venv).

Users would notice a conversation that forgets a turn, a failed turn that
leaks into the next one, a restart that loses their language, or an action
server reply Rasa stops checking.
"""

from __future__ import annotations

import json
import os
import subprocess
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
RASA_PYTHON = ROOT / ".venv-rasa" / "bin" / "python"

pytestmark = pytest.mark.skipif(not RASA_PYTHON.exists(), reason="needs .venv-rasa (make setup)")


@pytest.fixture(scope="module")
def observed() -> dict:
    env = dict(os.environ, PYTHONPATH=str(ROOT), SQLALCHEMY_SILENCE_UBER_WARNING="1")
    proc = subprocess.run([str(RASA_PYTHON), "tests/rasa_side/check_rasa_server.py"], cwd=ROOT, env=env,
                          capture_output=True, text=True, timeout=300)
    assert proc.returncode == 0, proc.stderr[-3000:]
    return json.loads(proc.stdout.strip().splitlines()[-1])


def test_action_server_replies_are_still_validated(observed: dict) -> None:
    assert observed["valid_reply_accepted"] is True
    assert observed["invalid_reply_rejected"] is True


def test_action_server_receives_the_same_json(observed: dict) -> None:
    assert observed["action_call_json_same"]
    assert observed["action_call_answer"] == {"events": [], "responses": []}


def test_kept_tracker_matches_the_saved_conversation(observed: dict) -> None:
    assert observed["same_events_after_save"]
    assert observed["kept_tracker_reused"] == [True, True]
    assert observed["unsaved_events_dropped"]
    assert observed["new_session_only"]


def test_conversation_survives_a_restart(observed: dict) -> None:
    assert observed["slot_survives_restart"] == "mn"
    assert observed["events_survive_restart"]
    assert observed["texts_after_restart"] == ["hello", "first", "second"]
    assert observed["journal_mode"] == "wal"
