"""No raw personal data at rest, and /forget reaches every store: through the real three processes.

A citizen writes every kind of personal data (cards of 16 and 19 digits with
and without spaces, an IBAN-like account, a register number, phones with and
without +976, codes of 4 and 6 digits, an e-mail address) in plain
questions, forwarded messages and a volunteer ticket, with voice replies on.
Then every file the bot, Rasa and the action server wrote (databases with
their WAL files, the voice cache, the logs, the action server's caches) is
read as bytes: none of the raw values may be there. After /forget neither
the values nor the citizen's chat id are. A second citizen asks while Rasa
is down (a kept question) and forgets with Rasa still down.

The module runs its own Rasa and action server, so that every file of their
state folder belongs to this test.
"""

from __future__ import annotations

import json
import os
import re
import signal
import sqlite3
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import pytest

from core.settings import CACHE_DIR, ROOT
from tests.conftest import MODEL, BotProcess, free_port
from tests.telegram_standin import BotApiStandIn

CITIZEN = 7123456789
LATE_CITIZEN = 7123450001  # writes while Rasa is down
VOLUNTEER = 880001
GROUP = -1001234567
TICKET = re.compile(r"number is (\d+)")

RAW = ["4000 1234 5678 9010", "4000123456789010", "6234 5678 9012 3456 789", "6234567890123456789",
       "MN12 0005 0050 1234 5678 90", "0050 1234 5678", "УБ99112233", "99112233", "88112233", "bat.erdene",
       # A short code alone is a few digits any timestamp may hold: looked for as written.
       "is 482913", "код 4821", "code 5531"]
QUESTIONS = [
    "My card 4000 1234 5678 9010 was charged twice, how do I block it?",
    "Cards 4000123456789010 and 6234 5678 9012 3456 789 and 6234567890123456789 were stolen, what now?",
]
FORWARDED = [
    "Your code is 482913. Do not share it. Call +976 99112233 or write bat.erdene@gmail.com, "
    "account MN12 0005 0050 1234 5678 90",
    "Таны код 4821. УБ99112233 регистртэй хүн 88112233 руу залгана уу",
]
FOLLOW_UP = "My register is УБ99112233, phone 88112233 and the code 5531 came by SMS"
VOLUNTEER_ANSWER = "We will call you on 88112233 about the card 4000 1234 5678 9010. Never share code 5531."


def needles(values: list[str]) -> list[bytes]:
    """Each value as UTF-8 and as JSON writes it (Rasa's events escape non-ASCII)."""
    out = []
    for value in values:
        out.append(value.encode())
        out.append(json.dumps(value)[1:-1].encode())
    return list(dict.fromkeys(out))


def chat_id_needles(chat_id: int) -> list[bytes]:
    # As text (Rasa's sender id, JSON) and as SQLite stores an integer of this size.
    return [str(chat_id).encode(), chat_id.to_bytes(6, "big")]


class Stores:
    """Every folder the three processes write, read back file by file as bytes."""

    def __init__(self, folders: list[Path], since: float) -> None:
        self.folders = folders
        self.since = since

    def files(self) -> Iterator[Path]:
        for folder in self.folders:
            for path in folder.rglob("*"):
                if path.is_file():
                    yield path
        # The action server's caches are shared with other tests: what changed since we began.
        for path in Path(CACHE_DIR).rglob("*"):
            if path.is_file() and path.stat().st_mtime >= self.since:
                yield path

    def found(self, wanted: list[bytes]) -> list[tuple[str, bytes]]:
        hits = []
        for path in self.files():
            try:
                data = path.read_bytes()
            except FileNotFoundError:  # a WAL file checkpointed away meanwhile
                continue
            hits += [(str(path), needle) for needle in wanted if needle in data]
        return hits


@pytest.fixture(scope="module")
def own_stack(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[object, Path]]:
    from bot.services import Stack

    if not MODEL.exists():
        pytest.fail(f"no trained Rasa model at {MODEL}: run `make model` (make test does)")
    state = tmp_path_factory.mktemp("privacy-stack")
    services = Stack(f"http://127.0.0.1:{free_port()}", f"http://127.0.0.1:{free_port()}", state_dir=state)
    services.ensure()
    yield services, state
    services.stop()


def say(api: BotApiStandIn, user: int, text: str, forwarded: bool = False, contains: str | None = None,
        chat_id: int | None = None, **kw) -> list:
    mark = api.mark()
    api.send_text(user, text, forwarded=forwarded, chat_id=chat_id, **kw)
    return api.wait_for(chat_id or user, after=mark, contains=contains, timeout=60)


def senders(tracker_db: Path) -> set[str]:
    with sqlite3.connect(f"file:{tracker_db}?mode=ro", uri=True) as conn:
        return {row[0] for row in conn.execute("SELECT DISTINCT sender_id FROM events")}


def test_ask_and_the_warm_up_leave_no_conversation_behind(own_stack) -> None:
    services, stack_state = own_stack
    tracker_db = stack_state / "rasa_tracker.db"
    assert "warm-up" not in senders(tracker_db)  # the start-up message went through, then was deleted
    before = senders(tracker_db)
    env = dict(os.environ, RASA_URL=services.rasa_url, ACTIONS_URL=services.actions_url, RASA_TIMEOUT="30",
               RASA_TRACKER_URL=f"sqlite:///{tracker_db}", RASA_AUTH_TOKEN=services.token)
    lines = "\n".join([QUESTIONS[0], json.dumps({"text": FORWARDED[0], "forwarded": True})])
    proc = subprocess.run([sys.executable, "-m", "bot", "ask", "--jsonl", "--no-services"], input=lines,
                          capture_output=True, text=True, env=env, cwd=ROOT, timeout=180)
    assert proc.returncode == 0, proc.stderr
    card, forwarded = [json.loads(line) for line in proc.stdout.splitlines()]
    assert card["replies"] and forwarded["scam"] is not None  # real answers came back...
    assert senders(tracker_db) == before  # ...and no conversation was left in Rasa's store


def test_no_raw_personal_data_at_rest_and_forget_reaches_every_store(own_stack, tmp_path: Path) -> None:
    services, stack_state = own_stack
    since = time.time() - 1
    api = BotApiStandIn().start()
    voice_cache = tmp_path / "voice"
    env = dict(os.environ, TELEGRAM_BOT_TOKEN=api.token, TELEGRAM_API_URL=api.url,
               RASA_URL=services.rasa_url, ACTIONS_URL=services.actions_url, RASA_AUTH_TOKEN=services.token,
               DATABASE_URL=f"sqlite:///{tmp_path / 'state' / 'bot.db'}", STATE_DIR=str(tmp_path / "state"),
               RASA_TRACKER_URL=f"sqlite:///{stack_state / 'rasa_tracker.db'}",
               KHOTOCH_VOICE_CACHE_DIR=str(voice_cache), KHOTOCH_VOICE_ONLINE="0",
               VOLUNTEER_IDS=str(VOLUNTEER), VOLUNTEER_CHAT_ID=str(GROUP), VOLUNTEER_LANGUAGE="en",
               PENDING_RETRY_SECONDS="1", LOG_LEVEL="INFO", HF_HUB_OFFLINE="1", RASA_TIMEOUT="30")
    bot = BotProcess(env, tmp_path / "bot.log").start()
    stores = Stores([stack_state, tmp_path], since)
    try:
        deadline = time.monotonic() + 60
        while not any(s.method == "getMe" for s in api.sent):
            assert bot.proc.poll() is None and time.monotonic() < deadline, bot.output()[-3000:]
            time.sleep(0.1)

        say(api, CITIZEN, "/voice")
        for question in QUESTIONS:
            say(api, CITIZEN, question)
        verdicts = [say(api, CITIZEN, text, forwarded=True)[0].text for text in FORWARDED]
        assert any("scam" in v.lower() or "залил" in v.lower() for v in verdicts)  # the check still works

        created = say(api, CITIZEN, "I want to talk to a human", contains="volunteer")[0]
        number = int(TICKET.search(created.text).group(1))
        post = api.wait_for(GROUP, contains=f"Ticket {number}.", timeout=30)[0]
        say(api, CITIZEN, FOLLOW_UP, contains=str(number))
        note = api.wait_for(GROUP, contains="The person adds", timeout=30)[-1]
        assert "88112233" not in note.text and "[phone]" in note.text  # what volunteers see is masked
        mark = api.mark()
        api.send_text(VOLUNTEER, VOLUNTEER_ANSWER, chat_id=GROUP, chat_type="supergroup", reply_to=post.message)
        answer = api.wait_for(CITIZEN, after=mark, contains="A volunteer answers", timeout=60)[0]
        assert "88112233" in answer.text  # the citizen gets the answer as written...
        api.wait_for(GROUP, after=mark, contains=f"Sent to the person, ticket {number}", timeout=30)

        # ...but nothing anywhere keeps a raw value.
        assert (stack_state / "rasa_tracker.db").stat().st_size > 0
        assert stores.found(needles(RAW)) == []
        assert stores.found(chat_id_needles(CITIZEN))  # the conversation is there, under the chat id

        mark = api.mark()
        api.send_text(CITIZEN, "/forget")
        api.wait_for(CITIZEN, after=mark, timeout=30)
        time.sleep(1)  # the group notice about the closed ticket
        assert stores.found(needles(RAW) + chat_id_needles(CITIZEN)) == []

        # Rasa down: the question is kept (masked), and /forget still deletes it.
        rasa = services.started[-1]
        os.killpg(rasa.pid, signal.SIGTERM)
        rasa.wait(30)
        say(api, LATE_CITIZEN, QUESTIONS[0])
        assert stores.found(needles(RAW)) == []
        assert stores.found(chat_id_needles(LATE_CITIZEN))
        say(api, LATE_CITIZEN, "/forget")
        assert stores.found(needles(RAW) + chat_id_needles(LATE_CITIZEN)) == []
    finally:
        bot.stop()
        api.stop()

