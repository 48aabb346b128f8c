"""A stand-in for the Telegram Bot API, served on loopback for end-to-end tests.

It implements the methods the bot uses with Telegram's real response shapes,
so the real python-telegram-bot Application runs unchanged against it (set
TELEGRAM_API_URL to its address). Tests play the users: they queue updates
and read what the bot sent. Runs in its own thread and event loop so that
tests can drive it synchronously while the bot runs in another process.
"""

from __future__ import annotations

import asyncio
import itertools
import json
import threading
import time
from dataclasses import dataclass, field
from typing import Any

from aiohttp import web

# The calls that put a message in a chat: what 429 and 5xx faults hit by default.
SENDS = frozenset({"sendMessage", "sendVoice", "sendAudio", "sendPhoto", "sendDocument"})

BOT_USER = {"id": 7000000001, "is_bot": True, "first_name": "Khotoch", "username": "khotoch_test_bot",
            "can_join_groups": True, "can_read_all_group_messages": True, "supports_inline_queries": False}


@dataclass
class Sent:
    method: str
    params: dict[str, Any]
    message: dict[str, Any] | None = None
    files: dict[str, bytes] = field(default_factory=dict)
    # Per uploaded part: the file name and content type it arrived with.
    uploads: dict[str, tuple[str, str]] = field(default_factory=dict)
    at: float = field(default_factory=time.monotonic)  # when the call arrived (rate checks)

    @property
    def chat_id(self) -> int | None:
        value = self.params.get("chat_id")
        return int(value) if value is not None else None

    @property
    def text(self) -> str:
        return str(self.params.get("text") or self.params.get("caption") or "")

    @property
    def buttons(self) -> list[dict[str, str]]:
        markup = self.params.get("reply_markup") or {}
        return [b for row in markup.get("inline_keyboard", []) for b in row]


class BotApiStandIn:
    def __init__(self, token: str = "123456:TEST-token-for-the-stand-in-only") -> None:
        self.token = token
        self.sent: list[Sent] = []
        self.failing: set[str] = set()  # methods that answer with an error
        # Injected faults (see "faults" below): each a [calls left, methods, answer].
        self._faults: list[list[Any]] = []
        # (method, status, time.monotonic()) of every call a fault answered.
        self.faulted: list[tuple[str, int, float]] = []
        self._site: web.TCPSite | None = None
        self._down_until = 0.0
        # Files users sent (voice notes, audio), served by getFile and /file/.
        self.files: dict[str, bytes] = {}
        self._updates: list[dict[str, Any]] = []
        self._update_ids = itertools.count(1)
        self._message_ids = itertools.count(1000)
        self._lock = threading.Lock()
        self._new = threading.Condition(self._lock)
        self._loop: asyncio.AbstractEventLoop | None = None
        self._arrived: asyncio.Event | None = None  # wakes a waiting getUpdates
        self._runner: web.AppRunner | None = None
        self.port = 0
        # Chats whose user blocked the bot: every send to them gets 403 (`block`).
        self.blocked: set[int] = set()
        # After this many more messages are recorded, answers are held back (`hold_after`).
        self._hold_after: int | None = None
        self._held: asyncio.Event | None = None

    # --- lifecycle ---------------------------------------------------------
    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def start(self) -> BotApiStandIn:
        ready = threading.Event()

        def serve() -> None:
            self._loop = asyncio.new_event_loop()
            asyncio.set_event_loop(self._loop)
            self._arrived = asyncio.Event()
            app = web.Application(client_max_size=50 * 1024 * 1024)
            app.router.add_route("*", "/bot{token}/{method}", self._handle)
            app.router.add_get("/file/bot{token}/{path:.+}", self._file)
            self._runner = web.AppRunner(app)
            self._loop.run_until_complete(self._runner.setup())
            site = web.TCPSite(self._runner, "127.0.0.1", 0)
            self._loop.run_until_complete(site.start())
            self._site = site
            self.port = site._server.sockets[0].getsockname()[1]  # noqa: SLF001
            ready.set()
            self._loop.run_forever()

        threading.Thread(target=serve, name="bot-api-standin", daemon=True).start()
        ready.wait(10)
        return self

    def stop(self) -> None:
        if self._loop and self._runner:
            if self._held is not None:  # answers held back (`hold_after`) end now
                self._loop.call_soon_threadsafe(self._held.set)
            asyncio.run_coroutine_threadsafe(self._runner.cleanup(), self._loop).result(5)
            self._loop.call_soon_threadsafe(self._loop.stop)

    # --- what tests do -------------------------------------------------------
    @staticmethod
    def user(user_id: int, first_name: str = "Dorj") -> dict[str, Any]:
        return {"id": user_id, "is_bot": False, "first_name": first_name, "language_code": "mn"}

    @staticmethod
    def chat(chat_id: int, kind: str = "private") -> dict[str, Any]:
        if kind == "private":
            return {"id": chat_id, "type": "private", "first_name": "Dorj"}
        return {"id": chat_id, "type": kind, "title": "Volunteers"}

    def _message(self, chat_id: int, user_id: int, chat_type: str, **fields: Any) -> dict[str, Any]:
        msg = {"message_id": next(self._message_ids), "date": int(time.time()),
               "chat": self.chat(chat_id, chat_type), "from": self.user(user_id)}
        msg.update(fields)
        return msg

    def _queue(self, update: dict[str, Any]) -> int:
        with self._new:
            update["update_id"] = next(self._update_ids)
            self._updates.append(update)
            self._new.notify_all()
        if self._loop is not None and self._arrived is not None:
            self._loop.call_soon_threadsafe(self._arrived.set)
        return update["update_id"]

    def send_text(self, user_id: int, text: str, chat_id: int | None = None, chat_type: str = "private",
                  forwarded: bool = False, reply_to: dict[str, Any] | None = None) -> dict[str, Any]:
        fields: dict[str, Any] = {"text": text}
        if text.startswith("/"):
            fields["entities"] = [{"type": "bot_command", "offset": 0, "length": len(text.split()[0])}]
        if forwarded:
            fields["forward_origin"] = {"type": "hidden_user", "sender_user_name": "Unknown",
                                        "date": int(time.time()) - 60}
        if reply_to is not None:
            fields["reply_to_message"] = reply_to
        msg = self._message(chat_id or user_id, user_id, chat_type, **fields)
        self._queue({"message": msg})
        return msg

    def send_media(self, user_id: int, kind: str) -> None:
        media = {
            "sticker": {"sticker": {"file_id": "stk1", "file_unique_id": "u1", "type": "regular",
                                    "width": 512, "height": 512, "is_animated": False, "is_video": False}},
            "photo": {"photo": [{"file_id": "ph1", "file_unique_id": "u2", "width": 90, "height": 90}]},
            "voice": {"voice": {"file_id": "vc1", "file_unique_id": "u3", "duration": 2}},
            "location": {"location": {"latitude": 47.9, "longitude": 106.9}},
        }[kind]
        self._queue({"message": self._message(user_id, user_id, "private", **media)})

    def send_recording(self, user_id: int, data: bytes, seconds: int, kind: str = "voice",
                       chat_id: int | None = None, chat_type: str = "private",
                       reply_to: dict[str, Any] | None = None) -> dict[str, Any]:
        """A user sends a voice note (or an audio file) whose bytes the bot can download."""
        file_id = f"upload{len(self.files) + 1}"
        self.files[file_id] = data
        media = {"file_id": file_id, "file_unique_id": f"u-{file_id}", "duration": seconds,
                 "file_size": len(data)}
        if kind == "voice":
            media["mime_type"] = "audio/ogg"
        else:
            media.update(mime_type="audio/mpeg", title="question")
        fields: dict[str, Any] = {kind: media}
        if reply_to is not None:
            fields["reply_to_message"] = reply_to
        msg = self._message(chat_id or user_id, user_id, chat_type, **fields)
        self._queue({"message": msg})
        return msg

    def edit_text(self, user_id: int, message: dict[str, Any], text: str) -> None:
        edited = dict(message, text=text, edit_date=int(time.time()))
        self._queue({"edited_message": edited})

    def press(self, user_id: int, bot_message: Sent, data: str, chat_type: str = "private") -> None:
        """A user presses an inline button (data may be forged on purpose)."""
        self._queue({"callback_query": {"id": str(next(self._update_ids) * 7), "from": self.user(user_id),
                                        "chat_instance": "ci", "data": data,
                                        "message": bot_message.message}})

    def messages_to(self, chat_id: int, method: str | None = None) -> list[Sent]:
        with self._lock:
            return [s for s in self.sent if s.chat_id == chat_id and (method is None or s.method == method)]

    def wait_for(self, chat_id: int, count: int = 1, timeout: float = 20.0, method: str = "sendMessage",
                 after: int = 0, contains: str | None = None) -> list[Sent]:
        """Waits until the bot sent `count` (matching) messages to a chat after index `after`."""
        deadline = time.monotonic() + timeout
        with self._new:
            while True:
                found = [s for s in self.sent[after:] if s.chat_id == chat_id and s.method == method
                         and (contains is None or contains in s.text)]
                if len(found) >= count:
                    return found
                left = deadline - time.monotonic()
                if left <= 0:
                    got = [(s.method, s.text[:80]) for s in self.sent[after:] if s.chat_id == chat_id]
                    raise AssertionError(f"bot sent {len(found)} of {count} {method} to {chat_id}: {got}")
                self._new.wait(left)

    def mark(self) -> int:
        with self._lock:
            return len(self.sent)

    # --- faults ------------------------------------------------------------------
    def refuse_for(self, seconds: float) -> None:
        """The Bot API is unreachable: connections are refused for `seconds`, then served again.

        The listening socket is closed (a new connection is refused, as when
        Telegram cannot be reached) and kept-alive connections are dropped.
        """
        assert self._loop is not None

        async def down() -> None:
            self._down_until = time.monotonic() + seconds
            if self._site is not None:
                await self._site.stop()
            await asyncio.sleep(seconds)
            self._site = web.TCPSite(self._runner, "127.0.0.1", self.port, reuse_address=True)
            await self._site.start()
            self._down_until = 0.0

        asyncio.run_coroutine_threadsafe(down(), self._loop)
        deadline = time.monotonic() + 5
        while not self._down_until and time.monotonic() < deadline:
            time.sleep(0.01)

    @property
    def reachable(self) -> bool:
        return not self._down_until

    def answer_429(self, count: int, retry_after: int, methods: frozenset[str] = SENDS) -> None:
        """The next `count` calls of `methods` get Telegram's flood-control answer."""
        body = {"ok": False, "error_code": 429, "description": f"Too Many Requests: retry after {retry_after}",
                "parameters": {"retry_after": retry_after}}
        with self._lock:
            self._faults.append([count, methods, 429, body])

    def answer_5xx(self, count: int, status: int = 502, methods: frozenset[str] = SENDS) -> None:
        """The next `count` calls of `methods` fail as a Bot API in trouble does (Bad Gateway)."""
        body = {"ok": False, "error_code": status, "description": "Bad Gateway"}
        with self._lock:
            self._faults.append([count, methods, status, body])

    def block(self, chat_ids: set[int] | list[int]) -> None:
        """These users blocked the bot: sends to them get Telegram's 403."""
        with self._lock:
            self.blocked |= {int(c) for c in chat_ids}

    def hold_after(self, count: int) -> None:
        """After `count` more messages, Telegram takes each message but never answers.

        The hardest moment for a crash: the message reached the chat and the
        bot does not know. A test kills the bot then and checks that the
        resumed run sends nobody a second copy.
        """
        with self._lock:
            self._hold_after = count

    def _fault(self, method: str) -> web.Response | None:
        with self._lock:
            for fault in self._faults:
                if fault[0] > 0 and method in fault[1]:
                    fault[0] -= 1
                    self.faulted.append((method, fault[2], time.monotonic()))
                    return web.json_response(fault[3], status=fault[2])
        return None

    # --- the Bot API -----------------------------------------------------------
    async def _params(self, request: web.Request
                      ) -> tuple[dict[str, Any], dict[str, bytes], dict[str, tuple[str, str]]]:
        params: dict[str, Any] = dict(request.query)
        files: dict[str, bytes] = {}
        uploads: dict[str, tuple[str, str]] = {}
        if request.content_type == "application/json":
            params.update(await request.json())
        elif request.content_type.startswith("multipart/"):
            reader = await request.multipart()
            async for part in reader:
                if part.filename:
                    files[part.name] = await part.read()
                    uploads[part.name] = (part.filename, part.headers.get("Content-Type", ""))
                else:
                    params[part.name] = await part.text()
        elif request.can_read_body:
            params.update(dict(await request.post()))
        for key, value in list(params.items()):
            if isinstance(value, str) and value[:1] in "{[":
                try:
                    params[key] = json.loads(value)
                except ValueError:
                    pass
        return params, files, uploads

    @staticmethod
    def ok(result: Any) -> web.Response:
        return web.json_response({"ok": True, "result": result})

    async def _handle(self, request: web.Request) -> web.Response:
        if request.match_info["token"] != self.token:
            return web.json_response({"ok": False, "error_code": 401, "description": "Unauthorized"},
                                     status=401)
        method = request.match_info["method"]
        if self._down_until:
            # A kept-alive connection that outlived the listening socket: drop it too.
            request.transport.close()
            raise web.HTTPServiceUnavailable
        params, files, uploads = await self._params(request)
        fault = self._fault(method)
        if fault is not None:
            return fault
        if method in self.failing:
            return web.json_response({"ok": False, "error_code": 500,
                                      "description": "Internal Server Error: stand-in failure"}, status=500)
        if method == "getUpdates":
            return self.ok(await self._get_updates(params))
        if method == "getFile":
            file_id = str(params.get("file_id"))
            if file_id not in self.files:
                return web.json_response({"ok": False, "error_code": 400,
                                          "description": "Bad Request: invalid file_id"}, status=400)
            return self.ok({"file_id": file_id, "file_unique_id": f"u-{file_id}",
                            "file_size": len(self.files[file_id]), "file_path": f"voice/{file_id}.oga"})
        handler = {
            "getMe": lambda: BOT_USER,
            "deleteWebhook": lambda: True,
            "setWebhook": lambda: True,
            "setMyCommands": lambda: True,
            "getMyCommands": lambda: [],
            "sendChatAction": lambda: True,
            "answerCallbackQuery": lambda: True,
            "deleteMessage": lambda: True,
            "close": lambda: True,
            "logOut": lambda: True,
        }.get(method)
        if handler is not None:
            with self._new:
                self.sent.append(Sent(method, params))
                self._new.notify_all()
            return self.ok(handler())
        if method in SENDS and params.get("chat_id") is not None and int(params["chat_id"]) in self.blocked:
            return web.json_response({"ok": False, "error_code": 403,
                                      "description": "Forbidden: bot was blocked by the user"}, status=403)
        if method in ("sendMessage", "sendVoice", "sendAudio", "sendPhoto", "editMessageText",
                      "editMessageReplyMarkup", "sendDocument"):
            result = self._record_message(method, params, files, uploads)
            if self._hold_after is not None:
                with self._lock:
                    self._hold_after -= 1
                    hold = self._hold_after < 0
                if hold:
                    if self._held is None:
                        self._held = asyncio.Event()
                    await self._held.wait()  # never set: the bot is killed meanwhile
            return self.ok(result)
        return web.json_response({"ok": False, "error_code": 404, "description": "Not Found: method not found"},
                                 status=404)

    async def _file(self, request: web.Request) -> web.Response:
        if request.match_info["token"] != self.token:
            return web.Response(status=401)
        file_id = request.match_info["path"].rsplit("/", 1)[-1].rsplit(".", 1)[0]
        if file_id not in self.files:
            return web.Response(status=404)
        return web.Response(body=self.files[file_id], content_type="application/octet-stream")

    def _record_message(self, method: str, params: dict[str, Any], files: dict[str, bytes],
                        uploads: dict[str, tuple[str, str]]) -> dict[str, Any]:
        chat_id = int(params["chat_id"])
        message_id = int(params.get("message_id") or next(self._message_ids))
        msg: dict[str, Any] = {"message_id": message_id, "date": int(time.time()),
                               "chat": self.chat(chat_id, "private" if chat_id > 0 else "supergroup"),
                               "from": BOT_USER}
        if method in ("sendMessage", "editMessageText"):
            msg["text"] = params.get("text", "")
        if method == "sendVoice":
            data = files.get("voice", b"") or self.files.get(str(params.get("voice")), b"")
            msg["voice"] = {"file_id": f"voice{message_id}", "file_unique_id": f"v{message_id}",
                            "duration": int(params.get("duration") or 1), "mime_type": "audio/ogg",
                            "file_size": len(data)}
        if method == "sendAudio":
            data = files.get("audio", b"") or self.files.get(str(params.get("audio")), b"")
            msg["audio"] = {"file_id": f"audio{message_id}", "file_unique_id": f"a{message_id}",
                            "duration": int(params.get("duration") or 1), "file_size": len(data)}
        if method == "sendPhoto":
            msg["photo"] = [{"file_id": f"photo{message_id}", "file_unique_id": f"p{message_id}",
                             "width": 800, "height": 600, "file_size": len(files.get("photo", b""))}]
            if params.get("caption"):
                msg["caption"] = params["caption"]
        if method == "sendDocument":
            msg["document"] = {"file_id": f"doc{message_id}", "file_unique_id": f"d{message_id}"}
        if params.get("reply_markup"):
            msg["reply_markup"] = params["reply_markup"]
        with self._new:
            self.sent.append(Sent(method, params, msg, files, uploads))
            self._new.notify_all()
        return msg

    async def _get_updates(self, params: dict[str, Any]) -> list[dict[str, Any]]:
        offset = int(params.get("offset") or 0)
        timeout = float(params.get("timeout") or 0)
        deadline = time.monotonic() + min(timeout, 2.0)
        while True:
            with self._lock:
                self._updates = [u for u in self._updates if u["update_id"] >= offset]
                ready = list(self._updates[: int(params.get("limit") or 100)])
            left = deadline - time.monotonic()
            if ready or left <= 0:
                return ready
            # Like Telegram's long polling, answer as soon as an update
            # arrives (sleeping in steps added up to 20 ms to every message).
            self._arrived.clear()
            try:
                await asyncio.wait_for(self._arrived.wait(), left)
            except TimeoutError:
                pass
