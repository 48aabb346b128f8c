"""The FAQ service (actions/api/faq.py): what the answer action says when no
entry fits and when a message asks two things (issue 18), and what a "did
not help" does.

Runs the actions on the fixture content with the real model, as Rasa would
call them, and checks the replies a user would read.
"""

from __future__ import annotations

from dataclasses import replace
from pathlib import Path

import pytest
from rasa_sdk.executor import CollectingDispatcher

from actions.api import faq
from actions.faq.retrieval import Retriever
from core import settings
from core.strings import t
from tests.api.turns import meta, run, tracker


@pytest.fixture(scope="module")
def fixture_retriever(encoder, tmp_path_factory: pytest.TempPathFactory) -> Retriever:
    tmp = tmp_path_factory.mktemp("action")
    return Retriever(settings.TEST_DATA_DIR / "faq_fixture", encoder=encoder,
                     cache_dir=tmp / "cache", state_dir=Path(tmp) / "state")


def run_action(text: str, lang: str = "en", intent: str = "ask_banking",
               confidence: float = 0.5) -> CollectingDispatcher:
    return run(faq.AnswerFaq(), tracker(text, lang, intent, confidence))[0]


def test_an_uncovered_question_is_told_so_with_a_person_and_the_topics(
        fixture_retriever: Retriever, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(Retriever, "shared", classmethod(lambda cls: fixture_retriever))
    dispatcher = run_action("гадаад паспорт яаж захиалах вэ", lang="mn", intent="ask_eservices")
    reply = dispatcher.messages[0]
    assert reply["text"] == t("mn", "retrieval.not_covered")
    payloads = [b["payload"] for b in reply["buttons"]]
    assert payloads == ["/help", "/human_handoff"]  # no unrelated entry offered


def test_a_second_need_is_offered_after_the_answer(
        fixture_retriever: Retriever, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(Retriever, "shared", classmethod(lambda cls: fixture_retriever))
    real_search = fixture_retriever.search

    def two_needs(*args, **kwargs):
        return replace(real_search(*args, **kwargs), also=("never_share_codes",))

    monkeypatch.setattr(fixture_retriever, "search", two_needs)
    dispatcher = run_action("my card was stolen with my bag, how do i block it")
    texts = [m.get("text") for m in dispatcher.messages]
    assert texts[0].startswith(fixture_retriever.answer("block_card", "en")[:40])
    offer = next(m for m in dispatcher.messages if m.get("text") == t("en", "retrieval.also_asked"))
    assert [b["payload"] for b in offer["buttons"]] == ['/choose_faq{"faq_id":"never_share_codes"}']


def test_not_helped_hands_the_question_to_a_person_without_a_thank_you(
        fixture_retriever: Retriever, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(Retriever, "shared", classmethod(lambda cls: fixture_retriever))
    turn = tracker("/feedback", intent="feedback", entities=[{"entity": "helpful", "value": "no"}],
                   last_faq_id="block_card", last_question="my card is lost")
    dispatcher, _ = run(faq.Feedback(), turn)
    assert not [m for m in dispatcher.messages if m.get("text")]
    handoff = meta(dispatcher)["handoff"]
    assert handoff == {"reason": "not_helpful", "question": "my card is lost",
                       "topic": fixture_retriever.topic("block_card")}


def test_typed_thanks_is_thanked() -> None:
    dispatcher, _ = run(faq.Feedback(), tracker("thank you, that helped", intent="feedback"))
    assert dispatcher.messages[0]["text"] == t("en", "answer.thanks_for_feedback")
    assert meta(dispatcher)["feedback"] == "yes"
