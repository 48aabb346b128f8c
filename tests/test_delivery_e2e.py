"""End to end: every promised answer arrives, whatever fails in between.

The real bot process, Rasa and the action server, with the Bot API stand-in
refusing connections, answering 429 or 5xx, and processes killed.
"""

from __future__ import annotations

import os
import signal
import sqlite3
import subprocess
import sys
import time
from pathlib import Path

import httpx

from bot.local_secrets import auth_headers
from tests.conftest import free_port
from tests.telegram_standin import BotApiStandIn

ROOT = Path(__file__).resolve().parents[1]
KEPT = "Earlier you asked"
SAVED = "saved your question"
DEAD_RASA = "http://127.0.0.1:9"  # nothing listens there


def ask(api: BotApiStandIn, user: int, text: str, timeout: float = 30) -> str:
    mark = api.mark()
    api.send_text(user, text)
    return api.wait_for(user, after=mark, timeout=timeout)[0].text


def keep_questions(bot_factory, api: BotApiStandIn, user: int, questions: list[str], kill: bool = False):
    """Asks while Rasa is unreachable, so each question is kept; then ends that bot."""
    bot = bot_factory(RASA_URL=DEAD_RASA, PENDING_RETRY_SECONDS="3600")
    for question in questions:
        assert SAVED in ask(api, user, question)
    if kill:
        bot.proc.kill()  # no shutdown of any kind: a crash
        bot.proc.wait()
    else:
        bot.stop()


def copies(api: BotApiStandIn, user: int, words: str) -> int:
    return sum(1 for s in api.messages_to(user, "sendMessage") if KEPT in s.text and words in s.text)


def outbox_rows(tmp_path: Path) -> int:
    with sqlite3.connect(tmp_path / "bot.db") as conn:
        return conn.execute("SELECT count(*) FROM outgoing_answers").fetchone()[0]


def test_kept_answer_waits_out_a_bot_api_outage_and_arrives_once(bot_factory, standin: BotApiStandIn) -> None:
    user = 601
    keep_questions(bot_factory, standin, user, ["how do I change my card PIN"])
    bot = bot_factory(PENDING_RETRY_SECONDS="2", DELIVERY_RETRY_FIRST_SECONDS="1",
                      DELIVERY_RETRY_MAX_SECONDS="3")
    # Down when the retry job has the answer ready (2 s after start) and for a while after.
    standin.refuse_for(10)
    back_at = time.monotonic() + 10
    kept = standin.wait_for(user, contains=KEPT, timeout=60)
    assert time.monotonic() >= back_at - 0.5, "delivered during the outage?"
    assert "change my card PIN" in kept[0].text and len(kept[0].text) > len(KEPT) + 60
    time.sleep(4)  # room for a duplicate to show up
    assert copies(standin, user, "change my card PIN") == 1
    log = bot.output()
    assert log.count("the Telegram Bot API is unavailable") == 1, log[-3000:]
    assert log.count("the Telegram Bot API is back") == 1
    assert "Traceback" not in log and "ERROR" not in log, "an outage is one warning, not tracebacks"


def test_429_is_waited_out_and_5xx_retried_without_losing_a_message(bot_factory, standin: BotApiStandIn) -> None:
    bot_factory(DELIVERY_RETRY_FIRST_SECONDS="1")
    user = 602
    # More 429s than the rate limiter retries itself: the rest is the outbox's job.
    standin.answer_429(count=6, retry_after=1)
    answer = ask(standin, user, "how do I block my card", timeout=60)
    assert "1800" in answer or "card" in answer.lower()
    hits = [at for method, status, at in standin.faulted if status == 429]
    assert len(hits) == 6
    assert all(b - a >= 0.9 for a, b in zip(hits, hits[1:])), "retried before retry_after had passed"

    standin.answer_5xx(count=3)
    mark = standin.mark()
    standin.send_text(user, "what is the deposit insurance limit")
    standin.wait_for(user, after=mark, timeout=60)
    time.sleep(3)
    got = [s.text for s in standin.sent[mark:] if s.chat_id == user and s.method == "sendMessage"]
    assert len(got) == 1, f"one answer, not lost and not doubled: {got}"


def test_a_bot_killed_twice_loses_nothing_it_kept(bot_factory, standin: BotApiStandIn, tmp_path: Path) -> None:
    user = 603
    questions = ["how do I log in to e-mongolia", "what is the deposit insurance limit"]
    keep_questions(bot_factory, standin, user, questions, kill=True)
    # Rasa is back, Telegram is not: the answers wait in the outbox when this bot crashes too.
    bot = bot_factory(PENDING_RETRY_SECONDS="1")
    standin.refuse_for(12)
    deadline = time.monotonic() + 10
    while outbox_rows(tmp_path) < 2 and time.monotonic() < deadline:
        time.sleep(0.2)
    assert outbox_rows(tmp_path) == 2, bot.output()[-2000:]
    bot.proc.kill()
    bot.proc.wait()
    while not standin.reachable:
        time.sleep(0.2)
    # This bot would not ask Rasa again for an hour: the answers come from the outbox.
    bot_factory(PENDING_RETRY_SECONDS="3600", DELIVERY_RETRY_FIRST_SECONDS="1")
    kept = standin.wait_for(user, count=2, contains=KEPT, timeout=30)
    assert "e-mongolia" in kept[0].text and "deposit insurance" in kept[1].text
    time.sleep(3)
    assert copies(standin, user, "e-mongolia") == 1 and copies(standin, user, "deposit insurance") == 1


def test_killed_rasa_and_action_server_come_back_and_kept_questions_are_answered(
        bot_factory, standin: BotApiStandIn, tmp_path: Path) -> None:
    """`python -m bot services` restarts what was killed; the bot answers what it kept, within 60 s."""
    urls = {"RASA_URL": f"http://127.0.0.1:{free_port()}", "ACTIONS_URL": f"http://127.0.0.1:{free_port()}"}
    state = tmp_path / "services"
    token = "delivery-test-token"  # Rasa answers only with its token (docs/security.md)
    env = dict(os.environ, **urls, STATE_DIR=str(state), SUPERVISE_SECONDS="1", LOG_LEVEL="INFO",
               RASA_AUTH_TOKEN=token)
    services = subprocess.Popen([sys.executable, "-m", "bot", "services"], cwd=ROOT, env=env,
                                stdout=open(tmp_path / "services.log", "ab"), stderr=subprocess.STDOUT)
    try:
        deadline = time.monotonic() + 300
        while not (state / "logs" / "rasa.pid").exists() or not _rasa_up(urls["RASA_URL"], token):
            assert services.poll() is None and time.monotonic() < deadline, _tail(tmp_path / "services.log")
            time.sleep(1)
        bot_factory(RASA_URL=urls["RASA_URL"], ACTIONS_URL=urls["ACTIONS_URL"], RASA_AUTH_TOKEN=token,
                    PENDING_RETRY_SECONDS="2")
        user = 604
        assert SAVED not in ask(standin, user, "how do I log in to e-mongolia")

        for name, question, words in (("rasa", "how do I block my card", "block my card"),
                                      ("actions", "what is the deposit insurance limit", "deposit insurance")):
            pid = int((state / "logs" / f"{name}.pid").read_text())
            os.kill(pid, signal.SIGKILL)
            time.sleep(0.5)
            asked = time.monotonic()
            first = ask(standin, user, question)
            if SAVED in first:
                kept = standin.wait_for(user, contains=words, timeout=90)
                assert any(KEPT in k.text for k in kept), [k.text[:80] for k in kept]
                took = time.monotonic() - asked
                assert took < 60, f"the kept question waited {took:.0f} s after {name} was killed"
            assert int((state / "logs" / f"{name}.pid").read_text()) != pid, f"{name} was not restarted"
            assert not _is_zombie(pid), f"the dead {name} was not reaped"
        log = _tail(tmp_path / "services.log", 100_000)
        assert log.count("the Rasa server exited") == 1 and log.count("the action server exited") == 1, log[-3000:]
    finally:
        services.send_signal(signal.SIGTERM)
        try:
            services.wait(30)
        except subprocess.TimeoutExpired:
            services.kill()


def _rasa_up(url: str, token: str) -> bool:
    try:
        return httpx.get(f"{url}/status", timeout=2, headers=auth_headers(token)).status_code == 200
    except httpx.HTTPError:
        return False


def _is_zombie(pid: int) -> bool:
    try:
        return Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0] == "Z"
    except (OSError, IndexError):
        return False


def _tail(path: Path, chars: int = 3000) -> str:
    return path.read_text(errors="replace")[-chars:] if path.exists() else ""
