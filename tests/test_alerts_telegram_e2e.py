"""/alerts for citizens and /alert ID + confirm for maintainers, through the real bot process.

The bot runs as `python -m bot run --no-services` against the Bot API
stand-in; these commands never reach Rasa, so none is started.
"""

from __future__ import annotations

import datetime as dt
import os
import subprocess
import sys
import time
from pathlib import Path

from sqlalchemy import insert

from bot import alert_store as store
from bot.storage import Database, utcnow
from core.settings import ROOT
from core.strings import t
from tests.conftest import free_port
from tests.telegram_standin import BotApiStandIn
from tests.test_alerts_broadcast_e2e import ALERT_ID, TEXT, _faq_dir

MAINTAINER, STRANGER, CITIZEN = 900, 901, 902
SUBSCRIBERS = list(range(1000, 1030))


def _start_bot(tmp_path: Path, standin: BotApiStandIn) -> subprocess.Popen:
    """`python -m bot run --no-services` against the stand-in; returns once it polls."""
    env = dict(os.environ, TELEGRAM_BOT_TOKEN=standin.token, TELEGRAM_API_URL=standin.url,
               DATABASE_URL=f"sqlite:///{tmp_path / 'bot.db'}", STATE_DIR=str(tmp_path / "state"),
               FAQ_DIR=str(_faq_dir(tmp_path)), MAINTAINER_IDS=str(MAINTAINER),
               RASA_URL=f"http://127.0.0.1:{free_port()}", ACTIONS_URL=f"http://127.0.0.1:{free_port()}",
               KHOTOCH_VOICE_ONLINE="0", LOG_LEVEL="INFO")
    log = tmp_path / "bot.log"
    with open(log, "ab") as out:
        bot = subprocess.Popen([sys.executable, "-m", "bot", "run", "--no-services"], cwd=ROOT, env=env,
                               stdout=out, stderr=subprocess.STDOUT)
    deadline = time.monotonic() + 60
    while not any(s.method == "getMe" for s in standin.sent):
        assert bot.poll() is None and time.monotonic() < deadline, log.read_text()[-3000:]
        time.sleep(0.1)
    return bot


def test_maintainer_sends_an_alert_from_telegram_with_one_status_message(tmp_path: Path,
                                                                         standin: BotApiStandIn) -> None:
    db = store.ensure(Database(f"sqlite:///{tmp_path / 'bot.db'}"))
    with db.engine.begin() as conn:
        conn.execute(insert(store.AlertSubscription.__table__),
                     [{"user_id": c, "chat_id": c, "active": True} for c in SUBSCRIBERS])
    bot = _start_bot(tmp_path, standin)
    try:
        # A citizen says yes with the command; a stranger cannot send alerts.
        standin.send_text(CITIZEN, "/alerts on")
        assert "/alerts off" in standin.wait_for(CITIZEN)[0].text
        standin.send_text(STRANGER, f"/alert {ALERT_ID}")
        assert standin.wait_for(STRANGER)[0].text == t("mn", "alerts.maintainers_only")

        standin.send_text(MAINTAINER, f"/alert {ALERT_ID}")
        confirm = standin.wait_for(MAINTAINER)[0]
        assert "31" in confirm.text and TEXT["mn"] in confirm.text  # subscribers counted, text shown
        assert [b["callback_data"] for b in confirm.buttons] == [f"alert:send:{ALERT_ID}", f"alert:cancel:{ALERT_ID}"]
        standin.press(STRANGER, confirm, f"alert:send:{ALERT_ID}")  # a forged press sends nothing
        refusal = standin.wait_for(None, method="answerCallbackQuery", contains=t("mn", "alerts.maintainers_only"))
        assert refusal[0].params.get("show_alert") in (True, "true", "True")
        standin.press(MAINTAINER, confirm, f"alert:send:{ALERT_ID}")

        summary = standin.wait_for(MAINTAINER, method="editMessageText", contains="Илгээсэн 31,", timeout=60)
        edits = standin.messages_to(MAINTAINER, "editMessageText")
        assert {e.params["message_id"] for e in edits} == {confirm.message["message_id"]}  # one status message
        assert summary
        for chat in [*SUBSCRIBERS, CITIZEN]:
            got = standin.messages_to(chat, "sendMessage")
            assert sum(TEXT["mn"] in s.text for s in got) == 1, chat
        assert not any(TEXT["mn"] in s.text for s in standin.messages_to(STRANGER, "sendMessage"))
    finally:
        bot.terminate()
        bot.wait(15)


def test_the_offer_after_a_real_scam_check_and_the_wave_it_counts(bot_factory, standin: BotApiStandIn,
                                                                   tmp_path: Path) -> None:
    """Through Rasa and the action server: the verdict, then the one offer; yes subscribes."""
    bot_factory()
    user = 903
    sms = ("Congratulations! You are approved for a 5,000,000 MNT loan without collateral. "
           "Pay the 50,000 MNT insurance fee first to receive it.")
    mark = standin.mark()
    standin.send_text(user, sms, forwarded=True)
    offer = standin.wait_for(user, count=2, after=mark)[-1]
    assert [b["callback_data"] for b in offer.buttons] == ["alerts:on", "alerts:no"]
    db = store.ensure(Database(f"sqlite:///{tmp_path / 'bot.db'}"))
    assert store.alert_recipients(db, "alert:x", 0, 10) == []  # offered, not yet subscribed
    standin.press(user, offer, "alerts:on")
    standin.wait_for(user, count=3, after=mark)
    assert [c for c, _, _ in store.alert_recipients(db, "alert:x", 0, 10)] == [user]
    checks = store.scam_checks_since(db, utcnow() - dt.timedelta(hours=1))
    assert [p for _, p in checks] != ["none"] and len(checks) == 1  # counted under its pattern or sign
    standin.send_text(user, sms, forwarded=True)  # the offer is not repeated
    again = standin.wait_for(user, count=4, after=mark)[-1]
    assert not any(b.get("callback_data", "").startswith("alerts:") for b in again.buttons)


def test_a_broadcast_the_bot_was_sending_when_it_died_goes_on_at_start(tmp_path: Path,
                                                                      standin: BotApiStandIn) -> None:
    db = store.ensure(Database(f"sqlite:///{tmp_path / 'bot.db'}"))
    campaign = f"alert:{ALERT_ID}"
    with db.engine.begin() as conn:
        conn.execute(insert(store.AlertSubscription.__table__),
                     [{"user_id": c, "chat_id": c, "active": True} for c in SUBSCRIBERS])
        conn.execute(insert(store.BroadcastRun.__table__).values(campaign=campaign, started_by=MAINTAINER))
        conn.execute(insert(store.BroadcastDelivery.__table__),
                     [{"campaign": campaign, "chat_id": c, "status": store.SENT} for c in SUBSCRIBERS[:10]])
    bot = _start_bot(tmp_path, standin)
    try:
        summary = standin.wait_for(MAINTAINER, contains="Илгээсэн 20,", timeout=60)
        assert len(summary) == 1
        for chat in SUBSCRIBERS:
            assert len(standin.messages_to(chat, "sendMessage")) == (0 if chat in SUBSCRIBERS[:10] else 1)
    finally:
        bot.terminate()
        bot.wait(15)
