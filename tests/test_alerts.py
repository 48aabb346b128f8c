"""Opt-in, opt-out, /forget, corrections, alert validation and the scam waves (issue 22).

The Assistant runs with a stand-in for Rasa (the answers Rasa's actions would
give); corrections go through the real python-telegram-bot Bot to the Bot API
stand-in. No Rasa process is needed.
"""

from __future__ import annotations

import asyncio
import datetime as dt
import shutil
from pathlib import Path
from typing import Any

import pytest
import yaml

from bot import alert_store as store
from bot import scam_waves
from bot.alert_content import load_alerts, load_corrections, problems
from bot.alerts import send_corrections
from bot.assistant import Assistant, Chat
from bot.config import Config
from bot.storage import Database, utcnow
from core.metadata import META_KEY
from core.settings import ROOT
from tests.telegram_standin import BotApiStandIn

FAQ_ID = "phishing_sms"


class FakeRasa:
    """Answers as Rasa's actions do: a scam verdict for a forwarded message, else an FAQ answer."""

    def __init__(self) -> None:
        self.health = self.actions_health = type("H", (), {"up": True})()

    async def send(self, sender: str, message: str, metadata: dict[str, Any]) -> list[dict[str, Any]]:
        if metadata.get("forwarded"):
            meta = {"topic": "scams", "scam": {"verdict": "likely_scam", "signals": ["upfront_fee"],
                                               "explanations": []}, "scam_patterns": ["loan_with_fee"]}
            return [{"text": "This is likely a scam."}, {"custom": {META_KEY: meta}}]
        return [{"text": "Fake SMS signs: ..."}, {"custom": {META_KEY: {"topic": "scams", "faq_id": FAQ_ID}}}]

    async def healthy(self) -> bool:
        return True

    async def forget(self, sender: str) -> bool:  # main's /forget also asks Rasa to drop the conversation
        return True

    async def close(self) -> None:
        pass


@pytest.fixture
def assistant(db_url: str) -> Assistant:
    db = store.ensure(Database(db_url))
    return Assistant(Config(), db, FakeRasa())


def run(coro):
    return asyncio.run(coro)


def subscribers(a: Assistant) -> list[int]:
    return [c for c, _, _ in store.alert_recipients(a.db, "alert:x", 0, 100)]


def test_nobody_is_subscribed_without_saying_yes_and_the_offer_comes_once(assistant: Assistant) -> None:
    chat = Chat(11, 11)
    out = run(assistant.text(chat, "You won a loan, pay 5000 first", forwarded=True))
    offer = out.replies[-1]
    assert [b.data for b in offer.buttons] == ["alerts:on", "alerts:no"]
    assert subscribers(assistant) == []  # offered, not subscribed
    again = run(assistant.text(chat, "Another loan offer, fee first", forwarded=True))
    assert all("alerts:on" not in [b.data for b in r.buttons] for r in again.replies)  # once per user
    pressed = run(assistant.press(chat, "alerts:on"))
    assert "/alerts off" in pressed.replies[0].text
    assert subscribers(assistant) == [11]


def test_declining_the_offer_subscribes_nobody_and_is_not_asked_again(assistant: Assistant) -> None:
    chat = Chat(12, 12)
    run(assistant.text(chat, "pay the fee to get your loan", forwarded=True))
    run(assistant.press(chat, "alerts:no"))
    assert subscribers(assistant) == []
    out = run(assistant.text(chat, "pay the fee to get your loan", forwarded=True))
    assert all(not r.buttons for r in out.replies)


def test_alerts_on_off_and_toggle_take_effect_at_once(assistant: Assistant) -> None:
    chat = Chat(13, 13)
    run(assistant.command(chat, "alerts", "on"))
    assert subscribers(assistant) == [13]
    out = run(assistant.command(chat, "alerts", "off"))
    assert subscribers(assistant) == []
    assert "/alerts on" in out.replies[0].text
    run(assistant.command(chat, "alerts"))  # bare /alerts: toggles on
    assert subscribers(assistant) == [13]
    run(assistant.command(chat, "alerts"))
    assert subscribers(assistant) == []


def test_forget_ends_alerts_and_deletes_the_answers_given(assistant: Assistant) -> None:
    chat = Chat(14, 14)
    run(assistant.command(chat, "alerts", "on"))
    run(assistant.text(chat, "how do I spot a fake bank sms"))
    with assistant.db.session() as s:
        assert s.get(store.AnswerGiven, (FAQ_ID, 14)) is not None  # entry id, chat id, date only
    run(assistant.command(chat, "forget"))
    assert subscribers(assistant) == []
    with assistant.db.session() as s:
        assert s.get(store.AnswerGiven, (FAQ_ID, 14)) is None
        assert s.get(store.AlertSubscription, 14) is None


def test_scam_checks_are_counted_by_pattern_per_week(assistant: Assistant) -> None:
    for user in (21, 22, 23):
        run(assistant.text(Chat(user, user), "pay a fee first for your loan", forwarded=True))
    weeks = scam_waves.collect(assistant.db, 4)
    assert list(weeks.values())[-1]["loan_with_fee"] == 3
    text = scam_waves.format_text(weeks, "en")
    assert "3" in text.splitlines()[-1] and "fee" in text.lower()


def _faq_with_correction(tmp: Path, date: dt.date) -> Path:
    faq = tmp / "faq"
    shutil.copytree(ROOT / "faq", faq, ignore=shutil.ignore_patterns("alerts"))
    path = faq / "scams.yml"
    data = yaml.safe_load(path.read_text(encoding="utf-8"))
    entry = next(e for e in data["entries"] if e["id"] == FAQ_ID)
    entry["correction"] = {"date": date.isoformat(), "note": {"en": "The hotline number has changed.",
                                                               "mn": "Лавлах утасны дугаар өөрчлөгдсөн."}}
    path.write_text(yaml.safe_dump(data, allow_unicode=True, sort_keys=False), encoding="utf-8")
    return faq


def test_a_correction_reaches_exactly_those_who_got_the_old_answer_within_90_days(
        tmp_path: Path, standin: BotApiStandIn) -> None:
    from telegram import Bot

    from bot.telegram_request import AiohttpRequest

    today = utcnow().date()
    faq = _faq_with_correction(tmp_path, today - dt.timedelta(days=1))
    db = store.ensure(Database(f"sqlite:///{tmp_path / 'bot.db'}"))
    got = {101: 10, 102: 89, 103: 1}  # chat -> days ago it got the old answer
    for chat, days in got.items():
        store.answer_given(db, FAQ_ID, chat, today - dt.timedelta(days=days))
    store.answer_given(db, FAQ_ID, 104, today - dt.timedelta(days=91))  # past the retention period
    store.answer_given(db, FAQ_ID, 105, today)  # after the correction: had the new answer
    store.answer_given(db, "clicked_link", 106, today - dt.timedelta(days=3))  # another entry
    store.answer_given(db, FAQ_ID, 107, today - dt.timedelta(days=5))
    store.set_alerts(db, 107, 107, on=False)  # opted out
    store.answer_given(db, FAQ_ID, 108, today - dt.timedelta(days=5))
    db.update_settings(103, language="en")
    standin.block([108])

    async def send() -> None:
        bot = Bot(standin.token, base_url=f"{standin.url}/bot", request=AiohttpRequest())
        async with bot:
            await send_corrections(db, bot, Config(alert_rate=50), None, faq_dir=faq)
            await send_corrections(db, bot, Config(alert_rate=50), None, faq_dir=faq)  # each once per user

    run(send())
    sent = [(s.chat_id, s.text) for s in standin.sent if s.method == "sendMessage"]
    assert sorted(c for c, _ in sent) == sorted(got)
    english = next(text for c, text in sent if c == 103)
    assert "correction" in english.lower() and "The hotline number has changed." in english
    mongolian = next(text for c, text in sent if c == 101)
    assert "Лавлах утасны дугаар өөрчлөгдсөн." in mongolian
    with db.session() as s:
        assert s.get(store.AlertSubscription, 108).blocked_at is not None  # 403 marked


def test_retention_job_keeps_only_the_last_90_days(tmp_path: Path) -> None:
    db = store.ensure(Database(f"sqlite:///{tmp_path / 'bot.db'}"))
    today = utcnow().date()
    store.answer_given(db, FAQ_ID, 1, today - dt.timedelta(days=91))
    store.answer_given(db, FAQ_ID, 2, today - dt.timedelta(days=10))
    assert store.drop_old_answers(db, 90) == 1
    with db.session() as s:
        assert s.get(store.AnswerGiven, (FAQ_ID, 1)) is None
        assert s.get(store.AnswerGiven, (FAQ_ID, 2)) is not None


def test_validation_finds_what_is_wrong_with_an_alert(tmp_path: Path) -> None:
    faq = tmp_path / "faq"
    shutil.copytree(ROOT / "faq", faq, ignore=shutil.ignore_patterns("alerts"))
    (faq / "alerts").mkdir()
    good = {"concerns": {"pattern": "loan_with_fee"}, "sources": ["https://example.org/a"],
            "text": {"en": "A short warning.", "mn": "Богино сэрэмжлүүлэг."}, "expires": "2099-01-01"}
    (faq / "alerts" / "2026-12-01-good.yml").write_text(yaml.safe_dump(good, allow_unicode=True), encoding="utf-8")
    bad = dict(good, concerns={"pattern": "no_such_pattern"}, expires="2026-11-01",
               text={"en": "Beware \U0001F6A8 see khan-bank.top", "mn": "in latin"})
    (faq / "alerts" / "2026-12-02-bad.yml").write_text(yaml.safe_dump(bad, allow_unicode=True), encoding="utf-8")
    (faq / "alerts" / "Bad Name.yml").write_text(yaml.safe_dump(good), encoding="utf-8")
    found = load_alerts(faq)
    assert [a.id for a in found.alerts] == ["2026-12-01-good"]
    messages = " ".join(p.message for p in problems(faq, []) if p.severity == "error")
    for expected in ("no_such_pattern", "emoji", "Cyrillic", "before the alert's date", "file name",
                     "khan-bank.top"):
        assert expected in messages, expected


def test_a_malformed_correction_is_reported(tmp_path: Path) -> None:
    faq = _faq_with_correction(tmp_path, utcnow().date() + dt.timedelta(days=3))
    corrections, found = load_corrections(faq)
    assert corrections == []
    assert any("future" in p.message for p in found)


def _alert_dir(tmp: Path, expires: str = "2099-01-01") -> Path:
    faq = tmp / "faq"
    shutil.copytree(ROOT / "faq", faq, ignore=shutil.ignore_patterns("alerts"))
    (faq / "alerts").mkdir()
    alert = {"concerns": {"faq": FAQ_ID}, "sources": ["https://example.org/a"], "expires": expires,
             "text": {"en": "Fake bank messages are back.", "mn": "Банкны нэрээр хуурамч мессеж дахин ирж байна."}}
    (faq / "alerts" / "2026-12-01-sms.yml").write_text(yaml.safe_dump(alert, allow_unicode=True), encoding="utf-8")
    return faq


def test_preview_shows_each_language_as_sent_and_who_it_would_reach(tmp_path: Path, monkeypatch, capsys) -> None:
    from bot.alerts import main
    from core import settings

    monkeypatch.setattr(settings, "FAQ_DIR", _alert_dir(tmp_path))
    url = f"sqlite:///{tmp_path / 'bot.db'}"
    db = store.ensure(Database(url))
    for user in (1, 2):
        store.set_alerts(db, user, user, on=True)
    assert main(["preview", "2026-12-01-sms", "--database", url]) == 0
    out = capsys.readouterr().out
    assert "Scam alert.\n\nFake bank messages are back." in out
    assert "Банкны нэрээр хуурамч мессеж дахин ирж байна." in out and "/alerts off" in out
    assert "subscribers not yet sent this alert: 2" in out


def test_an_expired_alert_is_not_sent(tmp_path: Path, monkeypatch, capsys) -> None:
    from bot.alerts import main
    from core import settings

    monkeypatch.setattr(settings, "FAQ_DIR", _alert_dir(tmp_path, expires="2026-12-02"))
    monkeypatch.setenv("TELEGRAM_BOT_TOKEN", "1:never-used")
    assert main(["send", "2026-12-01-sms", "--database", f"sqlite:///{tmp_path / 'bot.db'}"]) == 1
    assert "expired on 2026-12-02" in capsys.readouterr().err


def test_faq_validate_fails_on_a_broken_alert(tmp_path: Path, capsys) -> None:
    from bot.maintain.faq_tools import main

    faq = _alert_dir(tmp_path)
    assert main(["--faq-dir", str(faq), "validate", "--no-model"]) == 0
    (faq / "alerts" / "2026-12-03-broken.yml").write_text("concerns: {pattern: nothing}\n", encoding="utf-8")
    assert main(["--faq-dir", str(faq), "validate", "--no-model"]) == 1
    out = capsys.readouterr().out
    assert "alerts/2026-12-03-broken.yml" in out and "text.mn is missing" in out


def test_uncertain_chats_get_no_second_copy_unless_the_maintainer_asks(tmp_path: Path, monkeypatch,
                                                                        standin: BotApiStandIn) -> None:
    from bot.alerts import main
    from core import settings

    monkeypatch.setattr(settings, "FAQ_DIR", _alert_dir(tmp_path))
    monkeypatch.setenv("TELEGRAM_BOT_TOKEN", standin.token)
    monkeypatch.setenv("TELEGRAM_API_URL", standin.url)
    url = f"sqlite:///{tmp_path / 'bot.db'}"
    db = store.ensure(Database(url))
    for user in (1, 2):
        store.set_alerts(db, user, user, on=True)
    store.record(db, "alert:2026-12-01-sms", 1, store.SENDING)  # in flight when a run died
    assert main(["send", "2026-12-01-sms", "--no-voice", "--database", url]) == 0
    assert [s.chat_id for s in standin.sent if s.method == "sendMessage"] == [2]
    assert main(["send", "2026-12-01-sms", "--no-voice", "--resend-uncertain", "--database", url]) == 0
    assert [s.chat_id for s in standin.sent if s.method == "sendMessage"] == [2, 1]
