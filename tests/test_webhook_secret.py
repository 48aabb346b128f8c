"""Webhook mode accepts updates from Telegram only (issue 14, item 7).

Without a secret, anyone who learned the webhook URL could post a forged
update as any user, even as a volunteer replying to a ticket, and the bot
would relay the attacker's text to a citizen. The real bot process runs
`run --webhook` against the Bot API stand-in; tests post updates to its
port as Telegram, or an attacker, would.
"""

from __future__ import annotations

import socket
import stat
import time
from pathlib import Path
from typing import Any

import httpx
import pytest

from tests.conftest import free_port
from tests.telegram_standin import BotApiStandIn

USER = 771501
SECRET_HEADER = "X-Telegram-Bot-Api-Secret-Token"


def update(update_id: int, text: str) -> dict[str, Any]:
    return {"update_id": update_id,
            "message": {"message_id": update_id, "date": int(time.time()), "text": text,
                        "chat": BotApiStandIn.chat(USER), "from": BotApiStandIn.user(USER)}}


def wait_listening(port: int, timeout: float = 30.0) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        with socket.socket() as s:
            if s.connect_ex(("127.0.0.1", port)) == 0:
                return
        time.sleep(0.1)
    raise AssertionError(f"the webhook server did not listen on {port}")


@pytest.fixture
def webhook_bot(bot_factory, standin: BotApiStandIn, tmp_path: Path) -> tuple[str, str]:
    """The bot in webhook mode; returns its webhook address and the secret it registered."""
    port = free_port()
    bot = bot_factory("--webhook", WEBHOOK_URL="https://khotoch.example.org", WEBHOOK_LISTEN="127.0.0.1",
                      WEBHOOK_PORT=str(port))
    deadline = time.monotonic() + 30
    while not (registered := [s for s in standin.sent if s.method == "setWebhook"]):
        assert time.monotonic() < deadline and bot.proc.poll() is None, bot.output()[-2000:]
        time.sleep(0.1)
    wait_listening(port)
    params = registered[-1].params
    assert params["url"] == "https://khotoch.example.org/telegram"
    return f"http://127.0.0.1:{port}", params["secret_token"]


def test_generated_secret_is_registered_kept_private_and_never_logged(webhook_bot, bot_factory,
                                                                       tmp_path: Path) -> None:
    _, secret = webhook_bot
    kept = tmp_path / "state" / "webhook_secret"
    assert kept.read_text().strip() == secret and len(secret) >= 32
    assert stat.S_IMODE(kept.stat().st_mode) == 0o600
    for log in tmp_path.glob("bot*.log"):
        assert secret not in log.read_text(errors="replace")


def test_updates_without_the_secret_are_refused_and_never_handled(webhook_bot, standin: BotApiStandIn) -> None:
    url, secret = webhook_bot
    mark = standin.mark()
    for n, headers in enumerate(({}, {SECRET_HEADER: "guessed-secret"}, {SECRET_HEADER: secret[:-1]}), 1):
        resp = httpx.post(f"{url}/telegram", json=update(n, "/start"), headers=headers, timeout=10)
        assert resp.status_code == 403
    time.sleep(2)  # time enough for a handler to have answered, had one run
    assert standin.messages_to(USER) == [], "a forged update reached a handler"

    resp = httpx.post(f"{url}/telegram", json=update(10, "/start"), headers={SECRET_HEADER: secret}, timeout=10)
    assert resp.status_code == 200
    assert standin.wait_for(USER, after=mark)  # Telegram's own update is answered


def test_nothing_else_is_served_on_the_webhook_port(webhook_bot) -> None:
    url, secret = webhook_bot
    assert httpx.get(f"{url}/", timeout=10).status_code == 404
    assert httpx.post(f"{url}/other", json=update(20, "hi"), headers={SECRET_HEADER: secret},
                      timeout=10).status_code == 404
    assert httpx.get(f"{url}/telegram", headers={SECRET_HEADER: secret}, timeout=10).status_code == 405
