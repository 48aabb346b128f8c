"""Rasa's tracker store keeps no personal data and forgets a conversation when asked.

Checked in Rasa's own venv (tests/rasa_side/check_tracker_store.py), with
and without rasa_side.speed's layers, reading the SQLite files as bytes.
"""

from __future__ import annotations

import json
import os
import subprocess
from pathlib import Path

import pytest

from tests.pg_fixture import drop_database, pg_database

ROOT = Path(__file__).resolve().parents[2]
RASA_PYTHON = ROOT / ".venv-rasa" / "bin" / "python"
RAW = ["4000 1234 5678 9010", "4000123456789010", "УБ99112233", "+976 99112233", "88112233",
       "bat.erdene@gmail.com", "482913"]

pytestmark = pytest.mark.skipif(not RASA_PYTHON.exists(), reason="needs .venv-rasa (make setup)")


@pytest.fixture(scope="module")
def observed() -> dict:
    env = dict(os.environ, PYTHONPATH=str(ROOT), SQLALCHEMY_SILENCE_UBER_WARNING="1")
    # The code needs its word: "code 482913".
    proc = subprocess.run([str(RASA_PYTHON), "tests/rasa_side/check_tracker_store.py", *RAW[:-1],
                           "code 482913"], cwd=ROOT, env=env, capture_output=True, text=True, timeout=300)
    assert proc.returncode == 0, proc.stderr[-3000:]
    return json.loads(proc.stdout.strip().splitlines()[-1])


@pytest.mark.parametrize("mode", ["rasa_as_is", "with_speed_fixes"])
def test_conversation_is_kept_but_masked(observed: dict, mode: str) -> None:
    seen = observed[mode]
    assert seen["stored_events"] >= 5  # the conversation itself is still there after a restart
    assert seen["latest_text"] == "and one more thing"
    assert seen["raw_in_files"] == []


@pytest.mark.parametrize("mode", ["rasa_as_is", "with_speed_fixes"])
def test_emptied_conversation_is_deleted_everywhere(observed: dict, mode: str) -> None:
    seen = observed[mode]
    assert seen["after_delete"] is True
    assert seen["after_delete_restarted"] is True
    assert seen["fresh_events"] == 0  # nothing of the old conversation comes back from memory
    assert seen["sender_in_files"] is False


@pytest.mark.postgres
def test_on_postgresql_the_conversation_is_masked_and_deleted(pg_server: str) -> None:
    # The scale-out set-up's tracker store: the same class on a live PostgreSQL, rows read back.
    url = pg_database(pg_server, migrated=False)
    env = dict(os.environ, PYTHONPATH=str(ROOT), SQLALCHEMY_SILENCE_UBER_WARNING="1")
    proc = subprocess.run([str(RASA_PYTHON), "tests/rasa_side/check_tracker_store.py", "--postgres", url,
                           *RAW[:-1], "code 482913"], cwd=ROOT, env=env, capture_output=True, text=True,
                          timeout=300)
    drop_database(url)
    assert proc.returncode == 0, proc.stderr[-3000:]
    seen = json.loads(proc.stdout.strip().splitlines()[-1])["postgresql"]
    assert seen["stored_events"] >= 5 and seen["latest_text"] == "and one more thing"
    assert seen["raw_in_files"] == []
    assert seen["after_delete"] and seen["after_delete_restarted"] and seen["fresh_events"] == 0
    assert seen["sender_in_files"] is False

