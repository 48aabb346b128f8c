"""The volunteer desk with a fake Telegram: what citizens and volunteers would see."""

from __future__ import annotations

import asyncio
import datetime as dt
from collections.abc import Sequence
from dataclasses import dataclass, field

import pytest

from bot.config import Config
from bot.handoff.desk import Desk
from bot.handoff.tables import FaqCandidate, Ticket, TicketMessage
from bot.handoff.wording import wait_text
from bot.replies import Button, Reply
from bot.storage import Database
from bot.volunteers import parse_days, reads_as_question
from core.settings import DeskSettings

GROUP = -100200300
VOLUNTEER = 900001
MAINTAINER = 900002
CITIZEN = 555123
CARD = "4000 1234 5678 9010"
PHONE = "9911 2233"


@dataclass(frozen=True)
class Chat:
    """Like bot.assistant.Chat."""

    user_id: int
    chat_id: int
    private: bool = True


@dataclass
class Post:
    message_id: int
    text: str
    buttons: list[Button]
    reply_to: int | None = None


@dataclass
class FakeNotifier:
    posts: list[Post] = field(default_factory=list)
    edits: list[Post] = field(default_factory=list)
    sent: list[tuple[int, list[Reply], str, bool]] = field(default_factory=list)
    deliver: bool = True
    next_id: int = 100

    async def post_group(self, text: str, buttons: Sequence[Button] = (), reply_to: int | None = None) -> int:
        self.next_id += 1
        self.posts.append(Post(self.next_id, text, list(buttons), reply_to))
        return self.next_id

    async def edit_group(self, message_id: int, text: str, buttons: Sequence[Button] = ()) -> None:
        self.edits.append(Post(message_id, text, list(buttons)))

    async def send_citizen(self, chat_id: int, replies: Sequence[Reply], lang: str, voice: bool = False,
                           rate: int | None = None) -> bool:
        if self.deliver:
            self.sent.append((chat_id, list(replies), lang, voice))
        return self.deliver

    def citizen_text(self) -> str:
        return "\n".join(r.text for _, replies, _, _ in self.sent for r in replies)


class Clock:
    def __init__(self) -> None:
        self.now = dt.datetime(2026, 3, 2, 4, 0)

    def __call__(self) -> dt.datetime:
        return self.now

    def advance(self, **kw: float) -> None:
        self.now += dt.timedelta(**kw)


CONFIG = Config(volunteer_ids=frozenset({VOLUNTEER}), maintainer_ids=frozenset({MAINTAINER}),
                volunteer_chat_id=GROUP)
SETTINGS = DeskSettings(remind_minutes=30, default_wait_minutes=60, group_language="en")


def make_desk(url: str, clock: Clock | None = None) -> tuple[Desk, FakeNotifier, Database]:
    db = Database(url)
    notifier = FakeNotifier()
    return Desk(CONFIG, db, notifier, SETTINGS, clock or Clock()), notifier, db


def citizen(user_id: int = CITIZEN) -> Chat:
    return Chat(user_id=user_id, chat_id=user_id)


def run(coro):
    return asyncio.run(coro)


@pytest.fixture
def clock() -> Clock:
    return Clock()


@pytest.fixture
def desk_parts(db_url: str, clock: Clock) -> tuple[Desk, FakeNotifier, Database]:
    return make_desk(db_url, clock)


def open_one(desk: Desk, question: str = "How do I renew my ID card online?", lang: str = "en",
             reason: str = "user_request", user: int = CITIZEN) -> tuple[list[Reply], dict]:
    return run(desk.open_ticket(citizen(user), lang, question, reason, "eservices"))


def test_citizen_is_told_number_and_usual_wait_in_their_language(desk_parts) -> None:
    desk, _, _ = desk_parts
    replies, info = open_one(desk, "Иргэний үнэмлэхээ яаж сунгах вэ?", lang="mn")
    assert info["number"] == 1
    text = replies[0].text
    assert "сайн дурын ажилтан" in text.lower() and "1" in text
    assert "ойролцоогоор нэг цаг" in text  # the configured default: no history yet
    assert replies[0].buttons == [Button("Асуултаа хаах", "tk:done:1")]

    replies, info = open_one(desk, "my card is blocked", reason="low_confidence", user=CITIZEN + 1)
    assert info["number"] == 2
    assert replies[0].text.startswith("I could not find a good answer")
    assert "number is 2" in replies[0].text


def test_usual_wait_is_the_median_of_recent_answers(desk_parts, clock: Clock) -> None:
    desk, _, db = desk_parts
    with db.session() as s:
        for minutes in (10, 20, 45):
            start = clock.now - dt.timedelta(hours=5)
            s.add(Ticket(language="en", reason="user_request", question="q", created_at=start,
                         answered_at=start + dt.timedelta(minutes=minutes), status="closed"))
    assert desk.usual_wait_minutes() == 20
    replies, _ = open_one(desk)
    assert "usually within about 20 minutes" in replies[0].text
    assert wait_text("en", 200) == "about 3 hours" and wait_text("mn", 3000) == "ойролцоогоор 2 хоног"


def test_group_post_is_masked_and_names_nobody(desk_parts) -> None:
    desk, notifier, db = desk_parts
    db.add_turn(CITIZEN, "user", f"my phone is {PHONE}", language="en")
    db.add_turn(CITIZEN, "bot", "Sorry, I did not understand.", language="en", answered=False)
    open_one(desk, f"Someone took money from card {CARD}, call me on {PHONE}")
    post = notifier.posts[0]
    assert "4000 **** **** 9010" in post.text and "[phone]" in post.text
    for secret in ("1234 5678", PHONE, "99112233", str(CITIZEN), "Dorj"):
        assert secret not in post.text
    assert "Ticket 1" in post.text and "Language: English" in post.text and "E-services" in post.text
    assert "Sorry, I did not understand." in post.text  # the recent conversation
    assert [b.data for b in post.buttons] == ["tk:take:1", "tk:close:1"]
    with db.session() as s:
        assert CARD not in s.get(Ticket, 1).question


def test_volunteer_reply_reaches_citizen_without_the_volunteers_name(desk_parts) -> None:
    desk, notifier, db = desk_parts
    db.update_settings(CITIZEN, voice=True)
    open_one(desk)
    post = notifier.posts[0]
    note = run(desk.volunteer_answer(GROUP, post.message_id, VOLUNTEER, "Anna Bold",
                                     "Open E-Mongolia, choose ID card, then Renew."))
    assert note == "Sent to the person, ticket 1."
    chat_id, replies, lang, voice = notifier.sent[-1]
    assert chat_id == CITIZEN and lang == "en" and voice is True
    assert "A volunteer answers your question 1" in replies[0].text
    assert "Open E-Mongolia, choose ID card" in replies[0].text
    assert "Anna" not in notifier.citizen_text()
    edited = notifier.edits[-1]
    assert "Answered by Anna." in edited.text and "Bold" not in edited.text
    assert "tk:faq:1" in [b.data for b in edited.buttons]
    assert db.settings(CITIZEN).last_answer.endswith("then Renew."), "/repeat plays the volunteer's answer"


def test_follow_ups_go_to_the_same_ticket_and_back(desk_parts) -> None:
    desk, notifier, _ = desk_parts
    assert run(desk.follow_up(citizen(), "en", "hello")) is None  # no open ticket
    open_one(desk)
    replies = run(desk.follow_up(citizen(), "en", f"My phone is {PHONE}, the code did not come"))
    assert "question 1" in replies[0].text and replies[0].buttons[0].data == "tk:done:1"
    note = notifier.posts[-1]
    assert note.reply_to == notifier.posts[0].message_id
    assert "Ticket 1. The person adds:" in note.text and PHONE not in note.text and "[phone]" in note.text
    # A volunteer may answer the follow-up itself: it routes to the same citizen.
    assert run(desk.volunteer_answer(GROUP, note.message_id, VOLUNTEER, "Anna", "Wait five minutes.")) \
        == "Sent to the person, ticket 1."
    assert notifier.sent[-1][0] == CITIZEN
    # A message in the group that is not a ticket post is left alone.
    assert run(desk.volunteer_answer(GROUP, 99999, VOLUNTEER, "Anna", "hi all")) is None


def test_citizen_closes_and_is_asked_for_feedback(desk_parts) -> None:
    desk, notifier, _ = desk_parts
    open_one(desk)
    run(desk.volunteer_answer(GROUP, notifier.posts[0].message_id, VOLUNTEER, "Anna", "Do this."))
    # Another user pressing a forged close learns nothing and closes nothing.
    other = run(desk.press(citizen(CITIZEN + 7), "en", "tk:done:1"))
    assert "no longer valid" in other[0].text and desk.ticket(1).status != "closed"

    replies = run(desk.press(citizen(), "en", "tk:done:1"))
    assert "Your question 1 is closed." in replies[0].text
    assert [b.data for b in replies[0].buttons] == ['/feedback{"helpful":"yes"}', '/feedback{"helpful":"no"}']
    assert desk.ticket(1).closed_by == "citizen"
    assert "Closed by the person." in notifier.edits[-1].text
    assert "The person closed ticket 1." in notifier.posts[-1].text
    assert run(desk.follow_up(citizen(), "en", "thanks")) is None  # the next message goes to the bot
    late = run(desk.volunteer_answer(GROUP, notifier.posts[0].message_id, VOLUNTEER, "Anna", "one more"))
    assert late == "Ticket 1 is closed, so your answer was not sent."


def test_volunteer_closes_unanswered_ticket_and_citizen_can_ask_again(desk_parts) -> None:
    desk, notifier, _ = desk_parts
    open_one(desk)
    toast = run(desk.volunteer_button(VOLUNTEER, "Anna", "close", 1))
    assert toast == "Ticket 1 is closed."
    text = notifier.citizen_text()
    assert "The volunteer has closed your question 1." in text and "Ask a person" in text
    assert notifier.sent[-1][1][0].buttons[0].data == "/human_handoff"
    assert "Closed by Anna." in notifier.edits[-1].text


def test_take_edits_the_post_and_tells_the_citizen(desk_parts) -> None:
    desk, notifier, _ = desk_parts
    open_one(desk)
    # Pressed in the group through the Assistant: the edited post says it, no extra message.
    assert run(desk.press(Chat(VOLUNTEER, GROUP, private=False), "en", "tk:take:1")) == []
    assert "Taken by a volunteer." in notifier.edits[-1].text
    assert "A volunteer is now looking at your question 1." in notifier.citizen_text()
    assert run(desk.volunteer_button(MAINTAINER, "Saraa", "take", 1)).startswith("Ticket 1 is already taken")


def test_non_volunteers_are_refused_and_learn_nothing(desk_parts) -> None:
    desk, notifier, _ = desk_parts
    open_one(desk, "What is my tax debt? My register is УБ99112233")
    stranger = 424242
    for action in ("take", "close", "faq"):
        refusal = run(desk.volunteer_button(stranger, "Eve", action, 1, "en"))
        assert refusal == "Only Khotoch volunteers can use this."
    refusal = run(desk.press(citizen(stranger), "en", "tk:take:1"))
    assert refusal[0].text == "Only Khotoch volunteers can use this."
    reply = run(desk.volunteer_answer(GROUP, notifier.posts[0].message_id, stranger, "Eve", "trust me"))
    assert reply == "Only Khotoch volunteers can use this."
    assert notifier.sent == [] and desk.ticket(1).status == "open"


def test_reminder_is_posted_once_for_a_ticket_nobody_took(desk_parts, clock: Clock) -> None:
    desk, notifier, _ = desk_parts
    open_one(desk)
    open_one(desk, user=CITIZEN + 1)
    run(desk.volunteer_button(VOLUNTEER, "Anna", "take", 2))
    clock.advance(minutes=29)
    assert run(desk.remind_due()) == []
    clock.advance(minutes=2)
    assert run(desk.remind_due()) == [1]
    reminder = notifier.posts[-1]
    assert reminder.text.startswith("Reminder: ticket 1 has waited about 30 minutes")
    assert "tk:take:1" in [b.data for b in reminder.buttons]
    clock.advance(hours=3)
    assert run(desk.remind_due()) == []
    # The reminder is a ticket post too: replying to it answers the citizen.
    run(desk.volunteer_answer(GROUP, reminder.message_id, VOLUNTEER, "Anna", "Here is how."))
    assert notifier.sent[-1][0] == CITIZEN


def test_ticket_that_could_not_be_posted_is_posted_later(db_url: str, clock: Clock) -> None:
    desk, notifier, _ = make_desk(db_url, clock)
    desk.notifier = None  # Telegram unreachable, or the terminal chat
    replies, info = open_one(desk)
    assert info["posted"] is False and "number is 1" in replies[0].text
    run(desk.follow_up(citizen(), "en", "any news?"))
    desk.notifier = notifier
    assert run(desk.remind_due()) == [1]
    assert notifier.posts[0].text.startswith("Ticket 1. New")


def test_restarted_desk_still_relays_a_volunteer_reply(db_url: str, clock: Clock) -> None:
    desk, notifier, db = make_desk(db_url, clock)
    open_one(desk)
    post_id = notifier.posts[0].message_id
    db.engine.dispose()
    desk2, notifier2, _ = make_desk(db_url, clock)  # a new process over the same database
    assert run(desk2.follow_up(citizen(), "en", "still waiting")) is not None
    assert run(desk2.volunteer_answer(GROUP, post_id, VOLUNTEER, "Anna", "Answer after restart.")) \
        == "Sent to the person, ticket 1."
    assert "Answer after restart." in notifier2.citizen_text()


def test_forget_closes_open_tickets_and_drops_the_link(desk_parts) -> None:
    desk, notifier, db = desk_parts

    async def scenario() -> str | None:
        await desk.open_ticket(citizen(), "en", "how to pay tax", "user_request", None)
        desk.forget(CITIZEN)
        await asyncio.gather(*desk._tasks)
        return await desk.volunteer_answer(GROUP, notifier.posts[0].message_id, VOLUNTEER, "Anna", "late")

    note = run(scenario())
    ticket = desk.ticket(1)
    assert ticket.status == "closed" and ticket.user_id is None and ticket.chat_id is None
    assert ticket.question == "how to pay tax"  # the masked question stays
    assert "deleted their data" in notifier.posts[-1].text
    assert note == "The person of ticket 1 deleted their data, so your answer cannot be delivered."
    assert notifier.sent == []
    assert run(desk.follow_up(citizen(), "en", "hello")) is None


def test_one_open_ticket_per_citizen(desk_parts) -> None:
    desk, notifier, _ = desk_parts
    open_one(desk)
    replies, info = open_one(desk, "and another thing", reason="not_helpful")
    assert info == {"number": 1, "reason": "user_request", "topic": "eservices", "language": "en",
                    "existing": True}
    assert "already have an open question, number 1" in replies[0].text
    assert "and another thing" in notifier.posts[-1].text and len(desk.messages(1)) == 1


def test_suggest_as_faq_stores_question_and_answer(desk_parts) -> None:
    desk, notifier, db = desk_parts
    open_one(desk)
    assert "no answer yet" in run(desk.volunteer_button(VOLUNTEER, "Anna", "faq", 1))
    run(desk.volunteer_answer(GROUP, notifier.posts[0].message_id, VOLUNTEER, "Anna", "Use E-Mongolia."))
    assert run(desk.volunteer_button(VOLUNTEER, "Anna", "faq", 1)).startswith("Ticket 1 is saved as FAQ")
    run(desk.volunteer_button(VOLUNTEER, "Anna", "faq", 1))  # twice: still one candidate
    with db.session() as s:
        rows = s.query(FaqCandidate).all()
        assert len(rows) == 1
        assert rows[0].question == "How do I renew my ID card online?" and rows[0].answer == "Use E-Mongolia."


def test_undelivered_answer_is_reported_to_the_volunteer(desk_parts) -> None:
    desk, notifier, db = desk_parts
    open_one(desk)
    notifier.deliver = False  # the citizen blocked the bot
    note = run(desk.volunteer_answer(GROUP, notifier.posts[0].message_id, VOLUNTEER, "Anna", "Hi"))
    assert "could not be delivered" in note
    assert desk.ticket(1).answered_at is None
    with db.session() as s:
        assert s.query(TicketMessage).one().delivered is False


def test_daily_summary_lists_tickets_open_more_than_a_day(desk_parts, clock: Clock) -> None:
    desk, notifier, _ = desk_parts
    assert desk.daily_summary_text() is None
    open_one(desk)
    clock.advance(hours=26)
    open_one(desk, user=CITIZEN + 1)
    text = desk.daily_summary_text()
    assert "Open for more than a day: 1." in text
    assert "Ticket 1: waiting about 26 hours, not taken" in text and "Ticket 2:" not in text
    assert run(desk.post_daily_summary()) is True and notifier.posts[-1].text == text


def test_tickets_opened_in_the_volunteer_group_are_refused(desk_parts) -> None:
    desk, notifier, _ = desk_parts
    replies, info = run(desk.open_ticket(Chat(VOLUNTEER, GROUP, private=False), "en", "q", "user_request", None))
    assert info == {} and "reply to its message" in replies[0].text and notifier.posts == []


def test_a_volunteers_own_question_is_marked_in_the_group(desk_parts) -> None:
    desk, notifier, _ = desk_parts
    open_one(desk, user=VOLUNTEER)
    assert "Sent by a volunteer on behalf of a citizen." in notifier.posts[0].text


@pytest.mark.parametrize("text,question", [
    ("Яаж цахим үнэмлэх авах вэ", True),
    ("how do I pay my electricity bill online?", True),
    ("tatvaraa yaj tuluh ve", True),
    ("Таны данснаас 500000 төг хасагдлаа. Баталгаажуулах бол http://khan-bank.help дарна уу", False),
    ("Congratulations! You won a prize, send your card number 4000 1234 5678 9010?", False),
    ("Your parcel is waiting, pay the fee", False),
])
def test_a_volunteers_forward_is_a_question_only_when_it_reads_like_one(text: str, question: bool) -> None:
    assert reads_as_question(text) is question


def test_stats_period_argument() -> None:
    assert parse_days([]) == 7 and parse_days(["30", "days"]) == 30 and parse_days(["9999"]) == 365
