"""Reading the question inside a message: numbers typed, preamble set aside (issue 18).

Plain functions, no model: the same reading feeds Rasa's classifier and the
FAQ search, so what it keeps and drops is what both see.
"""

from __future__ import annotations

import pytest

from core.privacy import mask_pii
from rasa_side.question_reading import clauses, read, strip_greeting, type_numbers


@pytest.mark.parametrize(("text", "form", "kinds", "gone"), [
    ("My card 4000 1234 5678 9010 was charged 350,000 MNT that I did not spend", "en",
     ("amount", "card"), ("4000", "350,000")),
    ("a man called from 88112233 and asked for the code 4821", "en", ("code", "phone"),
     ("88112233", "4821")),
    ("I sent 1,500,000 to account 4012345678 yesterday", "en", ("account", "amount"),
     ("1,500,000", "4012345678")),
    ("нууц үг маань УБ99112233 регистрийн дугаар байсан", "mn", ("register",), ("99112233",)),
    ("45 сая төгрөг хадгалсан", "mn", ("amount",), ("45", "сая", "төгрөг")),
    ("+976 99118877 dugaartai hun", "mn_latn", ("phone",), ("99118877",)),
    ("ebarimt deer 23,450 tugriin butsaan olgolt", "mn_latn", ("amount",), ("23,450", "tugriin")),
])
def test_numbers_become_what_they_are(text: str, form: str, kinds: tuple[str, ...],
                                      gone: tuple[str, ...]) -> None:
    typed, found = type_numbers(text, form)
    assert found == kinds
    for piece in gone:
        assert piece not in typed.split() and piece not in typed, typed


def test_the_words_follow_the_language_form() -> None:
    assert type_numbers("my card 4000123456789010 is lost", "en")[0] == "my card card number is lost"
    assert "картын дугаар" in type_numbers("4000123456789010 картаа алдсан", "mn")[0]
    assert "mungu" in type_numbers("5 saya tugrug aldsan", "mn_latn")[0]


def test_masked_text_reads_like_raw_text() -> None:
    """core/privacy.py masks before Rasa and the actions see a message."""
    raw = "my card 4000 1234 5678 9010 was used and 88112233 called asking for code 4821"
    masked = mask_pii(raw)
    assert "[phone]" in masked and "****" in masked
    assert type_numbers(masked, "en") == type_numbers(raw, "en")
    assert type_numbers("[account no.] and [register no.]", "en")[1] == ("account", "register")


def test_small_numbers_that_carry_the_question_stay() -> None:
    for text in ("I am 68 years old", "25 hvrehed unemleh solih yostoi yu",
                 "lost my card on bus 7", "call 1800-1234 or 102 for help"):
        assert type_numbers(text)[0] == text


def test_numbers_are_found_by_the_rules_that_mask_them() -> None:
    """One place for the patterns: whatever privacy.py masks is typed, and nothing it keeps."""
    for text in ("is 1234 a bad pin", "my register is УБ 99112233", "account MN12 0005 0050 1234 5678 90",
                 "write to me at bat.bold@gmail.com", "card 3714 496353 98431 was charged"):
        typed, kinds = type_numbers(text, "en")
        assert kinds, text
        assert type_numbers(mask_pii(text), "en") == (typed, kinds)
        assert not any(ch.isdigit() for ch in typed), typed


@pytest.mark.parametrize(("sentence", "rest"), [
    ("Hello, I am 68 and not good with phones.", "I am 68 and not good with phones."),
    ("Сайн байна уу, би 68 настай.", "би 68 настай."),
    ("Sain bnuu bi 68 nastai", "bi 68 nastai"),
    ("Dear Khotoch, thank you for your help last time.", ""),
    ("Good morning.", ""),
    ("how do I block my card", "how do I block my card"),
])
def test_greetings_and_thanks_are_set_aside(sentence: str, rest: str) -> None:
    assert strip_greeting(sentence) == rest


def test_a_long_message_is_read_by_its_question() -> None:
    text = ("Hello, I am 68 and not good with phones. Yesterday at the market my bank card was "
            "not in my bag. What should I do first?")
    reading = read(text, "en")
    assert reading.question == ("Yesterday at the market my bank card was not in my bag. "
                                "What should I do first?")
    assert reading.set_aside == ("I am 68 and not good with phones.",)
    assert "Hello" not in reading.whole and "I am 68" not in reading.whole
    assert "bank card" in reading.whole


def test_story_long_before_the_question_is_matched_apart() -> None:
    text = ("Good morning. This morning an SMS said my account was blocked, so I pressed the link. "
            "My daughter says I should tell someone official. Where do I report this kind of cheating?")
    reading = read(text, "en")
    assert reading.has_preamble
    assert reading.question.endswith("Where do I report this kind of cheating?")
    assert "pressed the link" not in reading.question
    assert "pressed the link" in reading.whole


def test_an_english_plea_after_the_question_is_not_taken_for_it() -> None:
    """"be" is the Latin-typed particle бэ only in Latin-typed Mongolian."""
    text = ("My card was swallowed by the machine at the bus station. How do I get it back? "
            "I would be grateful for your help.")
    assert read(text, "en").question.endswith("How do I get it back?")
    latin = "Kart maani ATM-d orood garsangui. Yaaj avah be. Tuslaarai"
    assert read(latin, "mn_latn").question.startswith("Kart maani ATM-d orood garsangui. Yaaj avah be")


def test_an_introduction_is_not_taken_as_what_happened() -> None:
    reading = read("Сайн уу, намайг Бат гэдэг, 70 настай. И-Монголд яаж нэвтрэх вэ?", "mn")
    assert reading.question == "И-Монголд яаж нэвтрэх вэ?"


def test_a_plain_question_is_left_as_it_is() -> None:
    reading = read("how do I block a lost card", "en")
    assert not reading.has_preamble
    assert reading.whole == reading.question == "how do I block a lost card"


def test_a_greeting_alone_stays_a_greeting() -> None:
    assert read("сайн байна уу", "mn").whole == "сайн байна уу"


def test_two_needs_fall_into_separate_clauses() -> None:
    parts = clauses("Today I noticed my bank card is missing, and an hour later a man phoned "
                    "saying he is from the bank and needs the code from my SMS. What do I do?")
    assert any("bank card is missing" in p for p in parts)
    assert any("code from my SMS" in p for p in parts)
