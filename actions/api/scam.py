"""The scam service: checks a forwarded or pasted message for scam signs
(actions/scam/) and offers the FAQ advice that fits."""

from __future__ import annotations

from typing import Any

from rasa_sdk import Action, Tracker
from rasa_sdk.events import EventType, SlotSet
from rasa_sdk.executor import CollectingDispatcher

from actions.api.background import off_loop
from actions.api.turn import faq_button, language, metadata, send_meta, user_text
from actions.faq.retrieval import Retriever
from actions.scam.checker import check_message
from core import settings
from core.strings import t


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
