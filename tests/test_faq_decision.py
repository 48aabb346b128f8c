"""Answer, "Did you mean" or an honest "no answer": the decision rules (issue 18).

The threshold search runs on small hand-made score tables, so each rule is
checked without the model; the last tests run the real model on the fixture
content, as a user would see it.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from actions.faq import thresholds as faq_thresholds
from actions.faq.retrieval import RetrievalConfig, Retriever, Thresholds
from bot.maintain import faq_calibration as fc
from core import settings
from tests.calibration_rows import samples


def test_a_clear_lead_is_answered_and_a_tie_is_not() -> None:
    t = Thresholds(high=0.65, margin=0.05, agree_high=0.70, agree_margin=0.0, low=0.60)
    assert t.answers(0.70, 0.08, False)
    assert not t.answers(0.70, 0.01, False)  # a real tie: "Did you mean"
    assert t.answers(0.72, 0.01, True)  # embedding and n-grams agree on the entry
    assert not t.answers(0.62, 0.20, True)


def test_every_form_has_thresholds_and_long_messages_their_own() -> None:
    cfg = RetrievalConfig()
    for form in settings.QUESTION_FORMS:
        short, long = cfg.thresholds_for(form), cfg.thresholds_for(form, long=True)
        # `low` is on the similarity (at most 1); the answer rules on the score
        # with the classifier's probability added.
        ceiling = 1 + settings.FAQ_CLASSIFIER_WEIGHT
        assert 0 < short.low < 1 and 0 < long.low < 1
        assert 0 < short.high < ceiling and 0 < long.high < ceiling
        assert long != short  # learnt on long messages, whose scores run differently


def test_thresholds_learnt_separate_covered_from_uncovered() -> None:
    covered = [(0.70 + 0.002 * i, 0.06, True, True, True, True) for i in range(20)]
    close_calls = [(0.66, 0.005, i % 2 == 0, True, True, False) for i in range(10)]
    uncovered = [(0.58 + 0.002 * i, 0.01, False, False, False, False) for i in range(20)]
    s = samples(covered + close_calls + uncovered)
    chosen = fc.best_thresholds(s)
    seen = fc.outcomes(s, chosen)
    assert seen["right"] == 20 and seen["wrong"] == 0  # decisive when clearly ahead
    assert seen["menu_right"] == 10  # ties get buttons
    assert seen["negative_low"] == 20  # honest when nothing fits
    assert seen["negative_high"] == seen["negative_middle"] == 0


def test_no_thresholds_answer_more_wrongly_than_the_target() -> None:
    """Closer calls are answered only while wrong answers stay within MAX_WRONG."""
    clear = [(0.72, 0.06, True, True, True, True) for _ in range(60)]
    close = [(0.68, 0.01, i % 3 != 0, True, True, False) for i in range(40)]  # a third wrong
    s = samples(clear + close)
    seen = fc.outcomes(s, fc.best_thresholds(s))
    assert seen["wrong"] / 100 <= fc.MAX_WRONG
    assert seen["right"] == 60 and seen["menu_right"] == 40


def test_uncovered_questions_weigh_their_share_of_traffic() -> None:
    """The training material has as many uncovered questions as covered; users do not."""
    s = samples([(0.7, 0.05, True, True, True, True)] * 30 + [(0.6, 0.01, False, False, False, False)] * 30)
    w = fc.negative_weight(s)
    assert w * 30 / (w * 30 + 30) == pytest.approx(fc.UNCOVERED_SHARE)


def test_the_thresholds_in_use_are_what_calibration_wrote() -> None:
    """actions/faq/thresholds.yml is written by `faq calibrate`, with the settings it ran with."""
    data = faq_thresholds.load()
    learnt = data["learnt_on"]
    assert learnt["uncovered_share"] == fc.UNCOVERED_SHARE and learnt["max_wrong"] == fc.MAX_WRONG
    assert learnt["max_uncovered_answered"] == fc.MAX_UNCOVERED_ANSWERED
    assert learnt["costs"] == fc.COSTS
    cfg = RetrievalConfig()
    for form, values in data["thresholds"].items():
        assert cfg.thresholds[form] == Thresholds(**values)


def test_calibration_writes_what_the_search_then_uses(tmp_path: Path) -> None:
    chosen = {"en": Thresholds(0.64, 0.03, 0.66, 0.01, 0.62).as_dict()}
    path = faq_thresholds.write(chosen, {"content": "abc", "model": "m"}, tmp_path / "t.yml")
    assert faq_thresholds.thresholds(path) == chosen
    assert faq_thresholds.load(path)["learnt_on"]["content"] == "abc"
    assert faq_thresholds.thresholds(tmp_path / "missing.yml") == {}


def test_cross_validation_keeps_each_entry_in_one_fold() -> None:
    s = samples([(0.7, 0.05, True, True, True, True)] * 10)
    s.group[:] = np.repeat(np.arange(5), 2)
    fold = fc.folds(s)
    assert all(fold[2 * i] == fold[2 * i + 1] for i in range(5))
    assert sum(fc.cross_validate(s).values()) == 10  # every row measured once, held out


@pytest.fixture(scope="module")
def retriever(encoder, tmp_path_factory: pytest.TempPathFactory) -> Retriever:
    tmp = tmp_path_factory.mktemp("decision")
    return Retriever(settings.TEST_DATA_DIR / "faq_fixture", encoder=encoder,
                     cache_dir=tmp / "cache", state_dir=Path(tmp) / "state")


@pytest.mark.parametrize("text", [
    "how do I apply for a passport to travel abroad",
    "гадаад паспорт яаж захиалах вэ",
    "how do I make a video call to my grandchildren",
])
def test_an_uncovered_question_gets_no_unrelated_offer(retriever: Retriever, text: str) -> None:
    result = retriever.search(text)
    assert result.band == "low"  # the honest reply: a person and the topics, no entry buttons


def test_numbers_do_not_hide_a_covered_question(retriever: Retriever) -> None:
    plain = retriever.search("my card was stolen with my bag, how do i block it")
    numbered = retriever.search("my card 4000 1234 5678 9010 was stolen with my bag, how do i block it")
    masked = retriever.search("my card 4000 **** **** 9010 was stolen with my bag, how do i block it")
    assert plain.band == numbered.band == masked.band == "high"
    assert plain.best.faq_id == numbered.best.faq_id == masked.best.faq_id == "block_card"


def test_scoring_after_an_encoding_does_not_wake_blas_threads(encoder) -> None:
    """OpenBLAS's spinning threads doubled a search's CPU once torch had run (docs/evaluation.md)."""
    from threadpoolctl import threadpool_info

    assert all(pool["num_threads"] == 1 for pool in threadpool_info() if pool["user_api"] == "blas")
