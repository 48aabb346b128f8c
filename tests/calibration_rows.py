"""Calibration samples built by hand, for the tests of the answer decision."""

from __future__ import annotations

import numpy as np

from bot.maintain import faq_calibration as fc


def samples(rows: list[tuple[float, float, bool, bool, bool, bool]], similar: list[float] | None = None,
            written: bool = True) -> fc.Samples:
    """Rows of (best, margin, right, in_menu, positive, agree) in one form, one entry each.

    `similar` (the score without the classifier) is the best score unless given.
    The uncovered rows are questions written as uncovered unless `written` is
    false (then they stand for phrasings with their own entry left out).
    """
    cols = list(zip(*rows, strict=True))
    n = len(rows)
    return fc.Samples(np.array(["en"] * n, dtype=object), np.array(cols[0]), np.array(cols[1]),
                      np.array(similar if similar is not None else cols[0]),
                      np.array(cols[2]), np.array(cols[3]), np.array(cols[4]),
                      np.zeros(n, dtype=bool), np.array(cols[5]), np.arange(n),
                      ~np.array(cols[4], dtype=bool) & written)
