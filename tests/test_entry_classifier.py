"""The entry classifier: the third opinion that tells sibling entries apart (issue 18).

The first tests use small hand-made vectors, so each property is checked
without the model; the last ones run the real model on the fixture content.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from actions.faq.entry_classifier import EntryClassifier
from actions.faq.retrieval import RetrievalConfig, Retriever
from bot.maintain import faq_calibration as fc
from core import settings
from tests.calibration_rows import samples


def _unit(rows: list[list[float]]) -> np.ndarray:
    v = np.array(rows, dtype=np.float32)
    return v / np.linalg.norm(v, axis=1, keepdims=True)


# Two sibling entries share a strong common direction ("I lost my ...") and
# differ only in a weak one (card / SIM); a third is elsewhere.
SIBLINGS = _unit([[1.0, 0.2, 0.0, 0.05 * i] for i in range(4)]
                 + [[1.0, -0.2, 0.0, 0.05 * i] for i in range(4)]
                 + [[0.0, 0.0, 1.0, 0.05 * i] for i in range(4)])
LABELS = np.repeat(np.arange(3), 4)


def test_the_weak_direction_that_separates_siblings_decides() -> None:
    classifier = EntryClassifier.fit(SIBLINGS, LABELS, 3)
    card_like = _unit([[1.0, 0.05, 0.0, 0.3]])  # much nearer the shared direction than either side
    p = classifier.proba(card_like)[0]
    assert p.sum() == pytest.approx(1.0, abs=1e-5)
    assert int(np.argmax(p)) == 0 and p[0] > p[1] > p[2]


def test_an_entry_left_out_gets_nothing_and_the_rest_share_its_part() -> None:
    classifier = EntryClassifier.fit(SIBLINGS, LABELS, 3)
    query = _unit([[1.0, 0.1, 0.0, 0.0]])
    full, without = classifier.proba(query)[0], classifier.proba(query, absent=0)[0]
    assert without[0] == 0 and without.sum() == pytest.approx(1.0, abs=1e-5)
    assert without[1] > full[1]  # the sibling takes the left-out entry's place
    assert without[1] / without[2] == pytest.approx(full[1] / full[2], rel=1e-3)


def test_two_entries_and_unseen_entries_are_handled() -> None:
    two = EntryClassifier.fit(SIBLINGS[:8], LABELS[:8], 3)
    p = two.proba(SIBLINGS[:1])[0]
    assert p[2] == 0 and p[0] > 0.5 and p.sum() == pytest.approx(1.0, abs=1e-5)
    one = EntryClassifier.fit(SIBLINGS[:4], LABELS[:4], 1)
    assert not one.proba(SIBLINGS[:1]).any()  # one entry: nothing to tell apart, no opinion


def test_the_similarity_not_the_probability_decides_whether_anything_is_offered() -> None:
    """A question far from every entry stays an honest "no answer" however sure the classifier is."""
    covered = [(0.90, 0.20, True, True, True, True)] * 20
    uncovered = [(0.80, 0.15, False, False, False, False)] * 20  # classifier-lifted scores
    s = samples(covered + uncovered, [0.75] * 20 + [0.50] * 20)
    seen = fc.outcomes(s, fc.best_thresholds(s))
    assert seen["right"] == 20
    assert seen["negative_low"] == 20 and seen["negative_high"] == seen["negative_middle"] == 0


def test_no_thresholds_answer_more_uncovered_questions_than_the_cap() -> None:
    covered = [(0.90, 0.20, True, True, True, True)] * 40
    lookalikes = [(0.90, 0.20, False, False, False, True)] * 40  # as sure as the covered ones
    s = samples(covered + lookalikes, [0.75] * 80)
    seen = fc.outcomes(s, fc.best_thresholds(s))
    assert seen["negative_high"] <= fc.MAX_UNCOVERED_ANSWERED * 40
    assert seen["right"] == 0 and seen["menu_right"] == 40  # they can only be told apart by a person


def test_left_out_entries_weigh_in_the_costs_but_not_in_the_cap() -> None:
    """A sibling's near-copy is not what a real uncovered question looks like.

    Covered questions as sure as some left-out lookalikes are still answered
    when the lookalikes are few enough for the costs; written uncovered
    questions far from every entry stay honest.
    """
    covered = [(0.90, 0.20, True, True, True, True)] * 60
    lookalikes = [(0.90, 0.20, False, False, False, True)] * 6
    far = [(0.55, 0.01, False, False, False, False)] * 30
    rows = covered + lookalikes + far
    similar = [0.75] * 66 + [0.45] * 30
    written = np.array([False] * 66 + [True] * 30)
    s = samples(rows, similar, written)
    seen = fc.outcomes(s, fc.best_thresholds(s))
    assert seen["right"] == 60  # not held back by the lookalikes
    assert seen["negative_low"] == 30  # the far ones get the honest reply
    capped = samples(rows, similar)  # the same lookalikes written as uncovered questions
    assert fc.outcomes(capped, fc.best_thresholds(capped))["right"] == 0


@pytest.fixture(scope="module")
def retrievers(encoder, tmp_path_factory: pytest.TempPathFactory) -> tuple[Retriever, Retriever]:
    tmp = tmp_path_factory.mktemp("classifier")
    on = Retriever(settings.TEST_DATA_DIR / "faq_fixture", encoder=encoder,
                   cache_dir=tmp / "cache", state_dir=Path(tmp) / "state")
    off = Retriever(settings.TEST_DATA_DIR / "faq_fixture", encoder=encoder,
                    config=RetrievalConfig(classifier_weight=0.0),
                    cache_dir=tmp / "cache", state_dir=Path(tmp) / "state")
    return on, off


def test_the_index_carries_a_classifier_over_its_published_entries(retrievers) -> None:
    on, off = retrievers
    assert on.index.classifier is not None and on.index.classifier.n_entries == len(on.index.entries)
    assert off.index.classifier is None


@pytest.mark.parametrize("text", [
    "my card is lost, what should I do",
    "kartaa geechihlee yaah ve",
    "someone from the bank called asking for my pin",
])
def test_the_classifier_only_adds_to_the_right_entry_lead(retrievers, text: str) -> None:
    """With the classifier the same entry comes first, and further ahead of the second."""
    on, off = retrievers
    with_it, without = on.search(text), off.search(text)
    assert with_it.best.faq_id == without.best.faq_id
    lead = [r.ranking[0][1] - r.ranking[1][1] for r in (with_it, without)]
    assert lead[0] > lead[1]


def test_the_weight_and_strength_grid_is_measured_on_training_material(retrievers) -> None:
    """`faq calibrate --weights`: how the classifier's settings were chosen, reproducible."""
    on, _ = retrievers
    before = on.config
    grid = fc.classifier_grid(on)
    assert on.config is before  # the search's own settings are left as they were
    assert (fc.STRENGTH_GRID[0], 0.0) in grid
    assert (settings.FAQ_CLASSIFIER_C, settings.FAQ_CLASSIFIER_WEIGHT) in grid
    for top1 in grid.values():
        assert set(top1) == set(settings.QUESTION_FORMS) and all(0 <= v <= 1 for v in top1.values())
