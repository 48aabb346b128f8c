"""A scam alert to 10,000 subscribers through the Bot API stand-in, killed half-way and resumed.

`python -m bot alerts send ID` runs as its own process against the stand-in,
as a maintainer runs it. No Rasa: a broadcast needs only the bot's code.
"""

from __future__ import annotations

import os
import shutil
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest
import yaml
from sqlalchemy import insert, select

from bot import alert_store as store
from bot.broadcast import WORKERS
from bot.storage import Database, UserSettings
from core.settings import ROOT
from tests.telegram_standin import BotApiStandIn

SUBSCRIBERS = 10_000
RATE = 300  # the test raises the setting for speed; the default is 20 a second
ALERT_ID = "2026-12-01-test-loan-fee"
TEXT = {"en": "People get messages offering a quick loan for a fee paid first. Do not pay.",
        "mn": "Урьдчилж төлбөр төлбөл хурдан зээл өгнө гэсэн мессеж ирж байна. Бүү төлөөрэй."}


def _faq_dir(tmp: Path) -> Path:
    faq = tmp / "faq"
    shutil.copytree(ROOT / "faq", faq, ignore=shutil.ignore_patterns("alerts"))
    (faq / "alerts").mkdir()
    (faq / "alerts" / f"{ALERT_ID}.yml").write_text(yaml.safe_dump({
        "concerns": {"pattern": "loan_with_fee"}, "text": TEXT,
        "sources": ["https://example.org/test-source"], "expires": "2099-01-01"}, allow_unicode=True),
        encoding="utf-8")
    return faq


def _subscribers(db: Database) -> dict[int, tuple[str, bool]]:
    """Chat id -> (language, voice): both languages, one in eight with voice."""
    people = {100_000 + i: ("mn" if i % 3 else "en", i % 8 == 0) for i in range(SUBSCRIBERS)}
    with db.engine.begin() as conn:
        conn.execute(insert(UserSettings.__table__), [
            {"user_id": c, "language": lang, "voice": voice} for c, (lang, voice) in people.items()])
        conn.execute(insert(store.AlertSubscription.__table__), [
            {"user_id": c, "chat_id": c, "active": True, "offered": True} for c in people])
        # Said no: never sent anything.
        conn.execute(insert(store.AlertSubscription.__table__), [
            {"user_id": c, "chat_id": c, "active": False, "opted_out": True, "offered": True}
            for c in range(50_000, 50_100)])
    return people


def _send(env: dict[str, str], log: Path) -> subprocess.Popen:
    with open(log, "ab") as out:  # the child has its own copy of the file
        return subprocess.Popen([sys.executable, "-m", "bot", "alerts", "send", ALERT_ID], cwd=ROOT, env=env,
                                stdout=out, stderr=subprocess.STDOUT)


def test_ten_thousand_subscribers_killed_and_resumed(tmp_path: Path, standin: BotApiStandIn) -> None:
    db = store.ensure(Database(f"sqlite:///{tmp_path / 'bot.db'}"))
    people = _subscribers(db)
    blocked = {c for c in people if c % 41 == 0}
    standin.block(blocked)
    env = dict(os.environ, TELEGRAM_BOT_TOKEN=standin.token, TELEGRAM_API_URL=standin.url,
               DATABASE_URL=f"sqlite:///{tmp_path / 'bot.db'}", FAQ_DIR=str(_faq_dir(tmp_path)),
               ALERT_MESSAGES_PER_SECOND=str(RATE), KHOTOCH_VOICE_CACHE_DIR=str(tmp_path / "voice"),
               GTTS_ENABLED="0")
    log = tmp_path / "send.log"

    # Half-way, Telegram takes messages but stops answering; the sender is killed then.
    half = SUBSCRIBERS // 2
    standin.hold_after(half)
    first = _send(env, log)
    deadline = time.monotonic() + 120
    while standin.mark() < half + WORKERS // 2 and first.poll() is None and time.monotonic() < deadline:
        time.sleep(0.2)
    time.sleep(1.0)  # every worker is now waiting on an answer that never comes
    assert first.poll() is None, log.read_text()
    first.send_signal(signal.SIGKILL)
    first.wait(10)
    in_first_run = standin.mark()
    assert half <= in_first_run < SUBSCRIBERS, in_first_run

    standin.hold_after(10**9)
    second = _send(env, log)
    assert second.wait(300) == 0, log.read_text()
    output = log.read_text()
    print(output.splitlines()[-1])

    texts: dict[int, list[str]] = {}
    voices: dict[int, int] = {}
    for s in standin.sent:
        if s.method == "sendMessage":
            texts.setdefault(s.chat_id, []).append(s.text)
        elif s.method == "sendVoice":
            voices[s.chat_id] = voices.get(s.chat_id, 0) + 1

    active = set(people) - blocked
    assert set(texts) == active  # nobody blocked, nobody who said no, nobody unknown
    for chat in active:
        lang, _ = people[chat]
        assert len(texts[chat]) == 1, (chat, texts[chat])  # exactly one copy, across the crash
        assert TEXT[lang] in texts[chat][0]
    assert max(voices.values()) == 1  # never a second voice message either
    voice_users = {c for c in active if people[c][1]}
    assert set(voices) <= voice_users
    with db.session() as s:
        rows = {c: st for c, st in s.execute(select(store.BroadcastDelivery.chat_id, store.BroadcastDelivery.status))}
        marked = set(s.scalars(select(store.AlertSubscription.chat_id)
                               .where(store.AlertSubscription.blocked_at.is_not(None))))
    assert marked == blocked  # 403: marked inactive
    # Voice users missing a voice are exactly those whose voice was in flight at the kill.
    in_flight = {c for c, status in rows.items() if status in (store.SENDING, store.VOICE_SENDING)}
    assert voice_users - set(voices) <= in_flight
    assert len(in_flight) <= WORKERS
    # Uploaded once per language, then Telegram's file id is reused.
    uploads = [s for s in standin.sent if s.method == "sendVoice" and s.files]
    assert len(uploads) <= 2 * 2  # one per language in each of the two runs

    # The pace: never more than RATE messages in any one second, measured where Telegram is.
    times = sorted(s.at for s in standin.sent[in_first_run:] if s.method in ("sendMessage", "sendVoice"))
    most, j = 0, 0
    for i, moment in enumerate(times):
        while times[j] <= moment - 1.0:
            j += 1
        most = max(most, i - j + 1)
    achieved = len(times) / (times[-1] - times[0])
    print(f"resumed run: {len(times)} messages, {achieved:.0f}/s on average, at most {most} in one second "
          f"(limit {RATE}); {len(in_flight)} in flight at the kill, sent once")
    assert most <= RATE


@pytest.mark.parametrize("status", [429])
def test_retry_after_pauses_the_broadcast(tmp_path: Path, standin: BotApiStandIn, status: int) -> None:
    """Telegram's 429 during a broadcast: everyone still gets one copy, after the wait."""
    db = store.ensure(Database(f"sqlite:///{tmp_path / 'bot.db'}"))
    with db.engine.begin() as conn:
        conn.execute(insert(store.AlertSubscription.__table__),
                     [{"user_id": c, "chat_id": c, "active": True} for c in range(1, 41)])
    standin.answer_429(3, retry_after=1, methods=frozenset({"sendMessage"}))
    env = dict(os.environ, TELEGRAM_BOT_TOKEN=standin.token, TELEGRAM_API_URL=standin.url,
               DATABASE_URL=f"sqlite:///{tmp_path / 'bot.db'}", FAQ_DIR=str(_faq_dir(tmp_path)))
    started = time.monotonic()
    proc = subprocess.run([sys.executable, "-m", "bot", "alerts", "send", ALERT_ID, "--no-voice"], cwd=ROOT,
                          env=env, capture_output=True, text=True, timeout=120)
    assert proc.returncode == 0, proc.stderr
    assert time.monotonic() - started >= 1.0
    got = [s.chat_id for s in standin.sent if s.method == "sendMessage"]
    assert sorted(got) == list(range(1, 41))
    assert "Sent 40" in proc.stdout


def test_the_pace_holds_where_it_binds(tmp_path: Path, standin: BotApiStandIn) -> None:
    """At a rate this machine can exceed, Telegram never sees more than it in any one second."""
    rate, people = 40, 200
    db = store.ensure(Database(f"sqlite:///{tmp_path / 'bot.db'}"))
    with db.engine.begin() as conn:
        conn.execute(insert(store.AlertSubscription.__table__),
                     [{"user_id": c, "chat_id": c, "active": True} for c in range(1, people + 1)])
    env = dict(os.environ, TELEGRAM_BOT_TOKEN=standin.token, TELEGRAM_API_URL=standin.url,
               DATABASE_URL=f"sqlite:///{tmp_path / 'bot.db'}", FAQ_DIR=str(_faq_dir(tmp_path)),
               ALERT_MESSAGES_PER_SECOND=str(rate))
    proc = subprocess.run([sys.executable, "-m", "bot", "alerts", "send", ALERT_ID, "--no-voice"], cwd=ROOT,
                          env=env, capture_output=True, text=True, timeout=120)
    assert proc.returncode == 0, proc.stderr
    times = sorted(s.at for s in standin.sent if s.method == "sendMessage")
    assert len(times) == people
    most = max(sum(1 for u in times if t <= u < t + 1.0) for t in times)
    print(f"limit {rate}/s: at most {most} in one second, {people / (times[-1] - times[0]):.1f}/s on average")
    assert most <= rate
