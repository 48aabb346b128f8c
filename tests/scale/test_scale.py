"""`make test-scale`: the scale-out cluster under load, with a replica of each tier killed.

Two replicas each of the bot (webhook mode), Rasa and the action server,
PostgreSQL, Redis and haproxy, all on loopback (bot/cluster/). Telegram is
the Bot API stand-in; this test posts updates to the bot balancer as
Telegram would, some of them twice (Telegram's retries), and kills one
replica of each tier with SIGKILL in the middle of the run. A citizen would
notice a question answered twice or not at all, answers out of order, a
ticket a volunteer cannot take because another replica opened it, or an FAQ
correction reaching only half the questions. The single-machine default
(one of each, SQLite, polling) is measured with the same load in the same
run, after the cluster is down, so both figures come from one machine state.
"""

from __future__ import annotations

import itertools
import os
import re
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path

import httpx
import pytest

from bot.cluster.cluster import Cluster
from bot.cluster.ingress import SECRET_HEADER
from bot.cluster.layout import Layout
from bot.services import Stack
from core.settings import FAQ_STATUS_FILE, ROOT
from tests.scale import load
from tests.telegram_standin import BotApiStandIn

pytestmark = pytest.mark.scale

CHATS, PER_CHAT = 100, 10  # 1,000 questions
BASELINE_PER_CHAT = 4
TWICE_EVERY = 7  # every 7th update is delivered a second time
KILL_AT = 300  # answers, before one replica of each tier is killed
KILLED = ("bot-1", "rasa-2", "actions-1")
GROUP, VOLUNTEER = -1009990001, 990001
FAQ_FILE, FAQ_OLD, FAQ_NEW = "accessibility.yml", "It reads aloud what you touch.", \
    "It reads aloud what you touch, one item at a time."
SHOWN_AFTER = 40  # lines of a log printed from an unexplained finding on
SERIOUS = re.compile(r"\b(ERROR|CRITICAL|FATAL)\b|Traceback|\[ALERT\]|\[EMERG\]")
NO_SERVER = re.compile(r"backend '(\w+)' has no server available")
RASA_GAVE_UP = re.compile(r"^(\d{4}-\d\d-\d\d \d\d:\d\d:\d\d) ERROR +rasa\.core\.channels\.rest .*"
                          r"(rest\.message\.received\.timeout|Could not acquire lock for conversation_id)")
# Wall-clock time of the kill, for telling log lines from before and after it.
RUN: dict[str, float] = {}


def explained(log: str, lines: list[str], i: int) -> str | None:
    """Why a log line above WARNING is expected in this run, or None."""
    found = NO_SERVER.search(lines[i])
    if log == "haproxy.log" and found and not any(f"Server {found.group(1)}/" in earlier and "is UP" in earlier
                                                  for earlier in lines[:i]):
        return "haproxy starts before the replicas of a tier: at first nobody can answer"
    gave_up = RASA_GAVE_UP.search(lines[i])
    if log.startswith("rasa-") and gave_up and "killed" in RUN and \
            time.mktime(time.strptime(gave_up.group(1), "%Y-%m-%d %H:%M:%S")) >= int(RUN["killed"]):
        return ("after the kill, a Rasa turn met the conversation lock the killed Rasa replica held "
                "(Rasa refused it, or the bot stopped waiting); every question was still answered, "
                "as the load test checks")
    return None


def free_base() -> int:
    """A port base whose every cluster port is free now."""
    for base in range(21000, 60000, 997):
        layout = Layout(port_base=base)
        if all(_free(p) for p in layout.ports()):
            return base
    raise AssertionError("no free port range for the cluster")


def _free(port: int) -> bool:
    with socket.socket() as s:
        return s.connect_ex(("127.0.0.1", port)) != 0


class Telegram:
    """Posts updates to a webhook the way Telegram does: numbered, with the secret."""

    def __init__(self, url: str, secret: str) -> None:
        self.url, self.secret = url, secret
        self.ids = itertools.count(1)
        self.client = httpx.Client(timeout=30, limits=httpx.Limits(max_connections=200))
        self.retried = 0

    def post(self, update: dict, url: str | None = None) -> None:
        for _attempt in range(20):  # Telegram, too, retries until it gets a 200
            try:
                resp = self.client.post(url or self.url, json=update, headers={SECRET_HEADER: self.secret})
                if resp.status_code == 200:
                    return
            except httpx.HTTPError:
                pass
            time.sleep(0.5)
        raise AssertionError(f"update {update['update_id']} was never accepted")

    def text(self, chat: int, text: str, url: str | None = None, **fields) -> dict:
        """Posts a message update (every TWICE_EVERY-th twice); returns the update."""
        uid = next(self.ids)
        msg = {"message_id": uid, "date": int(time.time()), "text": text,
               "chat": BotApiStandIn.chat(chat, "private" if chat > 0 else "supergroup"),
               "from": BotApiStandIn.user(fields.pop("user", chat)), **fields}
        if text.startswith("/"):
            msg["entities"] = [{"type": "bot_command", "offset": 0, "length": len(text.split()[0])}]
        update = {"update_id": uid, "message": msg}
        self.post(update, url)
        if uid % TWICE_EVERY == 0:
            self.retried += 1
            self.post(update)  # the retry, through the balancer: maybe the other replica
        return update

    def press(self, user: int, message: dict, data: str, url: str | None = None) -> None:
        uid = next(self.ids)
        self.post({"update_id": uid, "callback_query": {"id": str(uid), "from": BotApiStandIn.user(user),
                                                        "chat_instance": "ci", "data": data,
                                                        "message": message}}, url)


@pytest.fixture(scope="module")
def world():
    # A folder of its own, not pytest's temporary root: each pytest session makes that
    # 0700 again, which locks the postgres user out of a running cluster (postgres.py).
    state = Path(tempfile.mkdtemp(prefix="khotoch-scale-"))
    faq = state / "faq"
    shutil.copytree(ROOT / "faq", faq)
    api = BotApiStandIn().start()
    env = {"TELEGRAM_BOT_TOKEN": api.token, "TELEGRAM_API_URL": api.url, "FAQ_DIR": str(faq),
           "VOLUNTEER_IDS": str(VOLUNTEER), "VOLUNTEER_CHAT_ID": str(GROUP), "VOLUNTEER_LANGUAGE": "en",
           "KHOTOCH_VOICE_ONLINE": "0", "LOG_LEVEL": "INFO",
           # As in tests/conftest.py: a loaded test machine must not turn answers into apologies.
           "RASA_TIMEOUT": "60",
           # Kept questions are put to Rasa again sooner than the default 30 s, to keep the run short.
           "PENDING_RETRY_SECONDS": "10"}
    cluster = Cluster(Layout(state_dir=state / "cluster", port_base=free_base()), env=env)
    inbox = load.Inbox(api)
    try:
        started = time.monotonic()
        cluster.up()
        print(f"\ncluster up in {time.monotonic() - started:.0f} s")
        secret = (cluster.state / "webhook_secret").read_text().strip()
        telegram = Telegram(f"{cluster.layout.url('bot')}/telegram", secret)
        yield cluster, api, inbox, telegram, state
    finally:
        inbox.stop()
        cluster.down()
        api.stop()
        shutil.rmtree(state, ignore_errors=True)


def test_cluster_answers_each_question_once_in_order_through_kills(world, capsys) -> None:
    cluster, api, inbox, telegram, state = world
    keys = load.calibrate(lambda chat, q: telegram.text(chat, q), inbox, load.candidates(state / "faq", 16),
                          first_chat=500)

    restarted = threading.Event()
    killed_at: list[float] = []
    in_flight: set[int] = set()

    def kill_then_restart() -> None:
        in_flight.update(leased_by(cluster, "bot-1"))  # just before the kill: what it was answering
        killed_at.append(time.monotonic())
        RUN["killed"] = time.time()
        for name in KILLED:
            cluster.kill(name)  # SIGKILL: nothing shuts down
        print(f"killed {', '.join(KILLED)}", flush=True)
        for name in KILLED:  # the same order as `up`: action server, Rasa, bot
            cluster.start_replica(name)
        print(f"restarted {', '.join(KILLED)}", flush=True)
        restarted.set()

    def on_answered(n: int) -> None:
        if n == KILL_AT:
            threading.Thread(target=kill_then_restart, daemon=True).start()

    result = load.run(lambda chat, q: telegram.text(chat, q)["update_id"], inbox, keys, CHATS, PER_CHAT,
                      first_chat=10_000, on_answered=on_answered, timeout=240,
                      apologies_from=lambda: killed_at[0] if killed_at else None,
                      in_flight_at_kill=lambda: in_flight)
    assert restarted.wait(300), "the killed replicas did not come back"
    print("\n".join(result.problems[:40]), flush=True)  # at once: the run goes on for minutes
    assert not result.problems, "\n".join(result.problems[:40])
    assert result.questions == CHATS * PER_CHAT
    cluster_line = result.line("two replicas of each tier (PostgreSQL, Redis, haproxy)")
    (state / "cluster.txt").write_text(cluster_line)
    print(cluster_line, f"({telegram.retried} updates delivered twice)", flush=True)

    # Every killed replica serves again: haproxy sends it requests.
    for name in KILLED:
        assert cluster.alive(name), f"{name} is not running after its restart"


def test_ticket_opened_on_one_replica_is_taken_and_closed_on_the_other(world) -> None:
    cluster, api, inbox, telegram, _ = world
    one, two = (f"{cluster.layout.url('bot', i)}/telegram" for i in (1, 2))
    citizen = 770777
    mark = api.mark()
    telegram.text(citizen, "I want to talk to a human", url=one)
    created = api.wait_for(citizen, after=mark, contains="volunteer", timeout=60)[0]
    number = int(re.search(r"number is (\d+)", created.text).group(1))
    post = api.wait_for(GROUP, after=mark, contains=f"Ticket {number}.", timeout=60)[0]

    mark = api.mark()
    telegram.press(VOLUNTEER, post.message, f"tk:take:{number}", url=two)
    assert api.wait_for(citizen, after=mark, contains="looking at your question", timeout=60)
    mark = api.mark()
    telegram.press(VOLUNTEER, post.message, f"tk:close:{number}", url=two)
    assert api.wait_for(citizen, after=mark, contains=f"has closed your question {number}", timeout=60)
    edit = api.wait_for(GROUP, after=mark, method="editMessageText", contains="Closed", timeout=60)[-1]
    assert f"Ticket {number}." in edit.text


def test_an_faq_edit_reaches_both_action_servers_within_10_s(world) -> None:
    cluster, api, inbox, telegram, state = world
    statuses = [cluster.state / name / FAQ_STATUS_FILE for name in cluster.layout.names("actions")]

    def hashes() -> list[str | None]:
        out = []
        for path in statuses:
            try:
                import json

                status = json.loads(path.read_text())
                out.append(status["content_hash"] if status["state"] == "ready" else None)
            except (OSError, ValueError, KeyError):
                out.append(None)
        return out

    before = hashes()
    assert all(before), f"an action server has no FAQ status: {before}"
    path = state / "faq" / FAQ_FILE
    path.write_text(path.read_text(encoding="utf-8").replace(FAQ_OLD, FAQ_NEW, 1), encoding="utf-8")
    edited = time.monotonic()
    while time.monotonic() - edited < 10:
        now = hashes()
        if all(h and h not in before for h in now):
            break
        time.sleep(0.2)
    took = time.monotonic() - edited
    now = hashes()
    assert all(h and h not in before for h in now), f"after 10 s: {before} -> {now}"
    assert len(set(now)) == 1
    print(f"FAQ edit served by both action servers after {took:.1f} s", flush=True)
    mark = api.mark()
    telegram.text(4242, "how do I turn on TalkBack on an android phone")
    assert api.wait_for(4242, after=mark, contains="one item at a time", timeout=60)


def test_logs_show_nothing_above_warning_that_is_not_explained(world) -> None:
    cluster, *_ = world
    found, reasons = [], set()
    for log in sorted(cluster.logs.glob("*.log")):
        lines = log.read_text(errors="replace").splitlines()
        shown = 0  # lines before this were printed with an earlier finding
        for i, line in enumerate(lines):
            if not SERIOUS.search(line):
                continue
            why = explained(log.name, lines, i)
            if why is not None:
                reasons.add(why)
            elif i >= shown:  # with what follows: a traceback says which call failed
                shown = i + SHOWN_AFTER
                found.append(f"{log.name}: " + "\n    ".join(x[:300] for x in lines[i:shown]))
    for why in sorted(reasons):
        print(f"explained in the logs: {why}", flush=True)
    assert not found, "\n".join(found[:30])


def test_single_machine_default_under_the_same_load(world, tmp_path: Path) -> None:
    """Last: brings the cluster down first, so the default has the machine to itself."""
    cluster, api, inbox, telegram, state = world
    cluster.down()
    stack = Stack(f"http://127.0.0.1:{_port()}", f"http://127.0.0.1:{_port()}", state_dir=tmp_path / "stack")
    bot = None
    try:
        stack.ensure()
        env = dict(os.environ, TELEGRAM_BOT_TOKEN=api.token, TELEGRAM_API_URL=api.url, RASA_URL=stack.rasa_url,
                   ACTIONS_URL=stack.actions_url, RASA_AUTH_TOKEN=stack.token or "",
                   DATABASE_URL=f"sqlite:///{tmp_path / 'bot.db'}", STATE_DIR=str(tmp_path / "state"),
                   KHOTOCH_VOICE_ONLINE="0", RASA_TIMEOUT="60", FAQ_DIR=str(state / "faq"))
        mark = api.mark()
        with open(tmp_path / "bot.log", "ab") as log:
            bot = subprocess.Popen([sys.executable, "-m", "bot", "run", "--no-services"], cwd=ROOT, env=env,
                                   stdout=log, stderr=subprocess.STDOUT)
        api.wait_for(None, after=mark, method="setMyCommands", timeout=60)  # type: ignore[arg-type]
        time.sleep(1)  # polling has begun
        # Its own key texts: the single-machine bot has no volunteer desk, so some replies differ.
        keys = load.calibrate(lambda chat, q: api.send_text(chat, q), inbox, load.candidates(state / "faq", 16),
                              first_chat=600)
        result = load.run(lambda chat, q: api.send_text(chat, q), inbox, keys, CHATS, BASELINE_PER_CHAT,
                          first_chat=30_000)
        print("\n".join(result.problems[:40]), flush=True)  # at once: the run goes on for minutes
        assert not result.problems, "\n".join(result.problems[:40])
        print(result.line("single-machine default (one of each, SQLite, polling)"), flush=True)
        print((state / "cluster.txt").read_text(), flush=True)
    finally:
        if bot is not None:
            bot.send_signal(signal.SIGTERM)
            bot.wait(20)
        stack.stop()


def leased_by(cluster: Cluster, name: str) -> set[int]:
    """Updates the replica `name` holds unfinished in the queue (bot/cluster/ingress.py)."""
    from sqlalchemy import create_engine, text

    engine = create_engine(cluster.env["DATABASE_URL"])
    try:
        with engine.connect() as conn:
            rows = conn.execute(text("SELECT update_id FROM webhook_updates WHERE done_at IS NULL "
                                     "AND leased_by LIKE :me"), {"me": f"%:{cluster.pid(name)}"}).all()
    finally:
        engine.dispose()
    return {int(r[0]) for r in rows}


def _port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]
