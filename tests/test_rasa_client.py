"""The bot's client of Rasa's REST channel (bot/rasa_client.py).

A citizen must get an answer when Rasa answers, and an apology (with the
question kept) within RASA_TIMEOUT when it does not: every failure has to
come out as RasaUnavailable, which bot/assistant.py turns into that apology.
"""

from __future__ import annotations

import asyncio
import json
import time
from collections.abc import Awaitable, Callable
from typing import Any

import pytest
from aiohttp import web

from bot.rasa_client import RasaClient, RasaUnavailable
from tests.conftest import free_port

Handler = Callable[[web.Request], Awaitable[web.StreamResponse]]


async def serving(routes: dict[str, Handler]) -> tuple[web.AppRunner, str]:
    app = web.Application()
    for path, handler in routes.items():
        app.router.add_route("*", path, handler)
    runner = web.AppRunner(app, shutdown_timeout=0.1)
    await runner.setup()
    site = web.TCPSite(runner, "127.0.0.1", 0)
    await site.start()
    return runner, f"http://127.0.0.1:{site._server.sockets[0].getsockname()[1]}"  # noqa: SLF001


def with_rasa(routes: dict[str, Handler], use: Callable[[RasaClient], Awaitable[Any]],
              timeout: float = 2.5) -> Any:
    async def run() -> Any:
        runner, url = await serving(routes)
        client = RasaClient(url, timeout)
        try:
            return await use(client)
        finally:
            await client.close()
            await runner.cleanup()
    return asyncio.run(run())


def test_a_question_and_its_metadata_reach_rasa_and_the_answer_comes_back() -> None:
    received: list[dict[str, Any]] = []

    async def webhook(request: web.Request) -> web.Response:
        received.append(json.loads(await request.read()))
        return web.json_response([{"recipient_id": "7", "text": "Хариулт"}])

    async def use(client: RasaClient) -> list[list[dict[str, Any]]]:
        first = await client.send("7", "картаа хаах", {"language": "mn", "voice": False, "forwarded": False})
        # A second call goes over the same kept-alive session.
        second = await client.send("7", "/ask_banking", {"language": "en", "voice": True, "forwarded": False})
        return [first, second]

    answers = with_rasa({"/webhooks/rest/webhook": webhook}, use)
    assert answers[0] == [{"recipient_id": "7", "text": "Хариулт"}]
    assert received[0] == {"sender": "7", "message": "картаа хаах",
                           "metadata": {"language": "mn", "voice": False, "forwarded": False}}
    # A button payload carries the chosen language into Rasa's slot.
    assert received[1]["message"] == '/ask_banking{"reply_language":"en"}'


def test_a_hung_rasa_gives_up_within_the_timeout() -> None:
    async def hang(request: web.Request) -> web.Response:
        await asyncio.sleep(10)
        return web.json_response([])

    async def use(client: RasaClient) -> float:
        started = time.monotonic()
        with pytest.raises(RasaUnavailable):
            await client.send("7", "hello", {"language": "en"})
        return time.monotonic() - started

    took = with_rasa({"/webhooks/rest/webhook": hang}, use, timeout=0.5)
    assert 0.4 < took < 1.5


def test_a_stopped_rasa_is_unavailable_at_once() -> None:
    async def run() -> float:
        client = RasaClient(f"http://127.0.0.1:{free_port()}", 2.5)
        try:
            started = time.monotonic()
            with pytest.raises(RasaUnavailable):
                await client.send("7", "hello", {"language": "en"})
            assert not await client.healthy()
            return time.monotonic() - started
        finally:
            await client.close()

    assert asyncio.run(run()) < 1.0


@pytest.mark.parametrize("status, body", [
    (500, b'{"error": "boom"}'),  # Rasa failed
    (200, b"[]"),  # an action failed: no reply at all
    (200, b'{"not": "a list"}'),
    (200, b"<html>proxy error</html>"),
])
def test_errors_and_empty_or_odd_answers_are_unavailable(status: int, body: bytes) -> None:
    async def webhook(request: web.Request) -> web.Response:
        return web.Response(status=status, body=body, content_type="application/json")

    async def use(client: RasaClient) -> None:
        with pytest.raises(RasaUnavailable):
            await client.send("7", "hello", {"language": "en"})

    with_rasa({"/webhooks/rest/webhook": webhook}, use)


def test_health_needs_a_loaded_model() -> None:
    model = {"file": "models/khotoch.tar.gz"}

    async def status(request: web.Request) -> web.Response:
        return web.json_response({"model_file": model["file"]})

    async def use(client: RasaClient) -> list[bool]:
        ready = await client.healthy()
        model["file"] = ""
        return [ready, await client.healthy()]

    assert with_rasa({"/status": status}, use) == [True, False]


def test_the_client_works_again_after_close() -> None:
    async def webhook(request: web.Request) -> web.Response:
        return web.json_response([{"text": "ok"}])

    async def use(client: RasaClient) -> list[dict[str, Any]]:
        await client.send("7", "hello", {})
        await client.close()
        return await client.send("7", "hello", {})

    assert with_rasa({"/webhooks/rest/webhook": webhook}, use) == [{"text": "ok"}]
