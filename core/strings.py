"""User-visible texts, one YAML file per language under `strings/`.

Keeping every text in those files lets a translator or maintainer change
wording without reading Python, and lets a test check that both languages
carry the same keys.
"""

from __future__ import annotations

from functools import cache
from typing import Any

import yaml

from core.settings import DEFAULT_LANGUAGE, LANGUAGES, STRINGS_DIR


@cache
def catalogue(lang: str) -> dict[str, Any]:
    with open(STRINGS_DIR / f"{lang}.yml", encoding="utf-8") as fh:
        return yaml.safe_load(fh) or {}


def load_all() -> None:
    """Reads every language's file now, at start-up.

    Parsing one takes about 25 ms; done on first use, it held up the first
    message in each language after a start, on the event loop that serves
    everyone else's messages too.
    """
    for lang in LANGUAGES:
        catalogue(lang)


def _lookup(tree: dict[str, Any], key: str) -> Any:
    node: Any = tree
    for part in key.split("."):
        if not isinstance(node, dict) or part not in node:
            raise KeyError(key)
        node = node[part]
    return node


def t(lang: str | None, key: str, **fmt: Any) -> str:
    """Text `key` in `lang`, formatted with `fmt`.

    An unknown language falls back to the default one, so a user never sees
    a raw key because of a bad setting; an unknown key is a programming error
    and raises.
    """
    lang = lang if lang in LANGUAGES else DEFAULT_LANGUAGE
    value = _lookup(catalogue(lang), key)
    if not isinstance(value, str):
        raise KeyError(f"{key} is not a text")
    return value.format(**fmt) if fmt else value


def has(lang: str, key: str) -> bool:
    try:
        _lookup(catalogue(lang), key)
    except KeyError:
        return False
    return True


def flat_keys(lang: str) -> set[str]:
    """All dotted keys of a language, for the test that both languages match."""

    def walk(node: Any, prefix: str) -> set[str]:
        if isinstance(node, dict):
            out: set[str] = set()
            for k, v in node.items():
                out |= walk(v, f"{prefix}.{k}" if prefix else str(k))
            return out
        return {prefix}

    return walk(catalogue(lang), "")
