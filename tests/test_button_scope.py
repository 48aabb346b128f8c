"""Button presses count only in the chat they belong to (issue 14, item 6).

Through the real bot process (Telegram stand-in, real Rasa): forged
callbacks from group members, and ticket buttons pressed from another chat,
must never make the bot post into the volunteer group or write to a
citizen; genuine presses still work.
"""

from __future__ import annotations

import time

import pytest

from bot.button_scope import belongs_here
from core.strings import t
from tests.telegram_standin import BotApiStandIn, Sent
from tests.test_handoff_e2e import GROUP, VOLUNTEER, ask_for_a_person

OTHER_GROUP = -1009999999
STRANGER = 880102
# Shown to the presser alone, in the group's language or the presser's own.
FORGED = {t("en", "bot.forged_button"), t("mn", "bot.forged_button")}


@pytest.mark.parametrize(("data", "chat_id", "chat_type", "ok"), [
    ("tk:take:3", GROUP, "supergroup", True),
    ("tk:take:3", OTHER_GROUP, "supergroup", False),
    ("tk:faq:3", 555, "private", False),
    ("tk:done:3", 555, "private", True),
    ("tk:done:3", GROUP, "supergroup", False),
    ('/choose_faq{"faq_id":"block_card"}', GROUP, "supergroup", False),
    ('/choose_faq{"faq_id":"block_card"}', 555, "private", True),
    ("lang:en", OTHER_GROUP, "group", False),
    ("menu", None, None, False),
])
def test_which_chat_a_button_belongs_to(data: str, chat_id: int | None, chat_type: str | None, ok: bool) -> None:
    assert belongs_here(data, chat_id, chat_type, GROUP) is ok


def open_ticket(api: BotApiStandIn, citizen: int, question: str) -> tuple[int, Sent, Sent]:
    mark = api.mark()
    api.send_text(citizen, question)
    api.wait_for(citizen, after=mark)
    return ask_for_a_person(api, citizen)


def toasts(api: BotApiStandIn, after: int, count: int) -> list[str]:
    found = api.wait_for(None, count=count, after=after, method="answerCallbackQuery")  # type: ignore[arg-type]
    return [str(s.params.get("text")) for s in found]


def test_forged_presses_never_post_into_the_group_or_reach_a_citizen(bot_factory, standin: BotApiStandIn) -> None:
    bot_factory(VOLUNTEER_IDS=str(VOLUNTEER), VOLUNTEER_CHAT_ID=str(GROUP), VOLUNTEER_LANGUAGE="en")
    citizen, other = 770101, 770102
    number, created, post = open_ticket(standin, citizen, "My card 4000 1234 5678 9010 was charged twice")
    other_number, _, other_post = open_ticket(standin, other, "how do I renew my passport online?")

    mark = standin.mark()
    forged = ['/choose_faq{"faq_id":"block_card"}', "/human_handoff", '/feedback{"helpful":"no"}',
              "lang:en", "menu", f"tk:done:{number}"]
    presses = 0
    for member in (STRANGER, VOLUNTEER, citizen):  # the citizen may be in the group too
        for data in forged:
            standin.press(member, post, data)  # on the ticket post, in the group
            presses += 1
    standin.press(VOLUNTEER, post, f"tk:take:{other_number}")  # another ticket's button on this post
    standin.press(VOLUNTEER, created, f"tk:take:{number}")  # a ticket button from a citizen's chat
    standin.press(VOLUNTEER, created, f"tk:close:{number}")
    presses += 3
    assert set(toasts(standin, mark, presses)) <= FORGED
    time.sleep(2)  # anything a handler would still send has had time to go out
    after = standin.sent[mark:]
    assert [s.method for s in after if s.chat_id == GROUP] == [], "the bot posted into the group"
    assert [s.text for s in after if s.chat_id in (citizen, other)] == [], "a citizen was written to"
    group_text = "\n".join(s.text for s in standin.messages_to(GROUP))
    assert "charged twice" in group_text and "1234 5678" not in group_text  # only the masked ticket post

    # The genuine button on its own post still works.
    mark = standin.mark()
    standin.press(VOLUNTEER, other_post, f"tk:take:{other_number}")
    told = standin.wait_for(other, after=mark, contains="looking at your question")[0]
    assert str(other_number) in told.text
    assert "Taken by" in standin.wait_for(GROUP, after=mark, method="editMessageText")[0].text
    # And the citizen's own Close, in their own chat, too.
    mark = standin.mark()
    standin.press(citizen, created, f"tk:done:{number}")
    assert standin.wait_for(citizen, after=mark, contains="closed")
