"""Button data the bot accepts, and nothing else.

Telegram lets any client send any callback data, so a pressed button is
checked before it reaches Rasa: only payloads of known intents with known,
short entity values pass; everything else is answered as an invalid button.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass

from core.settings import LANGUAGES

RASA_PAYLOAD_INTENTS = frozenset({
    "greet", "help", "ask_eservices", "ask_banking", "ask_scams", "ask_literacy",
    "choose_faq", "feedback", "human_handoff", "affirm", "deny",
})
ALLOWED_ENTITIES = {"faq_id": re.compile(r"^[a-z0-9_]{1,60}$"), "helpful": re.compile(r"^(yes|no)$")}
_PAYLOAD = re.compile(r"^/([a-z_]+)(\{.*\})?$", re.S)
# Bot-side actions: language and voice choice, menu, consent to send a voice
# question to a volunteer (vq:), the scam-alerts offer, and volunteer ticket buttons.
_LOCAL = re.compile(r"^(lang:(?:mn|en)|voice:(?:on|off)|alerts:(?:on|no)|menu|vq:(?:yes|no)"
                    r"|tk:(?:take|close|faq|done):\d{1,10})$")


@dataclass(frozen=True)
class Press:
    kind: str  # "rasa" | "local" | "invalid"
    value: str = ""


def parse(data: str | None) -> Press:
    if not data or len(data) > 64:
        return Press("invalid")
    if _LOCAL.match(data):
        return Press("local", data)
    m = _PAYLOAD.match(data)
    if not m or m.group(1) not in RASA_PAYLOAD_INTENTS:
        return Press("invalid")
    if m.group(2):
        try:
            entities = json.loads(m.group(2))
        except ValueError:
            return Press("invalid")
        if not isinstance(entities, dict):
            return Press("invalid")
        for key, value in entities.items():
            rule = ALLOWED_ENTITIES.get(key)
            if rule is None or not isinstance(value, str) or not rule.match(value):
                return Press("invalid")
    return Press("rasa", data)


def language_buttons() -> list[tuple[str, str]]:
    names = {"mn": "Монгол хэл", "en": "English"}
    return [(names[lang], f"lang:{lang}") for lang in LANGUAGES]
