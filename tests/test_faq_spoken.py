"""Every FAQ answer as a listener hears it: short enough, and without its source link.

Answers are read aloud to people who cannot see the screen. The spoken form
(numbers read out digit by digit or in words by bot/speech) is what is
measured, since "1800-1917" is one word on the screen and eight aloud.
"""

from __future__ import annotations

import pytest

from actions.faq.store import load_store, word_count
from bot.speech.normalise import prepare
from core.settings import FAQ_DIR, FAQ_MAX_ANSWER_WORDS
from core.strings import t

ENTRIES = load_store(FAQ_DIR).published
# The opening before the first step: a short "what this is", not a speech.
PREAMBLE_MAX_WORDS = 45


def answers() -> list[tuple[str, str, str, str]]:
    return [(e.id, lang, text, e.sources[0]) for e in ENTRIES for lang, text in e.answer.items()]


@pytest.mark.parametrize(("faq_id", "lang", "text", "source"), answers(),
                         ids=[f"{a[0]}-{a[1]}" for a in answers()])
def test_spoken_answer_is_short_and_does_not_read_its_source(faq_id: str, lang: str, text: str,
                                                             source: str) -> None:
    shown = f"{text}\n\n{t(lang, 'answer.source', url=source)}"
    spoken = prepare(shown, lang)
    assert word_count(spoken) <= FAQ_MAX_ANSWER_WORDS, (faq_id, lang, word_count(spoken))
    # The source line adds nothing to what is heard.
    assert spoken == prepare(text, lang)


@pytest.mark.parametrize(("faq_id", "lang", "text", "source"), answers(),
                         ids=[f"{a[0]}-{a[1]}" for a in answers()])
def test_answer_gets_to_the_point(faq_id: str, lang: str, text: str, source: str) -> None:
    """Steps come soon: what precedes step 1 is short (a prose answer is short as a whole)."""
    opening: list[str] = []
    for line in text.splitlines():
        if line.lstrip()[:2].rstrip(".").isdigit():
            assert word_count(" ".join(opening)) <= PREAMBLE_MAX_WORDS, (faq_id, lang)
            return
        opening.append(line)


def test_every_answer_is_checked() -> None:
    assert len(ENTRIES) >= 55
