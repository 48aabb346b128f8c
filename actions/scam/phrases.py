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

from actions.privacy import ACCOUNT
from actions.scam import signals as sig

log = logging.getLogger(__name__)

# The contexts a group may require, per view. "pay_demand" leaves out
# notices ("paid", "төлөгдлөө"): see scam_signals.NOTICE_END_MN.
_DIGITS_ACCOUNT = r"(?<![\d+-])\d{9,12}(?!\d)"
# privacy.mask_pii writes "[account no.]"; each view spells it its own way.
_ACCOUNT_NO = {view: re.escape(spell(ACCOUNT).text) + "|" + _DIGITS_ACCOUNT
               for view, spell in (("en", sig.en_view), ("mn", sig.mn_view))}
CONTEXTS: dict[str, dict[str, re.Pattern[str]]] = {
    "money": {"en": sig.MONEY_EN, "mn": sig.MONEY_MN},
    "transfer": {"en": sig.TRANSFER_EN, "mn": sig.TRANSFER_MN},
    "pay_demand": {
        "en": sig._c(r"\b(?:pay|transfer|send|deposit|wire|top up)\b(?! (?:was|has been))"),
        "mn": sig._cm(r"\b" + sig.PAY_MN),
    },
    "account": {
        "en": sig._c(_ACCOUNT_NO["en"] + r"|\baccount (?:holder|owner|name)\b|\bin the name of\b"),
        "mn": re.compile(_ACCOUNT_NO["mn"] + sig._mn(r"|\bdans ezemshigch\w*|\bezemshigch\w*"),
                         re.IGNORECASE),
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


def _group_patterns(group: dict[str, Any]) -> dict[str, re.Pattern[str]]:
    """One pattern per view for a group's phrases (mn covers Cyrillic and Latin-typed)."""
    phrases = group.get("phrases") or {}
    out: dict[str, re.Pattern[str]] = {}
    for view, forms in (("en", ("en",)), ("mn", ("mn", "mn_latn"))):
        parts = [_phrase_pattern(str(p), view) for form in forms for p in (phrases.get(form) or [])]
        parts = [p for p in dict.fromkeys(parts) if p]
        if parts:
            out[view] = re.compile("|".join(sorted(parts, key=len, reverse=True)), re.IGNORECASE)
    return out


def rules_from(data: dict[str, Any]) -> list[sig.Rule]:
    """Rules for every group that names a signal; a broken group is skipped, loudly.

    A group without `signal` only serves as context: another group may
    require it by its id ("romance_money" requires "far_away_story").
    """
    groups = [g for g in data.get("groups") or [] if isinstance(g, dict)]
    patterns = {str(g.get("id")): _group_patterns(g) for g in groups}
    rules: list[sig.Rule] = []
    for group in groups:
        gid = str(group.get("id", "?"))
        if not group.get("signal"):
            continue
        signal = str(group["signal"])
        if signal not in sig.ALL_SIGNALS:
            log.error("scam phrases: group %s has unknown signal %r; skipped", gid, signal)
            continue
        needs = [str(n) for n in group.get("requires") or []]
        unknown = [n for n in needs if n not in CONTEXTS and n != LINK_CONTEXT and n not in patterns]
        if unknown:
            log.error("scam phrases: group %s requires unknown %s; skipped", gid, unknown)
            continue
        # "sentence": a negation anywhere in the sentence cancels the phrase, for
        # names listed in a warning ("never install AnyDesk, TeamViewer or ...").
        scope = "sentence" if group.get("negation") == "sentence" else "clause"
        for view, pattern in patterns[gid].items():
            requires: list[re.Pattern[str]] = []
            for need in needs:
                if need in CONTEXTS:
                    requires.append(CONTEXTS[need][view])
                elif need in patterns:
                    if view not in patterns[need]:
                        break  # the required group has no phrases in this language
                    requires.append(patterns[need][view])
            else:
                rules.append(sig.Rule(signal, view, pattern, requires=tuple(requires),
                                      needs_unofficial_link=LINK_CONTEXT in needs,
                                      neg_scope=scope, negation_after_match=True))
    return rules


def load_rules(path: Path) -> list[sig.Rule]:
    with open(path, encoding="utf-8") as fh:
        return rules_from(yaml.safe_load(fh) or {})
