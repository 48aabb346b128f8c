"""Client for Rasa's REST channel and HTTP API.

Every call has a short timeout: when Rasa or the action server is slow or
down, the bot must apologise within seconds and keep the question, not hang.
"""

from __future__ import annotations

import asyncio
import json
import time
from typing import Any

import aiohttp

from bot.health import Dependency

# Rasa's server is Sanic, as the action server is: the same keep-alive limit.
from bot.local_secrets import auth_headers
from core.metadata import TurnMetadata
from rasa_side.speed import KEEPALIVE_SECONDS

# The entity that carries the bot's choice of language into Rasa's `language`
# slot (domain.yml). Rasa copies it from metadata for typed messages
# (config.yml, rasa_side/metadata_entities.py); button payloads bypass
# that, so the payload gets it here.
REPLY_LANGUAGE_ENTITY = "reply_language"
# Concurrent calls to Rasa before new ones wait for a free connection.
MAX_CONNECTIONS = 64
# Messages in Rasa at once (RASA_CONCURRENCY). Rasa works through them on one
# core anyway; the rest wait their turn here, where the wait does not count
# against the timeout, so a burst of users is queued rather than apologised to.
IN_FLIGHT = 8
# The longest a message waits for its turn while Rasa is answering.
TURN_WAIT_LIMIT = 30.0
JSON = {"Content-Type": "application/json"}


class RasaUnavailable(Exception):
    """Rasa did not answer in time, or answered with an error."""


def with_payload_entity(message: str, entity: str, value: str) -> str:
    """Adds an entity to a "/intent{...}" payload; other text is returned as is."""
    if not message.startswith("/"):
        return message
    intent, brace, rest = message.partition("{")
    try:
        entities = json.loads(brace + rest) if brace else {}
    except ValueError:
        return message
    if not isinstance(entities, dict):
        return message
    return intent + json.dumps({**entities, entity: value}, ensure_ascii=False, separators=(",", ":"))


class RasaClient:
    """One kept-alive aiohttp session to Rasa, opened on first use on the running loop.

    aiohttp rather than httpx: httpx's and httpcore's per-request layers
    (anyio streams, pool bookkeeping) took nearly half of the bot's CPU
    under load (see bot/telegram_request.py). `timeout` bounds Rasa's part
    of the call, so the user hears the apology after at most that long if
    Rasa refuses or hangs; waiting for a turn behind other users' messages
    (`in_flight`) is not counted, since nothing is down then. Proxy variables are
    not read: Rasa is a local service. Every request carries Rasa's token
    in a header (rasa_side/server.py checks it), never in the URL, which
    error messages and logs repeat.
    """

    def __init__(self, base_url: str, timeout: float, token: str | None = None,
                 in_flight: int = IN_FLIGHT) -> None:
        self.base_url = base_url.rstrip("/")
        self.timeout = timeout
        self._headers = auth_headers(token)
        self.in_flight = max(1, in_flight)
        self._webhook = f"{self.base_url}/webhooks/rest/webhook"
        self._session: aiohttp.ClientSession | None = None
        self._loop: asyncio.AbstractEventLoop | None = None
        self._turns: asyncio.Semaphore | None = None
        self._went_down: asyncio.Event | None = None
        # One warning when Rasa (or the action server behind it) goes down, one when back.
        self.health = Dependency("Rasa")
        self.actions_health = Dependency("the action server (seen through Rasa)")

    def _client(self) -> aiohttp.ClientSession:
        """The session; built here because aiohttp binds it to the loop it is made on."""
        loop = asyncio.get_running_loop()
        if self._session is None or self._session.closed or self._loop is not loop:
            self._session = aiohttp.ClientSession(
                connector=aiohttp.TCPConnector(limit=MAX_CONNECTIONS, keepalive_timeout=KEEPALIVE_SECONDS),
                timeout=aiohttp.ClientTimeout(total=self.timeout),
                cookie_jar=aiohttp.DummyCookieJar(), headers=self._headers)
            self._loop = loop
            self._turns = asyncio.Semaphore(self.in_flight)
            self._went_down = asyncio.Event()
        return self._session

    async def _turn(self) -> None:
        """Waits for a free place in Rasa; gives up at once if Rasa is found down meanwhile.

        Waiting for a turn is not an outage (the user is queued behind
        others); waiting behind calls to a Rasa that hangs is, and must end
        in the apology within seconds, not after every earlier call timed out.
        """
        turns, went_down = self._turns, self._went_down
        assert turns is not None and went_down is not None
        if not turns.locked():
            await turns.acquire()
            return
        if not self.health.up:
            raise RasaUnavailable("Rasa is down and every place is taken")
        acquire = asyncio.ensure_future(turns.acquire())
        down = asyncio.ensure_future(went_down.wait())
        await asyncio.wait({acquire, down}, timeout=TURN_WAIT_LIMIT, return_when=asyncio.FIRST_COMPLETED)
        down.cancel()
        if acquire.done() and not acquire.cancelled():
            return
        acquire.cancel()
        try:
            await acquire
        except asyncio.CancelledError:
            raise RasaUnavailable("Rasa went down while this message waited its turn") from None
        turns.release()  # acquired just as it was cancelled: give the place back
        raise RasaUnavailable("Rasa went down while this message waited its turn")

    def _down(self, reason: str) -> None:
        self.health.failed(reason)
        if self._went_down is not None:
            self._went_down.set()

    def _up(self, asked_at: float) -> None:
        self.health.ok(asked_at)
        if self.health.up and self._went_down is not None:
            self._went_down.clear()

    async def send(self, sender: str, message: str, metadata: TurnMetadata) -> list[dict[str, Any]]:
        if metadata.get("language"):
            message = with_payload_entity(message, REPLY_LANGUAGE_ENTITY, metadata["language"])
        payload = {"sender": sender, "message": message, "metadata": metadata}
        body = json.dumps(payload, ensure_ascii=False, separators=(",", ":")).encode()
        session = self._client()
        await self._turn()
        asked_at = time.monotonic()
        try:
            async with session.post(self._webhook, data=body, headers=JSON) as resp:
                resp.raise_for_status()
                data = json.loads(await resp.read())
        except (aiohttp.ClientError, TimeoutError, ValueError) as exc:
            reason = f"{type(exc).__name__}: {exc}"
            self._down(reason)
            raise RasaUnavailable(reason) from exc
        finally:
            assert self._turns is not None
            self._turns.release()
        if not isinstance(data, list):
            self._down("unexpected response shape")
            raise RasaUnavailable("unexpected response shape")
        self._up(asked_at)
        if not data:
            # Every rule ends in a reply, so silence means a custom action
            # failed (the action server is down or raised).
            self.actions_health.failed("Rasa sent no reply")
            raise RasaUnavailable("no reply: the action server did not answer")
        self.actions_health.ok(asked_at)
        return data

    async def latest_message(self, sender: str) -> dict[str, Any]:
        """The last parsed user message of a conversation (needs --enable-api)."""
        try:
            async with self._client().get(f"{self.base_url}/conversations/{sender}/tracker",
                                          params={"include_events": "NONE"}) as resp:
                resp.raise_for_status()
                return json.loads(await resp.read()).get("latest_message") or {}
        except (aiohttp.ClientError, TimeoutError, ValueError) as exc:
            raise RasaUnavailable(str(exc)) from exc

    async def forget(self, sender: str) -> bool:
        """Asks Rasa to drop a conversation: its events replaced by none.

        Rasa's masked tracker store (rasa_side/tracker_store.py) deletes a conversation saved empty, and Rasa
        forgets the copy it keeps in memory. False if Rasa could not be asked.
        """
        try:
            async with self._client().put(f"{self.base_url}/conversations/{sender}/tracker/events",
                                          data=b"[]", headers=JSON) as resp:
                return resp.status == 200
        except (aiohttp.ClientError, TimeoutError):
            return False

    async def healthy(self) -> bool:
        try:
            async with self._client().get(f"{self.base_url}/status") as resp:
                return resp.status == 200 and bool(json.loads(await resp.read()).get("model_file"))
        except (aiohttp.ClientError, TimeoutError, ValueError):
            return False

    async def close(self) -> None:
        if self._session is not None and not self._session.closed and self._loop is asyncio.get_running_loop():
            await self._session.close()
        self._session = None
