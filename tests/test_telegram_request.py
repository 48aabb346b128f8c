"""The bot's Bot API transport on aiohttp (bot/telegram_request.py).

The real python-telegram-bot Bot runs on it against the Bot API stand-in:
what a user would miss if it broke is a reply, a button, a voice message,
or an update that never arrives. Timeouts and refused connections must
surface as PTB's own errors, which the handlers already deal with.
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import Awaitable, Callable

import pytest
from aiohttp import web
from telegram import Bot, InlineKeyboardButton, InlineKeyboardMarkup
from telegram.error import NetworkError, TimedOut

from bot.telegram_request import AiohttpRequest
from tests.conftest import free_port
from tests.telegram_standin import BOT_USER, BotApiStandIn


def bot_on(api: BotApiStandIn) -> Bot:
    """A Bot as bot/telegram_app.py builds it, pointed at the stand-in as TELEGRAM_API_URL does."""
    return Bot(api.token, base_url=f"{api.url}/bot", base_file_url=f"{api.url}/file/bot",
               request=AiohttpRequest(connection_pool_size=256),
               get_updates_request=AiohttpRequest(connection_pool_size=1))


def test_messages_with_buttons_reach_the_bot_api(standin: BotApiStandIn) -> None:
    text = "Картаа хаасан уу? Did you block the card?"

    async def run() -> tuple[str, str]:
        async with bot_on(standin) as bot:
            keys = InlineKeyboardMarkup([[InlineKeyboardButton("Тийм", callback_data="/affirm"),
                                          InlineKeyboardButton("No", callback_data="/deny")]])
            sent = await bot.send_message(chat_id=4242, text=text, reply_markup=keys)
            return bot.username, sent.text

    username, echoed = asyncio.run(run())
    assert username == BOT_USER["username"]  # getMe went through on initialize
    assert echoed == text
    [call] = standin.messages_to(4242, "sendMessage")
    assert call.text == text
    assert [b["text"] for b in call.buttons] == ["Тийм", "No"]
    assert [b["callback_data"] for b in call.buttons] == ["/affirm", "/deny"]


def test_get_updates_long_poll_returns_a_waiting_message(standin: BotApiStandIn) -> None:
    async def run() -> list[str]:
        async with bot_on(standin) as bot:
            standin.send_text(515, "dansaa yaj hamgaalah ve")
            updates = await bot.get_updates(timeout=1)
            return [u.message.text for u in updates]

    assert asyncio.run(run()) == ["dansaa yaj hamgaalah ve"]


def test_voice_upload_arrives_with_its_name_type_and_bytes(standin: BotApiStandIn, tmp_path) -> None:
    clip = tmp_path / "хариулт 1.ogg"
    data = b"OggS" + bytes(range(256)) * 40
    clip.write_bytes(data)

    async def run() -> int:
        async with bot_on(standin) as bot:
            with clip.open("rb") as fh:
                message = await bot.send_voice(chat_id=4343, voice=fh, duration=3)
            return message.voice.file_size

    assert asyncio.run(run()) == len(data)
    [call] = standin.messages_to(4343, "sendVoice")
    assert call.files["voice"] == data
    assert call.uploads["voice"] == ("хариулт 1.ogg", "audio/ogg")
    assert int(call.params["duration"]) == 3  # plain fields travel in the same multipart body


async def serving(handler: Callable[[web.Request], Awaitable[web.StreamResponse]]) -> tuple[web.AppRunner, str]:
    app = web.Application()
    app.router.add_route("*", "/{tail:.*}", handler)
    runner = web.AppRunner(app, shutdown_timeout=0.1)
    await runner.setup()
    site = web.TCPSite(runner, "127.0.0.1", 0)
    await site.start()
    return runner, f"http://127.0.0.1:{site._server.sockets[0].getsockname()[1]}"  # noqa: SLF001


def test_a_server_that_does_not_answer_raises_timed_out_on_time() -> None:
    async def hang(request: web.Request) -> web.Response:
        await asyncio.sleep(10)
        return web.json_response({"ok": True, "result": True})

    async def run() -> tuple[float, float]:
        runner, url = await serving(hang)
        request = AiohttpRequest(read_timeout=0.3)
        await request.initialize()
        try:
            started = time.monotonic()
            with pytest.raises(TimedOut):
                await request.post(f"{url}/botTOKEN/getMe")
            default = time.monotonic() - started
            # A per-call read timeout (as PTB passes for getUpdates) wins over the default.
            request_long = AiohttpRequest(read_timeout=30)
            await request_long.initialize()
            started = time.monotonic()
            with pytest.raises(TimedOut):
                await request_long.post(f"{url}/botTOKEN/getMe", read_timeout=0.3)
            per_call = time.monotonic() - started
            await request_long.shutdown()
            return default, per_call
        finally:
            await request.shutdown()
            await runner.cleanup()

    default, per_call = asyncio.run(run())
    assert default < 2.0
    assert per_call < 2.0


def test_a_refused_connection_is_a_network_error_not_a_timeout() -> None:
    async def run() -> NetworkError:
        async with AiohttpRequest() as request:
            with pytest.raises(NetworkError) as caught:
                await request.post(f"http://127.0.0.1:{free_port()}/botTOKEN/getMe")
            return caught.value

    error = asyncio.run(run())
    assert not isinstance(error, TimedOut)
    assert "aiohttp." in error.message


def test_lifecycle_is_that_of_ptbs_own_request(standin: BotApiStandIn) -> None:
    get_me = f"{standin.url}/bot{standin.token}/getMe"

    async def run() -> list[str]:
        names = []
        request = AiohttpRequest()
        names.append((await request.post(get_me))["username"])  # usable before initialize, as HTTPXRequest
        await request.shutdown()
        with pytest.raises(NetworkError, match="shut down"):
            await request.post(get_me)
        await request.initialize()  # PTB does this when an Application is started again
        try:
            names.append((await request.post(get_me))["username"])
        finally:
            await request.shutdown()
        return names

    assert asyncio.run(run()) == [BOT_USER["username"]] * 2


def test_a_proxy_from_the_environment_is_used_as_httpx_used_it(standin: BotApiStandIn, monkeypatch) -> None:
    # The stand-in plays the proxy: a name that resolves nowhere reaches it only through the proxy.
    monkeypatch.setenv("HTTP_PROXY", standin.url)
    monkeypatch.delenv("NO_PROXY", raising=False)
    monkeypatch.delenv("no_proxy", raising=False)

    async def run() -> str:
        async with AiohttpRequest() as request:
            return (await request.post(f"http://api.telegram.invalid/bot{standin.token}/getMe"))["username"]

    assert asyncio.run(run()) == BOT_USER["username"]


def test_a_mongolian_answer_with_buttons_goes_out_as_json_unchanged() -> None:
    """Plain calls carry their parameters as a JSON body: the text and buttons
    arrive as sent, without percent-encoding every Cyrillic letter."""
    seen: list[tuple[str, dict]] = []
    text = "Картаа хаах: 1. Банкны апп нээнэ. 2. Картаа сонгоно."

    async def record(request: web.Request) -> web.Response:
        seen.append((request.content_type, await request.json()))
        return web.json_response({"ok": True, "result": {
            "message_id": 1, "date": 0, "chat": {"id": 77, "type": "private"}, "text": text}})

    async def run() -> None:
        runner, url = await serving(record)
        try:
            async with AiohttpRequest() as request:
                bot = Bot("123:ABC", base_url=f"{url}/bot", request=request, get_updates_request=request)
                keyboard = InlineKeyboardMarkup([[InlineKeyboardButton("Тийм", callback_data="r:/affirm")]])
                await bot.send_message(chat_id=77, text=text, reply_markup=keyboard)
        finally:
            await runner.cleanup()

    asyncio.run(run())
    [(content_type, body)] = seen
    assert content_type == "application/json"
    assert body["chat_id"] == 77 and body["text"] == text
    assert body["reply_markup"]["inline_keyboard"][0][0] == {"text": "Тийм", "callback_data": "r:/affirm"}
