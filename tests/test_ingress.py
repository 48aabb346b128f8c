"""The webhook's durable queue (bot/cluster/ingress.py) on SQLite, as two replicas see it.

What a citizen would notice: a message Telegram delivered twice answered
twice, a chat's second message answered before its first, or a message lost
because the replica holding it died.
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from bot.cluster.ingress import Ingress, chat_key
from bot.storage import Database


class Clock:
    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now


@pytest.fixture
def replicas(tmp_path: Path):
    db = Database(f"sqlite:///{tmp_path / 'bot.db'}")
    clock = Clock()
    return Ingress(db, "a", lease_seconds=10, clock=clock), Ingress(db, "b", lease_seconds=10, clock=clock), clock


def message(update_id: int, chat: int) -> str:
    return json.dumps({"update_id": update_id, "message": {"chat": {"id": chat}, "text": f"q{update_id}"}})


def test_a_retried_update_is_stored_once(replicas) -> None:
    a, b, _ = replicas
    assert a.put(1, 5, message(1, 5))
    assert not b.put(1, 5, message(1, 5)), "Telegram's retry reached the other replica and was kept"
    assert [u for u, _ in a.claim(10)] == [1]
    assert b.claim(10) == []


def test_a_chat_waits_for_its_earlier_update_whichever_replica_has_it(replicas) -> None:
    a, b, _ = replicas
    for n in (1, 2, 3):
        a.put(n, 7, message(n, 7))
    a.put(4, 8, message(4, 8))
    assert [u for u, _ in a.claim(10)] == [1, 4]  # one per chat
    assert b.claim(10) == [], "chat 7's second message ran beside its first"
    a.done(1)
    assert [u for u, _ in b.claim(10)] == [2]
    b.done(2)
    assert [u for u, _ in a.claim(10)] == [3]


def test_a_dead_replicas_update_is_taken_over_after_its_lease(replicas) -> None:
    a, b, clock = replicas
    a.put(1, 9, message(1, 9))
    assert a.claim(10)
    clock.now += 5
    a.renew([1])  # alive: the lease moves on
    clock.now += 9
    assert b.claim(10) == []
    clock.now += 2  # a stopped renewing (killed): its lease has ended
    taken = b.claim(10)
    assert [u for u, _ in taken] == [1] and json.loads(taken[0][1])["message"]["text"] == "q1"


def test_a_handled_update_keeps_no_text_but_still_drops_retries(replicas) -> None:
    a, _, _ = replicas
    a.put(1, 5, message(1, 5))
    a.claim(1)
    a.done(1)
    with a.db.engine.connect() as conn:
        assert conn.exec_driver_sql("SELECT body FROM webhook_updates").scalar() == ""
    assert not a.put(1, 5, message(1, 5))
    assert a.purge(hours=0) == 1


def test_updates_are_ordered_by_the_chat_they_belong_to() -> None:
    assert chat_key({"update_id": 1, "message": {"chat": {"id": -100}, "from": {"id": 3}}}) == -100
    assert chat_key({"update_id": 2, "callback_query": {"id": "x", "from": {"id": 3},
                                                        "message": {"chat": {"id": -100}}}}) == -100
    assert chat_key({"update_id": 3, "inline_query": {"id": "x", "from": {"id": 3}}}) == 3
