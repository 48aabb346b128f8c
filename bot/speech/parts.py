"""A long answer spoken as two voice messages: a short first one, then the rest.

Telegram plays a chat's voice messages one after another by itself, so a
listener hears one answer; but the first clip arrives after the time it
takes to voice a sentence or two, not the whole answer. A 100-word answer
takes Piper about 2 s of both cores; its first 25 words under 0.6 s.
The split is on line or sentence ends only, never inside a numbered step.
Every voice of an answer (the bot, `faq voices`) goes through here, so the
clips made in advance are the ones the bot looks up.
"""

from __future__ import annotations

import re

# The first clip holds at least this many words, when the answer has more
# than FIRST_PART_WORDS + MIN_REST_WORDS; a short answer stays one clip.
FIRST_PART_WORDS = 20
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


def voice_parts(text: str) -> list[str]:
    """`text` as one part, or as a short first part and the rest."""
    units = _units(text or "")
    total = sum(len(u.split()) for u in units)
    if total < FIRST_PART_WORDS + MIN_REST_WORDS:
        return [text] if text and text.strip() else []
    first: list[str] = []
    words = 0
    for unit in units:
        first.append(unit)
        words += len(unit.split())
        if words >= FIRST_PART_WORDS:
            break
    rest = units[len(first):]
    if not rest or total - words < MIN_REST_WORDS:
        return [text]
    return ["\n".join(first), "\n".join(rest)]
