"""`faq validate` checks on web addresses: sourced official domains, no stray domains in answers.

The scam checker tells a citizen that a link is, or is not, an official
address; that is only as trustworthy as faq/official_domains.yml. So every
organisation there must name the page its domains were confirmed on, and an
FAQ answer may only send people to addresses on that list (an answer that
names an unlisted site would contradict the checker, or send people to one
nobody checked).
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from pathlib import Path

import yaml

from actions.faq_store import FaqEntry, Problem
from actions.scam_signals import BARE_TLDS

# A domain as written in an answer: "e-mongolia.mn", "www.khanbank.com",
# "https://service.police.gov.mn/...", ending in a known top-level domain (the
# scam checker's list), so that "B.Bold" or Cyrillic "т.ч." are not read as one.
_DOMAIN_IN_TEXT = re.compile(
    r"(?<![\w@.-])(?:https?://)?(?:www\.)?((?:[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?\.)+"
    r"(?:" + "|".join(sorted(BARE_TLDS, key=len, reverse=True)) + r"))(?![\w-])",
    re.IGNORECASE,
)


def _load(path: Path) -> dict:
    try:
        data = yaml.safe_load(path.read_text(encoding="utf-8")) or {}
    except (OSError, yaml.YAMLError):
        return {}  # official_domain_problems reports an unreadable file
    return data if isinstance(data, dict) else {}


def _organisations(path: Path) -> list[dict]:
    return [o for o in _load(path).get("organisations") or [] if isinstance(o, dict)]


def source_problems(path: Path) -> list[Problem]:
    """Each organisation names the page (its own, or an official register) showing its domains."""
    problems = []
    for org in _organisations(path):
        source = str(org.get("source") or "").strip()
        if not re.match(r"https?://\S+\.\S+", source):
            problems.append(Problem(path.name, str(org.get("id", "?")),
                                    "no `source`: give the organisation's own page (or an official "
                                    "register) that shows these domains"))
    return problems


def answer_domain_problems(entries: Sequence[FaqEntry], path: Path) -> list[Problem]:
    """Every domain named in an answer is on the official list (or a sub-domain of one).

    Link shorteners listed there may be named too: answers name bit.ly as
    the example of a link to distrust.
    """
    official = {str(d).lower() for org in _organisations(path) for d in org.get("domains") or []}
    official |= {str(d).lower() for d in _load(path).get("shorteners") or []}
    if not official:
        return []
    problems = []
    for entry in entries:
        for lang, text in entry.answer.items():
            for m in _DOMAIN_IN_TEXT.finditer(text or ""):
                host = m.group(1).lower().removeprefix("www.")
                if not any(host == d or host.endswith("." + d) for d in official):
                    problems.append(Problem(
                        entry.file, entry.id,
                        f"answer.{lang} names '{host}', which is not on {path.name}: add it there "
                        "with its source, or take it out of the answer",
                        "error" if entry.published else "warning"))
    return problems


def problems(entries: Sequence[FaqEntry], path: Path) -> list[Problem]:
    return source_problems(path) + answer_domain_problems(entries, path)
