"""Runs the bot in webhook mode over the durable ingress queue (bot/cluster/ingress.py).

python-telegram-bot's own webhook server hands each update straight to the
handlers of the replica that received it: a retry reaching the other replica
was answered twice, and a replica that died lost what it held. Here the
Application runs without an updater; the webhook stores updates and the
worker feeds them to the handlers. The Application's post_init, post_stop and
post_shutdown hooks run as run_webhook would run them.
"""

from __future__ import annotations

import asyncio
import logging
import signal
from typing import Any

from aiohttp import web
from telegram import Update

from bot.cluster.ingress import WEBHOOK_PATH, Ingress, Worker, webhook_app
from bot.config import Config
from bot.storage import Database

log = logging.getLogger(__name__)


async def serve(app: Any, config: Config, db: Database) -> None:
    ingress = Ingress(db)
    secret = config.webhook_secret_token()
    stop = asyncio.Event()
    loop = asyncio.get_running_loop()
    for sig in (signal.SIGTERM, signal.SIGINT):
        loop.add_signal_handler(sig, stop.set)
    await app.initialize()
    if app.post_init:
        await app.post_init(app)
    url = f"{config.webhook_url.rstrip('/')}{WEBHOOK_PATH}"
    # Every replica registers the same URL and secret: the balancer's address.
    await app.bot.set_webhook(url, allowed_updates=Update.ALL_TYPES, secret_token=secret)
    await app.start()
    worker = Worker(app, ingress)
    runner = web.AppRunner(webhook_app(ingress, secret, worker.wake), access_log=None)
    await runner.setup()
    await web.TCPSite(runner, config.webhook_listen, config.webhook_port).start()
    log.info("webhook listening on %s:%s", config.webhook_listen, config.webhook_port)
    working = asyncio.create_task(worker.run())
    try:
        await stop.wait()
    finally:
        await runner.cleanup()  # no new updates; those stored wait for the next replica
        working.cancel()
        for task in list(worker.running.values()):
            task.cancel()
        await app.stop()
        if app.post_stop:
            await app.post_stop(app)
        await app.shutdown()
        if app.post_shutdown:
            await app.post_shutdown(app)


def run_webhook(app: Any, config: Config, db: Database) -> None:
    asyncio.run(serve(app, config, db))
