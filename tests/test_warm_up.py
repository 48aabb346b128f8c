"""The action server's warm-up leaves what it loaded out of full garbage collections.

Users would notice the alternative as a pause of about a quarter of a second
for everyone, each time Python walked the encoder's million objects.
"""

from __future__ import annotations

import gc
import threading

import pytest


class _Loaded:
    def search(self, *_args: object, **_kwargs: object) -> None:
        return None

    def warm_up(self) -> None:
        return None


def test_warm_up_freezes_what_loading_made(monkeypatch: pytest.MonkeyPatch) -> None:
    import actions.retrieval
    import actions.scam

    # Stand-ins for the encoder and index, also for the warm-up that importing starts.
    monkeypatch.setattr(actions.retrieval.Retriever, "shared", classmethod(lambda cls: _Loaded()))
    monkeypatch.setattr(actions.scam, "default_checker", _Loaded)
    import actions.actions

    monkeypatch.setattr(actions.actions, "default_checker", _Loaded)
    for thread in threading.enumerate():
        if thread.name == "faq-warm-up":
            thread.join(timeout=60)
    gc.unfreeze()
    try:
        actions.actions._warm_up()
        assert gc.get_freeze_count() > 1000
    finally:
        gc.unfreeze()
