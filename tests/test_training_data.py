"""Rasa training data covers every intent in all three ways people write.

An intent with few Latin-typed Mongolian examples is one that users who
type Mongolian in Latin letters will not reach, whatever the overall
accuracy says.
"""

from __future__ import annotations

import re
from collections import Counter
from pathlib import Path

import pytest
import yaml

from bot.maintain.faq_nlu import read_examples
from core.script import detect_form

ROOT = Path(__file__).resolve().parents[1]
MIN_PER_FORM = 15
# Reached only through button payloads, never typed.
BUTTON_ONLY = {"choose_faq"}
_ANNOTATION = re.compile(r"\[([^\]]*)\]\([^)]*\)|\[([^\]]*)\]\{[^}]*\}")


def _examples() -> dict[str, list[str]]:
    found: dict[str, list[str]] = {}
    for path in sorted((ROOT / "nlu_data" / "nlu").glob("*.yml")):
        for intent, text in read_examples(path):
            found.setdefault(intent, []).append(_ANNOTATION.sub(lambda m: m.group(1) or m.group(2) or "", text))
    return found


EXAMPLES = _examples()
INTENTS = [i for i in yaml.safe_load((ROOT / "domain.yml").read_text(encoding="utf-8"))["intents"]
           if i not in BUTTON_ONLY]


@pytest.mark.parametrize("intent", INTENTS)
def test_every_intent_has_enough_examples_in_each_form(intent: str) -> None:
    forms = Counter(detect_form(text) for text in EXAMPLES.get(intent, []))
    short = {form: forms[form] for form in ("en", "mn", "mn_latn") if forms[form] < MIN_PER_FORM}
    assert not short, f"{intent}: fewer than {MIN_PER_FORM} examples in {short}"


def test_no_example_teaches_two_intents() -> None:
    owners: dict[str, set[str]] = {}
    for intent, texts in EXAMPLES.items():
        for text in texts:
            owners.setdefault(text.strip().lower(), set()).add(intent)
    clashes = {text: sorted(intents) for text, intents in owners.items() if len(intents) > 1}
    assert not clashes, clashes
