"""Up or down: the state of a service the bot depends on, logged once per change.

During an outage every message and every retry fails the same way; a
warning (or a traceback) for each buried the one line that mattered under
hundreds. So each dependency (the Bot API, Rasa) logs one warning when it
goes down and one when it is back; single failures are logged at DEBUG.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Callable
from typing import Any

from aiohttp import web

log = logging.getLogger("bot.health")


class Dependency:
    def __init__(self, name: str) -> None:
        self.name = name
        self.down_since: float | None = None

    @property
    def up(self) -> bool:
        return self.down_since is None

    def failed(self, reason: str) -> None:
        if self.down_since is None:
            self.down_since = time.monotonic()
            log.warning("%s is unavailable (%s); retrying quietly until it is back", self.name, reason)
        else:
            log.debug("%s still unavailable: %s", self.name, reason)

    def ok(self, asked_at: float | None = None) -> None:
        """A success; `asked_at` (time.monotonic() when the call began) filters out a call
        that was already under way when the outage began, whose answer says nothing of now."""
        if self.down_since is not None:
            if asked_at is not None and asked_at < self.down_since:
                return
            log.warning("%s is back after %.0f s", self.name, time.monotonic() - self.down_since)
            self.down_since = None


async def serve(port: int, status: Callable[[], dict[str, Any]], host: str = "0.0.0.0") -> web.AppRunner:
    """GET /health on its own port, for the compose file's health check in webhook mode.

    python-telegram-bot's webhook server takes no extra routes, so the check
    has a tiny server of its own. It answers 200 while the bot's event loop
    runs (a hung bot does not answer, and is restarted), with the state of
    its dependencies in the body: Rasa or Telegram being down is not the
    bot's fault and restarting it would not help.
    """
    async def health(_request: web.Request) -> web.Response:
        return web.json_response({"ok": True, **status()})

    app = web.Application()
    app.router.add_get("/health", health)
    runner = web.AppRunner(app, access_log=None)
    await runner.setup()
    await web.TCPSite(runner, host, port).start()
    return runner
