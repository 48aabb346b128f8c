"""Unit checks of the bot's own plumbing: what users would notice if it broke."""

from __future__ import annotations

import pytest

from bot import buttons
from bot.config import Config
from bot.replies import Button, Reply, from_rasa, split_text
from core.settings import LANGUAGES
from core.strings import flat_keys, t


def test_both_languages_have_the_same_texts() -> None:
    en, mn = flat_keys("en"), flat_keys("mn")
    assert en == mn, f"only in en: {sorted(en - mn)}; only in mn: {sorted(mn - en)}"


@pytest.mark.parametrize("lang", LANGUAGES)
def test_texts_have_no_markdown_or_emoji(lang: str) -> None:
    for key in flat_keys(lang):
        text = t(lang, key)
        assert "**" not in text and "|" not in text, key
        assert not any(0x1F300 <= ord(ch) <= 0x1FAFF for ch in text), key


def test_long_reply_is_split_at_paragraphs_within_telegram_limit() -> None:
    paragraph = ("Step one of the answer. " * 40).strip()
    text = "\n\n".join([paragraph] * 8)
    chunks = split_text(text)
    assert len(chunks) > 1
    assert all(len(c) <= 4096 for c in chunks)
    assert all(c.endswith("answer.") for c in chunks), "a chunk was cut mid-paragraph"
    assert " ".join(chunks).replace("\n\n", " ").split() == text.replace("\n\n", " ").split()


def test_unbroken_text_is_still_split() -> None:
    chunks = split_text("x" * 9000)
    assert [len(c) for c in chunks] == [4096, 4096, 808]


@pytest.mark.parametrize("data", [
    "/ask_banking", '/choose_faq{"faq_id":"block_card"}', '/feedback{"helpful":"no"}',
    "lang:mn", "voice:off", "menu", "tk:take:12",
])
def test_genuine_buttons_are_accepted(data: str) -> None:
    assert buttons.parse(data).kind in ("rasa", "local")


@pytest.mark.parametrize("data", [
    None, "", "/restart", "/session_start", '/choose_faq{"faq_id":"../../etc"}',
    '/choose_faq{"faq_id":"x","slots":"y"}', '/feedback{"helpful":"maybe"}', "/ask_banking{",
    "lang:ru", "tk:take:abc", "x" * 65, '/choose_faq["block_card"]',
])
def test_forged_buttons_are_rejected(data: str | None) -> None:
    assert buttons.parse(data).kind == "invalid"


def test_rasa_messages_become_replies_and_metadata() -> None:
    replies, meta = from_rasa([
        {"recipient_id": "1", "text": "Answer, first paragraph."},
        {"recipient_id": "1", "text": "Second paragraph."},
        {"recipient_id": "1", "text": "Did it help?", "buttons": [{"title": "Yes", "payload": "/affirm"}]},
        {"recipient_id": "1", "custom": {"khotoch": {"faq_id": "block_card", "topic": "banking"}}},
        {"recipient_id": "1", "text": "Next message"},
    ])
    assert replies == [
        Reply("Answer, first paragraph.\n\nSecond paragraph.\n\nDid it help?", [Button("Yes", "/affirm")]),
        Reply("Next message"),
    ]
    assert meta == {"faq_id": "block_card", "topic": "banking"}


def test_token_never_appears_in_config_repr(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("TELEGRAM_BOT_TOKEN", "123456:SECRET-TOKEN-VALUE")
    config = Config.from_env()
    assert config.token == "123456:SECRET-TOKEN-VALUE"
    assert "SECRET" not in repr(config)


def test_volunteer_ids_parse_lists(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("VOLUNTEER_IDS", "11, 22;33,junk")
    monkeypatch.setenv("VOLUNTEER_CHAT_ID", "-100123")
    config = Config.from_env()
    assert config.volunteer_ids == {11, 22, 33}
    assert config.volunteer_chat_id == -100123
