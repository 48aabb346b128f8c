"""python-telegram-bot's HTTP layer on aiohttp instead of httpx.

Why: under load (30 messages a second through the whole stack) py-spy put
httpx, httpcore and anyio at about 46% of the bot's CPU (14 ms a message
in all): anyio's stream wrappers around every socket write, httpcore asking
each pooled connection for its socket on every request to see whether it
expired, httpx building a request object through several layers, and the
pool's bookkeeping. aiohttp writes to the asyncio transport directly and
parses responses in C. With this and bot/rasa_client.py on aiohttp, the
bot alone, answering as fast as it could, used 3.3 to 4.7 ms of CPU a
message instead of 8 to 11 (README, Speed).

It behaves as PTB's own HTTPXRequest does with the defaults the app used:
the same pool sizes and timeouts, uploads as multipart with their file
names and types, timeouts raised as TimedOut and
transport failures as NetworkError, an http:// proxy from HTTP_PROXY or
HTTPS_PROXY unless NO_PROXY says otherwise (not ALL_PROXY or SOCKS, which
httpx also took), certificates from certifi (or SSL_CERT_FILE /
SSL_CERT_DIR), each read once.
aiohttp has no per-write timeout, so the write timeout bounds the request
as part of a total: the sum of the pool, connect, write and read limits
(a long download would hit it; the bot downloads nothing).
Calls without files send their parameters as a JSON body, which the Bot
API accepts as it does form fields: percent-encoding a Mongolian answer
tripled its size and took ~95 us of the bot's CPU, json.dumps ~12 us.
"""

from __future__ import annotations

import json
import os
import ssl
import time
from typing import TYPE_CHECKING

import aiohttp
import certifi
from aiohttp.helpers import get_env_proxy_for_url
from telegram.error import NetworkError, TimedOut
from telegram.request import BaseRequest, RequestData
from yarl import URL

from bot.health import Dependency

if TYPE_CHECKING:
    from telegram._utils.types import ODVInput

JSON = {"Content-Type": "application/json"}
KEEPALIVE_SECONDS = 5.0
DEFAULT = BaseRequest.DEFAULT_NONE  # "not given": use this request's own limit


def ssl_context() -> ssl.SSLContext:
    """The certificates httpx trusted, so HTTPS to Telegram verifies as it did."""
    if os.environ.get("SSL_CERT_FILE"):
        return ssl.create_default_context(cafile=os.environ["SSL_CERT_FILE"])
    if os.environ.get("SSL_CERT_DIR"):
        return ssl.create_default_context(capath=os.environ["SSL_CERT_DIR"])
    return ssl.create_default_context(cafile=certifi.where())


def _sum(*parts: float | None) -> float | None:
    """No limit if any part has none."""
    limits = [p for p in parts if p is not None]
    return sum(limits) if len(limits) == len(parts) else None


class AiohttpRequest(BaseRequest):
    """A BaseRequest with one aiohttp session, opened on the running loop.

    The session is made in `initialize` (or on first use), never in
    `__init__`: aiohttp binds it to the loop that is running when it is made,
    and the Application is built before its loop starts.
    """

    __slots__ = ("_connect_timeout", "_media_write_timeout", "_pool_size", "_pool_timeout", "_proxies",
                 "_read_timeout", "_session", "_timeouts", "_write_timeout", "health")

    def __init__(self, connection_pool_size: int = 256, read_timeout: float | None = 5.0,
                 write_timeout: float | None = 5.0, connect_timeout: float | None = 5.0,
                 pool_timeout: float | None = 1.0, media_write_timeout: float | None = 20.0,
                 health: Dependency | None = None) -> None:
        # Defaults are HTTPXRequest's, which Application.builder() used.
        self._pool_size = connection_pool_size
        self._read_timeout = read_timeout
        self._write_timeout = write_timeout
        self._connect_timeout = connect_timeout
        self._pool_timeout = pool_timeout
        self._media_write_timeout = media_write_timeout
        self._session: aiohttp.ClientSession | None = None
        # Built once per distinct set of limits (a handful: default, media, getUpdates).
        self._timeouts: dict[tuple[float | None, ...], aiohttp.ClientTimeout] = {}
        # Proxy (and its Proxy-Authorization) per scheme and host, from the
        # environment, looked up once as httpx did.
        self._proxies: dict[tuple[str, str | None], tuple[URL | None, dict[str, str] | None]] = {}
        # Told of every failure and success, so an outage is logged once (bot/health.py).
        self.health = health

    @property
    def read_timeout(self) -> float | None:
        return self._read_timeout

    async def initialize(self) -> None:
        if self._session is None or self._session.closed:
            # httpx let an idle connection live 5 s; so does this pool.
            connector = aiohttp.TCPConnector(limit=self._pool_size, keepalive_timeout=KEEPALIVE_SECONDS,
                                             ssl=ssl_context())
            self._session = aiohttp.ClientSession(
                connector=connector, headers={"User-Agent": self.USER_AGENT},
                # Telegram sets no cookies; a jar would only be walked on every request.
                cookie_jar=aiohttp.DummyCookieJar())

    async def shutdown(self) -> None:
        if self._session is not None and not self._session.closed:
            await self._session.close()

    def _timeout(self, read: float | None, write: float | None, connect: float | None,
                 pool: float | None) -> aiohttp.ClientTimeout:
        key = (read, write, connect, pool)
        timeout = self._timeouts.get(key)
        if timeout is None:
            # aiohttp's `connect` covers waiting for a free pooled connection
            # and opening one; `sock_connect` the opening alone.
            timeout = aiohttp.ClientTimeout(total=_sum(pool, connect, write, read),
                                            connect=_sum(pool, connect), sock_connect=connect,
                                            sock_read=read)
            self._timeouts[key] = timeout
        return timeout

    def _proxy(self, url: URL) -> tuple[URL | None, dict[str, str] | None]:
        key = (url.scheme, url.host)
        found = self._proxies.get(key)
        if found is None:
            try:
                proxy, auth = get_env_proxy_for_url(url)
                found = proxy, {"Proxy-Authorization": auth.encode()} if auth else None
            except LookupError:
                found = None, None
            self._proxies[key] = found
        return found

    async def do_request(self, url: str, method: str, request_data: RequestData | None = None,
                         read_timeout: ODVInput[float] = DEFAULT, write_timeout: ODVInput[float] = DEFAULT,
                         connect_timeout: ODVInput[float] = DEFAULT,
                         pool_timeout: ODVInput[float] = DEFAULT) -> tuple[int, bytes]:
        if self._session is None:
            # HTTPXRequest works before `initialize` too (its client exists from the start).
            await self.initialize()
        session = self._session
        if session is None or session.closed:
            raise RuntimeError("This AiohttpRequest is shut down; initialize it again")
        files = request_data.multipart_data if request_data else None
        params = request_data.parameters if request_data and not files else None  # built per read

        if read_timeout is DEFAULT:
            read_timeout = self._read_timeout
        if connect_timeout is DEFAULT:
            connect_timeout = self._connect_timeout
        if pool_timeout is DEFAULT:
            pool_timeout = self._pool_timeout
        if write_timeout is DEFAULT:
            write_timeout = self._write_timeout if not files else self._media_write_timeout

        headers = None
        body: aiohttp.FormData | bytes | None = None
        if files:
            # Raw UTF-8 names in Content-Disposition, as httpx and browsers send them.
            form = aiohttp.FormData(quote_fields=False)
            for name, value in request_data.json_parameters.items():
                form.add_field(name, value)
            for name, (filename, content, mimetype) in files.items():
                form.add_field(name, content, filename=filename, content_type=mimetype)
            body = form
        elif params:
            body = json.dumps(params, ensure_ascii=False, separators=(",", ":")).encode()
            headers = JSON

        target = URL(url)
        proxy, proxy_headers = self._proxy(target)
        timeout = self._timeout(read_timeout, write_timeout, connect_timeout, pool_timeout)
        asked_at = time.monotonic()
        try:
            async with session.request(method, target, data=body, headers=headers, timeout=timeout,
                                       proxy=proxy, proxy_headers=proxy_headers) as resp:
                status, content = resp.status, await resp.read()
        except TimeoutError as err:  # aiohttp's socket timeouts are TimeoutErrors too
            if self.health is not None:
                self.health.failed("timed out")
            raise TimedOut from err
        except aiohttp.ClientError as err:
            if self.health is not None:
                self.health.failed(err.__class__.__name__)
            raise NetworkError(f"aiohttp.{err.__class__.__name__}: {err}") from err
        if self.health is not None:
            if status >= 500:
                self.health.failed(f"HTTP {status}")
            else:
                self.health.ok(asked_at)
        return status, content
