"""A long answer spoken as a few voice messages: a short first one, then longer ones.

Telegram plays a chat's voice messages one after another by itself, so a
listener hears one answer; but the first clip arrives after the time it
takes to voice its first sentence, not the whole answer. Piper makes about
ten seconds of speech per CPU second, so while one part plays (and while it
is sent), the next part, up to PART_GROWTH times as long, is made: on an
idle machine well before the first one ends, and still in time on one a few
times busier. A 114-word answer goes out as 8, 22 and 84 words.
The split is on line or sentence ends only, never inside a numbered step.
Every voice of an answer (the bot, `faq voices`) goes through here, so the
clips made in advance are the ones the bot looks up.
"""

from __future__ import annotations

import re

# The first clip holds whole sentences or steps up to this many words (at
# least one, however long); each later part up to PART_GROWTH times the
# words of the one before. A last part under MIN_REST_WORDS joins the one
# before it, and an answer under FIRST_PART_WORDS + MIN_REST_WORDS stays one clip.
FIRST_PART_WORDS = 20
PART_GROWTH = 4
MIN_REST_WORDS = 15
_SENTENCE_END = re.compile(r"(?<=[.!?])\s+")


def _units(text: str) -> list[str]:
    """Lines, and sentences within a line that is not a numbered step."""
    units: list[str] = []
    for line in text.splitlines():
        if not line.strip():
            continue
        if re.match(r"^\s*\d+[.)]\s", line):
            units.append(line)
        else:
            units += [s for s in _SENTENCE_END.split(line) if s.strip()]
    return units


def _words(units: list[str]) -> int:
    return sum(len(u.split()) for u in units)


def voice_parts(text: str) -> list[str]:
    """`text` as one part, or as a short first part and longer ones after it."""
    units = _units(text or "")
    if _words(units) < FIRST_PART_WORDS + MIN_REST_WORDS:
        return [text] if text and text.strip() else []
    parts: list[list[str]] = []
    limit = FIRST_PART_WORDS
    while units:
        part = [units.pop(0)]
        while units and _words(part) + len(units[0].split()) <= limit:
            part.append(units.pop(0))
        parts.append(part)
        limit = PART_GROWTH * _words(part)
    if len(parts) > 1 and _words(parts[-1]) < MIN_REST_WORDS:
        parts[-2] += parts.pop()
    return ["\n".join(part) for part in parts]
