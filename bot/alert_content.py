"""Scam alerts and answer corrections as content: YAML files maintainers write (issue 22).

An alert is `faq/alerts/<YYYY-MM-DD>-<slug>.yml`; its id is the file name
without `.yml`. It is checked by `python -m bot faq validate` like the FAQ
entries, so a typo is found before anything is sent to thousands of people:

    concerns: {pattern: loan_with_fee}      # or {faq: loan_scam}: what it warns about
    text:
      en: Short text, read aloud. ...
      mn: Богино текст ...
    sources: [https://...]
    expires: 2027-01-31                      # not sent after this day

A correction is a field of an FAQ entry (see docs/alerts.md):

    correction: {date: 2026-12-07, note: {en: "...", mn: "..."}}
"""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml

from actions.faq.store import ANSWER_LANGUAGES, FaqEntry, Problem, load_store, word_count
from core import settings
from core.script import cyrillic_share

ALERTS_DIRNAME = "alerts"
# An alert is heard, not read: it must be short. Corrections' notes shorter still.
ALERT_MAX_WORDS = 80
NOTE_MAX_WORDS = 30
ALERT_KEYS = frozenset({"concerns", "text", "sources", "expires"})
_ALERT_FILE = re.compile(r"^(\d{4}-\d{2}-\d{2})-[a-z0-9]+(?:-[a-z0-9]+)*$")
_URL = re.compile(r"^https?://\S+$")
# No emoji or pictographs: screen readers spell them out.
_PICTOGRAPHS = re.compile("[\U0001F000-\U0001FAFF\u2600-\u27BF]")


@dataclass(frozen=True)
class Alert:
    id: str
    date: dt.date
    concerns: tuple[str, str]  # ("pattern" | "faq", id)
    text: dict[str, str]
    sources: tuple[str, ...]
    expires: dt.date

    def expired(self, today: dt.date | None = None) -> bool:
        return (today or dt.date.today()) > self.expires


@dataclass(frozen=True)
class Correction:
    faq_id: str
    date: dt.date
    note: dict[str, str]
    answer: dict[str, str]

    @property
    def campaign(self) -> str:
        return f"correction:{self.faq_id}:{self.date.isoformat()}"


@dataclass
class AlertSet:
    alerts: list[Alert] = field(default_factory=list)
    problems: list[Problem] = field(default_factory=list)

    def get(self, alert_id: str) -> Alert | None:
        return next((a for a in self.alerts if a.id == alert_id), None)


def alerts_dir(faq_dir: Path | None = None) -> Path:
    return Path(faq_dir or settings.FAQ_DIR) / ALERTS_DIRNAME


def _date(value: Any) -> dt.date | None:
    if isinstance(value, dt.datetime):
        return value.date()
    if isinstance(value, dt.date):
        return value
    if isinstance(value, str):
        try:
            return dt.date.fromisoformat(value.strip())
        except ValueError:
            return None
    return None


def pattern_ids(faq_dir: Path) -> set[str]:
    path = Path(faq_dir) / "scam_patterns.yml"
    try:
        data = yaml.safe_load(path.read_text(encoding="utf-8")) or {}
    except (OSError, yaml.YAMLError):
        return set()
    return {str(p.get("id")) for p in data.get("patterns") or [] if isinstance(p, dict)}


_DOMAIN = re.compile(r"\b((?:[a-z0-9-]+\.)+[a-z]{2,12})\b", re.I)


def official_domains(faq_dir: Path) -> set[str]:
    try:
        data = yaml.safe_load((Path(faq_dir) / "official_domains.yml").read_text(encoding="utf-8")) or {}
    except (OSError, yaml.YAMLError):
        return set()
    return {str(d).lower() for org in data.get("organisations") or [] if isinstance(org, dict)
            for d in org.get("domains") or []}


def unofficial_domains(text: str, official: set[str]) -> list[str]:
    """Web addresses in an alert that are not official ones (or their sub-domains)."""
    found = [d.lower() for d in _DOMAIN.findall(text)]
    return [d for d in found if not any(d == o or d.endswith("." + o) for o in official)]


def _texts(raw: Any, what: str, max_words: int, err) -> dict[str, str]:
    if not isinstance(raw, dict):
        err(f"`{what}` must have `en` and `mn`")
        raw = {}
    out: dict[str, str] = {}
    for lang in ANSWER_LANGUAGES:
        value = str(raw.get(lang) or "").strip()
        out[lang] = value
        if not value:
            err(f"{what}.{lang} is missing")
            continue
        if word_count(value) > max_words:
            err(f"{what}.{lang} has {word_count(value)} words; at most {max_words} (it is read aloud)")
        if _PICTOGRAPHS.search(value):
            err(f"{what}.{lang} has an emoji or pictograph; screen readers spell them out")
        if lang == "mn" and cyrillic_share(value) < 0.5:
            err(f"{what}.mn must be written in Mongolian Cyrillic")
    return out


def _parse_alert(path: Path, raw: Any, patterns: set[str], entries: set[str],
                 official: set[str]) -> tuple[Alert | None, list[Problem]]:
    problems: list[Problem] = []
    file = f"{ALERTS_DIRNAME}/{path.name}"
    alert_id = path.stem

    def err(msg: str, severity: str = "error") -> None:
        problems.append(Problem(file, alert_id, msg, severity))

    m = _ALERT_FILE.match(alert_id)
    date = _date(m.group(1)) if m else None
    if date is None:
        err("file name must be <YYYY-MM-DD>-<slug>.yml (lower-case letters, digits and dashes)")
    if not isinstance(raw, dict):
        err("an alert is a mapping with concerns, text, sources, expires")
        return None, problems
    for key in sorted(set(raw) - ALERT_KEYS):
        err(f"unknown key `{key}` (typo?)", "warning")
    concerns = raw.get("concerns")
    kind = target = ""
    if not isinstance(concerns, dict) or len(concerns) != 1 or next(iter(concerns)) not in ("pattern", "faq"):
        err("`concerns` must be {pattern: <id in scam_patterns.yml>} or {faq: <entry id>}")
    else:
        kind, target = next(iter(concerns.items()))
        target = str(target)
        known = patterns if kind == "pattern" else entries
        if target not in known:
            err(f"concerns.{kind} '{target}' is not a known {'scam pattern' if kind == 'pattern' else 'FAQ entry'}")
    text = _texts(raw.get("text"), "text", ALERT_MAX_WORDS, err)
    for lang, value in text.items():
        for domain in unofficial_domains(value, official):
            # People act on what an alert names: only addresses checked as official.
            err(f"text.{lang} names {domain}, which is not in official_domains.yml")
    sources = [str(s).strip() for s in raw.get("sources") or [] if str(s).strip()]
    if not sources:
        err("`sources` needs at least one URL")
    for url in sources:
        if not _URL.match(url):
            err(f"source '{url}' is not an http(s) URL")
    expires = _date(raw.get("expires"))
    if expires is None:
        err("`expires` must be a date YYYY-MM-DD (after it the alert is not sent)")
    elif date is not None and expires < date:
        err(f"`expires` {expires} is before the alert's date {date}")
    if any(p.severity == "error" for p in problems) or date is None or expires is None:
        return None, problems
    return Alert(alert_id, date, (kind, target), text, tuple(sources), expires), problems


def load_alerts(faq_dir: Path | None = None, entry_ids: set[str] | None = None) -> AlertSet:
    """Every alert file, parsed; files with errors are left out and reported."""
    faq_dir = Path(faq_dir or settings.FAQ_DIR)
    folder = alerts_dir(faq_dir)
    out = AlertSet()
    if not folder.is_dir():
        return out
    if entry_ids is None:
        entry_ids = {e.id for e in load_store(faq_dir).entries}
    patterns = pattern_ids(faq_dir)
    official = official_domains(faq_dir)
    for path in sorted(folder.glob("*.yml")):
        try:
            raw = yaml.safe_load(path.read_text(encoding="utf-8"))
        except (OSError, yaml.YAMLError) as exc:
            out.problems.append(Problem(f"{ALERTS_DIRNAME}/{path.name}", None, f"cannot be read: {exc}"))
            continue
        alert, problems = _parse_alert(path, raw, patterns, entry_ids, official)
        out.problems += problems
        if alert is not None:
            out.alerts.append(alert)
    return out


def _raw_corrections(faq_dir: Path) -> dict[str, Any]:
    """The `correction:` fields by entry id, read from the files as written."""
    from actions.faq.store import faq_files

    found: dict[str, Any] = {}
    for path in faq_files(faq_dir):
        try:
            data = yaml.safe_load(path.read_text(encoding="utf-8")) or {}
        except (OSError, yaml.YAMLError):
            continue  # the FAQ validator reports unreadable files
        for raw in data.get("entries") or [] if isinstance(data, dict) else []:
            if isinstance(raw, dict) and "correction" in raw:
                found[str(raw.get("id"))] = (path.name, raw["correction"])
    return found


def load_corrections(faq_dir: Path | None = None,
                     entries: list[FaqEntry] | None = None) -> tuple[list[Correction], list[Problem]]:
    faq_dir = Path(faq_dir or settings.FAQ_DIR)
    by_id = {e.id: e for e in (entries if entries is not None else load_store(faq_dir).entries)}
    corrections: list[Correction] = []
    problems: list[Problem] = []
    for faq_id, (file, raw) in sorted(_raw_corrections(faq_dir).items()):
        before = len(problems)

        def err(msg: str, faq_id: str = faq_id, file: str = file) -> None:
            problems.append(Problem(file, faq_id, f"correction: {msg}"))

        if not isinstance(raw, dict):
            err("must be {date: YYYY-MM-DD, note: {en: ..., mn: ...}}")
            continue
        date = _date(raw.get("date"))
        if date is None:
            err("`date` must be YYYY-MM-DD (the day the answer was corrected)")
        elif date > dt.date.today():
            err(f"`date` {date} is in the future")
        note = _texts(raw.get("note"), "note", NOTE_MAX_WORDS, err)
        entry = by_id.get(faq_id)
        if entry is None or len(problems) > before or date is None:
            continue
        corrections.append(Correction(faq_id, date, note, dict(entry.answer)))
    return corrections, problems


def problems(faq_dir: Path, entries: list[FaqEntry]) -> list[Problem]:
    """The validator's hook: every problem of the alerts and of the corrections."""
    ids = {e.id for e in entries}
    return load_alerts(faq_dir, ids).problems + load_corrections(faq_dir, entries)[1]
