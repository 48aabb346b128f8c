"""FAQ candidates: volunteers' good answers, exported for maintainers as draft entries.

A volunteer presses "Suggest as FAQ" under an answered ticket; the desk keeps
the masked question and the answer. `python -m bot faq candidates` writes
them in the faq/ schema with `status: draft` (never answered by the bot), one
file per topic because a FAQ file holds one topic. What only a person can
supply (the other language, more phrasings, a source page, the
review date) is marked with a TODO text that `python -m bot faq validate`
accepts in a draft, so the maintainer sees at once what is left to do.
"""

from __future__ import annotations

import argparse
import datetime as dt
import sys
from pathlib import Path
from typing import Any

import yaml
from sqlalchemy import select

from bot.handoff.tables import FaqCandidate
from bot.storage import Database
from core.privacy import mask_pii
from core.script import cyrillic_share, to_cyrillic
from core.settings import FAQ_MIN_QUESTIONS_PER_FORM, QUESTION_FORMS, TOPICS

TITLE_CHARS = 60
# Placeholders in the script each field requires, so a draft passes the
# validator's script checks while plainly saying what is missing. Phrasing
# placeholders carry the question itself (in Latin letters where the form
# needs them), so two candidates' placeholders never look like duplicates.
TODO = {
    "en": "TODO: write in English",
    "mn": "ХИЙХ: монголоор бичнэ үү",
    "mn_latn": "TODO: latin usgeer bichne uu",
}
TODO_PHRASING = {"en": "TODO en {i}: {q}", "mn": "ХИЙХ {i}: {q}", "mn_latn": "TODO latin {i}: {q}"}
# Cyrillic to Latin the way people type Mongolian, for placeholders in Latin forms.
_TO_LATIN = str.maketrans({
    "а": "a", "б": "b", "в": "v", "г": "g", "д": "d", "е": "e", "ё": "yo", "ж": "j", "з": "z", "и": "i",
    "й": "i", "к": "k", "л": "l", "м": "m", "н": "n", "о": "o", "ө": "o", "п": "p", "р": "r", "с": "s",
    "т": "t", "у": "u", "ү": "u", "ф": "f", "х": "h", "ц": "ts", "ч": "ch", "ш": "sh", "щ": "sh",
    "ъ": "", "ы": "ii", "ь": "i", "э": "e", "ю": "yu", "я": "ya",
})
TODO_SOURCE = "https://TODO.example/source-from-fact-sheet"
HEADER = """\
# FAQ candidates from volunteers' answers, exported {when} by `python -m bot faq candidates`.
# Each entry is a draft: the bot never answers with it. Before publishing:
# 1. Check the answer against its source, rewrite it plainly (at most 120 words) and list its facts
#    (every number it gives is a fact in faq/facts.yml).
# 2. Replace every TODO / ХИЙХ text: translations, at least {min_q} phrasings per question form,
#    a title, a source URL (the organisation's own page).
# 3. Set `reviewed` to the day you checked it, move the entry into faq/<topic>.yml,
#    and remove `status: draft`. Check with `python -m bot faq validate`.
"""
UNSORTED_NOTE = "# The bot could not tell the topic of these questions: move each entry to the right file.\n"


def question_form(lang: str, text: str) -> str:
    """Which question list a phrasing belongs in: en, mn (Cyrillic) or mn_latn."""
    if lang == "en":
        return "en" if cyrillic_share(text) <= 0.5 else "mn"
    return "mn" if cyrillic_share(text) > 0.5 else "mn_latn"


def _hint(question: str, source_form: str, form: str) -> str:
    """The question in the script of `form`, so a placeholder says what to write."""
    if form == "mn":
        return to_cyrillic(question) if source_form == "mn_latn" else question
    return question.lower().translate(_TO_LATIN) if source_form == "mn" else question


def _title(text: str) -> str:
    text = " ".join(text.split())
    return text if len(text) <= TITLE_CHARS else text[: TITLE_CHARS - 1].rstrip() + "…"


def draft_entry(candidate: Any, today: dt.date | None = None) -> dict[str, Any]:
    """One FaqCandidate row as a draft entry of the faq/ schema."""
    lang = candidate.language if candidate.language in ("en", "mn") else "mn"
    lines = [line.strip() for line in mask_pii(candidate.question).splitlines() if line.strip()]
    first = lines[0] if lines else TODO[lang]
    questions: dict[str, list[str]] = {form: [] for form in QUESTION_FORMS}
    for line in lines:
        form = question_form(lang, line)
        if line not in questions[form]:
            questions[form].append(line)
    source_form = question_form(lang, first)
    for form in QUESTION_FORMS:
        hint = _hint(first, source_form, form)
        while len(questions[form]) < FAQ_MIN_QUESTIONS_PER_FORM:
            questions[form].append(TODO_PHRASING[form].format(i=len(questions[form]) + 1, q=hint))
    title = {"en": TODO["en"], "mn": TODO["mn"]}
    answer = {"en": TODO["en"], "mn": TODO["mn"]}
    if source_form != "mn_latn":  # a Latin-typed question is no title; the maintainer writes one
        title["en" if source_form == "en" else "mn"] = _title(first)
    answer[lang] = candidate.answer.strip() or TODO[lang]
    return {
        "id": f"candidate_{candidate.id}",
        "status": "draft",
        "title": title,
        "questions": questions,
        "answer": answer,
        "sources": [TODO_SOURCE],
        "reviewed": (today or dt.date.today()).isoformat(),
    }


def export(db: Database, today: dt.date | None = None, unsorted_topic: str = "eservices",
           since_id: int = 0) -> dict[str, tuple[str, list[dict[str, Any]]]]:
    """Draft entries grouped by file key: a topic, or "unsorted" -> (declared topic, entries)."""
    with db.session() as s:
        rows = list(s.scalars(select(FaqCandidate).where(FaqCandidate.id > since_id).order_by(FaqCandidate.id)))
    groups: dict[str, tuple[str, list[dict[str, Any]]]] = {}
    for row in rows:
        key = row.topic if row.topic in TOPICS else "unsorted"
        topic = row.topic if row.topic in TOPICS else unsorted_topic
        groups.setdefault(key, (topic, []))[1].append(draft_entry(row, today))
    return groups


def render(topic: str, entries: list[dict[str, Any]], unsorted: bool, when: str) -> str:
    header = HEADER.format(when=when, min_q=FAQ_MIN_QUESTIONS_PER_FORM)
    if unsorted:
        header += UNSORTED_NOTE
    body = yaml.safe_dump({"topic": topic, "entries": entries}, allow_unicode=True, sort_keys=False,
                          width=100, default_flow_style=False)
    return header + body


def output_paths(out: Path, keys: list[str]) -> dict[str, Path]:
    """One topic: FILE itself. Several: FILE_<topic>.yml beside it (a FAQ file holds one topic)."""
    if len(keys) == 1:
        return {keys[0]: out}
    suffix = out.suffix or ".yml"
    return {key: out.with_name(f"{out.stem}_{key}{suffix}") for key in keys}


def candidates_main(argv: list[str] | None = None) -> int:
    """`python -m bot faq candidates [--out FILE]`."""
    from bot.config import Config

    parser = argparse.ArgumentParser(prog="python -m bot faq candidates",
                                     description="Write volunteers' suggested answers as draft FAQ entries.")
    parser.add_argument("--out", type=Path,
                        help="YAML file to write (several topics: FILE_<topic>.yml); default: print")
    parser.add_argument("--since", type=int, default=0, metavar="ID",
                        help="only candidates with a number above ID (those not exported before)")
    parser.add_argument("--unsorted-topic", choices=TOPICS, default="eservices",
                        help="topic declared for the file of candidates whose topic is unknown")
    parser.add_argument("--database", help="database URL (default: DATABASE_URL or the local SQLite file)")
    args = parser.parse_args(argv)
    db = Database(args.database or Config.from_env().database_url)
    groups = export(db, unsorted_topic=args.unsorted_topic, since_id=args.since)
    if not groups:
        print("No FAQ candidates yet: volunteers suggest them with the button under an answered ticket.",
              file=sys.stderr)
        return 0
    when = dt.date.today().isoformat()
    count = sum(len(entries) for _, entries in groups.values())
    if args.out is None:
        texts = [render(topic, entries, key == "unsorted", when) for key, (topic, entries) in groups.items()]
        print("\n---\n".join(texts), end="")
        return 0
    paths = output_paths(args.out, sorted(groups))
    for key, path in paths.items():
        topic, entries = groups[key]
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(render(topic, entries, key == "unsorted", when), encoding="utf-8")
        print(f"{path}: {len(entries)} draft entr{'y' if len(entries) == 1 else 'ies'}", file=sys.stderr)
    print(f"{count} candidate(s) written. Review them, then move them into faq/.", file=sys.stderr)
    return 0
