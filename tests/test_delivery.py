"""Delivery without the stack: the outbox, the chat queues and the per-user limit.

The end-to-end versions, with the real processes and an unreliable Bot API,
are in test_delivery_e2e.py.
"""

from __future__ import annotations

import asyncio
import datetime as dt
import time
from typing import Any

import pytest
from telegram import Chat, Message, Update, User
from telegram.error import Forbidden, NetworkError, RetryAfter

from bot.chat_queue import ChatQueues, UserLimit
from bot.delivery import Courier, backoff, parts_of
from bot.health import Dependency
from bot.replies import Button, Reply
from bot.storage import Database, utcnow


class FlakyBot:
    """send_message that fails as told, then records what Telegram accepted."""

    def __init__(self, failures: list[Exception] | None = None) -> None:
        self.failures = list(failures or [])
        self.accepted: list[tuple[int, str]] = []

    async def send_message(self, chat_id: int, text: str, reply_markup: Any = None) -> None:
        if self.failures:
            raise self.failures.pop(0)
        self.accepted.append((chat_id, text))


@pytest.fixture
def db(db_url: str) -> Database:
    return Database(db_url)


def run(coro: Any) -> Any:
    return asyncio.run(coro)


def due_now(db: Database) -> None:
    """Moves every retry to now, as if the backoff had passed."""
    from sqlalchemy import update

    from bot.storage import OutgoingAnswer

    with db.engine.begin() as conn:
        conn.execute(update(OutgoingAnswer.__table__).values(next_attempt_at=utcnow()))


def test_a_kept_answer_is_done_only_when_telegram_accepted_all_of_it(db: Database) -> None:
    pending = db.keep_pending(7, 7, "how do I block my card", "en", False)
    courier = Courier(db, Dependency("Bot API"))
    parts = parts_of([Reply("first part"), Reply("second part", [Button("Yes", "/affirm")])])
    courier.keep(7, 7, "en", parts, pending_id=pending)
    assert db.open_pending() == [], "a question with an answer in the outbox is not asked again"

    bot = FlakyBot([NetworkError("connection refused")])
    assert run(courier.deliver_due(bot)) == 0
    assert bot.accepted == []
    row = db.due_answers()[0]
    assert row.attempts == 1 and row.next_attempt_at > utcnow(), "retried later, with backoff"

    due_now(db)
    # Telegram takes the first part, then fails: only the rest is sent next time.
    first_try = FlakyBot()

    async def fail_second(chat_id: int, text: str, reply_markup: Any = None) -> None:
        if text == "second part":
            raise NetworkError("reset")
        first_try.accepted.append((chat_id, text))

    first_try.send_message = fail_second  # type: ignore[method-assign]
    run(courier.deliver_due(first_try))
    assert first_try.accepted == [(7, "first part")]
    due_now(db)
    second_try = FlakyBot()
    assert run(courier.deliver_due(second_try)) == 1
    assert second_try.accepted == [(7, "second part")], "no part is sent twice"
    assert db.due_answers() == []
    assert db.open_pending() == []
    # Once delivered, a second keep for the same question does not make another answer.
    courier.keep(7, 7, "en", parts, pending_id=pending)
    assert db.due_answers() == []


def test_retry_after_is_obeyed_and_a_blocked_user_is_given_up_loudly(db: Database,
                                                                     caplog: pytest.LogCaptureFixture) -> None:
    courier = Courier(db, Dependency("Bot API"))
    courier.keep(8, 8, "en", parts_of([Reply("answer")]))
    run(courier.deliver_due(FlakyBot([RetryAfter(30)])))
    row = db.due_answers()[0]
    assert row.next_attempt_at >= utcnow() + dt.timedelta(seconds=28)

    courier.keep(9, 9, "en", parts_of([Reply("answer")]))
    run(courier.deliver_due(FlakyBot([Forbidden("bot was blocked by the user")])))
    assert [r.chat_id for r in db.due_answers()] == [8]
    assert "gave up on answer" in caplog.text


def test_one_chats_answers_stay_in_order_while_the_first_waits(db: Database) -> None:
    courier = Courier(db, Dependency("Bot API"))
    courier.keep(5, 5, "en", parts_of([Reply("one")]))
    courier.keep(5, 5, "en", parts_of([Reply("two")]))
    courier.keep(6, 6, "en", parts_of([Reply("other chat")]))
    bot = FlakyBot([NetworkError("down")])
    run(courier.deliver_due(bot))
    assert bot.accepted == [(6, "other chat")], "chat 5's second answer waited for its first"
    due_now(db)
    run(courier.deliver_due(bot))
    assert bot.accepted[1:] == [(5, "one"), (5, "two")]


def test_backoff_doubles_up_to_the_longest() -> None:
    assert [backoff(n, 2, 30) for n in range(1, 7)] == [2, 4, 8, 16, 30, 30]


def test_outage_is_logged_once_down_and_once_back(caplog: pytest.LogCaptureFixture) -> None:
    dep = Dependency("Rasa")
    asked_before = time.monotonic()
    for _ in range(50):
        dep.failed("connection refused")
    dep.ok(asked_before)  # a call under way before the outage says nothing of now
    assert not dep.up
    dep.ok()
    dep.ok()
    warnings = [r.getMessage() for r in caplog.records if r.levelname == "WARNING"]
    assert len(warnings) == 2 and "unavailable" in warnings[0] and "back" in warnings[1]


def test_user_limit_lets_a_burst_through_then_paces_with_one_notice() -> None:
    now = [0.0]
    limit = UserLimit(20, clock=lambda: now[0])
    admitted = [limit.admit(1) for _ in range(25)]
    assert all(wait == 0 for wait, _ in admitted[:20])
    assert [round(wait, 1) for wait, _ in admitted[20:]] == [3.0, 6.0, 9.0, 12.0, 15.0]
    assert [notify for _, notify in admitted].count(True) == 1
    assert limit.admit(2) == (0.0, False), "another user is not held back"
    now[0] = 100.0
    assert limit.admit(1) == (0.0, False)
    assert UserLimit(0).admit(1) == (0.0, False)


def update_from(chat_id: int, n: int) -> Update:
    user = User(chat_id, "Dorj", False)
    message = Message(n, dt.datetime.now(dt.UTC), Chat(chat_id, "private"), from_user=user, text=str(n))
    return Update(n, message=message)


def test_chat_queues_keep_one_chats_order_and_let_other_chats_pass() -> None:
    async def scenario() -> tuple[list[tuple[int, int]], list[int]]:
        log: list[tuple[int, int]] = []
        notices: list[int] = []

        async def notify(update: Update) -> None:
            notices.append(update.effective_chat.id)

        queues = ChatQueues(3, notify=notify, period=1.0)  # three at once, then one each 1/3 s

        async def handle(chat: int, n: int, seconds: float) -> None:
            await asyncio.sleep(seconds)
            log.append((chat, n))

        # Chat 1: four messages, the first slow; chat 2: one quick message.
        jobs = [queues.process_update(update_from(1, n), handle(1, n, 0.3 if n == 0 else 0.01))
                for n in range(4)]
        jobs.append(queues.process_update(update_from(2, 9), handle(2, 9, 0.01)))
        await asyncio.wait_for(asyncio.gather(*jobs), 30)
        return log, notices

    log, notices = run(scenario())
    assert log[0] == (2, 9), "the other chat did not wait for chat 1"
    assert [n for chat, n in log if chat == 1] == [0, 1, 2, 3], "chat 1's messages in order"
    assert notices == [1], "one please-wait notice for the message over the limit"


def test_a_chat_with_an_answer_in_the_outbox_holds_newer_ones_behind_it(db: Database) -> None:
    courier = Courier(db, Dependency("Bot API"))
    courier.keep(5, 5, "en", parts_of([Reply("one")]), wait=60)
    assert courier.holds(5) and not courier.holds(6)
    run(courier.deliver_due(FlakyBot()))
    assert courier.holds(5), "not due yet: still held"
    due_now(db)
    run(courier.deliver_due(FlakyBot()))
    assert not courier.holds(5)


def test_the_health_endpoint_answers_with_the_dependencies_state() -> None:
    import aiohttp

    from bot import health
    from tests.conftest import free_port

    async def scenario() -> tuple[int, dict[str, Any]]:
        port = free_port()
        runner = await health.serve(port, lambda: {"rasa": "down", "telegram": "up"}, host="127.0.0.1")
        try:
            async with aiohttp.ClientSession() as session, \
                    session.get(f"http://127.0.0.1:{port}/health") as resp:
                return resp.status, await resp.json()
        finally:
            await runner.cleanup()

    status, body = run(scenario())
    assert status == 200 and body == {"ok": True, "rasa": "down", "telegram": "up"}
