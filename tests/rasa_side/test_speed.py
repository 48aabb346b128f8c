"""rasa_side.speed's layers keep Rasa's behaviour (checked in Rasa's own venv).

Users would notice a conversation that forgets a turn, a failed turn that
leaks into the next one, a restart that loses their language, an action
server reply Rasa stops checking, or a turn that fails because a kept
connection to the action server went stale. How the layers do it (one
connection for many calls, graph orders kept, objects frozen) is printed by
`python -m bot bench layers`, not asserted here.
"""

from __future__ import annotations

import json
import os
import subprocess
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
RASA_PYTHON = ROOT / ".venv-rasa" / "bin" / "python"

pytestmark = pytest.mark.skipif(not RASA_PYTHON.exists(), reason="needs .venv-rasa (make setup)")


@pytest.fixture(scope="module")
def observed() -> dict:
    env = dict(os.environ, PYTHONPATH=str(ROOT), SQLALCHEMY_SILENCE_UBER_WARNING="1")
    proc = subprocess.run([str(RASA_PYTHON), "tests/rasa_side/check_speed.py"], cwd=ROOT, env=env,
                          capture_output=True, text=True, timeout=300)
    assert proc.returncode == 0, proc.stderr[-3000:]
    return json.loads(proc.stdout.strip().splitlines()[-1])


def test_action_server_replies_are_still_validated(observed: dict) -> None:
    assert observed["valid_reply_accepted"] is True
    assert observed["invalid_reply_rejected"] is True


def test_repeated_action_calls_give_the_same_results(observed: dict) -> None:
    assert observed["action_results_same"]
    assert observed["cookies_sent_back"] == []


def test_stale_connection_to_the_action_server_does_not_fail_a_turn(observed: dict) -> None:
    # The server closed a kept connection without answering: the call goes again on a new one.
    assert observed["action_after_dropped_connection"] == "mn"
    assert observed["action_after_restart"] == "mn"


def test_action_calls_send_and_fail_as_rasas_own(observed: dict) -> None:
    # Headers, basic auth, token and parameters, compression, bodies, answers and errors.
    assert observed["requests_same_as_rasa"]
    assert observed["failures"] == ["ClientResponseError", "ClientResponseError", "answer", "ClientConnectorError"]


def test_kept_connections_close_quietly(observed: dict) -> None:
    assert observed["new_connection_after_shutdown"]
    assert observed["answer_on_new_loop"] == [{"text": "сайн уу"}]
    assert observed["unclosed_warnings"] == []


def test_action_server_receives_the_same_json(observed: dict) -> None:
    assert observed["action_call_json_same"]
    assert observed["action_call_answer"] == {"events": [], "responses": []}


def test_kept_tracker_matches_the_saved_conversation(observed: dict) -> None:
    assert observed["same_events_after_save"]
    assert observed["unsaved_events_dropped"]
    assert observed["new_session_only"]


def test_conversation_survives_a_restart(observed: dict) -> None:
    assert observed["slot_survives_restart"] == "mn"
    assert observed["events_survive_restart"]
    assert observed["texts_after_restart"] == ["hello", "first", "second"]
    # Saved with one INSERT a turn: the rows Rasa's own save writes.
    assert observed["rows_as_rasa_saves_them"]


def test_graph_runs_in_kept_order_give_rasas_answers(observed: dict) -> None:
    # Understanding and the next action, for the trained model, as dask runs them.
    assert "graph_model_missing" not in observed, "train the model first (make model)"
    assert len(observed["graph_parses_same"]) == 10 and all(observed["graph_parses_same"])
    assert all(observed["graph_predictions_same"])
    # A run that fails inside a node fails the same way.
    assert observed["graph_failures"][0] == observed["graph_failures"][1] != "no error"


def test_freezing_the_loaded_model_still_serves_it(observed: dict) -> None:
    # Frozen out of full collections (which stopped every conversation for
    # ~0.25 s), the loaded model is still the one Rasa answers with.
    assert observed["freeze_agent_returned"] is True
