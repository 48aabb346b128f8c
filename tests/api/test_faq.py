"""What the FAQ action says when no entry fits, and when a message asks two things (issue 18).

Runs actions.AnswerFaq on the fixture content with the real model, as Rasa
would call it, and checks the replies a user would read.
"""

from __future__ import annotations

import asyncio
from dataclasses import replace
from pathlib import Path

import pytest
from rasa_sdk import Tracker
from rasa_sdk.executor import CollectingDispatcher

from actions import settings
from actions.api import faq as actions
from actions.faq.retrieval import Retriever
from actions.strings import t


@pytest.fixture(scope="module")
def fixture_retriever(encoder, tmp_path_factory: pytest.TempPathFactory) -> Retriever:
    tmp = tmp_path_factory.mktemp("action")
    return Retriever(settings.TEST_DATA_DIR / "faq_fixture", encoder=encoder,
                     cache_dir=tmp / "cache", state_dir=Path(tmp) / "state")


def run_action(text: str, lang: str = "en", intent: str = "ask_banking",
               confidence: float = 0.5) -> CollectingDispatcher:
    tracker = Tracker(
        sender_id="u1", slots={"language": lang, "low_confidence_count": 0, "last_faq_id": None},
        latest_message={"text": text, "intent": {"name": intent, "confidence": confidence},
                        "intent_ranking": [], "entities": [], "metadata": {"language": lang}},
        events=[], paused=False, followup_action=None, active_loop={}, latest_action_name=None)
    dispatcher = CollectingDispatcher()
    asyncio.run(actions.AnswerFaq().run(dispatcher, tracker, {}))
    return dispatcher


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
