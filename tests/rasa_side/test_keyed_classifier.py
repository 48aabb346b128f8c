"""The custom Rasa intent classifier, trained and reloaded in Rasa's own venv.

The pipeline's accuracy on Latin-typed Mongolian rests on it: a question
typed in Latin letters must land on the intent its Cyrillic examples teach,
and a saved model must predict the same after a reload (Rasa restarts).
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


def _run(config: dict) -> dict:
    env = dict(os.environ, PYTHONPATH=str(ROOT), OMP_WAIT_POLICY="PASSIVE")
    proc = subprocess.run([str(RASA_PYTHON), "tests/rasa_side/check_keyed_classifier.py", json.dumps(config)],
                          cwd=ROOT, env=env, capture_output=True, text=True, timeout=300)
    assert proc.returncode == 0, proc.stderr[-3000:]
    return json.loads(proc.stdout.strip().splitlines()[-1])


def test_latin_typed_questions_get_the_intent_of_their_cyrillic_twins() -> None:
    got = _run({"sentence_embeddings": False, "ranking_length": 2})
    # Rasa classifies one message at a time: that path must answer as a batch does.
    assert got.pop("one_at_a_time_same") is True
    assert got["kartaa yaj haah we"][0] == "ask_banking"
    assert got["e-mongolia-d nevtreh"][0] == "ask_eservices"
    assert got["sain baina uu"][0] == "greet"
    assert got["block my card"][0] == "ask_banking"
    assert all(ranking_len == 2 for _, _, ranking_len in got.values())
    assert all(0.0 < confidence <= 1.0 for _, confidence, _ in got.values())


def test_the_embedding_second_opinion_trains_and_reloads() -> None:
    got = _run({"sentence_embeddings": True, "embedding_below_confidence": 1.0})
    assert got.pop("one_at_a_time_same") is True
    assert got["block my card"][0] == "ask_banking"
    assert got["kartaa yaj haah we"][0] == "ask_banking"


def test_the_question_is_read_inside_a_long_message() -> None:
    """A greeting, an introduction and a card number do not hide a banking question."""
    got = _run({"sentence_embeddings": False, "read_question": True})
    assert got.pop("one_at_a_time_same") is True
    long = [text for text in got if text.startswith("Сайн байна уу. Би 70")][0]
    assert got[long][0] == "ask_banking"
    assert got["sain baina uu"][0] == "greet"  # a greeting alone stays a greeting
    assert got["kartaa yaj haah we"][0] == "ask_banking"
