"""Webhook ingress: every Telegram update handled once, in order per chat, by any replica.

Telegram posts each update to whichever bot replica the balancer picks, and
posts it again if the answer is not a quick 200. So the webhook does no work
of its own: it checks the secret, writes the update into the
`webhook_updates` table of the bot's database (the PostgreSQL every replica
already shares) and answers 200 at once. The table's key is Telegram's
update_id, so a retry of an update already stored is dropped there, by the
database, whichever replica it reached.

Workers in every replica take updates from the table:
- per chat in order: only the oldest unfinished update of a chat can be
  taken, and only when no live lease is on it, so a chat's second message
  waits until its first is answered, whichever replica has it;
- with a lease: the taker writes its name and a lease end; it renews the
  lease while it works and marks the update done when the handler returns.
  A replica that dies (SIGKILL, power loss) renews nothing; when its lease
  ends, the other replica takes the update over and handles it.

Taking is one UPDATE ... RETURNING whose WHERE re-checks the lease on the row
itself, so two replicas racing for one update cannot both win (PostgreSQL
re-evaluates the condition on the row once the first writer commits).

The guarantee is at-least-once: an update is handled a second time only if
its replica dies after Telegram accepted the answer and before the row was
marked done (from the send until the handler returns; Telegram gives no
idempotency key, docs/delivery.md). A finished update keeps its
row without its body (no message text is kept, docs/privacy.md) for
KEEP_DONE_HOURS, so Telegram's retries stay dropped; then it is deleted.
"""

from __future__ import annotations

import asyncio
import datetime as dt
import functools
import hmac
import json
import logging
import os
import socket
import time
from concurrent.futures import ThreadPoolExecutor
from typing import Any

from aiohttp import web
from sqlalchemy import BigInteger, DateTime, Float, Index, String, Text, delete, insert, text, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Mapped, mapped_column

from bot.storage import Base, Database, utcnow

log = logging.getLogger(__name__)

# A lease ends this long after its last renewal; a dead replica's updates wait at most this.
LEASE_SECONDS = float(os.environ.get("INGRESS_LEASE_SECONDS", 20))
RENEW_SECONDS = LEASE_SECONDS / 4
# How often an idle worker looks for updates another replica stored.
POLL_SECONDS = 0.1
# Updates one replica handles at once (each from a different chat).
WORKERS = int(os.environ.get("INGRESS_WORKERS", 16))
# Telegram retries a failed webhook call for a while; a finished update's id is kept this long.
KEEP_DONE_HOURS = 24
PURGE_EVERY_SECONDS = 600.0
SECRET_HEADER = "X-Telegram-Bot-Api-Secret-Token"
WEBHOOK_PATH = "/telegram"


class WebhookUpdate(Base):
    __tablename__ = "webhook_updates"

    update_id: Mapped[int] = mapped_column(BigInteger, primary_key=True, autoincrement=False)
    # The chat whose order it keeps (the user's id when the update has no chat, 0 when neither).
    chat_id: Mapped[int] = mapped_column(BigInteger)
    # The update as Telegram sent it; emptied once handled.
    body: Mapped[str] = mapped_column(Text)
    received_at: Mapped[dt.datetime] = mapped_column(DateTime, default=utcnow)
    leased_by: Mapped[str | None] = mapped_column(String(80), nullable=True)
    # Seconds since the epoch; workers' clocks must agree within a second or so (NTP).
    lease_until: Mapped[float | None] = mapped_column(Float, nullable=True)
    done_at: Mapped[dt.datetime | None] = mapped_column(DateTime, nullable=True)

    __table_args__ = (Index("ix_webhook_updates_chat", "chat_id", "update_id"),)


# The oldest unfinished update of each chat whose lease is free or ended, oldest first;
# the lease is checked again on the row itself, so only one taker wins.
_CLAIM = text("""
UPDATE webhook_updates SET leased_by = :me, lease_until = :until
WHERE update_id IN (
    SELECT w.update_id FROM webhook_updates w
    WHERE w.done_at IS NULL AND (w.lease_until IS NULL OR w.lease_until < :now)
      AND w.update_id = (SELECT min(v.update_id) FROM webhook_updates v
                         WHERE v.chat_id = w.chat_id AND v.done_at IS NULL)
    ORDER BY w.update_id LIMIT :limit)
  AND done_at IS NULL AND (lease_until IS NULL OR lease_until < :now)
RETURNING update_id, body
""")


def worker_name() -> str:
    return f"{socket.gethostname()}:{os.getpid()}"


class Ingress:
    """The queue table: put (from the webhook), claim, renew, done (from workers)."""

    def __init__(self, db: Database, name: str | None = None, lease_seconds: float = LEASE_SECONDS,
                 clock=time.time) -> None:
        self.db = db
        self.name = name or worker_name()
        self.lease_seconds = lease_seconds
        self.clock = clock

    def put(self, update_id: int, chat_id: int, body: str) -> bool:
        """Stores an update; False when it was already stored (a retry)."""
        try:
            with self.db.session() as s:
                s.execute(insert(WebhookUpdate).values(update_id=update_id, chat_id=chat_id, body=body,
                                                       received_at=utcnow()))
        except IntegrityError:
            return False
        return True

    def claim(self, limit: int) -> list[tuple[int, str]]:
        now = self.clock()
        with self.db.session() as s:
            rows = s.execute(_CLAIM, {"me": self.name, "until": now + self.lease_seconds, "now": now,
                                      "limit": limit}).all()
        return sorted((int(r[0]), r[1]) for r in rows)

    def renew(self, update_ids: list[int]) -> None:
        if not update_ids:
            return
        with self.db.session() as s:
            s.execute(update(WebhookUpdate)
                      .where(WebhookUpdate.update_id.in_(update_ids), WebhookUpdate.leased_by == self.name)
                      .values(lease_until=self.clock() + self.lease_seconds))

    def done(self, update_id: int) -> None:
        with self.db.session() as s:
            s.execute(update(WebhookUpdate).where(WebhookUpdate.update_id == update_id)
                      .values(done_at=utcnow(), body="", leased_by=None, lease_until=None))

    def purge(self, hours: float = KEEP_DONE_HOURS) -> int:
        cutoff = utcnow() - dt.timedelta(hours=hours)
        with self.db.session() as s:
            return s.execute(delete(WebhookUpdate).where(WebhookUpdate.done_at < cutoff)).rowcount or 0


def chat_key(data: dict[str, Any]) -> int:
    """The chat an update belongs to, read from Telegram's JSON (0 when it has none)."""
    for value in data.values():
        if not isinstance(value, dict):
            continue
        message = value.get("message") if "message" in value and "chat" not in value else value
        chat = (message or {}).get("chat") if isinstance(message, dict) else None
        if isinstance(chat, dict) and isinstance(chat.get("id"), int):
            return chat["id"]
        user = value.get("from") or value.get("user")
        if isinstance(user, dict) and isinstance(user.get("id"), int):
            return user["id"]
    return 0


class Worker:
    """Takes updates from the table and runs them through the Application's handlers.

    Each update goes through the Application's update processor
    (bot/chat_queue.py: the per-user limit) and then its handlers, exactly as
    a polled update would.
    """

    def __init__(self, app: Any, ingress: Ingress, slots: int = WORKERS) -> None:
        self.app = app
        self.ingress = ingress
        self.slots = slots
        self.running: dict[int, asyncio.Task] = {}
        self.wake = asyncio.Event()
        # Threads of their own: in the default pool, a flood of other blocking calls
        # delayed lease renewals past the lease, and the other replica took over
        # updates still being answered (two answers, Rasa's lock errors).
        self._db = ThreadPoolExecutor(4, thread_name_prefix="ingress")
        self._lease = ThreadPoolExecutor(1, thread_name_prefix="ingress-lease")

    async def _call(self, pool: ThreadPoolExecutor, func, *args):
        return await asyncio.get_running_loop().run_in_executor(pool, functools.partial(func, *args))

    async def run(self) -> None:
        renewing = asyncio.create_task(self._renew())
        last_purge = 0.0
        try:
            while True:
                free = self.slots - len(self.running)
                rows = await self._call(self._db, self.ingress.claim, free) if free > 0 else []
                for update_id, body in rows:
                    self.running[update_id] = asyncio.create_task(self._handle(update_id, body))
                if time.monotonic() - last_purge > PURGE_EVERY_SECONDS:
                    last_purge = time.monotonic()
                    await self._call(self._db, self.ingress.purge)
                if not rows:
                    self.wake.clear()
                    try:
                        await asyncio.wait_for(self.wake.wait(), POLL_SECONDS)
                    except TimeoutError:
                        pass
        finally:
            renewing.cancel()

    async def _renew(self) -> None:
        while True:
            await asyncio.sleep(RENEW_SECONDS)
            try:
                await self._call(self._lease, self.ingress.renew, list(self.running))
            except Exception as exc:  # noqa: BLE001 - the next renewal tries again
                log.warning("lease renewal failed: %s", exc)

    async def _handle(self, update_id: int, body: str) -> None:
        from telegram import Update

        try:
            update = Update.de_json(json.loads(body), self.app.bot)
            processor = self.app.update_processor
            await processor.process_update(update, self.app.process_update(update))
        except Exception:  # noqa: BLE001 - PTB's error handler saw handler errors already
            log.exception("update %s could not be handled", update_id)
        finally:
            try:
                await self._call(self._db, self.ingress.done, update_id)
            finally:
                self.running.pop(update_id, None)
                self.wake.set()


def webhook_app(ingress: Ingress, secret: str, wake: asyncio.Event) -> web.Application:
    """The webhook: stores the update and answers 200; 403 without Telegram's secret."""
    pool = ThreadPoolExecutor(4, thread_name_prefix="webhook")

    async def receive(request: web.Request) -> web.Response:
        given = request.headers.get(SECRET_HEADER, "")
        if not hmac.compare_digest(given.encode(), secret.encode()):
            return web.Response(status=403)
        try:
            data = await request.json()
            update_id = int(data["update_id"])
        except (ValueError, KeyError, TypeError):
            return web.Response(status=400)
        stored = await asyncio.get_running_loop().run_in_executor(
            pool, ingress.put, update_id, chat_key(data), json.dumps(data))
        if not stored:
            log.info("update %s was already received; dropped", update_id)
        wake.set()
        return web.Response(status=200)

    app = web.Application()
    app.router.add_post(WEBHOOK_PATH, receive)
    return app
