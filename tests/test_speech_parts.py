"""A long answer is voiced as a short first clip and longer ones after it; a short one as one clip."""

from __future__ import annotations

from bot.speech.parts import FIRST_PART_WORDS, MIN_REST_WORDS, PART_GROWTH, voice_parts

LONG = ("If you lost your card, do this now.\n"
        "1. Block the card in your banking app or by calling your bank's hotline. The number is on the website.\n"
        "2. Never tell anyone your PIN or a one-time code, not even bank staff or the police.\n"
        "3. If you see a payment you did not make, tell your bank at once and ask them to stop it.\n"
        "4. Report the theft to the police on 102.")


def test_short_answer_is_one_clip() -> None:
    assert voice_parts("Voice replies are on.") == ["Voice replies are on."]
    assert voice_parts("") == []


def test_long_answer_starts_with_a_short_clip_and_loses_nothing() -> None:
    parts = voice_parts(LONG)
    assert len(parts) > 1 and len(parts[0].split()) <= FIRST_PART_WORDS
    assert "\n".join(parts).split() == LONG.split()


def test_each_part_can_be_made_while_the_one_before_plays() -> None:
    words = [len(p.split()) for p in voice_parts(LONG + "\n" + LONG.replace("If you lost", "When you lose"))]
    assert len(words) >= 3
    for before, part in zip(words[:-2], words[1:-1], strict=True):
        assert part <= PART_GROWTH * before
    # The last one may also carry a remainder too short to be a clip of its own.
    assert words[-1] <= PART_GROWTH * words[-2] + MIN_REST_WORDS
    assert words[-1] >= MIN_REST_WORDS


def test_numbered_steps_are_never_cut() -> None:
    parts = voice_parts(LONG)
    for step in LONG.splitlines()[1:]:
        assert any(step in part for part in parts)
