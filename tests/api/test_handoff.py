"""The hand-off service (actions/api/handoff.py): which question a volunteer
receives when a user asks for a person."""

from __future__ import annotations

from actions.api.handoff import Handoff
from tests.api.turns import meta, run, tracker


def test_a_bare_request_for_a_person_hands_over_the_question_asked_before() -> None:
    turn = tracker("I want to talk to a person", intent="human_handoff",
                   last_question="how do I get my pension", last_faq_id="pension_apply")
    dispatcher, events = run(Handoff(), turn)
    sent = meta(dispatcher)
    assert sent["handoff"] == {"reason": "user_request", "question": "how do I get my pension", "topic": None}
    assert sent["faq_id"] == "pension_apply"
    assert {"event": "slot", "name": "low_confidence_count", "value": 0, "timestamp": None} in events


def test_a_request_that_carries_its_own_question_hands_over_that_question() -> None:
    text = "please ask a person how I can change the name on my electricity bill after my husband died"
    dispatcher, _ = run(Handoff(), tracker(text, intent="human_handoff", last_question="old question"))
    assert meta(dispatcher)["handoff"]["question"] == text


def test_the_menu_button_hands_over_the_question_asked_before() -> None:
    dispatcher, _ = run(Handoff(), tracker("/human_handoff", intent="human_handoff", last_question="lost card"))
    assert meta(dispatcher)["handoff"]["question"] == "lost card"
