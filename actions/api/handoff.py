"""The hand-off service: asks the bot to open a ticket for a volunteer.

The bot owns tickets (bot/handoff/); the action only names the question
to hand over, in the metadata message.
"""

from __future__ import annotations

from typing import Any

from rasa_sdk import Action, Tracker
from rasa_sdk.events import EventType, SlotSet
from rasa_sdk.executor import CollectingDispatcher

from actions.api.turn import is_payload, send_meta, user_text
from core import settings


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
