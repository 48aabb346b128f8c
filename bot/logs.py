"""Logging that never writes a bot token or a citizen's personal data."""

from __future__ import annotations

import logging

from core.privacy import PiiFilter
from core.settings import LOG_LEVEL


def setup(level: str | None = None) -> None:
    handler = logging.StreamHandler()
    handler.addFilter(PiiFilter())
    handler.setFormatter(logging.Formatter("%(asctime)s %(levelname)s %(name)s: %(message)s"))
    root = logging.getLogger()
    root.handlers[:] = [handler]
    root.setLevel(level or LOG_LEVEL)
    # httpx logs every request URL at INFO, and Bot API URLs contain the token.
    for noisy in ("httpx", "httpcore", "apscheduler"):
        logging.getLogger(noisy).setLevel(logging.WARNING)
    # "Job skipped: maximum number of running instances" while a retry waits
    # on a dependency that is down: the outage itself is already logged once.
    logging.getLogger("apscheduler.scheduler").setLevel(logging.ERROR)
