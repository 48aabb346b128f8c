"""Client for Rasa's REST channel and HTTP API.

Every call has a short timeout: when Rasa or the action server is slow or
down, the bot must apologise within seconds and keep the question, not hang.
"""

from __future__ import annotations

import json
from typing import Any

import httpx

# The entity that carries the bot's choice of language into Rasa's `language`
# slot (domain.yml). Rasa copies it from metadata for typed messages
# (config.yml, nlu_components/metadata_entities.py); button payloads bypass
# that, so the payload gets it here.
REPLY_LANGUAGE_ENTITY = "reply_language"


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
    def __init__(self, base_url: str, timeout: float) -> None:
        self.base_url = base_url.rstrip("/")
        self.timeout = timeout
        self._client = httpx.AsyncClient(timeout=httpx.Timeout(timeout),
                                         limits=httpx.Limits(max_connections=64))

    async def send(self, sender: str, message: str, metadata: dict[str, Any]) -> list[dict[str, Any]]:
        if metadata.get("language"):
            message = with_payload_entity(message, REPLY_LANGUAGE_ENTITY, metadata["language"])
        payload = {"sender": sender, "message": message, "metadata": metadata}
        try:
            resp = await self._client.post(f"{self.base_url}/webhooks/rest/webhook", json=payload)
            resp.raise_for_status()
            data = resp.json()
        except (httpx.HTTPError, ValueError) as exc:
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
            resp = await self._client.get(f"{self.base_url}/conversations/{sender}/tracker",
                                          params={"include_events": "NONE"})
            resp.raise_for_status()
            return resp.json().get("latest_message") or {}
        except (httpx.HTTPError, ValueError) as exc:
            raise RasaUnavailable(str(exc)) from exc

    async def healthy(self) -> bool:
        try:
            resp = await self._client.get(f"{self.base_url}/status")
            return resp.status_code == 200 and bool(resp.json().get("model_file"))
        except (httpx.HTTPError, ValueError):
            return False

    async def close(self) -> None:
        await self._client.aclose()

