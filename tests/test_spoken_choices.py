"""Choices by ear: the spoken form of a menu names every choice, and answers pick them."""

from __future__ import annotations

import pytest

from bot.assistant import Assistant, Outcome, choice_buttons
from bot.replies import Button, Reply
from bot.spoken_choices import match_choice, say_choices
from core.strings import t


@pytest.mark.parametrize("lang", ["en", "mn"])
def test_spoken_menu_names_every_choice_with_its_number(lang: str) -> None:
    menu = Assistant.menu(lang)
    spoken = Outcome([menu], lang, speak=True).spoken_choices
    assert len(menu.buttons) == 4
    for number, button in enumerate(menu.buttons, 1):
        assert button.title in spoken
        assert f"{number}" in spoken
        # The number is said next to its own title, not another one.
        assert t(lang, "listen.choice", number=number, title=button.title) in spoken


def test_english_wording() -> None:
    spoken = say_choices("en", [Button("Yes", "a"), Button("No", "b")])
    assert spoken == "Say or type 1 for Yes, 2 for No."


def test_ticket_buttons_are_neither_said_nor_chosen_by_number() -> None:
    replies = [Reply("Your question number 5 went to a volunteer.", [Button("Close", "tk:done:5")])]
    assert choice_buttons(replies) == []
    assert Outcome(replies, "en", speak=True).spoken_choices == ""


MENU = [Button("E-services", "/ask_eservices"), Button("Banking safety", "/ask_banking"),
        Button("Scams", "/ask_scams"), Button("Digital skills", "/ask_literacy")]


@pytest.mark.parametrize(("said", "data"), [
    ("2", "/ask_banking"), ("2.", "/ask_banking"), ("Two.", "/ask_banking"), ("number three", "/ask_scams"),
    ("хоёр", "/ask_banking"), ("дөрөв", "/ask_literacy"), ("scams", "/ask_scams"),
    ("Banking safety.", "/ask_banking"),
])
def test_answer_by_number_word_or_title(said: str, data: str) -> None:
    chosen = match_choice(said, MENU)
    assert chosen is not None and chosen.data == data


@pytest.mark.parametrize("said", ["5", "0", "is 2 a scam?", "how do I report scams to the police?", "", "102"])
def test_questions_and_out_of_range_numbers_are_not_choices(said: str) -> None:
    assert match_choice(said, MENU) is None
