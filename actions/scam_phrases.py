"""Phrase rules from faq/scam_phrases.yml: words a maintainer adds without Python.

Each group names a warning sign and lists plain phrases in English and in
Mongolian (Cyrillic or Latin-typed; both are read through the same lossy
spelling as the built-in rules, see scam_signals.mn_view). A group may require
context elsewhere in the message: money, a demand to pay, an account number,
a code word or an unofficial link. The groups become ordinary
scam_signals.Rule objects, so negation ("never install AnyDesk") and quoting
work exactly as for the built-in rules.
"""

from __future__ import annotations

import logging
import re
from pathlib import Path
from typing import Any

import yaml

from actions import scam_signals as sig

log = logging.getLogger(__name__)

# The contexts a group may require, per view. "pay_demand" leaves out
# notices ("paid", "төлөгдлөө"): see scam_signals.NOTICE_END_MN.
_ACCOUNT_NO = r"\[account no\.\]|(?<![\d+-])\d{9,12}(?!\d)"
CONTEXTS: dict[str, dict[str, re.Pattern[str]]] = {
    "money": {"en": sig.MONEY_EN, "mn": sig.MONEY_MN},
    "transfer": {"en": sig.TRANSFER_EN, "mn": sig.TRANSFER_MN},
    "pay_demand": {
        "en": sig._c(r"\b(?:pay|transfer|send|deposit|wire|top up)\b(?! (?:was|has been))"),
        "mn": sig._cm(r"\b" + sig.PAY_MN),
    },
    "account": {
        "en": sig._c(_ACCOUNT_NO + r"|\baccount (?:holder|owner|name)\b|\bin the name of\b"),
        "mn": sig._cm(_ACCOUNT_NO + r"|\bdans ezemshigch\w*|\bezemshigch\w*"),
    },
    "code": {"en": sig.CODE_WORD_EN, "mn": sig.CODE_WORD_MN},
}
LINK_CONTEXT = "link"


def _phrase_pattern(phrase: str, view: str) -> str:
    text = sig.mn_view(phrase).text if view == "mn" else sig.en_view(phrase).text
    words = [re.escape(w) for w in text.split()]
    if not words:
        return ""
    # A phrase starts at a word start; words may be split by commas too.
    start = r"\b" if words[0][:1].isalnum() else ""
    return start + r"[\s,]+".join(words)


def rules_from(data: dict[str, Any]) -> list[sig.Rule]:
    """Rules for every group; a group with an unknown signal or context is skipped, loudly."""
    rules: list[sig.Rule] = []
    for group in data.get("groups") or []:
        gid = group.get("id", "?")
        signal = str(group.get("signal", ""))
        if signal not in sig.ALL_SIGNALS:
            log.error("scam phrases: group %s has unknown signal %r; skipped", gid, signal)
            continue
        needs = [str(n) for n in group.get("requires") or []]
        unknown = [n for n in needs if n not in CONTEXTS and n != LINK_CONTEXT]
        if unknown:
            log.error("scam phrases: group %s requires unknown %s; skipped", gid, unknown)
            continue
        phrases = group.get("phrases") or {}
        for view, forms in (("en", ("en",)), ("mn", ("mn", "mn_latn"))):
            parts = [_phrase_pattern(str(p), view) for form in forms
                     for p in (phrases.get(form) or [])]
            # Every phrase is also tried in the other view: people mix
            # languages, and a brand name reads the same in both.
            parts = [p for p in dict.fromkeys(parts) if p]
            if not parts:
                continue
            pattern = re.compile("|".join(sorted(parts, key=len, reverse=True)), re.IGNORECASE)
            requires = tuple(CONTEXTS[n][view] for n in needs if n in CONTEXTS)
            rules.append(sig.Rule(signal, view, pattern, requires=requires,
                                  needs_unofficial_link=LINK_CONTEXT in needs))
    return rules


def load_rules(path: Path) -> list[sig.Rule]:
    with open(path, encoding="utf-8") as fh:
        return rules_from(yaml.safe_load(fh) or {})
