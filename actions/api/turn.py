"""What every action reads from Rasa's tracker, and the one metadata message
it sends back.

Actions reply with text and buttons for the user plus one JSON message under
the key `khotoch` that the bot consumes (never shown): topic, FAQ id, score,
scam verdict, handoff request, setting changes. The bot owns tickets and user
settings; actions only say what happened.
"""

from __future__ import annotations

import json
from typing import Any

from rasa_sdk import Tracker
from rasa_sdk.executor import CollectingDispatcher

from actions.faq.retrieval import Retriever
from core import settings
from core.metadata import ActionOutcome, TurnMetadata, outcome_message, read_turn_metadata
from core.strings import t


def metadata(tracker: Tracker) -> TurnMetadata:
    return read_turn_metadata(tracker.latest_message.get("metadata"))


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


def user_text(tracker: Tracker) -> str:
    return (tracker.latest_message.get("text") or "")[: settings.MAX_MESSAGE_CHARS]


def is_payload(text: str) -> bool:
    return text.startswith("/")


def send_meta(dispatcher: CollectingDispatcher, tracker: Tracker, **fields: Any) -> None:
    intent, conf = intent_of(tracker)
    meta: ActionOutcome = {"intent": (tracker.latest_message.get("intent") or {}).get("name"),
                           "intent_confidence": round(conf, 4), "topic_intent": intent}
    meta.update(fields)
    dispatcher.utter_message(json_message=outcome_message(meta))


def payload(intent: str, **entities: str) -> str:
    return f"/{intent}{json.dumps(entities, ensure_ascii=False, separators=(',', ':'))}" if entities else f"/{intent}"


def feedback_buttons(lang: str) -> list[dict[str, str]]:
    return [
        {"title": t(lang, "answer.helped"), "payload": payload("feedback", helpful="yes")},
        {"title": t(lang, "answer.not_helped"), "payload": payload("feedback", helpful="no")},
    ]


def faq_button(retriever: Retriever, faq_id: str, lang: str) -> dict[str, str]:
    return {"title": retriever.title(faq_id, lang), "payload": payload("choose_faq", faq_id=faq_id)}
