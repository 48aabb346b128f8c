"""The held-out question set, wherever its items are written.

`tests/data/nlu_eval.yml` holds the original set; helpers who add FAQ
content add their held-out questions as `tests/data/faq_eval_<helper>.yml`
(SHARED-CONTRACTS.md), so both `faq eval` and `nlu eval` read all of them.
Each item may carry `part` (ordinary | numbers | long | uncovered; missing
means ordinary) so figures can be given for each way people write, and
`also` (a second FAQ entry the message asks about).
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Any

import yaml

from core import settings

PARTS = ("ordinary", "numbers", "long", "uncovered")


@dataclass(frozen=True)
class EvalItem:
    text: str
    form: str
    faq_id: str | None
    intent: str | None = None
    topic: str | None = None
    part: str = "ordinary"
    also: str | None = None
    source: str = ""


def eval_files(directory: Path | None = None) -> list[Path]:
    """nlu_eval.yml first, then every faq_eval_*.yml in name order."""
    directory = Path(directory or settings.TEST_DATA_DIR)
    main = directory / settings.FAQ_EVAL_FILE.name
    extra = sorted(directory.glob(settings.FAQ_EVAL_EXTRA_GLOB))
    return ([main] if main.is_file() else []) + extra


def _items(raw_items: Any, source: str) -> list[EvalItem]:
    if isinstance(raw_items, dict):
        raw_items = raw_items.get("items") or []
    out = []
    for raw in raw_items or []:
        if not isinstance(raw, dict) or not raw.get("text"):
            continue
        part = str(raw.get("part") or "ordinary")
        if part not in PARTS:
            raise ValueError(f"{source}: item {raw['text']!r} has part {part!r}; "
                             f"use one of {', '.join(PARTS)}")
        out.append(EvalItem(text=str(raw["text"]), form=str(raw.get("form") or "?"),
                            faq_id=raw.get("faq_id") or None, intent=raw.get("intent"),
                            topic=raw.get("topic"), part=part, also=raw.get("also") or None,
                            source=source))
    return out


def load_items(paths: list[Path] | None = None) -> list[EvalItem]:
    """Every item of `paths` (default: eval_files())."""
    items: list[EvalItem] = []
    for path in paths if paths is not None else eval_files():
        items += _items(yaml.safe_load(Path(path).read_text(encoding="utf-8")), Path(path).name)
    return items
