"""The action server's work off its event loop: the warm-up before the first
user, and the one thread that encodes questions.

The warm-up starts when rasa-sdk imports this module at start-up, so the
first user does not wait for the model, the FAQ index and the scam library.
"""

from __future__ import annotations

import asyncio
import functools
import gc
import logging
import threading
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from typing import Any, TypeVar

from actions.faq.retrieval import Retriever
from actions.scam.checker import default_checker
from core import settings
from core.strings import load_all

log = logging.getLogger(__name__)


def _warm_up() -> None:
    """Load the texts, the model, the FAQ index and the scam library before the first user.

    One search also traces the encoder's single-text path (a second or so);
    then the encoder sees every length of question once (Encoder.warm_up).
    """
    try:
        load_all()
        retriever = Retriever.shared()
        retriever.search("warm-up", lang="en")
        warm_up = getattr(retriever.encoder, "warm_up", None)
        if warm_up is not None:
            warm_up()
        default_checker().warm_up()
    except Exception:  # noqa: BLE001 - a failed warm-up must not stop the server
        log.exception("warm-up failed at start-up")
    # The process now holds about a million long-lived objects (torch,
    # transformers, the index). Each full garbage collection walked them all,
    # stopping every request for about a quarter of a second; frozen, they
    # are left out, and what requests create is collected as before.
    if settings.SPEED_LAYERS:
        gc.collect()
        gc.freeze()


threading.Thread(target=_warm_up, name="faq-warm-up", daemon=True).start()

# Encoding a question (about 30 ms of torch) would otherwise block the
# action server's event loop, so every cheap call behind it (Rasa's slot
# mappings call each turn, health checks) waited for it. One thread: the
# encoder and its tokenizer are used by one caller at a time, as before.
_ENCODING = ThreadPoolExecutor(max_workers=1, thread_name_prefix="encoding")
_T = TypeVar("_T")


async def off_loop(fn: Callable[..., _T], *args: Any, **kwargs: Any) -> _T:
    return await asyncio.get_running_loop().run_in_executor(_ENCODING, functools.partial(fn, *args, **kwargs))
