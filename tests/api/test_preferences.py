"""The preferences service (actions/api/preferences.py): reply language and voice."""

from __future__ import annotations

import pytest

from actions.api.preferences import SetLanguage, SetVoice
from core.strings import t
from tests.api.turns import meta, run, tracker


@pytest.mark.parametrize(("text", "lang", "chosen"), [
    ("speak English please", "mn", "en"),
    ("монголоор ярина уу", "en", "mn"),
    ("change language", "en", "mn"),  # names no language: the other one
])
def test_language_is_switched_and_confirmed_in_the_new_language(text: str, lang: str, chosen: str) -> None:
    dispatcher, events = run(SetLanguage(), tracker(text, lang, intent="set_language"))
    assert dispatcher.messages[0]["text"] == t(chosen, "bot.language_set")
    assert meta(dispatcher)["set_language"] == chosen
    assert events[0]["value"] == chosen


@pytest.mark.parametrize(("intent", "on"), [("voice_on", True), ("voice_off", False)])
def test_voice_replies_are_switched(intent: str, on: bool) -> None:
    dispatcher, _ = run(SetVoice(), tracker("/" + intent, "mn", intent=intent))
    assert dispatcher.messages[0]["text"] == t("mn", "bot.voice_on" if on else "bot.voice_off")
    assert meta(dispatcher)["set_voice"] is on
