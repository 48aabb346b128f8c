"""The long messages `faq calibrate` learns the "<form>_long" thresholds on.

Each FAQ phrasing is wrapped in an opener and a plea (bot/maintain/long_fillers.yml).
If a wrapped question were read as short, or the reader lost the question in
the story, the long thresholds would be learnt on something the bot never
sees, and real long questions would get the wrong reply.
"""

from __future__ import annotations

import pytest

from bot.maintain.faq_calibration import LONG_FILLERS, long_form
from core import settings
from core.script import words
from rasa_side.question_reading import read

# Written for this test, not taken from the FAQ or the held-out set: two
# questions, then a need told without asking (no question word or mark).
QUESTIONS = {
    "en": ["how do I block my card", "Can I tell my password to the bank?",
           "someone wants the code from my sms"],
    "mn": ["Карт гээчихлээ яах вэ", "Банкнаас ПИН код асуудаг уу?",
           "нэг хүн мессежээр ирсэн кодыг асуугаад байна"],
    "mn_latn": ["kart geechihlee yah ve", "bank pin kod asuudag uu?",
                "neg hun messejeer irsen kodiig asuugaad bn"],
}


def test_every_form_has_varied_fillers() -> None:
    for form in settings.QUESTION_FORMS:
        openers, pleas = LONG_FILLERS[form]
        assert len(set(openers)) >= 8, form
        assert len(set(pleas)) >= 4, form
        # An opener tells a little story: several sentences, as people write them.
        assert all(len(words(o)) >= 15 for o in openers), form


@pytest.mark.parametrize("form", settings.QUESTION_FORMS)
def test_wrapped_question_is_read_as_a_long_message_with_its_question(form: str) -> None:
    openers, pleas = LONG_FILLERS[form]
    for n, question in enumerate(QUESTIONS[form]):
        for i in range(len(openers) * len(pleas)):
            message = long_form(question, form, i)
            reading = read(message, form)
            # Greetings and introductions set aside, it is still long: the
            # search applies the "_long" thresholds to it.
            assert len(words(reading.whole)) >= settings.FAQ_LONG_WORDS, message
            assert question.rstrip("?") in reading.whole, message
            if n < 2:
                # A question after the story is found as the question.
                assert reading.has_preamble, message
                assert question.rstrip("?") in reading.question, message


def test_long_form_is_repeatable_and_uses_every_pairing() -> None:
    for form in settings.QUESTION_FORMS:
        openers, pleas = LONG_FILLERS[form]
        n = len(openers) * len(pleas)
        made = [long_form("what now", form, i) for i in range(n)]
        assert made == [long_form("what now", form, i) for i in range(n)]
        assert len(set(made)) == n, form
