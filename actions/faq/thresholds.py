"""The answer thresholds in use: the file `python -m bot faq calibrate` writes.

Thresholds are learnt from training material (bot/maintain/faq_calibration.py),
never typed in by hand, so what the bot uses is exactly what calibration
produced. The file also records what they were learnt on (content hash,
model, the calibration's own settings), so a reader can tell whether the
content has moved on since; `faq eval` says so.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from pathlib import Path
from typing import Any

import yaml

from core import settings

HEADER = ("# Written by `python -m bot faq calibrate` (bot/maintain/faq_calibration.py).\n"
          "# Do not edit by hand: run the command again after changing faq/ or the model.\n")


def load(path: Path | None = None) -> dict[str, Any]:
    """The whole file: `thresholds` per form (and "<form>_long"), and `learnt_on`."""
    path = Path(path or settings.FAQ_THRESHOLDS_FILE)
    data = yaml.safe_load(path.read_text(encoding="utf-8")) or {}
    return data if isinstance(data, dict) else {}


def thresholds(path: Path | None = None) -> dict[str, dict[str, float]]:
    """Per form: high, margin, agree_high, agree_margin, low. Empty when the file is missing."""
    try:
        found = load(path).get("thresholds") or {}
    except FileNotFoundError:
        return {}
    return {str(form): {k: float(v) for k, v in values.items()} for form, values in found.items()}


def write(found: Mapping[str, Mapping[str, float]], learnt_on: Mapping[str, Any],
          path: Path | None = None) -> Path:
    """Write the thresholds calibration chose, with what they were learnt on."""
    path = Path(path or settings.FAQ_THRESHOLDS_FILE)
    data = {"learnt_on": {**learnt_on, "date": dt.date.today().isoformat()},
            "thresholds": {form: {k: round(float(v), 3) for k, v in values.items()}
                           for form, values in found.items()}}
    tmp = path.with_suffix(".tmp")
    tmp.write_text(HEADER + yaml.safe_dump(data, sort_keys=False, allow_unicode=True), encoding="utf-8")
    tmp.replace(path)
    return path
