"""Rasa custom actions: FAQ answers, scam checks, handoff, settings.

Actions reply with text and buttons for the user plus one JSON message under
the key `khotoch` that the bot consumes (never shown): topic, FAQ id, score,
scam verdict, handoff request, setting changes. The bot owns tickets and user
settings; actions only say what happened.
"""

from __future__ import annotations

import asyncio
import functools
import gc
import json
import logging
import threading
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from typing import Any, TypeVar

from rasa_sdk import Action, Tracker
from rasa_sdk.events import EventType, SlotSet
from rasa_sdk.executor import CollectingDispatcher

from actions import settings
from actions.faq.junk_input import junk_kind
from actions.faq.junk_input import reply_key as junk_reply_key
from actions.faq.retrieval import Retriever
from actions.privacy import mask_pii
from actions.scam.checker import check_message, default_checker
from actions.strings import load_all, t

log = logging.getLogger(__name__)

def _warm_up() -> None:
    """Load the texts, the model, the FAQ index and the scam library before the first user.

    One search also traces the encoder's single-text path (a second or so);
    then the encoder sees every length of question once (Encoder.warm_up).
    """
    try:
        load_all()
        retriever = Retriever.shared()
        retriever.search("warm-up", lang="en")
        warm_up = getattr(retriever.encoder, "warm_up", None)
        if warm_up is not None:
            warm_up()
        default_checker().warm_up()
    except Exception:  # noqa: BLE001 - a failed warm-up must not stop the server
        log.exception("warm-up failed at start-up")
    # The process now holds about a million long-lived objects (torch,
    # transformers, the index). Each full garbage collection walked them all,
    # stopping every request for about a quarter of a second; frozen, they
    # are left out, and what requests create is collected as before.
    gc.collect()
    gc.freeze()


threading.Thread(target=_warm_up, name="faq-warm-up", daemon=True).start()

# Encoding a question (about 30 ms of torch) would otherwise block the
# action server's event loop, so every cheap call behind it (Rasa's slot
# mappings call each turn, health checks) waited for it. One thread: the
# encoder and its tokenizer are used by one caller at a time, as before.
_ENCODING = ThreadPoolExecutor(max_workers=1, thread_name_prefix="encoding")
_T = TypeVar("_T")


async def off_loop(fn: Callable[..., _T], *args: Any, **kwargs: Any) -> _T:
    return await asyncio.get_running_loop().run_in_executor(_ENCODING, functools.partial(fn, *args, **kwargs))


def metadata(tracker: Tracker) -> dict[str, Any]:
    meta = tracker.latest_message.get("metadata") or {}
    return meta if isinstance(meta, dict) else {}


def language(tracker: Tracker) -> str:
    lang = metadata(tracker).get("language") or tracker.get_slot("language")
    return lang if lang in settings.LANGUAGES else settings.DEFAULT_LANGUAGE


def intent_of(tracker: Tracker) -> tuple[str | None, float]:
    """The intent Rasa chose, and for nlu_fallback the best real candidate.

    The fallback's runner-up still hints at the topic, just not confidently.
    """
    msg = tracker.latest_message
    intent = (msg.get("intent") or {}).get("name")
    conf = float((msg.get("intent") or {}).get("confidence") or 0.0)
    if intent == "nlu_fallback":
        for cand in msg.get("intent_ranking") or []:
            if cand.get("name") != "nlu_fallback":
                return cand.get("name"), float(cand.get("confidence") or 0.0)
    return intent, conf


def entity(tracker: Tracker, name: str) -> str | None:
    return next((e.get("value") for e in tracker.latest_message.get("entities") or []
                 if e.get("entity") == name), None)


def language_asked_for(text: str) -> str | None:
    """The language a "speak English" / "монголоор" request names, if any."""
    words = text.lower().split()
    for lang, stems in settings.LANGUAGE_WORDS.items():
        if any(word.startswith(stem) for word in words for stem in stems):
            return lang
    return None


def feedback_polarity(tracker: Tracker) -> str:
    """"yes" or "no": from the button's entity, else from the typed words."""
    value = entity(tracker, "helpful")
    if value in ("yes", "no"):
        return value
    text = f" {user_text(tracker).lower()} "
    return "no" if any(marker in text for marker in settings.NEGATIVE_FEEDBACK_MARKERS) else "yes"


def user_text(tracker: Tracker) -> str:
    return (tracker.latest_message.get("text") or "")[: settings.MAX_MESSAGE_CHARS]


def is_payload(text: str) -> bool:
    return text.startswith("/")


def send_meta(dispatcher: CollectingDispatcher, tracker: Tracker, **fields: Any) -> None:
    intent, conf = intent_of(tracker)
    meta = {"intent": (tracker.latest_message.get("intent") or {}).get("name"),
            "intent_confidence": round(conf, 4), "topic_intent": intent}
    meta.update(fields)
    dispatcher.utter_message(json_message={settings.META_KEY: meta})


def payload(intent: str, **entities: str) -> str:
    return f"/{intent}{json.dumps(entities, ensure_ascii=False, separators=(',', ':'))}" if entities else f"/{intent}"


def feedback_buttons(lang: str) -> list[dict[str, str]]:
    return [
        {"title": t(lang, "answer.helped"), "payload": payload("feedback", helpful="yes")},
        {"title": t(lang, "answer.not_helped"), "payload": payload("feedback", helpful="no")},
    ]


def faq_button(retriever: Retriever, faq_id: str, lang: str) -> dict[str, str]:
    return {"title": retriever.title(faq_id, lang), "payload": payload("choose_faq", faq_id=faq_id)}


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
            # never adds up to a ticket (actions/faq/junk_input.py).
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


class CheckMessage(Action):
    """Checks a forwarded or pasted message for scam signs."""

    def name(self) -> str:
        return "action_check_message"

    async def run(self, dispatcher: CollectingDispatcher, tracker: Tracker,
                  domain: dict[str, Any]) -> list[EventType]:
        lang = language(tracker)
        meta = metadata(tracker)
        text = (meta.get("forwarded_text") if meta.get("forwarded") else None) or user_text(tracker)
        if not meta.get("forwarded") and len(text.split()) <= settings.CHECK_REQUEST_MAX_WORDS:
            dispatcher.utter_message(text=t(lang, "answer.send_me_the_message"))
            send_meta(dispatcher, tracker, topic="scams", faq_id=None, faq_score=None,
                      expect="message_to_check")
            return []
        result = await off_loop(check_message, text, lang)
        retriever = Retriever.shared()
        buttons = [faq_button(retriever, fid, lang) for fid in result.advice if retriever.has(fid)][:3]
        dispatcher.utter_message(text=result.reply_text(lang), buttons=buttons)
        send_meta(dispatcher, tracker, topic="scams", faq_id=None, faq_score=None,
                  scam=result.as_dict(), scam_patterns=result.patterns)
        return [SlotSet("last_question", None)]


class Handoff(Action):
    """Asks the bot to open a ticket; the bot tells the user its number."""

    def name(self) -> str:
        return "action_handoff"

    async def run(self, dispatcher: CollectingDispatcher, tracker: Tracker,
                  domain: dict[str, Any]) -> list[EventType]:
        text = user_text(tracker)
        question = text
        if is_payload(text) or len(text.split()) <= settings.HANDOFF_REQUEST_MAX_WORDS:
            question = tracker.get_slot("last_question") or text
        send_meta(dispatcher, tracker, topic=None, faq_id=tracker.get_slot("last_faq_id"),
                  faq_score=None,
                  handoff={"reason": "user_request", "question": question, "topic": None})
        return [SlotSet("low_confidence_count", 0)]


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


class SetLanguage(Action):
    def name(self) -> str:
        return "action_set_language"

    async def run(self, dispatcher: CollectingDispatcher, tracker: Tracker,
                  domain: dict[str, Any]) -> list[EventType]:
        chosen = entity(tracker, "language") or language_asked_for(user_text(tracker))
        if chosen not in settings.LANGUAGES:
            # "change language" without saying which: switch to the other one.
            chosen = "en" if language(tracker) == "mn" else "mn"
        dispatcher.utter_message(text=t(chosen, "bot.language_set"))
        send_meta(dispatcher, tracker, topic=None, faq_id=None, faq_score=None,
                  set_language=chosen)
        return [SlotSet("language", chosen)]


class SetVoice(Action):
    def name(self) -> str:
        return "action_set_voice"

    async def run(self, dispatcher: CollectingDispatcher, tracker: Tracker,
                  domain: dict[str, Any]) -> list[EventType]:
        lang = language(tracker)
        on = (tracker.latest_message.get("intent") or {}).get("name") == "voice_on"
        dispatcher.utter_message(text=t(lang, "bot.voice_on" if on else "bot.voice_off"))
        send_meta(dispatcher, tracker, topic=None, faq_id=None, faq_score=None, set_voice=on)
        return []
