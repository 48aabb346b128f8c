"""The calibration's uncovered questions (bot/maintain/uncovered_questions.yml).

They teach the thresholds what an on-topic question without an answer looks
like; listed under the wrong form, repeated or copied from an FAQ phrasing,
they would teach the wrong thing.
"""

from __future__ import annotations

from collections import Counter

import pytest

from actions.faq.store import load_store
from bot.maintain import faq_calibration as fc
from core import settings
from core.script import detect_form

MIN_PER_FORM = 60
MIN_FORM_AGREEMENT = 0.9


@pytest.fixture(scope="module")
def questions() -> list[tuple[str, str]]:
    return fc.uncovered_questions()


def test_every_form_has_enough_questions(questions: list[tuple[str, str]]) -> None:
    per_form = Counter(form for form, _ in questions)
    for form in settings.QUESTION_FORMS:
        assert per_form[form] >= MIN_PER_FORM, (form, per_form[form])


def test_no_question_repeats(questions: list[tuple[str, str]]) -> None:
    seen = Counter(text.casefold() for _, text in questions)
    assert [t for t, n in seen.items() if n > 1] == []


def test_no_question_is_an_faq_phrasing(questions: list[tuple[str, str]]) -> None:
    store = load_store(settings.FAQ_DIR)
    phrasings = {q.casefold().strip(" ?.") for e in store.entries for _, q in e.phrasings()}
    assert phrasings, "the FAQ store did not load"
    copied = [t for _, t in questions if t.casefold().strip(" ?.") in phrasings]
    assert copied == []


def test_questions_are_read_in_the_form_they_are_listed_under(questions) -> None:
    for form in settings.QUESTION_FORMS:
        mine = [t for f, t in questions if f == form]
        other = [t for t in mine if detect_form(t) != form]
        assert len(other) <= (1 - MIN_FORM_AGREEMENT) * len(mine), (form, other)


def test_a_missing_form_gives_no_questions_rather_than_an_error(tmp_path) -> None:
    path = tmp_path / "uncovered.yml"
    path.write_text("questions:\n  en:\n    - How do I take a screenshot?\n", encoding="utf-8")
    assert fc.uncovered_questions(path) == [("en", "How do I take a screenshot?")]
