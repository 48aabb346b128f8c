"""The facts FAQ answers rest on (faq/facts.yml) and the checks that tie answers to them.

A wrong hotline read aloud to a blind user is worse than no answer: it
cannot be double-checked on the screen. So every phone-number form in an
answer must be the value of a fact the entry lists, each fact names the
organisation's page it was checked on and the date, and every web address
in an answer is an official one. The facts live in the repository, so a
fresh clone checks exactly what the bot will say; nothing outside it is read.
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import yaml

from actions.faq.store import SAFE_LOADER, FaqEntry, Problem, parse_date
from core import settings

FACTS_FILE = "facts.yml"
KINDS = ("phone", "domain", "figure", "claim")
_ID = re.compile(r"^[a-z][a-z0-9_]*$")

# The ways a phone number is written in an answer: +976 numbers, hyphenated
# digit groups ("1800-1917", "11-11", "1111-2"), four-and-four spaced digits,
# eight digits in a row, 4-6 digit short codes starting with 1 ("1111",
# "131313") and the 3-digit emergency numbers (100-119). Numbers inside
# larger ones ("115,000", "98.5"), percentages ("100%", "100 percent",
# "100 хувь", "70-100 хувийн") and e-mail user names are not.
_PHONE_FORM = re.compile(
    r"(?<![\w+.,/-])"
    r"(\+976(?:[ -]?\d{2,4})*"
    r"|\d{2,4}(?:-\d{1,4})+"
    r"|\d{4} \d{4}"
    r"|\d{8}"
    r"|1\d{3,5}"
    r"|1[01]\d)"
    r"(?!\d|@|%|-\d|[.,]\d|[^\W\d_]|\s(?:percent|per cent|хув))"
)
_DATE = re.compile(r"^\d{4}-\d{2}-\d{2}$")
_YEAR = re.compile(r"^(?:19|20)\d\d$")
_TLDS = "mn|com|org|net|gov|info|io|ly|gl|gd|at|cc|me|ru|cn|kr|jp|us|uk|eu|app"
_HOST = rf"(?:[a-z0-9](?:[a-z0-9-]*[a-z0-9])?\.)+(?:{_TLDS})"
# A Mongolian case ending may follow an address after a hyphen ("ehalamj.mn-ээр").
_HOST_END = r"(?!\w|-(?![А-Яа-яЁёӨөҮү])|\.\w)"
_EMAIL = re.compile(rf"(?i)(?<![\w.+-])[a-z0-9][a-z0-9._%+-]*@({_HOST}){_HOST_END}")
_DOMAIN = re.compile(rf"(?i)(?<![\w@.-])({_HOST}){_HOST_END}")


@dataclass(frozen=True)
class Fact:
    id: str
    value: str
    kind: str
    about: dict[str, str]
    source: str
    checked: str

    @property
    def digits(self) -> str:
        return digits(self.value)


@dataclass
class Facts:
    """The fact sheet inside the project, with the organisations' own web addresses."""

    by_id: dict[str, Fact]
    official_sources: tuple[str, ...] = ()


def digits(text: str) -> str:
    return re.sub(r"\D", "", text)


def too_old(date: str, today: dt.date) -> bool:
    """Older than the review period: the page may have changed since."""
    return (today - dt.date.fromisoformat(date)).days > settings.FAQ_REVIEW_MAX_AGE_DAYS


def host_of(url: str) -> str:
    return (urlsplit(url).hostname or "").lower().removeprefix("www.")


def on_list(host: str, domains: Iterable[str]) -> bool:
    """`host` is a listed domain or a sub-domain of one (e-tax.mta.mn under mta.mn)."""
    host = host.lower().rstrip(".").removeprefix("www.")
    return any(host == d or host.endswith("." + d) for d in domains)


def load_facts(path: Path) -> tuple[Facts, list[Problem]]:
    """faq/facts.yml read and checked; a missing file is an error, not an empty sheet."""
    name = path.name
    if not path.is_file():
        return Facts({}), [Problem(name, None, f"not found at {path}: answers cannot be checked "
                                   "against their facts")]
    try:
        data = yaml.load(path.read_text(encoding="utf-8"), Loader=SAFE_LOADER)
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        where = f" at line {mark.line + 1}" if mark else ""
        return Facts({}), [Problem(name, None, f"YAML syntax error{where}: {getattr(exc, 'problem', exc)}")]
    if not isinstance(data, dict) or not isinstance(data.get("facts"), list):
        return Facts({}), [Problem(name, None, "top level must be a mapping with a `facts` list")]
    problems: list[Problem] = []
    sources = tuple(str(d).strip().lower() for d in data.get("official_sources") or [] if str(d).strip())
    facts: dict[str, Fact] = {}
    today = dt.date.today()
    for i, raw in enumerate(data["facts"]):
        label = str(raw.get("id")) if isinstance(raw, dict) and raw.get("id") else f"#{i + 1}"

        before = len([p for p in problems if p.severity == "error"])

        def err(msg: str, severity: str = "error", label: str = label) -> None:
            problems.append(Problem(name, label, msg, severity))

        if not isinstance(raw, dict):
            err("fact is not a mapping (key: value lines)")
            continue
        fid = str(raw.get("id") or "").strip()
        value = raw.get("value")
        kind = str(raw.get("kind") or "").strip()
        about = raw.get("about") if isinstance(raw.get("about"), dict) else {}
        source = str(raw.get("source") or "").strip()
        checked = parse_date(raw.get("checked"))
        if not _ID.match(fid):
            err("`id` must be lower_snake_case")
        elif fid in facts:
            err(f"id '{fid}' is used twice")
        if not isinstance(value, str) or not value.strip():
            err("`value` must be a quoted string, written exactly as in the answers")
        if kind not in KINDS:
            err(f"`kind` must be one of {', '.join(KINDS)}")
        for lang in ("en", "mn"):
            if not str(about.get(lang) or "").strip():
                err(f"about.{lang} is missing (what the fact is, for maintainers)")
        if not source:
            err("`source` is missing: the organisation's own page that gives it")
        elif not source.startswith("https://") or not host_of(source):
            err(f"source '{source}' must be an https:// address")
        if checked is None:
            err("`checked` must be the date YYYY-MM-DD the value was checked on the source")
        elif checked > today.isoformat():
            err(f"`checked` {checked} is in the future", "warning")
        elif too_old(checked, today):
            err(f"checked {checked}, more than a year ago: check the source again", "warning")
        if len([p for p in problems if p.severity == "error"]) > before:
            continue
        facts[fid] = Fact(fid, str(value).strip(), kind, {k: str(v) for k, v in about.items()},
                          source, checked or "")
    return Facts(facts, sources), problems


def official_domains(path: Path) -> tuple[set[str], set[str]]:
    """(domains, e-mail addresses) from faq/official_domains.yml; empty when unreadable."""
    try:
        data = yaml.load(path.read_text(encoding="utf-8"), Loader=SAFE_LOADER)
    except (OSError, yaml.YAMLError):
        return set(), set()
    domains: set[str] = set()
    emails: set[str] = set()

    def walk(node: Any, key: str) -> None:
        if isinstance(node, dict):
            for k, v in node.items():
                walk(v, str(k).lower())
        elif isinstance(node, list):
            for v in node:
                walk(v, key)
        elif isinstance(node, str):
            # Shorteners may be named: answers give bit.ly as the kind of link to distrust.
            if "domain" in key or key == "shorteners":
                domains.add(node.strip().lower())
            elif key in ("address", "email", "emails") and "@" in node:
                emails.add(node.strip().lower())

    walk(data, "")
    return domains, emails


def phone_forms(text: str) -> list[str]:
    """Every phone-number form in `text`, dates, years and year ranges left out."""
    out = []
    for m in _PHONE_FORM.finditer(text):
        form = m.group(1)
        groups = form.split("-")
        if _DATE.match(form) or _YEAR.match(form):
            continue
        # "2022-2027" is a span of years; "1900-1977" is a bank's number.
        if len(groups) == 2 and all(re.fullmatch(r"20\d\d", g) for g in groups):
            continue
        out.append(form)
    return out


def answer_domains(text: str) -> list[tuple[str, str]]:
    """(what is written, its domain) for e-mail addresses and web addresses in `text`."""
    found = [(m.group(0), m.group(1).lower()) for m in _EMAIL.finditer(text)]
    found += [(m.group(1), m.group(1).lower()) for m in _DOMAIN.finditer(_EMAIL.sub(" ", text))]
    return found


def is_official_source(url: str, facts: Facts, domains: Iterable[str]) -> bool:
    return on_list(host_of(url), set(domains) | set(facts.official_sources))


def entry_problems(entries: Sequence[FaqEntry], facts: Facts, domains_path: Path,
                   today: dt.date | None = None) -> list[Problem]:
    """Each entry against its facts, the official domains and the review period."""
    today = today or dt.date.today()
    domains, emails = official_domains(domains_path)
    problems: list[Problem] = []
    for entry in entries:
        severity = "error" if entry.published else "warning"

        def add(msg: str, level: str = severity, entry: FaqEntry = entry) -> None:
            problems.append(Problem(entry.file, entry.id, msg, level))

        listed = []
        for fid in entry.facts:
            fact = facts.by_id.get(fid)
            if fact is None:
                add(f"fact '{fid}' is not in faq/{FACTS_FILE}")
            else:
                listed.append(fact)
        numbers = {f.digits for f in listed if f.digits}
        for lang, text in entry.answer.items():
            for form in phone_forms(text):
                if digits(form) not in numbers:
                    add(f"answer.{lang} gives the number {form}, which is not the value of a fact "
                        f"listed in this entry's `facts` (add it to faq/{FACTS_FILE} with its source)")
            for written, host in answer_domains(text):
                if written.lower() in emails or on_list(host, domains):
                    continue
                add(f"answer.{lang} gives {written}, which is not on faq/official_domains.yml: add it "
                    "there with its source, or take it out of the answer")
        unofficial = []
        for url in entry.sources:
            if not url.lower().startswith("https://"):
                add(f"source '{url}' must be https://")
            elif not on_list(host_of(url), domains | set(facts.official_sources)):
                unofficial.append(host_of(url))
        if unofficial:
            # One line per entry: maintainers fix an entry's sources together.
            add(f"not an official site: {', '.join(dict.fromkeys(unofficial))}; use the "
                "organisation's own page where one exists", "warning")
        if entry.reviewed and too_old(entry.reviewed, today):
            add(f"reviewed {entry.reviewed}, more than a year ago: check the entry against its "
                "sources again", "warning")
    return problems


def validate(entries: Sequence[FaqEntry], faq_dir: Path, domains_path: Path) -> list[Problem]:
    """All fact checks for `python -m bot faq validate`: the sheet itself, then every entry."""
    facts, problems = load_facts(faq_dir / FACTS_FILE)
    if not (faq_dir / FACTS_FILE).is_file() and not any(e.published for e in entries):
        # A folder of drafts (an export of candidates) is never answered from.
        problems = [Problem(p.file, p.entry, p.message, "warning") for p in problems]
    domains, _ = official_domains(domains_path)
    for fact in facts.by_id.values():
        if not is_official_source(fact.source, facts, domains):
            problems.append(Problem(FACTS_FILE, fact.id, f"source {host_of(fact.source)} is not an "
                                    "official site: use the organisation's own page where one exists",
                                    "warning"))
    return problems + entry_problems(entries, facts, domains_path)
