"""Texts Rasa says itself (domain.yml responses) and the Telegram command
menu come from strings/, like every other text a user sees."""

from __future__ import annotations

import asyncio

import yaml

from bot.assistant import COMMANDS
from bot.maintain import domain_texts
from bot.telegram_app import set_commands
from core.settings import LANGUAGES
from core.strings import t


def test_domain_responses_are_the_strings() -> None:
    current = domain_texts.DOMAIN_FILE.read_text(encoding="utf-8")
    assert domain_texts.rendered_domain(current) == current, "run `python -m bot nlu from-strings`, then retrain"


def test_a_changed_string_changes_the_domain_response(monkeypatch) -> None:
    monkeypatch.setattr(domain_texts, "t", lambda lang, key: "Sain uu" if key == "rasa.greet" else t(lang, key))
    domain = yaml.safe_load(domain_texts.rendered_domain(domain_texts.DOMAIN_FILE.read_text(encoding="utf-8")))
    greet = domain["responses"]["utter_greet"]
    assert [v["text"] for v in greet] == ["Sain uu", "Sain uu"]
    assert [b["title"] for b in greet[1]["buttons"]] == [t("mn", f"bot.topic_{topic}")
                                                         for topic in domain_texts.TOPIC_BUTTONS]


def test_every_response_in_the_domain_is_written_from_strings() -> None:
    domain = yaml.safe_load(domain_texts.DOMAIN_FILE.read_text(encoding="utf-8"))
    assert set(domain["responses"]) == set(domain_texts.RESPONSES)


class _Bot:
    def __init__(self) -> None:
        self.menus: dict[str | None, list[tuple[str, str]]] = {}

    async def set_my_commands(self, commands, language_code=None) -> None:
        self.menus[language_code] = [(c.command, c.description) for c in commands]


class _App:
    def __init__(self) -> None:
        self.bot = _Bot()


def test_the_command_menu_is_described_in_each_language() -> None:
    app = _App()
    asyncio.run(set_commands(app))
    assert set(app.bot.menus) == {None if lang == "en" else lang for lang in LANGUAGES}
    assert app.bot.menus["mn"] == [(name, t("mn", f"command_menu.{name}")) for name in COMMANDS]
    assert app.bot.menus["mn"][0] == ("start", "Эхлэх, хэл сонгох")
    assert all(description for menu in app.bot.menus.values() for _, description in menu)
