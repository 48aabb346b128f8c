"""core/: the one table, the one detector and the one metadata contract.

The bot, the action server and Rasa each used their own copy of these; the
tests check that the parts that replaced the copies still agree with each
other where users would notice a disagreement.
"""

from __future__ import annotations

import pytest

from actions.scam.signals import mn_view
from bot.replies import from_rasa
from core.metadata import META_KEY, ActionOutcome, outcome_message, read_turn_metadata, turn_metadata
from core.script import CYRILLIC_TO_LATIN, detect_form, lexical_key, romanize


def test_the_english_voice_reads_names_as_they_are_romanised() -> None:
    assert romanize("Хөтөч") == "Khotoch"
    assert romanize("Хаан") == "Khaan"
    assert romanize("ямар") == "yamar"


@pytest.mark.parametrize(("cyrillic", "latin"), [
    ("мөнгөө яаж авах вэ", "mungu yaj avah ve"),
    ("кодоо явуулаарай", "kodoo yavuulaarai"),
    ("хүүхдийн мөнгө", "huuhdiin mungu"),
])
def test_scam_rules_see_both_scripts_alike(cyrillic: str, latin: str) -> None:
    """A rule written once catches the Cyrillic message and its Latin-typed twin."""
    assert mn_view(cyrillic).text == mn_view(latin).text


def test_every_cyrillic_letter_has_one_spelling() -> None:
    """Retrieval, Rasa, the scam rules and the voice read a letter from the same table."""
    letters = "абвгдеёжзийклмнопрстуфхцчшщъыьэюяөү"
    assert set(letters) <= set(CYRILLIC_TO_LATIN)
    for ch in letters:
        # The readable spelling and the matching key agree, except the soft sign the key drops.
        assert lexical_key(ch + "a") == lexical_key(CYRILLIC_TO_LATIN[ch] + "a") or ch == "ь"


def test_a_bare_brand_follows_the_users_language() -> None:
    assert detect_form("Khan Bank", lang_hint="mn") == "mn_latn"
    assert detect_form("Khan Bank", lang_hint="en") == "en"


def test_what_the_actions_send_is_what_the_bot_reads() -> None:
    outcome: ActionOutcome = {"faq_id": "block_card", "topic": "banking",
                              "handoff": {"reason": "user_request", "question": "help", "topic": None}}
    replies, meta = from_rasa([{"text": "Answer."}, {"custom": outcome_message(outcome)}])
    assert [r.text for r in replies] == ["Answer."]
    assert meta == outcome
    assert from_rasa([{"custom": {"other": 1}}])[1] == {}
    assert META_KEY == "khotoch"  # Rasa's stored conversations carry it


def test_turn_metadata_keeps_the_forwarded_text_only_when_forwarded() -> None:
    assert turn_metadata("mn", True, False, "ignored") == {"language": "mn", "voice": True, "forwarded": False}
    meta = turn_metadata("en", False, True, "Your card is blocked, call 9911")
    assert meta["forwarded_text"] == "Your card is blocked, call 9911"
    assert read_turn_metadata(meta) == meta
    assert read_turn_metadata(None) == {} and read_turn_metadata("x") == {}
