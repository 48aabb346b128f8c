"""End to end: a citizen's private chat and the volunteer group, through the real bot process.

Telegram is the loopback stand-in; Rasa and the action server are real. Each
test checks what a citizen or a volunteer would see on their phone.
"""

from __future__ import annotations

import re

import pytest

from tests.telegram_standin import BotApiStandIn, Sent

GROUP = -1001234567
VOLUNTEER = 880001
MAINTAINER = 880002
CARD = "4000 1234 5678 9010"
PHONE = "9911 2233"
TICKET = re.compile(r"number is (\d+)")


@pytest.fixture
def desk_bot(bot_factory):
    def start():
        return bot_factory(VOLUNTEER_IDS=str(VOLUNTEER), MAINTAINER_IDS=str(MAINTAINER),
                           VOLUNTEER_CHAT_ID=str(GROUP), VOLUNTEER_LANGUAGE="en", KHOTOCH_VOICE_ONLINE="0")
    return start


def say(api: BotApiStandIn, user: int, text: str, count: int = 1, contains: str | None = None) -> list[Sent]:
    mark = api.mark()
    api.send_text(user, text)
    return api.wait_for(user, count=count, after=mark, contains=contains)


def ask_for_a_person(api: BotApiStandIn, user: int) -> tuple[int, Sent, Sent]:
    """Returns the ticket number, the citizen's ticket message and the group post."""
    mark = api.mark()
    api.send_text(user, "I want to talk to a human")
    created = api.wait_for(user, after=mark, contains="volunteer")[0]
    number = int(TICKET.search(created.text).group(1))
    post = api.wait_for(GROUP, after=mark, contains=f"Ticket {number}.")[0]
    return number, created, post


def volunteer_replies(api: BotApiStandIn, post: Sent, text: str, user: int = VOLUNTEER) -> None:
    api.send_text(user, text, chat_id=GROUP, chat_type="supergroup", reply_to=post.message)


def test_request_for_a_person_is_answered_by_a_volunteer(desk_bot, standin: BotApiStandIn) -> None:
    desk_bot()
    citizen = 770001
    say(standin, citizen, "how do I get a certificate of residence online?")
    number, created, post = ask_for_a_person(standin, citizen)
    assert "usually within about an hour" in created.text  # no answered tickets yet: the default
    assert [b["callback_data"] for b in created.buttons] == [f"tk:done:{number}"]
    assert [b["callback_data"] for b in post.buttons] == [f"tk:take:{number}", f"tk:close:{number}"]
    assert "certificate of residence" in post.text and "Language: English" in post.text
    assert str(citizen) not in post.text and "Dorj" not in post.text

    mark = standin.mark()
    volunteer_replies(standin, post, "Open E-Mongolia, search for residence, download the certificate.")
    answer = standin.wait_for(citizen, after=mark, contains="A volunteer answers")[0]
    assert "download the certificate" in answer.text
    assert standin.wait_for(GROUP, after=mark, contains=f"Sent to the person, ticket {number}")
    edit = standin.wait_for(GROUP, after=mark, method="editMessageText")[-1]
    assert "Answered by Dorj" in edit.text  # the volunteer's first name, in the group only

    # The citizen's follow-up goes to the same ticket, as a reply to its post.
    mark = standin.mark()
    standin.send_text(citizen, "Thank you! Does it cost money?")
    assert standin.wait_for(citizen, after=mark, contains=f"question {number}")
    note = standin.wait_for(GROUP, after=mark, contains="The person adds")[0]
    assert "Does it cost money?" in note.text
    assert note.params["reply_parameters"]["message_id"] == post.message["message_id"]
    mark = standin.mark()
    volunteer_replies(standin, note, "No, it is free.")
    assert "No, it is free." in standin.wait_for(citizen, after=mark, contains="A volunteer answers")[0].text

    # The citizen closes; they are asked whether it helped, and the group sees it closed.
    mark = standin.mark()
    standin.press(citizen, created, f"tk:done:{number}")
    closed = standin.wait_for(citizen, after=mark, contains="closed")[0]
    assert '/feedback{"helpful":"yes"}' in [b["callback_data"] for b in closed.buttons]
    assert standin.wait_for(GROUP, after=mark, contains=f"The person closed ticket {number}")
    # Now the bot answers again instead of relaying.
    reply = say(standin, citizen, "how do I log in to E-Mongolia?")[0]
    assert "volunteer" not in reply.text.lower()


def test_low_confidence_twice_opens_a_ticket(desk_bot, standin: BotApiStandIn) -> None:
    desk_bot()
    citizen = 770002
    question = "Which football team won the league in 1998?"
    first = say(standin, citizen, question)[0]
    assert TICKET.search(first.text) is None, "one unsure answer is not yet a reason for a ticket"
    mark = standin.mark()
    standin.send_text(citizen, question)
    created = standin.wait_for(citizen, after=mark, contains="could not find a good answer")[0]
    number = int(TICKET.search(created.text).group(1))
    post = standin.wait_for(GROUP, after=mark, contains=f"Ticket {number}.")[0]
    assert "could not find a good answer twice" in post.text and "football team" in post.text


def test_group_sees_card_and_phone_masked(desk_bot, standin: BotApiStandIn) -> None:
    desk_bot()
    citizen = 770003
    say(standin, citizen, f"Someone took money from my card {CARD}. They called me from {PHONE}.")
    number, _, post = ask_for_a_person(standin, citizen)
    group_text = "\n".join(s.text for s in standin.messages_to(GROUP))
    assert "4000 **** **** 9010" in group_text and "[phone]" in group_text
    for secret in ("1234 5678", PHONE, "99112233"):
        assert secret not in group_text
    mark = standin.mark()
    standin.send_text(citizen, f"My other number is {PHONE}")  # a follow-up is masked too
    note = standin.wait_for(GROUP, after=mark, contains="The person adds")[0]
    assert "[phone]" in note.text and PHONE not in note.text


def test_open_ticket_survives_a_restart_of_the_bot(desk_bot, standin: BotApiStandIn) -> None:
    bot = desk_bot()
    citizen = 770004
    number, _, post = ask_for_a_person(standin, citizen)
    bot.stop()
    desk_bot()  # a new process over the same database
    mark = standin.mark()
    volunteer_replies(standin, post, "Answer after the restart.")
    answer = standin.wait_for(citizen, after=mark, contains="A volunteer answers")[0]
    assert f"question {number}" in answer.text and "Answer after the restart." in answer.text


def test_volunteer_and_maintainer_commands_are_refused_to_others(desk_bot, standin: BotApiStandIn) -> None:
    desk_bot()
    stranger, citizen = 770005, 770006
    number, _, post = ask_for_a_person(standin, citizen)
    for user in (stranger, VOLUNTEER, MAINTAINER):
        say(standin, user, "hello, can you help me")  # they write English, so the bot answers in English
    assert say(standin, stranger, "/stats 30")[0].text == "This command is for Khotoch maintainers."
    assert say(standin, stranger, "/tickets")[0].text == "Only Khotoch volunteers can use this."
    mark = standin.mark()
    volunteer_replies(standin, post, "I am not a volunteer", user=stranger)
    assert standin.wait_for(GROUP, after=mark, contains="Only Khotoch volunteers")
    mark = standin.mark()
    standin.press(stranger, post, f"tk:take:{number}")
    answered = standin.wait_for(None, after=mark, method="answerCallbackQuery")[0]  # type: ignore[arg-type]
    assert answered.params.get("text") == "Only Khotoch volunteers can use this."
    assert all("I am not a volunteer" not in s.text and "looking at your question" not in s.text
               for s in standin.messages_to(citizen))

    listing = say(standin, VOLUNTEER, "/tickets")[0].text
    assert f"Ticket {number}: waiting" in listing
    mark = standin.mark()
    standin.send_text(MAINTAINER, "/stats 30")
    report = standin.wait_for(MAINTAINER, after=mark, contains="Statistics for the last 30 days")[0]
    assert "Tickets: 1 opened, 0 answered, 1 open now." in report.text
    photo = standin.wait_for(MAINTAINER, after=mark, method="sendPhoto")[0]
    assert photo.files["photo"].startswith(b"\x89PNG")
