"""Messages that carry no question: nothing to answer, nobody to page.

A message with no letters at all (emoji only, invisible or control
characters, "??????", "111111", a bare phone number) cannot be a question
in words. Sent on to Rasa it counted as an unsure turn, and two of them
opened a volunteer ticket: volunteers were paged for a thumbs-up. Such a
message gets a kind reply asking for the question in words, instead
(`junk_input.*` in strings/), and never counts towards a ticket.

The bot checks the raw text before Rasa sees it; the FAQ action checks
again, on the masked text Rasa holds, where a placeholder such as "[phone]"
stands for a number that was there (core/privacy.py), not for words.
"""

from __future__ import annotations

import re
import unicodedata

from core.privacy import ACCOUNT, CODE, PHONE, REGISTER, TOKEN

NO_QUESTION = "no_question"
ONLY_NUMBERS = "only_numbers"
_NUMBER_PLACEHOLDERS = re.compile("|".join(re.escape(p) for p in (ACCOUNT, CODE, PHONE, REGISTER, TOKEN)))


def junk_kind(text: str | None) -> str | None:
    """None for a message with letters; else why it carries no question.

    ONLY_NUMBERS when it holds digits (or masked numbers) but no letters,
    NO_QUESTION when it holds neither.
    """
    text = _NUMBER_PLACEHOLDERS.sub("0", text or "")
    numbers = False
    for ch in text:
        group = unicodedata.category(ch)[0]
        if group == "L":
            return None
        numbers = numbers or group == "N"
    return ONLY_NUMBERS if numbers else NO_QUESTION


def reply_key(kind: str) -> str:
    """The strings/ key of the reply for a kind of junk."""
    return f"junk_input.{kind}"
