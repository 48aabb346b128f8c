"""The action server's warm-up loads what the first user would wait for.

Users would otherwise notice their first question answered seconds late.
(That loaded objects are then frozen out of full garbage collections is a
speed layer, shown by figures in docs/performance.md, not tested here.)
"""

from __future__ import annotations

import gc
import threading

import pytest

from core.settings import LANGUAGES
from core.strings import catalogue

pytestmark = pytest.mark.slow  # loads the sentence encoder


class _Loaded:
    """Stands in for the retriever, its encoder and the scam checker."""

    warmed = 0

    def __init__(self) -> None:
        self.encoder = self

    def search(self, *_args: object, **_kwargs: object) -> None:
        return None

    def warm_up(self) -> None:
        _Loaded.warmed += 1


def test_warm_up_runs_the_encoder_then_freezes_what_loading_made(monkeypatch: pytest.MonkeyPatch) -> None:
    import actions.faq.retrieval
    import actions.scam.checker

    # Stand-ins for the encoder and index, also for the warm-up that importing starts.
    monkeypatch.setattr(actions.faq.retrieval.Retriever, "shared", classmethod(lambda cls: _Loaded()))
    monkeypatch.setattr(actions.scam.checker, "default_checker", _Loaded)
    import actions.api.background

    monkeypatch.setattr(actions.api.background, "default_checker", _Loaded)
    for thread in threading.enumerate():
        if thread.name == "faq-warm-up":
            thread.join(timeout=60)
    gc.unfreeze()
    _Loaded.warmed = 0
    catalogue.cache_clear()
    try:
        actions.api.background._warm_up()
        assert _Loaded.warmed == 2  # the encoder's every-length run and the scam checker's
        # Both languages' texts are parsed before the first message, not during it.
        assert catalogue.cache_info().currsize == len(LANGUAGES)
    finally:
        gc.unfreeze()
