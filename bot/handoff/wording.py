"""What the desk writes, in the reader's language: the first line a citizen
reads, waits said the way people say them, topic names, and clipped texts."""

from __future__ import annotations

from core.settings import TOPICS
from core.strings import t

REASONS = ("user_request", "low_confidence", "not_helpful")


def created_text(lang: str, reason: str | None) -> str:
    """The first line a citizen reads when their question goes to a volunteer."""
    return t(lang, f"handoff.created.{known_reason(reason)}")


def known_reason(reason: str | None) -> str:
    return reason if reason in REASONS else "user_request"


def wait_text(lang: str, minutes: float) -> str:
    """A wait read aloud naturally: "about 20 minutes", "about 3 hours"."""
    minutes = max(1.0, float(minutes))
    if minutes < 55:
        return t(lang, "handoff.wait.minutes", n=max(5, int(round(minutes / 5.0)) * 5))
    hours = minutes / 60.0
    if hours < 1.5:
        return t(lang, "handoff.wait.hour")
    if hours < 36:
        return t(lang, "handoff.wait.hours", n=int(round(hours)))
    return t(lang, "handoff.wait.days", n=int(round(hours / 24.0)))


def topic_name(lang: str, topic: str | None) -> str:
    return t(lang, f"bot.topic_{topic}") if topic in TOPICS else t(lang, "handoff.group.topic_unknown")


def clip(text: str, limit: int) -> str:
    text = " ".join((text or "").split())
    return text if len(text) <= limit else text[: limit - 1] + "…"


def only_first_name(name: str | None) -> str | None:
    """Only a first name, trimmed: the group sees who answered, nobody else does."""
    name = " ".join((name or "").split())
    return name.split(" ")[0][:32] if name else None
