"""Client for Rasa's REST channel and HTTP API.

Every call has a short timeout: when Rasa or the action server is slow or
down, the bot must apologise within seconds and keep the question, not hang.
"""

from __future__ import annotations

import asyncio
import json
from typing import Any

import aiohttp

# Rasa's server is Sanic, as the action server is: the same keep-alive limit.
from bot.local_secrets import auth_headers
from bot.rasa_server import KEEPALIVE_SECONDS

# The entity that carries the bot's choice of language into Rasa's `language`
# slot (domain.yml). Rasa copies it from metadata for typed messages
# (config.yml, nlu_components/metadata_entities.py); button payloads bypass
# that, so the payload gets it here.
REPLY_LANGUAGE_ENTITY = "reply_language"
# Concurrent calls to Rasa before new ones wait for a free connection.
MAX_CONNECTIONS = 64
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
    under load (see bot/telegram_request.py). `timeout` bounds the whole
    call, so the user hears the apology after at most that long, whether
    Rasa refuses, hangs or every connection is busy. Proxy variables are
    not read: Rasa is a local service. Every request carries Rasa's token
    in a header (bot/rasa_server.py checks it), never in the URL, which
    error messages and logs repeat.
    """

    def __init__(self, base_url: str, timeout: float, token: str | None = None) -> None:
        self.base_url = base_url.rstrip("/")
        self.timeout = timeout
        self._headers = auth_headers(token)
        self._webhook = f"{self.base_url}/webhooks/rest/webhook"
        self._session: aiohttp.ClientSession | None = None
        self._loop: asyncio.AbstractEventLoop | None = None

    def _client(self) -> aiohttp.ClientSession:
        """The session; built here because aiohttp binds it to the loop it is made on."""
        loop = asyncio.get_running_loop()
        if self._session is None or self._session.closed or self._loop is not loop:
            self._session = aiohttp.ClientSession(
                connector=aiohttp.TCPConnector(limit=MAX_CONNECTIONS, keepalive_timeout=KEEPALIVE_SECONDS),
                timeout=aiohttp.ClientTimeout(total=self.timeout),
                cookie_jar=aiohttp.DummyCookieJar(), headers=self._headers)
            self._loop = loop
        return self._session

    async def send(self, sender: str, message: str, metadata: dict[str, Any]) -> list[dict[str, Any]]:
        if metadata.get("language"):
            message = with_payload_entity(message, REPLY_LANGUAGE_ENTITY, metadata["language"])
        payload = {"sender": sender, "message": message, "metadata": metadata}
        body = json.dumps(payload, ensure_ascii=False, separators=(",", ":")).encode()
        try:
            async with self._client().post(self._webhook, data=body, headers=JSON) as resp:
                resp.raise_for_status()
                data = json.loads(await resp.read())
        except (aiohttp.ClientError, TimeoutError, ValueError) as exc:
            raise RasaUnavailable(f"{type(exc).__name__}: {exc}") from exc
        if not isinstance(data, list):
            raise RasaUnavailable("unexpected response shape")
        if not data:
            # Every rule ends in a reply, so silence means a custom action
            # failed (the action server is down or raised).
            raise RasaUnavailable("no reply: the action server did not answer")
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

        tracker_privacy's store deletes a conversation saved empty, and Rasa
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
