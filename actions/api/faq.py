"""The FAQ service: answers from faq/ by semantic retrieval, and the
"did it help?" feedback on an answer."""

from __future__ import annotations

from typing import Any

from rasa_sdk import Action, Tracker
from rasa_sdk.events import EventType, SlotSet
from rasa_sdk.executor import CollectingDispatcher

from actions.api.background import off_loop
from actions.api.turn import (
    entity,
    faq_button,
    feedback_buttons,
    intent_of,
    is_payload,
    language,
    payload,
    send_meta,
    user_text,
)
from actions.faq.retrieval import Retriever
from core import settings
from core.junk_input import junk_kind
from core.junk_input import reply_key as junk_reply_key
from core.privacy import mask_pii
from core.strings import t


class AnswerFaq(Action):
    """Answers from faq/ by semantic retrieval, in the user's language."""

    def name(self) -> str:
        return "action_answer_faq"

    async def run(self, dispatcher: CollectingDispatcher, tracker: Tracker,
                  domain: dict[str, Any]) -> list[EventType]:
        lang = language(tracker)
        text = user_text(tracker)
        intent, conf = intent_of(tracker)
        topic = settings.INTENT_TOPICS.get(intent or "")
        retriever = Retriever.shared()

        if (tracker.latest_message.get("intent") or {}).get("name") == "choose_faq":
            faq_id = entity(tracker, "faq_id")
            if faq_id and retriever.has(faq_id):
                return self._answer(dispatcher, tracker, retriever, faq_id, 1.0, [], lang, text)
            dispatcher.utter_message(text=t(lang, "answer.unknown_option"))
            send_meta(dispatcher, tracker, topic=None, faq_id=None, faq_score=None)
            return []

        if is_payload(text) and topic:
            # A topic button from the menu: offer that topic's entries.
            dispatcher.utter_message(
                text=t(lang, f"answer.topic_intro.{topic}"),
                buttons=[faq_button(retriever, fid, lang) for fid in retriever.topic_ids(topic)],
            )
            send_meta(dispatcher, tracker, topic=topic, faq_id=None, faq_score=None)
            return []

        junk = junk_kind(text)
        if junk is not None:
            # No letters (emoji, "??????", "111111"): not a weak turn, so it
            # never adds up to a ticket (core/junk_input.py).
            dispatcher.utter_message(text=t(lang, junk_reply_key(junk)))
            send_meta(dispatcher, tracker, topic=None, faq_id=None, faq_score=None, junk=junk)
            return []

        previous = tracker.get_slot("last_faq_id")
        result = await off_loop(retriever.search, text, lang=lang, topic=topic,
                                topic_confident=conf >= settings.TOPIC_CONFIDENT,
                                previous_faq_id=previous)
        runners = [{"faq_id": fid, "score": round(score, 4)} for fid, score in result.runners_up]
        if result.band == "high":
            events = self._answer(dispatcher, tracker, retriever, result.best.faq_id,
                                  result.best.score, runners, lang, text)
            also = [fid for fid in result.also if retriever.has(fid)]
            if also:
                # The message asked two things: the urgent one is answered, the other offered.
                dispatcher.utter_message(text=t(lang, "retrieval.also_asked"),
                                         buttons=[faq_button(retriever, fid, lang) for fid in also])
            return events

        best_topic = result.best.topic if result.best else topic
        best_score = round(result.best.score, 4) if result.best else None
        if result.band == "middle":
            ids = [result.best.faq_id] + [fid for fid, _ in result.runners_up]
            buttons = [faq_button(retriever, fid, lang) for fid in ids[:3]]
            buttons.append({"title": t(lang, "answer.none_of_these"), "payload": payload("human_handoff")})
            dispatcher.utter_message(text=t(lang, "answer.did_you_mean"), buttons=buttons)
            send_meta(dispatcher, tracker, topic=best_topic, faq_id=None, faq_score=best_score,
                      runners_up=[{"faq_id": fid, "score": None} for fid in ids[:3]])
            return [SlotSet("last_question", mask_pii(text))]

        count = float(tracker.get_slot("low_confidence_count") or 0) + 1
        if count >= settings.LOW_CONFIDENCE_HANDOFF_AFTER:
            send_meta(dispatcher, tracker, topic=best_topic, faq_id=None, faq_score=best_score,
                      runners_up=runners,
                      handoff={"reason": "low_confidence", "question": text, "topic": best_topic})
            return [SlotSet("low_confidence_count", 0), SlotSet("last_question", mask_pii(text))]

        # A question with words but no entry near it is told so plainly; only
        # a text with nothing to search (a sticker's caption, "???") is "not understood".
        key = ("answer.out_of_scope" if intent == "out_of_scope" else
               "retrieval.not_covered" if result.best is not None else "answer.not_understood")
        dispatcher.utter_message(text=t(lang, key), buttons=[
            {"title": t(lang, "answer.show_topics"), "payload": payload("help")},
            {"title": t(lang, "answer.ask_person"), "payload": payload("human_handoff")},
        ])
        # Nothing was answered: the topic is Rasa's (None for out-of-scope
        # chat), not the weak guess of an entry that was not good enough.
        send_meta(dispatcher, tracker, topic=topic, faq_id=None, faq_score=best_score,
                  runners_up=runners)
        return [SlotSet("low_confidence_count", count), SlotSet("last_question", mask_pii(text))]

    @staticmethod
    def _answer(dispatcher: CollectingDispatcher, tracker: Tracker, retriever: Retriever,
                faq_id: str, score: float, runners: list[dict[str, Any]], lang: str,
                text: str) -> list[EventType]:
        answer = retriever.answer(faq_id, lang)
        source = retriever.sources(faq_id)[:1]
        if source:
            answer = f"{answer}\n\n{t(lang, 'answer.source', url=source[0])}"
        dispatcher.utter_message(text=answer)
        related = [faq_button(retriever, rid, lang) for rid in retriever.related(faq_id)[:3]]
        dispatcher.utter_message(text=t(lang, "answer.was_it_helpful"),
                                 buttons=feedback_buttons(lang) + related)
        send_meta(dispatcher, tracker, topic=retriever.topic(faq_id), faq_id=faq_id,
                  faq_score=round(score, 4), runners_up=runners)
        events: list[EventType] = [SlotSet("last_faq_id", faq_id), SlotSet("low_confidence_count", 0)]
        if not is_payload(text):
            events.append(SlotSet("last_question", mask_pii(text)))
        return events


def feedback_polarity(tracker: Tracker) -> str:
    """"yes" or "no": from the button's entity, else from the typed words."""
    value = entity(tracker, "helpful")
    if value in ("yes", "no"):
        return value
    text = f" {user_text(tracker).lower()} "
    return "no" if any(marker in text for marker in settings.NEGATIVE_FEEDBACK_MARKERS) else "yes"


class Feedback(Action):
    """Thanks for good feedback; a "did not help" goes to a person."""

    def name(self) -> str:
        return "action_feedback"

    async def run(self, dispatcher: CollectingDispatcher, tracker: Tracker,
                  domain: dict[str, Any]) -> list[EventType]:
        lang = language(tracker)
        helpful = feedback_polarity(tracker)
        faq_id = tracker.get_slot("last_faq_id")
        if helpful == "no":
            send_meta(dispatcher, tracker, topic=None, faq_id=faq_id, faq_score=None,
                      feedback="no",
                      handoff={"reason": "not_helpful",
                               "question": tracker.get_slot("last_question") or "",
                               "topic": Retriever.shared().topic(faq_id) if faq_id else None})
            return []
        dispatcher.utter_message(text=t(lang, "answer.thanks_for_feedback"))
        send_meta(dispatcher, tracker, topic=None, faq_id=faq_id, faq_score=None,
                  feedback=helpful)
        return []
