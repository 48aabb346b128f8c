"""`python -m bot bench layers`: what Rasa's speed layers do inside, as figures.

How many connections twenty action calls open, how many graph orders a
runner keeps, how many objects are frozen once the model is loaded, whether
a kept tracker is reused: these show a layer at work but are not what a user
notices, so they are printed here rather than asserted by tests (the tests
in tests/rasa_side/test_speed.py check that answers and stored conversations
stay Rasa's own). The observations come from the same run of Rasa's code as
those tests (tests/rasa_side/check_speed.py, in .venv-rasa).
"""

from __future__ import annotations

import json
import os
import subprocess

from core.settings import ROOT

RASA_PYTHON = ROOT / ".venv-rasa" / "bin" / "python"
# (observation key, what it counts, with the layer, in stock Rasa)
FIGURES = (
    ("connections_for_20_actions", "connections opened by 20 action calls", "1", "20"),
    ("connections_after_drop", "connections after the action server dropped one", "2", "21"),
    ("graph_plans_kept", "graph orders kept (understanding, predicting)", "2", "none, ordered every run"),
    ("frozen_before_load", "objects frozen before the model loads", "0", "0"),
    ("frozen_after_load", "objects frozen after the model loads", "about 500,000", "0"),
    ("kept_tracker_reused", "next two turns reused the kept tracker", "[True, True]", "reloaded from SQL"),
    ("journal_mode", "SQLite journal mode of the tracker store", "wal", "delete"),
)


def main(argv: list[str]) -> int:
    if argv:
        print("usage: python -m bot bench layers")
        return 2
    env = dict(os.environ, PYTHONPATH=str(ROOT), SQLALCHEMY_SILENCE_UBER_WARNING="1")
    proc = subprocess.run([str(RASA_PYTHON), "tests/rasa_side/check_speed.py"], cwd=ROOT, env=env,
                          capture_output=True, text=True, timeout=900)
    if proc.returncode != 0:
        print(proc.stderr[-3000:])
        return 1
    observed = json.loads(proc.stdout.strip().splitlines()[-1])
    for key, label, layered, stock in FIGURES:
        print(f"{label}: {observed.get(key, 'not observed')} (with the layer {layered}; stock Rasa {stock})")
    return 0
