"""A long answer is voiced as a short first clip and the rest; a short one as one clip."""

from __future__ import annotations

from bot.speech.parts import FIRST_PART_WORDS, voice_parts

LONG = ("If you lost your card, do this now.\n"
        "1. Block the card in your banking app or by calling your bank's hotline. The number is on the website.\n"
        "2. Never tell anyone your PIN or a one-time code, not even bank staff or the police.\n"
        "3. If you see a payment you did not make, tell your bank at once and ask them to stop it.\n"
        "4. Report the theft to the police on 102.")


def test_short_answer_is_one_clip() -> None:
    assert voice_parts("Voice replies are on.") == ["Voice replies are on."]
    assert voice_parts("") == []


def test_long_answer_starts_with_a_short_clip_and_loses_nothing() -> None:
    first, rest = voice_parts(LONG)
    assert len(first.split()) >= FIRST_PART_WORDS and len(first.split()) < len(rest.split())
    assert (first + "\n" + rest).split() == LONG.split()


def test_numbered_steps_are_never_cut() -> None:
    first, rest = voice_parts(LONG)
    for step in LONG.splitlines()[1:]:
        assert step in first or step in rest
