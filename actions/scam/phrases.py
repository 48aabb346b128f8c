"""The scam checker's rule files in faq/, read without Python by maintainers.

`faq/scam_rules.yml` holds the built-in rules as regular expressions, with
named building blocks ({NAME}) shared by rules; `faq/scam_phrases.yml`
holds plain phrases a maintainer adds without regular expressions.

Each phrase group names a warning sign and lists plain phrases in English and in
Mongolian (Cyrillic or Latin-typed; both are read through the same lossy
spelling as the built-in rules, see signals.mn_view). A group may require
context elsewhere in the message: money, a demand to pay, an account number,
a code word or an unofficial link (blocks of scam_rules.yml). Both files
become ordinary signals.Rule objects, so negation ("never install AnyDesk")
and quoting work exactly alike.
"""

from __future__ import annotations

import logging
import re
from dataclasses import dataclass, field
from functools import cache
from pathlib import Path
from typing import Any

import yaml

from actions.scam import signals as sig
from core.privacy import ACCOUNT
from core.settings import FAQ_DIR

log = logging.getLogger(__name__)

RULES_FILE = Path(FAQ_DIR) / "scam_rules.yml"
_BLOCK_NAME = re.compile(r"\{([A-Z][A-Z0-9_]*)\}")


def _joined(value: Any) -> str:
    """A pattern or block: one string, or a list of strings joined (a long one kept readable)."""
    return "".join(str(v) for v in value) if isinstance(value, list) else str(value)


def _compile(text: str, view: str) -> re.Pattern[str]:
    """Mongolian patterns are written with the natural o; the view spells it u (signals._mn)."""
    return sig._cm(text) if view == "mn" else sig._c(text)


@dataclass(frozen=True)
class RuleFile:
    """faq/scam_rules.yml, parsed: named blocks and the built-in rules."""

    blocks: dict[str, str]
    rules: tuple[sig.Rule, ...] = ()
    _compiled: dict[str, re.Pattern[str]] = field(default_factory=dict, compare=False, repr=False)

    def expand(self, template: str, depth: int = 0) -> str:
        """The template with every {NAME} replaced by its block, recursively."""
        if depth > 10:
            raise ValueError(f"blocks refer to each other in a loop: {template[:60]}")
        return _BLOCK_NAME.sub(lambda m: self.expand(self.blocks[m.group(1)], depth + 1), template)

    def block(self, name: str) -> re.Pattern[str]:
        """A block as a pattern of its own (requires, forbids, phrase contexts)."""
        if name not in self._compiled:
            self._compiled[name] = _compile(self.expand(self.blocks[name]), "mn" if "_MN" in name else "en")
        return self._compiled[name]

    def pattern(self, value: str, view: str) -> re.Pattern[str]:
        """A block's name, or a pattern written out, in the given view."""
        return self.block(value) if value in self.blocks else _compile(self.expand(value), view)


def _rule_entries(data: dict[str, Any], file: RuleFile) -> list[sig.Rule]:
    """The file's rules; a broken entry is skipped, loudly, and the others still run."""
    rules: list[sig.Rule] = []
    for n, entry in enumerate(data.get("rules") or []):
        try:
            signal, view = str(entry["signal"]), str(entry["view"])
            if signal not in sig.ALL_SIGNALS or view not in ("en", "mn"):
                raise ValueError(f"unknown signal {signal!r} or view {view!r}")
            options = dict(
                requires=tuple(file.block(str(name)) for name in entry.get("requires") or ()),
                forbids=file.pattern(str(entry["forbids"]), view) if entry.get("forbids") else None,
                negatable=bool(entry.get("negatable", True)),
                neg_scope=str(entry.get("neg_scope", "clause")),
                needs_unofficial_link=bool(entry.get("needs_unofficial_link", False)),
                negation_after_match=bool(entry.get("negation_after_match", False)),
            )
            rules += [sig.Rule(signal, view, _compile(file.expand(_joined(p)), view), **options)
                      for p in entry.get("patterns") or ()]
        except (KeyError, TypeError, ValueError, re.error) as exc:
            log.error("scam rules: rule %d (%s) skipped: %s", n + 1, entry.get("signal", "?")
                      if isinstance(entry, dict) else "?", exc)
    return rules


def read_rule_file(path: Path) -> RuleFile:
    with open(path, encoding="utf-8") as fh:
        data = yaml.safe_load(fh) or {}
    blocks = RuleFile({str(k): _joined(v) for k, v in (data.get("blocks") or {}).items()})
    return RuleFile(blocks.blocks, tuple(_rule_entries(data, blocks)), blocks._compiled)


@cache
def _rule_file_at(path: Path, mtime_ns: int) -> RuleFile:
    return read_rule_file(path)


def built_in(path: Path = RULES_FILE) -> RuleFile:
    """faq/scam_rules.yml, re-read when saved."""
    return _rule_file_at(path, path.stat().st_mtime_ns)


# privacy.mask_pii writes "[account no.]"; each view spells it its own way.
_DIGITS_ACCOUNT = r"(?<![\d+-])\d{9,12}(?!\d)"
_ACCOUNT_NO = {view: re.escape(spell(ACCOUNT).text) + "|" + _DIGITS_ACCOUNT
               for view, spell in (("en", sig.en_view), ("mn", sig.mn_view))}


def contexts(file: RuleFile) -> dict[str, dict[str, re.Pattern[str]]]:
    """The contexts a phrase group may require, per view, from the rule file's blocks.

    "pay_demand" leaves out notices ("paid", "төлөгдлөө"): see NOTICE_END_MN there.
    """
    return {
        "money": {"en": file.block("MONEY_EN"), "mn": file.block("MONEY_MN")},
        "transfer": {"en": file.block("TRANSFER_EN"), "mn": file.block("TRANSFER_MN")},
        "pay_demand": {
            "en": sig._c(r"\b(?:pay|transfer|send|deposit|wire|top up)\b(?! (?:was|has been))"),
            "mn": sig._cm(r"\b" + file.expand("{PAY_MN}")),
        },
        "account": {
            "en": sig._c(_ACCOUNT_NO["en"] + r"|\baccount (?:holder|owner|name)\b|\bin the name of\b"),
            "mn": re.compile(_ACCOUNT_NO["mn"] + sig._mn(r"|\bdans ezemshigch\w*|\bezemshigch\w*"),
                             re.IGNORECASE),
        },
        "code": {"en": file.block("CODE_WORD_EN"), "mn": file.block("CODE_WORD_MN")},
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


def rules_from(data: dict[str, Any], file: RuleFile | None = None) -> list[sig.Rule]:
    """Rules for every group that names a signal; a broken group is skipped, loudly.

    A group without `signal` only serves as context: another group may
    require it by its id ("romance_money" requires "far_away_story").
    """
    contexts_ = contexts(file or built_in())
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
        unknown = [n for n in needs if n not in contexts_ and n != LINK_CONTEXT and n not in patterns]
        if unknown:
            log.error("scam phrases: group %s requires unknown %s; skipped", gid, unknown)
            continue
        # "sentence": a negation anywhere in the sentence cancels the phrase, for
        # names listed in a warning ("never install AnyDesk, TeamViewer or ...").
        scope = "sentence" if group.get("negation") == "sentence" else "clause"
        for view, pattern in patterns[gid].items():
            requires: list[re.Pattern[str]] = []
            for need in needs:
                if need in contexts_:
                    requires.append(contexts_[need][view])
                elif need in patterns:
                    if view not in patterns[need]:
                        break  # the required group has no phrases in this language
                    requires.append(patterns[need][view])
            else:
                rules.append(sig.Rule(signal, view, pattern, requires=tuple(requires),
                                      needs_unofficial_link=LINK_CONTEXT in needs,
                                      neg_scope=scope, negation_after_match=True))
    return rules


def load_rules(path: Path, file: RuleFile | None = None) -> list[sig.Rule]:
    """The phrase file's rules."""
    with open(path, encoding="utf-8") as fh:
        return rules_from(yaml.safe_load(fh) or {}, file)
