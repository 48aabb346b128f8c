"""End to end: Telegram (stand-in) <-> the real bot process <-> Rasa <-> actions.

Each test plays a citizen in a private chat and checks what they would see.
"""

from __future__ import annotations

import json
import os
import re
import subprocess
import sys
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

from tests.telegram_standin import BotApiStandIn

ROOT = Path(__file__).resolve().parents[1]

CYRILLIC = re.compile(r"[а-яөүё]", re.I)


def is_mongolian(text: str) -> bool:
    letters = [c for c in text if c.isalpha()]
    return sum(bool(CYRILLIC.match(c)) for c in letters) > 0.6 * len(letters)


def is_english(text: str) -> bool:
    return not CYRILLIC.search(text.split("Source:")[0])


def ask(api: BotApiStandIn, user: int, text: str, count: int = 1, **kw) -> list:
    mark = api.mark()
    api.send_text(user, text, **kw)
    return api.wait_for(user, count=count, after=mark)


def test_onboarding_in_english_then_a_question(bot_factory, standin: BotApiStandIn) -> None:
    bot_factory()
    user = 501
    # One question before the first answer: voice or not. The language comes
    # from what the user writes.
    start = ask(standin, user, "/start")[0]
    assert [b["callback_data"] for b in start.buttons] == ["voice:on", "voice:off"]
    assert is_mongolian(start.text.splitlines()[0]) and "read aloud" in start.text

    mark = standin.mark()
    standin.press(user, start, "voice:off")
    menu = standin.wait_for(user, count=3, after=mark)[-1]
    assert {b["callback_data"] for b in menu.buttons} >= {"/ask_eservices", "/ask_banking", "/ask_scams"}
    assert any(s.method == "answerCallbackQuery" for s in standin.sent[mark:])

    reply = ask(standin, user, "how do I log in to E-Mongolia?")[0]
    answer = reply.text
    assert "E-Mongolia" in answer and is_english(answer)
    feedback = [b["callback_data"] for b in reply.buttons]
    assert '/feedback{"helpful":"no"}' in feedback
    assert all("khotoch" not in s.text for s in standin.messages_to(user)), "metadata leaked to the user"


def test_mongolian_cyrillic_and_latin_get_mongolian_answers(bot_factory, standin: BotApiStandIn) -> None:
    bot_factory()
    cyr = ask(standin, 502, "e-Mongolia-д яаж нэвтрэх вэ?")[0].text
    assert is_mongolian(cyr) and "E-Mongolia" in cyr
    latin = ask(standin, 503, "dansaa yaj hamgaalah ve")[0].text
    assert is_mongolian(latin), latin


def test_prize_sms_question_is_about_scams(bot_factory, standin: BotApiStandIn) -> None:
    bot_factory()
    first = ask(standin, 504, "I got an SMS saying I won a prize")[0]
    assert is_english(first.text)
    # An answer about the scam, or (the thresholds learnt from training
    # material call this one a close race) buttons led by the prize-scam entry.
    reply = " ".join([first.text, *(b["text"] for b in first.buttons[:1])]).lower()
    assert any(word in reply for word in ("scam", "fee", "never", "warning", "prize"))


def test_topic_button_then_faq_button(bot_factory, standin: BotApiStandIn) -> None:
    bot_factory()
    user = 505
    menu = ask(standin, user, "/menu")[0]
    mark = standin.mark()
    standin.press(user, menu, "/ask_banking")
    topics = standin.wait_for(user, after=mark)[0]
    faq_buttons = [b for b in topics.buttons if b["callback_data"].startswith("/choose_faq")]
    assert len(faq_buttons) >= 5
    block = next(b for b in faq_buttons if "block_card" in b["callback_data"])
    mark = standin.mark()
    standin.press(user, topics, block["callback_data"])
    answer = standin.wait_for(user, after=mark)[0].text
    assert "1800-1917" in answer  # Khan Bank's card-blocking line, from the FAQ


def test_forged_button_and_junk_get_clear_replies(bot_factory, standin: BotApiStandIn) -> None:
    bot_factory()
    user = 506
    first = ask(standin, user, "сайн байна уу")[0]
    mark = standin.mark()
    standin.press(user, first, '/restart')
    forged = standin.wait_for(user, after=mark)[0].text
    assert "товч" in forged and is_mongolian(forged)
    assert "/help" in ask(standin, user, "/nonsense_command")[0].text


def test_stickers_photos_voice_and_edits_are_answered_politely(bot_factory, standin: BotApiStandIn) -> None:
    bot_factory()
    user = 507
    ask(standin, user, "hello, can you help me")
    # A voice note the bot cannot download is a recording it could not play.
    for kind, word in (("sticker", "sticker"), ("photo", "picture"), ("voice", "recording")):
        mark = standin.mark()
        standin.send_media(user, kind)
        assert word in standin.wait_for(user, after=mark)[0].text.lower()
    mark = standin.mark()
    msg = standin.send_text(user, "thanks")
    standin.wait_for(user, after=mark)  # answered first: a chat's messages are handled in order
    mark = standin.mark()
    standin.edit_text(user, msg, "thanks a lot")
    assert "new message" in standin.wait_for(user, after=mark)[0].text


def test_very_long_message_is_read_and_answered(bot_factory, standin: BotApiStandIn) -> None:
    bot_factory()
    text = "How do I block my lost bank card? " + "Please help me. " * 700
    assert len(text) > 10_000
    replies = ask(standin, 508, text, count=2)
    assert "beginning" in replies[0].text
    assert all(len(r.text) <= 4096 for r in replies)


def test_failing_optional_calls_do_not_stop_replies(bot_factory, standin: BotApiStandIn) -> None:
    standin.failing |= {"sendChatAction", "setMyCommands"}
    bot = bot_factory(TYPING_AFTER_SECONDS="0")  # "typing..." at once, so its failure happens
    assert ask(standin, 509, "how do I report fraud to the police")[0].text
    assert "sendChatAction failed" in bot.output()


def test_forwarded_scam_message_gets_a_verdict(bot_factory, standin: BotApiStandIn) -> None:
    bot_factory()
    sms = ("Khan Bank: Your account is blocked. Verify within 24 hours at http://khanbank-mn.com/verify "
           "and enter your PIN and the code we sent.")
    reply = ask(standin, 510, sms, forwarded=True)[0].text
    assert is_english(reply)
    assert "khanbank-mn.com" in reply or "PIN" in reply
    assert "102" in reply  # how to report it


def test_voice_replies_come_as_opus_voice_messages(bot_factory, standin: BotApiStandIn) -> None:
    bot_factory()
    user = 511
    ask(standin, user, "/voice")
    mark = standin.mark()
    standin.send_text(user, "how do I block my card")
    voice = standin.wait_for(user, method="sendVoice", after=mark, timeout=40)[0]
    assert voice.files["voice"][:4] == b"OggS"
    assert int(voice.params["duration"]) >= 1


class SlowServer:
    """Accepts connections and answers nothing for a long time: a hung Rasa."""

    def __init__(self, delay: float) -> None:
        self.delay = delay

        class Handler(BaseHTTPRequestHandler):
            def do_POST(handler) -> None:  # noqa: N802
                time.sleep(delay)
                handler.send_response(200)
                handler.end_headers()

            def log_message(handler, *args) -> None:
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.server.daemon_threads = True
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}"
        threading.Thread(target=self.server.serve_forever, daemon=True).start()

    def stop(self) -> None:
        self.server.shutdown()


def test_rasa_slow_or_down_apologises_fast_and_answers_later(bot_factory, standin: BotApiStandIn) -> None:
    user = 512
    slow = SlowServer(delay=20)
    bot = bot_factory(RASA_URL=slow.url, RASA_TIMEOUT="2.5", PENDING_RETRY_SECONDS="3600")
    started = time.monotonic()
    apology = ask(standin, user, "how do I change my card PIN")[0].text
    assert time.monotonic() - started < 3.0, "no apology within 3 seconds"
    assert "saved your question" in apology
    assert standin.messages_to(user, "sendChatAction"), "no typing indicator during a long wait"
    bot.stop()
    slow.stop()

    bot = bot_factory(RASA_URL="http://127.0.0.1:9", PENDING_RETRY_SECONDS="3600")  # nothing listens
    started = time.monotonic()
    assert "saved your question" in ask(standin, user, "what is the deposit insurance limit")[0].text
    assert time.monotonic() - started < 3.0
    bot.stop()

    bot_factory(PENDING_RETRY_SECONDS="1")  # same database, Rasa reachable again
    kept = standin.wait_for(user, count=2, contains="Earlier you asked", timeout=60)
    assert "change my card PIN" in kept[0].text and "deposit insurance" in kept[1].text
    assert all(len(k.text) > len("Earlier you asked") + 60 for k in kept), "the kept answer is missing"


def test_asking_for_a_check_then_pasting_the_message(bot_factory, standin: BotApiStandIn) -> None:
    bot_factory()
    user = 513
    prompt = ask(standin, user, "is this a scam?")[0].text
    assert "forward me the message" in prompt
    verdict = ask(standin, user, "Dear customer, your Golomt account will be closed today. "
                                 "Send the 6-digit code we sent you to this chat to keep it open.")[0].text
    assert "scam" in verdict.lower() and "102" in verdict


def test_asking_for_english_in_mongolian_switches_language(bot_factory, standin: BotApiStandIn) -> None:
    bot_factory()
    user = 514
    assert ask(standin, user, "англиар ярина уу")[0].text == "I will answer in English."
    reply = ask(standin, user, "картаа алдчихлаа яах вэ")[0]
    assert is_english(reply.text)
    # Either the answer itself or, when the match is less sure, a choice led by it.
    offered = reply.text + " ".join(b["callback_data"] for b in reply.buttons)
    assert "1800-1917" in offered or '"faq_id":"block_card"' in offered


def test_button_after_choosing_english_answers_in_english(bot_factory, standin: BotApiStandIn) -> None:
    """A language chosen in the bot (no Rasa turn) applies to Rasa's own replies to buttons."""
    bot_factory()
    user = 515
    first = ask(standin, user, "сайн байна уу")[0]
    assert is_mongolian(first.text)
    mark = standin.mark()
    standin.press(user, first, "lang:en")
    standin.wait_for(user, after=mark)
    mark = standin.mark()
    standin.press(user, first, "/greet")
    greeting = standin.wait_for(user, after=mark)[0].text
    assert is_english(greeting) and "Khotoch" in greeting


def test_ask_prints_what_the_bot_would_answer(stack: dict[str, str]) -> None:
    """Maintainers' `python -m bot ask --jsonl`, through the running Rasa and action server."""
    env = dict(os.environ, RASA_URL=stack["rasa"], ACTIONS_URL=stack["actions"], RASA_TIMEOUT="15",
               RASA_AUTH_TOKEN=stack["token"])
    lines = "\n".join([
        "kart hulgailagdsan",
        json.dumps({"text": "Your Khan Bank account is blocked. Unlock it now: http://khan-bank-mn.xyz/login",
                    "forwarded": True}),
        "what is the weather in Ulaanbaatar tomorrow",
        "хүнтэй ярих",
    ])
    proc = subprocess.run([sys.executable, "-m", "bot", "ask", "--jsonl", "--no-services"], input=lines,
                          capture_output=True, text=True, env=env, cwd=ROOT, timeout=120)
    assert proc.returncode == 0, proc.stderr
    card, forwarded, weather, person = [json.loads(line) for line in proc.stdout.splitlines()]
    assert set(card) >= {"text", "language", "intent", "intent_confidence", "topic", "faq_id", "faq_score",
                         "scam", "handoff", "replies"}
    assert (card["language"], card["topic"]) == ("mn", "banking") and card["faq_id"] and card["replies"]
    assert card["scam"] is None
    assert forwarded["scam"] is not None and forwarded["topic"] == "scams"
    assert weather["faq_id"] is None and weather["topic"] is None and weather["replies"]
    assert person["handoff"] and person["replies"], "ask shows what the user would be told"
