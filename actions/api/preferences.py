"""The user's preferences: reply language and voice replies.

The bot stores them (bot/storage.py) from the metadata message; the
language slot also chooses each Rasa response's variation.
"""

from __future__ import annotations

from typing import Any

from rasa_sdk import Action, Tracker
from rasa_sdk.events import EventType, SlotSet
from rasa_sdk.executor import CollectingDispatcher

from actions.api.turn import entity, language, send_meta, user_text
from core import settings
from core.strings import t


def language_asked_for(text: str) -> str | None:
    """The language a "speak English" / "монголоор" request names, if any."""
    words = text.lower().split()
    for lang, stems in settings.LANGUAGE_WORDS.items():
        if any(word.startswith(stem) for word in words for stem in stems):
            return lang
    return None


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
