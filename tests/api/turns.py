"""One Rasa turn as the action server receives it, for the action tests."""

from __future__ import annotations

import asyncio
from typing import Any

from rasa_sdk import Action, Tracker
from rasa_sdk.executor import CollectingDispatcher

from core.metadata import META_KEY


def tracker(text: str, lang: str = "en", intent: str = "ask_banking", confidence: float = 0.5,
            entities: list[dict[str, Any]] | None = None, metadata: dict[str, Any] | None = None,
            **slots: Any) -> Tracker:
    return Tracker(
        sender_id="u1",
        slots={"language": lang, "low_confidence_count": 0, "last_faq_id": None, **slots},
        latest_message={"text": text, "intent": {"name": intent, "confidence": confidence},
                        "intent_ranking": [], "entities": entities or [],
                        "metadata": {"language": lang, **(metadata or {})}},
        events=[], paused=False, followup_action=None, active_loop={}, latest_action_name=None)


def run(action: Action, turn: Tracker) -> tuple[CollectingDispatcher, list[dict[str, Any]]]:
    dispatcher = CollectingDispatcher()
    events = asyncio.run(action.run(dispatcher, turn, {}))
    return dispatcher, events


def meta(dispatcher: CollectingDispatcher) -> dict[str, Any]:
    """The metadata message the bot reads (never shown to the user)."""
    return next(m["custom"][META_KEY] for m in dispatcher.messages if META_KEY in (m.get("custom") or {}))


def texts(dispatcher: CollectingDispatcher) -> list[str]:
    return [m["text"] for m in dispatcher.messages if m.get("text")]
