"""The two metadata messages between the bot and the action server, typed once.

Rasa sits between the two processes and passes both messages on untouched,
so nothing checks their shape in transit: a key renamed on one side only
fails silently (an answer never counted, a ticket never opened). Both sides
therefore build and read them through this module.

- Bot -> Rasa -> actions: every user message carries `TurnMetadata`; the
  actions read it from `tracker.latest_message["metadata"]`, and Rasa's
  `metadata_entities` component turns its language into an entity.
- Actions -> bot: among the replies, JSON messages `{META_KEY: ActionOutcome}`
  tell the bot what happened (topic, FAQ entry, scam verdict, hand-off). The
  bot merges them, acts on them and never shows them.

TypedDicts rather than classes: both messages travel as JSON, and a reader
must cope with keys a newer or older peer left out.
"""

from __future__ import annotations

from typing import Any, Literal, TypedDict

# Key of the actions' JSON message; a custom message without it is not ours.
META_KEY = "khotoch"


class TurnMetadata(TypedDict, total=False):
    """What the bot knows about a message that the text does not say."""

    language: str  # "mn" or "en": the language to answer in
    voice: bool  # the user hears answers read aloud
    forwarded: bool  # forwarded to be checked for a scam, not asked
    forwarded_text: str  # the forwarded message as it came, numbers unmasked


class RunnerUp(TypedDict):
    faq_id: str
    score: float | None  # None on a "Did you mean" offer, where only the order counts


class Handoff(TypedDict, total=False):
    """A request for a person; the bot opens the ticket."""

    reason: Literal["user_request", "low_confidence", "not_helpful"]
    question: str  # what the volunteer is asked to answer
    topic: str | None


class ActionOutcome(TypedDict, total=False):
    """What one action did, for the bot's statistics, tickets and settings."""

    intent: str | None  # Rasa's intent for the message
    intent_confidence: float
    topic_intent: str | None  # the topic intent retrieval was restricted by, if any
    topic: str | None  # "eservices", "banking", "scams" or "literacy"
    faq_id: str | None  # the entry answered
    faq_score: float | None
    runners_up: list[RunnerUp]
    scam: dict[str, Any]  # ScamResult.as_dict(): verdict, signals, explanations
    scam_patterns: list[str]  # ids of the known scams the message matched
    handoff: Handoff
    feedback: str  # "yes" or "no": the answer helped
    expect: str  # what the user's next message is ("message_to_check")
    junk: str  # why a text could not be read (core/junk_input.py)
    set_language: str  # the user chose a language
    set_voice: bool  # the user turned voice replies on or off


def turn_metadata(language: str, voice: bool, forwarded: bool, forwarded_text: str | None = None) -> TurnMetadata:
    """The metadata the bot sends with a message."""
    meta: TurnMetadata = {"language": language, "voice": bool(voice), "forwarded": forwarded}
    if forwarded and forwarded_text is not None:
        meta["forwarded_text"] = forwarded_text
    return meta


def read_turn_metadata(raw: Any) -> TurnMetadata:
    """The metadata of a message as the actions see it; empty when absent or malformed."""
    return raw if isinstance(raw, dict) else {}


def outcome_message(outcome: ActionOutcome) -> dict[str, ActionOutcome]:
    """The JSON message an action sends the bot (rasa-sdk's `json_message`)."""
    return {META_KEY: outcome}


def read_outcome(custom: Any) -> ActionOutcome | None:
    """The outcome carried by a Rasa `custom` message, or None if it is another message."""
    if isinstance(custom, dict) and META_KEY in custom:
        return custom[META_KEY] or {}
    return None
