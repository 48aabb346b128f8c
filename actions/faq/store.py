"""FAQ content: loading `faq/*.yml` and checking it against the schema.

Maintainers edit these files by hand while the bot runs, so loading never
raises on bad content: every problem is collected with the file and entry it
concerns, an entry that cannot be answered is left out, and the caller
decides what to do (the validator fails, the running index keeps its old
content when a file does not even parse). Rules are in faq/README.md.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import re
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml

from core import settings
from core.script import cyrillic_share

# Data files that live in faq/ but hold no FAQ entries (the scam checker's).
# facts.yml is the fact sheet the answers rest on (actions/faq/facts.py); scam_phrases.yml
# and scam_rules.yml hold the scam checker's rules.
NON_FAQ_FILES = frozenset({"official_domains.yml", "scam_patterns.yml", "scam_phrases.yml", "scam_rules.yml",
                           "facts.yml"})
ENTRY_KEYS = frozenset({"id", "title", "questions", "answer", "sources", "reviewed",
                        "related", "status", "facts", "correction"})
STATUSES = ("published", "draft")
ANSWER_LANGUAGES = ("en", "mn")
# libyaml's parser where PyYAML was built with it (the wheels are): the
# pure-Python one took ~4 s of a cold 1,000-entry index build. Same safe
# constructor, so the same types come back.
SAFE_LOADER = getattr(yaml, "CSafeLoader", yaml.SafeLoader)
_ID = re.compile(r"^[a-z][a-z0-9_]*$")
_URL = re.compile(r"^https?://[^\s/]+\.[^\s]+$")
TITLE_MAX_CHARS = 60
# Placeholders that `python -m bot faq candidates` writes into draft entries.
# Upper case only: "хийх" is an everyday word.
_PLACEHOLDER = re.compile(r"\bTODO\b|ХИЙХ(?: \d+)?:")


@dataclass(frozen=True)
class Problem:
    """One thing wrong with the content, located for the person who fixes it."""

    file: str
    entry: str | None
    message: str
    severity: str = "error"  # "error" fails validation, "warning" is reported

    def __str__(self) -> str:
        where = f"{self.file}: entry '{self.entry}'" if self.entry else self.file
        return f"{self.severity.upper()} {where}: {self.message}"


@dataclass(frozen=True)
class FaqEntry:
    id: str
    topic: str
    title: dict[str, str]
    questions: dict[str, tuple[str, ...]]
    answer: dict[str, str]
    sources: tuple[str, ...]
    reviewed: str
    related: tuple[str, ...] = ()
    status: str = "published"
    file: str = ""
    facts: tuple[str, ...] = ()

    @property
    def published(self) -> bool:
        return self.status != "draft"

    def phrasings(self) -> list[tuple[str, str]]:
        """(form, text) of every question phrasing, in form order."""
        return [(form, q) for form in settings.QUESTION_FORMS for q in self.questions.get(form, ())]


@dataclass
class FaqStore:
    """All entries found in faq/, drafts included, with the problems met."""

    entries: list[FaqEntry] = field(default_factory=list)
    problems: list[Problem] = field(default_factory=list)
    files: list[str] = field(default_factory=list)
    unreadable: list[str] = field(default_factory=list)  # files that did not parse
    content_hash: str = ""

    def __post_init__(self) -> None:
        self._by_id = {e.id: e for e in self.entries}

    @property
    def published(self) -> list[FaqEntry]:
        return [e for e in self.entries if e.published]

    @property
    def drafts(self) -> list[FaqEntry]:
        return [e for e in self.entries if not e.published]

    def get(self, faq_id: str) -> FaqEntry | None:
        return self._by_id.get(faq_id)

    @property
    def errors(self) -> list[Problem]:
        return [p for p in self.problems if p.severity == "error"]

    @property
    def warnings(self) -> list[Problem]:
        return [p for p in self.problems if p.severity == "warning"]


def faq_files(faq_dir: Path) -> list[Path]:
    """The FAQ entry files, in a stable order."""
    paths = sorted(p for p in faq_dir.glob("*.y*ml") if p.suffix in (".yml", ".yaml"))
    return [p for p in paths if p.name not in NON_FAQ_FILES]


def content_hash(faq_dir: Path) -> str:
    """Hash of every YAML file's name and bytes: changes exactly when content does."""
    digest = hashlib.sha256()
    for path in sorted(faq_dir.glob("*.y*ml")):
        digest.update(path.name.encode())
        digest.update(b"\0")
        try:
            digest.update(path.read_bytes())
        except OSError:
            digest.update(b"<unreadable>")
        digest.update(b"\0")
    return digest.hexdigest()[:16]


def files_signature(faq_dir: Path) -> tuple[tuple[str, int, int], ...]:
    """Cheap change detector for the watcher: names, sizes and mtimes."""
    out = []
    for path in sorted(faq_dir.glob("*.y*ml")):
        try:
            st = path.stat()
        except OSError:
            continue
        out.append((path.name, st.st_size, st.st_mtime_ns))
    return tuple(out)


def _strings(value: Any) -> list[str] | None:
    if not isinstance(value, list):
        return None
    return [str(v).strip() for v in value if v is not None and str(v).strip()]


def _text(value: Any) -> str:
    return str(value).strip() if isinstance(value, (str, int, float)) else ""


def word_count(text: str) -> int:
    return len(re.findall(r"\S+", text))


def parse_date(value: Any) -> str | None:
    """A YAML date (or YYYY-MM-DD text) as ISO text; None when it is not a date."""
    if isinstance(value, dt.datetime):
        return value.date().isoformat()
    if isinstance(value, dt.date):
        return value.isoformat()
    if isinstance(value, str):
        try:
            return dt.date.fromisoformat(value.strip()).isoformat()
        except ValueError:
            return None
    return None


# Reports one problem of the entry being parsed: (message, severity).
_Report = Callable[..., None]


def _title(raw: dict[str, Any], err: _Report) -> dict[str, str]:
    title_raw = raw.get("title") if isinstance(raw.get("title"), dict) else {}
    if not isinstance(raw.get("title"), dict):
        err("`title` must have `en` and `mn`")
    title = {lang: _text(title_raw.get(lang)) for lang in ANSWER_LANGUAGES}
    for lang, value in title.items():
        if not value:
            err(f"title.{lang} is missing")
        elif len(value) > TITLE_MAX_CHARS:
            err(f"title.{lang} is {len(value)} characters; at most {TITLE_MAX_CHARS} fit on a button")
    return title


def _questions(raw: dict[str, Any], err: _Report) -> dict[str, tuple[str, ...]]:
    questions: dict[str, tuple[str, ...]] = {}
    q_raw = raw.get("questions")
    if not isinstance(q_raw, dict):
        err("`questions` must have `en`, `mn` and `mn_latn` lists")
        q_raw = {}
    for key in sorted(set(q_raw) - set(settings.QUESTION_FORMS)):
        err(f"unknown question form `{key}` (use en, mn, mn_latn)")
    for form in settings.QUESTION_FORMS:
        items = _strings(q_raw.get(form))
        if items is None:
            err(f"questions.{form} is missing (a list of phrasings)")
            items = []
        elif len(items) < settings.FAQ_MIN_QUESTIONS_PER_FORM:
            err(f"questions.{form} has {len(items)} phrasing(s); at least "
                f"{settings.FAQ_MIN_QUESTIONS_PER_FORM} needed")
        for q in items:
            # Brand names ("E-Mongolia") and quoted screen texts may mix scripts,
            # so only a phrasing in the wrong script altogether is refused.
            share = cyrillic_share(q)
            if form == "mn" and share == 0:
                err(f"questions.mn must be written in Cyrillic: '{q}'")
            elif form in ("en", "mn_latn") and share > 0.5:
                err(f"questions.{form} must be written in Latin letters: '{q}'")
        questions[form] = tuple(items)
    return questions


def _answer(raw: dict[str, Any], err: _Report) -> dict[str, str]:
    a_raw = raw.get("answer") if isinstance(raw.get("answer"), dict) else {}
    if not isinstance(raw.get("answer"), dict):
        err("`answer` must have `en` and `mn`")
    answer = {lang: _text(a_raw.get(lang)) for lang in ANSWER_LANGUAGES}
    for lang, value in answer.items():
        if not value:
            err(f"answer.{lang} is missing")
        elif word_count(value) > settings.FAQ_MAX_ANSWER_WORDS:
            err(f"answer.{lang} has {word_count(value)} words; at most "
                f"{settings.FAQ_MAX_ANSWER_WORDS} (it is read aloud)")
    return answer


def _sources(raw: dict[str, Any], err: _Report) -> list[str]:
    sources = _strings(raw.get("sources"))
    if not sources:
        err("`sources` needs at least one URL")
        return []
    for url in sources:
        if not _URL.match(url):
            err(f"source '{url}' is not an http(s) URL")
    return sources


def _reviewed(raw: dict[str, Any], err: _Report) -> str | None:
    reviewed = parse_date(raw.get("reviewed"))
    if raw.get("reviewed") is None:
        err("`reviewed` date is missing (YYYY-MM-DD)")
    elif reviewed is None:
        err(f"`reviewed` must be a date YYYY-MM-DD, not '{raw.get('reviewed')}'")
    elif reviewed > dt.date.today().isoformat():
        err(f"`reviewed` {reviewed} is in the future", "warning")
    return reviewed


def _id_list(raw: dict[str, Any], key: str, wrong: str, err: _Report) -> list[str]:
    """`related` or `facts`: an optional list of ids."""
    value = raw.get(key, [])
    ids = _strings(value) if value is not None else []
    if ids is None:
        err(wrong)
        return []
    return ids


def _parse_entry(raw: Any, topic: str, file: str, index: int) -> tuple[FaqEntry | None, list[Problem]]:
    """One entry; None when it lacks what answering needs."""
    problems: list[Problem] = []
    if not isinstance(raw, dict):
        return None, [Problem(file, f"#{index + 1}", "entry is not a mapping (key: value lines)")]
    eid = _text(raw.get("id"))
    label = eid or f"#{index + 1}"

    def err(msg: str, severity: str = "error") -> None:
        problems.append(Problem(file, label, msg, severity))

    if not eid:
        err("missing `id`")
    elif not _ID.match(eid):
        err(f"id '{eid}' must be lower_snake_case (letters, digits, _)")
    for key in sorted(set(raw) - ENTRY_KEYS):
        err(f"unknown key `{key}` (typo?)", "warning")
    title, questions, answer = _title(raw, err), _questions(raw, err), _answer(raw, err)
    sources, reviewed = _sources(raw, err), _reviewed(raw, err)
    related = _id_list(raw, "related", "`related` must be a list of ids", err)
    facts = _id_list(raw, "facts", "`facts` must be a list of fact ids from faq/facts.yml", err)
    status = _text(raw.get("status")) or "published"
    if status not in STATUSES:
        err(f"status '{status}' must be published or draft")

    if status != "draft":
        for field_name, text in _texts(title, questions, answer, sources):
            if _PLACEHOLDER.search(text):
                err(f"{field_name} still has placeholder text: '{text[:60]}'")
    else:
        # A draft is work in progress: never answered, so its gaps are reported,
        # not fatal. Publishing it (removing `status: draft`) makes them errors.
        problems = [Problem(p.file, p.entry, f"draft: {p.message}", "warning") for p in problems]

    if not (eid and all(answer.values()) and any(questions.values())):
        return None, problems
    entry = FaqEntry(
        id=eid, topic=topic,
        title={lang: title[lang] or eid for lang in ANSWER_LANGUAGES},
        questions=questions, answer=answer, sources=tuple(sources),
        reviewed=reviewed or "", related=tuple(related),
        status=status if status in STATUSES else "draft", file=file, facts=tuple(facts),
    )
    return entry, problems


def _texts(title: dict[str, str], questions: dict[str, tuple[str, ...]], answer: dict[str, str],
           sources: list[str]) -> list[tuple[str, str]]:
    out = [(f"title.{k}", v) for k, v in title.items()]
    out += [(f"questions.{form}", q) for form, items in questions.items() for q in items]
    out += [(f"answer.{k}", v) for k, v in answer.items()]
    return out + [("sources", u) for u in sources]


def load_file(path: Path) -> tuple[list[FaqEntry], list[Problem], bool]:
    """Entries of one file, its problems, and whether it parsed at all."""
    name = path.name
    try:
        data = yaml.load(path.read_text(encoding="utf-8"), Loader=SAFE_LOADER)
    except (OSError, UnicodeDecodeError) as exc:
        return [], [Problem(name, None, f"cannot read the file: {exc}")], False
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        where = f" at line {mark.line + 1}, column {mark.column + 1}" if mark else ""
        reason = getattr(exc, "problem", None) or str(exc).splitlines()[0]
        return [], [Problem(name, None, f"YAML syntax error{where}: {reason}")], False
    if not isinstance(data, dict):
        return [], [Problem(name, None, "top level must be a mapping with `topic` and `entries`")], True
    problems: list[Problem] = []
    topic = _text(data.get("topic"))
    if topic not in settings.TOPICS:
        problems.append(Problem(name, None, f"topic '{topic}' must be one of {', '.join(settings.TOPICS)}"))
    for key in sorted(set(data) - {"topic", "entries"}):
        problems.append(Problem(name, None, f"unknown top-level key `{key}`", "warning"))
    raw_entries = data.get("entries")
    if not isinstance(raw_entries, list):
        problems.append(Problem(name, None, "`entries` must be a list"))
        return [], problems, True
    entries: list[FaqEntry] = []
    for i, raw in enumerate(raw_entries):
        entry, entry_problems = _parse_entry(raw, topic, name, i)
        problems.extend(entry_problems)
        if entry is not None and topic in settings.TOPICS:
            entries.append(entry)
    return entries, problems, True


def load_store(faq_dir: Path | None = None) -> FaqStore:
    """Every FAQ file in `faq_dir`; duplicate ids keep the first and report the rest."""
    faq_dir = Path(faq_dir or settings.FAQ_DIR)
    entries: list[FaqEntry] = []
    problems: list[Problem] = []
    files: list[str] = []
    unreadable: list[str] = []
    if not faq_dir.is_dir():
        problems.append(Problem(str(faq_dir), None, "FAQ folder not found"))
    for path in faq_files(faq_dir) if faq_dir.is_dir() else []:
        files.append(path.name)
        file_entries, file_problems, parsed = load_file(path)
        problems.extend(file_problems)
        if not parsed:
            unreadable.append(path.name)
        entries.extend(file_entries)
    seen: dict[str, FaqEntry] = {}
    unique: list[FaqEntry] = []
    for entry in entries:
        if entry.id in seen:
            problems.append(Problem(entry.file, entry.id,
                                    f"id '{entry.id}' is already used in {seen[entry.id].file}"))
            continue
        seen[entry.id] = entry
        unique.append(entry)
    for entry in unique:
        for rid in entry.related:
            if rid not in seen:
                problems.append(Problem(entry.file, entry.id, f"related id '{rid}' does not exist"))
            elif not seen[rid].published and entry.published:
                problems.append(Problem(entry.file, entry.id,
                                        f"related id '{rid}' is a draft and will not be offered",
                                        "warning"))
    return FaqStore(entries=unique, problems=problems, files=files, unreadable=unreadable,
                    content_hash=content_hash(faq_dir) if faq_dir.is_dir() else "")


def mongolian_texts(entries: Iterable[FaqEntry]) -> list[str]:
    """The Cyrillic text of entries, the vocabulary Latin-typed words are matched to."""
    out: list[str] = []
    for e in entries:
        out.extend(e.questions.get("mn", ()))
        out.append(e.title["mn"])
        out.append(e.answer["mn"])
    return out

