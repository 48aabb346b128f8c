"""Writes the responses of domain.yml from strings/: `python -m bot nlu from-strings [--check]`.

Rasa answers greetings, thanks and help itself, from the `responses` of
domain.yml, so those texts must be in the domain when Rasa trains. They are
written in strings/en.yml and strings/mn.yml (block `rasa`, topic buttons
from `bot.topic_*`) like every other text a user sees, and this command
copies them into domain.yml: Mongolian is each response's default and
English the variation chosen by the `language` slot. `--check` only says
whether domain.yml is up to date (tests/test_domain_texts.py runs it).
After a change Rasa must retrain (`make model`).
"""

from __future__ import annotations

import argparse
import json
from collections.abc import Sequence

from core.settings import ROOT
from core.strings import t

DOMAIN_FILE = ROOT / "domain.yml"
# Response name -> its key under `rasa` in strings/, and whether it offers the topics.
RESPONSES = {
    "utter_greet": ("rasa.greet", True),
    "utter_goodbye": ("rasa.goodbye", False),
    "utter_thanks": ("rasa.thanks", False),
    "utter_ok": ("rasa.ok", False),
    "utter_help": ("rasa.help", True),
    "utter_bot_challenge": ("rasa.bot_challenge", False),
}
# The topic menu, in the order the buttons are shown.
TOPIC_BUTTONS = ("eservices", "banking", "scams", "literacy")
_START = "responses:\n"
_END = "\nsession_config:"


def _quoted(text: str) -> str:
    """A double-quoted YAML scalar: JSON's escaping is valid YAML."""
    return json.dumps(text, ensure_ascii=False)


def _variation(lang: str, key: str, topics: bool, indent: str) -> list[str]:
    lines = [f"{indent}text: {_quoted(t(lang, key))}"]
    if topics:
        lines.append(f"{indent}buttons:")
        for topic in TOPIC_BUTTONS:
            lines.append(f"{indent}  - title: {_quoted(t(lang, f'bot.topic_{topic}'))}")
            lines.append(f'{indent}    payload: "/ask_{topic}"')
    return lines


def render_responses() -> str:
    out: list[str] = []
    for name, (key, topics) in RESPONSES.items():
        out += [f"  {name}:", "    - condition:", "        - type: slot", "          name: language",
                "          value: en"]
        out += _variation("en", key, topics, "      ")
        mn = _variation("mn", key, topics, "      ")
        out += ["    - " + mn[0].lstrip(), *mn[1:], ""]
    return "\n".join(out)


def rendered_domain(current: str) -> str:
    """domain.yml with its responses section written from strings/."""
    start = current.index(_START) + len(_START)
    end = current.index(_END, start)
    return current[:start] + render_responses() + current[end:]


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m bot nlu from-strings", description=__doc__.splitlines()[0])
    parser.add_argument("--check", action="store_true", help="exit 1 if domain.yml is out of date; write nothing")
    args = parser.parse_args(argv)
    current = DOMAIN_FILE.read_text(encoding="utf-8")
    wanted = rendered_domain(current)
    if wanted == current:
        print("domain.yml responses match strings/")
        return 0
    if args.check:
        print("domain.yml responses differ from strings/: run `python -m bot nlu from-strings`, then retrain")
        return 1
    DOMAIN_FILE.write_text(wanted, encoding="utf-8")
    print("wrote domain.yml responses from strings/; retrain Rasa (make model)")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
