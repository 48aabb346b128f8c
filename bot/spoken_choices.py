"""Choices by ear: buttons said aloud, and answered by number or by words.

A blind user hears a voice message but cannot see the buttons under the
text. When voice is on, every message offering choices also says them
("Say or type 1 for E-services, 2 for Banking safety ..."), and the next
message may be the number, a number word ("two", "хоёр"), or the button's
own words, typed or spoken; it then counts as pressing that button.
"""

from __future__ import annotations

import re
from collections.abc import Sequence

from bot.replies import Button
from core.strings import t

# Number words as people say them (and as Whisper writes them), 1-10.
NUMBER_WORDS = {
    "one": 1, "two": 2, "three": 3, "four": 4, "five": 5, "six": 6, "seven": 7, "eight": 8, "nine": 9, "ten": 10,
    "first": 1, "second": 2, "third": 3, "fourth": 4, "fifth": 5,
    "нэг": 1, "хоёр": 2, "гурав": 3, "дөрөв": 4, "тав": 5, "зургаа": 6, "долоо": 7, "найм": 8, "ес": 9, "арав": 10,
    "neg": 1, "hoyor": 2, "khoyor": 2, "gurav": 3, "durvu": 4, "dorov": 4, "tav": 5,
}
# Filler around a spoken choice: "number two", "дугаар 2", "2 please".
_FILLER = {"number", "option", "please", "дугаар", "дугаартай", "nomer", "dugaar", "the", "for", "бол"}
MAX_CHOICE_CHARS = 60


def say_choices(lang: str, buttons: Sequence[Button]) -> str:
    """The spoken form of a row of buttons, numbered from 1."""
    if not buttons:
        return ""
    items = ", ".join(t(lang, "listen.choice", number=n, title=b.title) for n, b in enumerate(buttons, 1))
    return t(lang, "listen.choices", items=items)


def _words(text: str) -> list[str]:
    return re.findall(r"[^\W_]+", text.lower())


def match_choice(text: str, buttons: Sequence[Button]) -> Button | None:
    """The button a typed or transcribed answer names, or None.

    Only short answers count: a question that happens to contain "2" or a
    topic's name is a question, not a choice.
    """
    if not buttons or not text or len(text) > MAX_CHOICE_CHARS:
        return None
    words = [w for w in _words(text) if w not in _FILLER]
    if len(words) == 1:
        word = words[0]
        number = int(word) if word.isdigit() else NUMBER_WORDS.get(word)
        if number is not None and 1 <= number <= len(buttons):
            return buttons[number - 1]
    if not words:
        return None
    said = " ".join(words)
    for button in buttons:
        if " ".join(_words(button.title)) == said:
            return button
    return None
