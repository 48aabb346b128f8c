"""The NLU classifier's script-independent key (core/script.py).

If a Cyrillic word and its Latin-typed twin get different keys, the model
has to learn each phrasing twice, and Latin-typed questions lose accuracy.
"""

from __future__ import annotations

import pytest

from core.script import detect_form, has_cyrillic, lexical_key, word_key

TWINS = [
    ("хамгаалах", "hamgaalah"),
    ("хамгаалах", "khamgaalakh"),
    ("хамгаалах", "xamgaalax"),
    ("данс", "dans"),
    ("карт", "kart"),
    ("хулгайлагдсан", "hulgailagdsan"),
    ("нэвтрэх", "nevtreh"),
    ("вэ", "we"),
    ("үү", "uu"),
    ("өгөх", "ogoh"),
    ("цахим", "tsahim"),
    ("цахим", "cahim"),
    ("шуудан", "shuudan"),
    ("чадах", "chadah"),
    ("яаж", "yaj"),
    ("ёс", "yos"),
    ("жолоо", "zholoo"),
]


@pytest.mark.parametrize(("cyrillic", "latin"), TWINS)
def test_cyrillic_and_latin_twins_share_a_key(cyrillic: str, latin: str) -> None:
    assert word_key(cyrillic) == word_key(latin)


def test_whole_questions_share_a_key() -> None:
    assert lexical_key("Дансаа яаж хамгаалах вэ?") == lexical_key("dansaa yaj hamgaalah we")
    assert lexical_key("E-Mongolia-д яаж нэвтрэх вэ") == lexical_key("e-mongolia-d yaj nevtreh ve")


def test_different_words_keep_different_keys() -> None:
    assert word_key("карт") != word_key("данс")
    assert lexical_key("код илгээх") != lexical_key("карт хаах")


def test_punctuation_and_emoji_are_dropped() -> None:
    assert lexical_key("Сайн байна уу!!! 🙂") == lexical_key("sain baina uu")


@pytest.mark.parametrize("text", ["I lost my card, what should I do?", "how do I log in to e-mongolia",
                                  "someone is asking for my code"])
def test_english_questions_look_english(text: str) -> None:
    assert detect_form(text, lang_hint="mn") == "en"


@pytest.mark.parametrize("text", ["kartaa haalgah", "dansaa yaj hamgaalah ve", "sain baina uu",
                                  "Картаа хаалгах", "e-barimt?"])
def test_mongolian_in_either_script_does_not_look_english(text: str) -> None:
    assert detect_form(text, lang_hint="mn") != "en"


def test_cyrillic_is_detected_in_mixed_text() -> None:
    assert has_cyrillic("Khan Bank-ны карт")
    assert not has_cyrillic("Khan Bank card")
