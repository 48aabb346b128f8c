"""`faq validate` check that every official domain is sourced.

The scam checker tells a citizen that a link is, or is not, an official
address; that is only as trustworthy as faq/official_domains.yml. So every
organisation there must name the page its domains were confirmed on. (That
every address in an answer is on the list is checked with the answer's other
facts, in actions/faq_facts.py.)
"""

from __future__ import annotations

import re
from pathlib import Path

import yaml

from actions.faq_store import Problem


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


def problems(path: Path) -> list[Problem]:
    return source_problems(path)
