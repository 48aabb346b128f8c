"""Input that carries no question does not page volunteers (issue 14, item 8).

Emoji, invisible characters, "??????" or "111111" used to count as unsure
turns, and two of them opened a ticket; each follow-up on a ticket was a
separate post in the volunteer group. Now such input gets a kind reply in
the user's language and never adds up to a ticket, and follow-ups within a
minute are gathered into one group post.
"""

from __future__ import annotations

import time
from pathlib import Path

import httpx
import pytest

from bot.local_secrets import auth_headers
from core.junk_input import NO_QUESTION, ONLY_NUMBERS, junk_kind
from core.strings import t
from tests.telegram_standin import BotApiStandIn
from tests.test_handoff_desk import GROUP as DESK_GROUP
from tests.test_handoff_desk import Clock, citizen, make_desk, open_one, run
from tests.test_handoff_e2e import GROUP, VOLUNTEER, ask_for_a_person

JUNK = ["👍👍", "??????", "111111", "\u200b\u2060\u200b", "\x07\x1b", "🙏 … !!!", "+976 9911-2233"]


@pytest.mark.parametrize(("text", "kind"), [
    ("👍👍", NO_QUESTION), ("??????", NO_QUESTION), ("\u200b\u2060", NO_QUESTION), ("\x07\x1b\x00", NO_QUESTION),
    ("🙏 … !!!", NO_QUESTION), ("111111", ONLY_NUMBERS), ("+976 9911-2233", ONLY_NUMBERS),
    ("١٢٣٤", ONLY_NUMBERS), ("4000 **** **** 9010", ONLY_NUMBERS),
    # What Rasa and the actions see after masking: a number was there, not a word.
    ("[phone]", ONLY_NUMBERS), ("[code] [account no.]", ONLY_NUMBERS),
    ("ok", None), ("юу?", None), ("102 гэж юу вэ", None), ("kartaa haah", None), ("d***@gmail.com", None),
    ("[phone] энэ хэний дугаар вэ", None),
])
def test_what_carries_no_question(text: str, kind: str | None) -> None:
    assert junk_kind(text) == kind


def test_rasa_answers_junk_kindly_and_never_hands_it_over(stack: dict[str, str]) -> None:
    """Even sent straight to Rasa (the FAQ action's own check), junk is never an unsure turn."""
    handoffs = []
    for n, text in enumerate(JUNK * 2):
        resp = httpx.post(f"{stack['rasa']}/webhooks/rest/webhook", headers=auth_headers(stack["token"]),
                          json={"sender": "junk-1", "message": text, "metadata": {"language": "en"}}, timeout=60)
        resp.raise_for_status()
        messages = resp.json()
        meta = next(m["custom"]["khotoch"] for m in messages if "custom" in m)
        handoffs.append(meta.get("handoff"))
        expected = t("en", f"junk_input.{junk_kind(text)}")
        assert [m["text"] for m in messages if m.get("text")] == [expected], (n, text)
    assert handoffs == [None] * len(handoffs)


def test_junk_gets_a_kind_reply_and_never_opens_a_ticket(bot_factory, standin: BotApiStandIn) -> None:
    bot_factory(VOLUNTEER_IDS=str(VOLUNTEER), VOLUNTEER_CHAT_ID=str(GROUP), VOLUNTEER_LANGUAGE="en")
    user = 770201
    for text in JUNK:
        mark = standin.mark()
        standin.send_text(user, text)
        reply = standin.wait_for(user, after=mark)[0]
        assert reply.text == t("mn", f"junk_input.{junk_kind(text)}")  # a new user: Mongolian
    # One unsure turn after all that junk is still only the first: no ticket yet.
    mark = standin.mark()
    standin.send_text(user, "Which football team won the league in 1998?")
    first = standin.wait_for(user, after=mark)[0]
    assert "number is" not in first.text
    time.sleep(1)
    assert standin.messages_to(GROUP) == [], "volunteers were paged"


def test_follow_ups_reach_the_group_as_one_post_per_minute(bot_factory, standin: BotApiStandIn) -> None:
    bot_factory(VOLUNTEER_IDS=str(VOLUNTEER), VOLUNTEER_CHAT_ID=str(GROUP), VOLUNTEER_LANGUAGE="en")
    user = 770202
    number, _, _ = ask_for_a_person(standin, user)
    mark = standin.mark()
    follow_ups = ["It happened yesterday.", "👍", "The bank is Khan Bank.", "They called twice."]
    for text in follow_ups:
        sent = standin.mark()
        standin.send_text(user, text)
        standin.wait_for(user, after=sent)  # each is acknowledged to the citizen
    deadline = time.monotonic() + 10
    while True:
        posts = [s for s in standin.sent[mark:] if s.chat_id == GROUP and s.method == "sendMessage"]
        edits = [s for s in standin.sent[mark:] if s.chat_id == GROUP and s.method == "editMessageText"]
        latest = (edits or posts)[-1].text if posts else ""
        if all(f in latest for f in follow_ups if f != "👍") or time.monotonic() > deadline:
            break
        time.sleep(0.2)
    assert len(posts) == 1 and f"Ticket {number}. The person adds:" in posts[0].text
    assert all(f in latest for f in follow_ups if f != "👍"), latest
    assert "👍" not in "\n".join(s.text for s in standin.sent[mark:] if s.chat_id == GROUP)
    assert all(e.params["message_id"] == posts[0].message["message_id"] for e in edits)


def test_a_follow_up_after_the_minute_is_a_new_post(tmp_path: Path) -> None:
    clock = Clock()
    desk, notifier, _ = make_desk(f"sqlite:///{tmp_path / 'desk.db'}", clock)
    open_one(desk)
    posts_before = len(notifier.posts)
    run(desk.follow_up(citizen(), "en", "first"))
    clock.advance(seconds=40)
    run(desk.follow_up(citizen(), "en", "second"))
    notes = notifier.posts[posts_before:]
    assert len(notes) == 1 and notes[0].text == "Ticket 1. The person adds: first"
    assert notifier.edits[-1].message_id == notes[0].message_id
    assert notifier.edits[-1].text == "Ticket 1. The person adds: first\nsecond"
    clock.advance(seconds=21)  # a minute after the note
    run(desk.follow_up(citizen(), "en", "third"))
    notes = notifier.posts[posts_before:]
    assert len(notes) == 2 and notes[1].text == "Ticket 1. The person adds: third"
    # A volunteer's reply to the merged note still reaches the citizen.
    assert desk.ticket_for_post(DESK_GROUP, notes[0].message_id).id == 1
