"""Language detection: the bot must answer in the language the user wrote.

A wrong guess means a Mongolian grandmother gets an English answer read
aloud to her, so the table below collects the messages that are easy to get
wrong: mixed scripts, brand names, one-word replies, Latin-typed Mongolian.
Add a row whenever a real message is misdetected.
"""

from __future__ import annotations

from pathlib import Path

import pytest
import yaml

from core.script import detect_form, detect_language, guess_language

EVAL_FILE = Path(__file__).parent / "data" / "nlu_eval.yml"
MIN_EVAL_ACCURACY = 0.97

# (text, expected language with no prior choice)
CASES: list[tuple[str, str]] = [
    # one-word and very short messages
    ("hi", "en"),
    ("hello", "en"),
    ("thanks", "en"),
    ("thank u", "en"),
    ("yes please", "en"),
    ("sain uu", "mn"),
    ("snu", "mn"),
    ("баярлалаа", "mn"),
    ("bayarlalaa", "mn"),
    ("bayrlalaa", "mn"),
    ("za", "mn"),
    ("ugui", "mn"),
    ("тийм", "mn"),
    ("help", "en"),
    ("tuslaach", "mn"),
    # brand names must not decide by themselves
    ("Golomt bank kart", "mn"),
    ("khan bank app ajillahgui bn", "mn"),
    ("my khan bank card is lost", "en"),
    ("Khan Bank kartaa haalgah", "mn"),
    ("how do I pay with QPay", "en"),
    ("qpay-aar tulbur tuluh", "mn"),
    ("e-mongolia-d nevtreh", "mn"),
    ("I can't log in to E-Mongolia", "en"),
    ("golomt app ruu orj chadahgui", "mn"),
    ("State Bank hotline", "en"),
    # Latin-typed Mongolian
    ("sain baina uu", "mn"),
    ("kartaa haalgah", "mn"),
    ("dansaa yaj hamgaalah ve", "mn"),
    ("kart hulgailagdsan", "mn"),
    ("nuuts ugee martchihlaa", "mn"),
    ("ene zalilan uu", "mn"),
    ("yaaj hiih we?", "mn"),
    ("ene unen be", "mn"),
    ("utsaa geechihsen bank app dotor ni bgaa", "mn"),
    ("kod irehgui bnaa", "mn"),
    ("toon garin useg awmaar bn", "mn"),
    ("baaaina uu", "mn"),
    # English with words a Mongolian-only rule would catch
    ("what should we do?", "en"),
    ("can it be a scam", "en"),
    ("the code never arrives", "en"),
    ("my son is 16, does he need an id card", "en"),
    ("hellooo", "en"),
    # mixed scripts: any Cyrillic text is Mongolian
    ("is this a scam? Таны данс хаагдлаа", "mn"),
    ("QPay-ээр төлөх аюулгүй юу", "mn"),
    ("Хаан банк app ajillahgui bn", "mn"),
    ("e-mongolia руу орж чадахгүй", "mn"),
    ("telegram-ын task хийгээд мөнгө олох", "mn"),
    ("fb хакердсан", "mn"),
    ("tdb-ийн апп ажиллахгүй байна", "mn"),
    # commands and app words typed in Latin
    ("cancel", "en"),
    ("tses ruu butsah", "mn"),
    ("golomt app ni haagdaad bn", "mn"),
    ("someone is calling pretending to be police", "en"),
    # a Cyrillic brand name inside English does not switch to Mongolian
    ("my Хаан банк card was stolen", "en"),
]

# Texts that say nothing about the language: an earlier choice or the
# default applies.
SILENT: list[str] = [
    "",
    "   ",
    "12345",
    "🙂👍",
    "ok",
    "e-barimt?",
    "Khan Bank",
    "QPay",
    "И-Монгол",
    "?!",
]


@pytest.mark.parametrize(("text", "expected"), CASES)
def test_detects_language(text: str, expected: str) -> None:
    assert detect_language(text) == expected


@pytest.mark.parametrize(("text", "expected"), CASES)
def test_explicit_choice_wins(text: str, expected: str) -> None:
    other = "en" if expected == "mn" else "mn"
    assert detect_language(text, chosen=other) == other


@pytest.mark.parametrize("text", SILENT)
def test_silent_text_keeps_choice_or_default(text: str) -> None:
    assert guess_language(text) is None
    assert detect_language(text) == "mn"
    assert detect_language(text, chosen="en") == "en"


@pytest.mark.parametrize(
    ("text", "form"),
    [
        ("how do I block my card", "en"),
        ("картаа яаж хаах вэ", "mn"),
        ("kartaa yaj haah ve", "mn_latn"),
        ("e-mongolia-d nevtreh", "mn_latn"),
        ("Golomt банк", "mn"),
    ],
)
def test_script_form(text: str, form: str) -> None:
    assert detect_form(text) == form


def test_eval_set_accuracy() -> None:
    """Detection on the held-out question set, by the form each item was
    written in (mn and mn_latn both mean a Mongolian answer)."""
    items = yaml.safe_load(EVAL_FILE.read_text(encoding="utf-8"))
    assert len(items) >= 300
    wrong = [
        item["text"] for item in items if detect_language(item["text"]) != ("en" if item["form"] == "en" else "mn")
    ]
    accuracy = 1 - len(wrong) / len(items)
    assert accuracy >= MIN_EVAL_ACCURACY, f"{accuracy:.1%}; misdetected: {wrong[:20]}"
