"""Maintainer tools for faq/: validate, ask, eval, reload.

Wired as `python -m bot faq <command>` (also `python -m actions.faq_tools`).
Maintainers edit YAML, not Python, so every message names the file and the
entry to fix. Output is for maintainers at a terminal, in English.
"""

from __future__ import annotations

import argparse
import datetime as dt
import os
import re
import sys
import tempfile
import time
from collections import Counter, defaultdict
from collections.abc import Sequence
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Any

import numpy as np
import yaml

from actions import settings
from actions.faq_store import FaqEntry, Problem, load_store
from actions.retrieval import (
    BANDS,
    Encoder,
    LexicalIndex,
    RetrievalConfig,
    Retriever,
    entry_document,
    request_reload,
)
from actions.translit import lexical_key

_DOMAIN = re.compile(r"^(?=.{4,253}$)(?:[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?\.)+[a-z]{2,63}$")
_SHORT_CODE = re.compile(r"^\+?[0-9][0-9-]{2,14}$")
# Hyphenated digit groups ("1800-1917", "11-11") and 8-digit numbers: how
# phone numbers are written in answers (faq/README.md).
_PHONE = re.compile(r"(?<![\d-])(?:\+?\d{2,4}(?:-\d{2,4})+|\d{8})(?![\d-])")
_DATE = re.compile(r"^\d{4}-\d{2}-\d{2}$")


def _out(line: str = "") -> None:
    print(line, flush=True)


# ----- validate --------------------------------------------------------------


def _severity(*entries: FaqEntry) -> str:
    """Problems that involve a draft are reported, not fatal: drafts are never answered."""
    return "error" if all(e.published for e in entries) else "warning"


def near_duplicates(entries: Sequence[FaqEntry], threshold: float) -> list[Problem]:
    """Phrasings repeated, or nearly repeated, in another entry.

    Compared in the script-independent spelling, so "kartaa aldsan" in one
    entry and "Картаа алдсан" in another are caught too. Near means the
    character n-gram cosine reaches `threshold`.
    """
    rows: list[tuple[int, str, str]] = []  # entry position, form, text
    for i, entry in enumerate(entries):
        for form, text in entry.phrasings():
            rows.append((i, form, text))
    if not rows:
        return []
    keys = [lexical_key(text) for _, _, text in rows]
    problems: list[Problem] = []
    seen_pairs: set[tuple[int, int]] = set()
    by_key: dict[str, int] = {}
    for r, key in enumerate(keys):
        if key in by_key and rows[by_key[key]][0] != rows[r][0]:
            a, b = entries[rows[by_key[key]][0]], entries[rows[r][0]]
            problems.append(Problem(b.file, b.id, f"question '{rows[r][2]}' repeats "
                                    f"'{rows[by_key[key]][2]}' of entry '{a.id}' ({a.file})",
                                    _severity(a, b)))
            seen_pairs.add((by_key[key], r))
        by_key.setdefault(key, r)
    lexical = LexicalIndex(keys)
    owner = np.array([e for e, _, _ in rows])
    for start in range(0, len(rows), 512):
        block = lexical.block(start, min(start + 512, len(rows)))
        for local, r in enumerate(range(start, min(start + 512, len(rows)))):
            sims = block[local]
            hits = np.nonzero((sims >= threshold) & (owner != owner[r]))[0]
            for other in hits:
                if other <= r or (r, other) in seen_pairs or (other, r) in seen_pairs:
                    continue
                a, b = entries[rows[r][0]], entries[rows[other][0]]
                problems.append(Problem(
                    b.file, b.id, f"question '{rows[other][2]}' nearly repeats '{rows[r][2]}' of entry "
                    f"'{a.id}' ({a.file}), similarity {sims[other]:.2f}: one person asking this "
                    "cannot be told which answer they want", _severity(a, b)))
    return problems


def same_entry_repeats(entries: Sequence[FaqEntry]) -> list[Problem]:
    """A phrasing written twice in one form of one entry adds nothing.

    The same question in mn and mn_latn is expected (one per script), so only
    repeats within a form are reported.
    """
    problems = []
    for entry in entries:
        for form, items in entry.questions.items():
            seen: set[str] = set()
            for text in items:
                key = lexical_key(text)
                if key in seen:
                    problems.append(Problem(entry.file, entry.id,
                                            f"questions.{form}: '{text}' appears twice", "warning"))
                seen.add(key)
    return problems


def _digits(number: str) -> str:
    return re.sub(r"\D", "", number)


def fact_sheet_numbers(path: Path) -> tuple[set[str], set[str]]:
    """(numbers given with a source, numbers the sheet marks UNVERIFIED).

    A line is split into its clauses (";", " — "), and a number counts as
    unverified when its own clause says UNVERIFIED.
    """
    verified: set[str] = set()
    unverified: set[str] = set()
    for line in path.read_text(encoding="utf-8").splitlines():
        for clause in re.split(r";| — ", line):
            found = {_digits(m) for m in _PHONE.findall(clause) if not _DATE.match(m)}
            found |= {_digits(m) for m in re.findall(r"(?<![\d-])\d{3,8}(?![\d-])", clause)}
            doubtful = "UNVERIFIED" in clause.replace("URL UNVERIFIED", "")
            (unverified if doubtful else verified).update(found)
    return verified - unverified, unverified


def phone_problems(entries: Sequence[FaqEntry], fact_sheet: Path) -> list[Problem]:
    """Rule 5: phone numbers only as the fact sheet gives them, never UNVERIFIED ones."""
    if not fact_sheet.is_file():
        return [Problem("fact_sheet.md", None, f"fact sheet not found at {fact_sheet}: phone "
                        "numbers in answers were not checked", "warning")]
    verified, unverified = fact_sheet_numbers(fact_sheet)
    problems = []
    for entry in entries:
        for lang, text in entry.answer.items():
            for number in _PHONE.findall(text):
                if _DATE.match(number):
                    continue
                digits = _digits(number)
                if digits in unverified and digits not in verified:
                    problems.append(Problem(entry.file, entry.id, f"answer.{lang} gives {number}, "
                                            "which the fact sheet marks UNVERIFIED", _severity(entry)))
                elif digits not in verified:
                    problems.append(Problem(entry.file, entry.id, f"answer.{lang} gives {number}, "
                                            "which is not in the fact sheet", _severity(entry)))
    return problems


def _walk_domains(node: Any, path: str, out: list[tuple[str, str]]) -> None:
    if isinstance(node, dict):
        for key, value in node.items():
            _walk_domains(value, f"{path}.{key}" if path else str(key), out)
    elif isinstance(node, list):
        for i, value in enumerate(node):
            _walk_domains(value, f"{path}[{i}]", out)
    elif isinstance(node, str):
        out.append((path, node))


def official_domain_problems(path: Path) -> list[Problem]:
    """The scam checker's domain list parses and its entries look like domains."""
    name = path.name
    if not path.is_file():
        return [Problem(name, None, "not found: the scam checker has no official domains to "
                        "compare links with", "warning")]
    try:
        data = yaml.safe_load(path.read_text(encoding="utf-8"))
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        where = f" at line {mark.line + 1}" if mark else ""
        return [Problem(name, None, f"YAML syntax error{where}: {getattr(exc, 'problem', exc)}")]
    if not isinstance(data, (dict, list)) or not data:
        return [Problem(name, None, "must be a mapping or list of official domains")]
    values: list[tuple[str, str]] = []
    _walk_domains(data, "", values)
    problems = []
    domains = 0
    for where, value in values:
        leaf = re.sub(r"\[\d+\]$", "", where).rsplit(".", 1)[-1].lower()
        v = value.strip().lower()
        if "domain" in leaf or leaf in ("host", "hosts", "sites"):
            domains += 1
            if not _DOMAIN.match(v):
                problems.append(Problem(name, where, f"'{value}' does not look like a domain "
                                        "(like khanbank.com: no http://, no path)"))
        elif leaf in ("short_codes", "short_code", "sms", "numbers", "phones", "phone", "hotline",
                      "hotlines") and \
                not _SHORT_CODE.match(v):
            problems.append(Problem(name, where, f"'{value}' does not look like a number"))
    if domains == 0:
        problems.append(Problem(name, None, "no domains found (expected keys named `domains`)"))
    return problems


@dataclass
class Confusion:
    entry: str
    other: str
    phrasing: str
    own: float
    theirs: float


def confusions(retriever: Retriever) -> list[Confusion]:
    """Phrasings that score closer to another entry than to the rest of their own.

    Each phrasing is scored as if a user typed it, with the retriever's own
    scoring, and with itself left out of its entry (its row and its words in
    the entry's n-gram document), so it must be recognised by the others.
    """
    index = retriever.index
    found: list[Confusion] = []
    n_entries = len(index.entries)
    if n_entries < 2:
        return found
    cfg = retriever.config
    weight = cfg.lexical_weight if cfg.use_lexical else 0.0
    for own in range(n_entries):
        entry = index.entries[own]
        first = int(index.starts[own])
        own_rows = [r for r in range(first, len(index.row_text)) if index.row_entry[r] == own]
        for offset, _phrasing in enumerate(entry.phrasings()):
            r = first + offset
            key = index.row_key[r]
            lex = index.lexical.scores(key)[:n_entries]
            rest = entry_document(entry, [index.row_key[o] for o in own_rows if o != r])
            lex[own] = index.lexical.score_against(key, rest)
            if index.vectors is not None:
                emb_rows = index.vectors @ index.vectors[r]
                emb_rows[r] = -1.0
                emb = np.maximum.reduceat(emb_rows, index.starts)
                scores = (1.0 - weight) * emb + weight * lex
            else:
                scores = lex
            own_score = float(scores[own])
            scores[own] = -np.inf
            other = int(np.argmax(scores))
            if scores[other] > own_score:
                found.append(Confusion(entry.id, index.entries[other].id, entry.phrasings()[offset][1],
                                       own_score, float(scores[other])))
    return found


def _load_encoder(model: str | None, quiet: bool = False) -> Encoder | None:
    try:
        if model:
            from actions.embedding import Encoder as StEncoder

            return StEncoder(model, threads=settings.EMBEDDING_THREADS)
        from actions.embedding import get_encoder

        return get_encoder()
    except Exception as exc:  # noqa: BLE001 - report and go on without the model
        if not quiet:
            _out(f"WARNING embedding model unavailable ({exc}); using n-grams only")
        return None


def cmd_validate(args: argparse.Namespace) -> int:
    faq_dir = Path(args.faq_dir)
    store = load_store(faq_dir)
    problems = list(store.problems)
    problems += same_entry_repeats(store.entries)
    problems += near_duplicates(store.entries, settings.FAQ_NEAR_DUPLICATE)
    problems += phone_problems(store.entries, Path(args.fact_sheet))
    domains = Path(args.domains) if args.domains else faq_dir / settings.FAQ_OFFICIAL_DOMAINS.name
    problems += official_domain_problems(domains)
    from actions import alert_content  # faq/alerts/ and `correction:` fields (issue 22)

    problems += alert_content.problems(faq_dir, store.entries)
    errors = [p for p in problems if p.severity == "error"]
    warnings = [p for p in problems if p.severity == "warning"]
    for p in errors + warnings:
        _out(str(p))
    for entry in store.drafts:
        _out(f"DRAFT {entry.file}: entry '{entry.id}' is a draft and will not be answered")
    if not store.unreadable and not errors and not args.no_model and len(store.published) > 1:
        encoder = _load_encoder(args.model)
        with tempfile.TemporaryDirectory() as tmp:
            retriever = Retriever(faq_dir, encoder=encoder, state_dir=Path(tmp),
                                  show_progress=sys.stderr.isatty())
            found = confusions(retriever)
        pairs: dict[tuple[str, str], list[Confusion]] = defaultdict(list)
        for c in found:
            pairs[(c.entry, c.other)].append(c)
        # One odd phrasing is common; several pulled the same way mean two
        # entries overlap, and that is what a maintainer should look at.
        shown = {k: v for k, v in pairs.items() if len(v) >= 2 or args.all_confusions}
        for (a, b), items in sorted(shown.items(), key=lambda kv: -len(kv[1])):
            worst = max(items, key=lambda c: c.theirs - c.own)
            _out(f"WARNING likely to be confused: '{a}' -> '{b}': {len(items)} phrasing(s) of '{a}' "
                 f"score closer to '{b}'; e.g. '{worst.phrasing}' {worst.theirs:.3f} vs own "
                 f"{worst.own:.3f}")
        hidden = sum(len(v) for k, v in pairs.items() if k not in shown)
        if hidden:
            _out(f"NOTE {hidden} single phrasing(s) score closer to another entry than to their own; "
                 "`validate --all-confusions` lists them")
        warnings += [Problem("", None, "confusion")] * len(shown)
    per_topic = Counter(e.topic for e in store.published)
    _out(f"{len(store.files)} file(s), {len(store.published)} published entries "
         f"({', '.join(f'{t} {n}' for t, n in sorted(per_topic.items()))}), {len(store.drafts)} "
         f"draft(s); {len(errors)} error(s), {len(warnings)} warning(s)")
    if errors:
        _out("FAILED: fix the errors above; the bot keeps serving the last good content.")
        return 1
    _out("OK")
    return 0


# ----- ask ---------------------------------------------------------------------


def cmd_ask(args: argparse.Namespace) -> int:
    encoder = _load_encoder(args.model)
    with tempfile.TemporaryDirectory() as tmp:
        retriever = Retriever(Path(args.faq_dir), encoder=encoder, state_dir=Path(tmp),
                              show_progress=sys.stderr.isatty())
    result = retriever.search(args.text, lang=args.lang, topic=args.topic,
                              topic_confident=bool(args.topic), previous_faq_id=args.previous)
    lang = args.lang or ("en" if result.form == "en" else "mn")
    _out(f"question:   {args.text}")
    _out(f"read as:    {result.normalized}  (form {result.form})")
    if result.best is None:
        _out("band:       low (nothing to search)")
        return 0
    _out(f"band:       {result.band}   score {result.best.score:.3f}"
         + ("   (topic restricted)" if result.topic_restricted else "")
         + ("   (read as a follow-up)" if result.followup else ""))
    _out(f"best:       {result.best.faq_id} [{result.best.topic}] {retriever.title(result.best.faq_id, lang)}")
    for fid, score in result.ranking[1:4]:
        _out(f"runner-up:  {fid} {score:.3f}  {retriever.title(fid, lang)}")
    _out()
    if result.band == "high":
        _out(f"The bot answers ({lang}):")
        _out(retriever.answer(result.best.faq_id, lang))
    elif result.band == "middle":
        _out("The bot asks \"Did you mean ...?\" with: " + ", ".join(result.suggestions))
    else:
        _out("The bot does not answer; it offers the topics and a person.")
    return 0


# ----- eval --------------------------------------------------------------------


@dataclass
class EvalItem:
    text: str
    form: str
    faq_id: str | None


@dataclass
class Scored:
    item: EvalItem
    emb: np.ndarray | None
    lex: np.ndarray
    seconds: float


def load_eval(path: Path) -> list[EvalItem]:
    data = yaml.safe_load(path.read_text(encoding="utf-8"))
    if isinstance(data, dict):
        data = data.get("items") or []
    items = []
    for raw in data or []:
        if isinstance(raw, dict) and raw.get("text"):
            items.append(EvalItem(str(raw["text"]), str(raw.get("form") or "?"), raw.get("faq_id")))
    return items


def score_items(retriever: Retriever, items: Sequence[EvalItem]) -> list[Scored]:
    """Embedding and n-gram entry scores per item, timed like a real search."""
    out = []
    for item in items:
        started = time.perf_counter()
        norm = retriever.normalize(item.text)
        emb, lex = retriever.entry_components(retriever.index, norm.text, norm.key)
        out.append(Scored(item, emb, lex, time.perf_counter() - started))
    return out


def combine(scored: Scored, weight: float) -> np.ndarray:
    if scored.emb is None:
        return scored.lex
    return (1.0 - weight) * scored.emb + weight * scored.lex


@dataclass
class Ranked:
    """Per item, what the band decision needs, for one lexical weight."""

    best: np.ndarray  # best score
    margin: np.ndarray  # best minus second
    right: np.ndarray  # top-1 is the expected entry
    in_menu: np.ndarray  # expected entry among the "Did you mean" choices
    positive: np.ndarray  # item has an expected entry


def rank_items(scored: Sequence[Scored], ids: list[str], weight: float,
               cfg: RetrievalConfig) -> Ranked:
    best, margin, right, in_menu, positive = [], [], [], [], []
    for s in scored:
        scores = combine(s, weight)
        order = np.argsort(-scores)
        top = float(scores[order[0]])
        best.append(top)
        margin.append(top - float(scores[order[1]]) if len(order) > 1 else top)
        positive.append(s.item.faq_id is not None)
        right.append(ids[order[0]] == s.item.faq_id)
        menu = [ids[i] for i in order[:cfg.max_suggestions] if top - scores[i] <= cfg.suggest_window]
        in_menu.append(s.item.faq_id in menu)
    return Ranked(*(np.array(v) for v in (best, margin, right, in_menu, positive)))


def band_outcomes(r: Ranked, cfg: RetrievalConfig, lexical_only: bool = False) -> Counter[str]:
    """What users would see: right answers, wrong answers, menus, give-ups."""
    if lexical_only:
        high = np.zeros_like(r.best, dtype=bool)
        middle = r.best >= cfg.lexical_only_low
    else:
        high = (r.best >= cfg.high_score) & (r.margin >= cfg.high_margin)
        middle = ~high & (r.best >= cfg.low_score)
    low = ~high & ~middle
    pos, neg = r.positive, ~r.positive
    return Counter({
        "answered_right": int((pos & high & r.right).sum()),
        "answered_wrong": int((pos & high & ~r.right).sum()),
        "menu_with_right": int((pos & middle & r.in_menu).sum()),
        "menu_without_right": int((pos & middle & ~r.in_menu).sum()),
        "gave_up": int((pos & low).sum()),
        "negative_high": int((neg & high).sum()),
        "negative_middle": int((neg & middle).sum()),
        "negative_low": int((neg & low).sum()),
    })


# A wrong answer read aloud costs far more than a "Did you mean" menu.
_COSTS = {"answered_right": 0.0, "answered_wrong": 6.0, "menu_with_right": 0.6,
          "menu_without_right": 1.5, "gave_up": 1.0,
          "negative_high": 4.0, "negative_middle": 0.5, "negative_low": 0.0}


def calibrate(r: Ranked, base: RetrievalConfig) -> list[tuple[float, RetrievalConfig, Counter[str]]]:
    """Thresholds with the lowest total cost on this set, best first."""
    results = []
    for high in np.arange(0.55, 0.951, 0.005):
        for margin in np.arange(0.0, 0.1001, 0.005):
            for low in np.arange(0.45, high, 0.01):
                cfg = replace(base, high_score=round(float(high), 3),
                              high_margin=round(float(margin), 3), low_score=round(float(low), 3))
                outcome = band_outcomes(r, cfg)
                cost = sum(_COSTS[k] * v for k, v in outcome.items())
                results.append((cost, cfg, outcome))
    results.sort(key=lambda x: (x[0], -x[1].high_margin, -x[1].high_score))
    return results[:5]


def _print_accuracy(scored: Sequence[Scored], ids: list[str], weight: float, show_confusions: bool,
                    retriever: Retriever) -> dict[str, tuple[float, float]]:
    per_form: dict[str, list[tuple[bool, bool]]] = defaultdict(list)
    wrong: list[str] = []
    for s in scored:
        if s.item.faq_id is None:
            continue
        scores = combine(s, weight)
        order = [ids[i] for i in np.argsort(-scores)[:3]]
        per_form[s.item.form].append((order[0] == s.item.faq_id, s.item.faq_id in order))
        if order[0] != s.item.faq_id:
            norm = retriever.normalize(s.item.text).text
            wrong.append(f"  [{s.item.form}] {s.item.text!r} -> {order[0]} (want {s.item.faq_id}"
                         f"{', in top 3' if s.item.faq_id in order else ''})"
                         + (f"  read as {norm!r}" if s.item.form == "mn_latn" else ""))
    figures = {}
    _out(f"{'form':<8} {'items':>5} {'top-1':>6} {'top-3':>6}")
    for form in sorted(per_form):
        results = per_form[form]
        top1 = sum(a for a, _ in results) / len(results)
        top3 = sum(b for _, b in results) / len(results)
        figures[form] = (top1, top3)
        _out(f"{form:<8} {len(results):>5} {top1:>6.3f} {top3:>6.3f}")
    every = [r for results in per_form.values() for r in results]
    if every:
        _out(f"{'all':<8} {len(every):>5} {sum(a for a, _ in every) / len(every):>6.3f} "
             f"{sum(b for _, b in every) / len(every):>6.3f}")
    if show_confusions and wrong:
        _out(f"\nConfusions ({len(wrong)}):")
        for line in wrong:
            _out(line)
    return figures


def _precision(encoder: Encoder | None) -> str:
    return getattr(encoder, "precision", "?") if encoder is not None else "no model"


def _load() -> float:
    """The 1-minute load average; timings on a busy 2-core machine say little."""
    try:
        return os.getloadavg()[0]
    except OSError:
        return float("nan")


def _percentile(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(round(q * (len(ordered) - 1))))]


def synthetic_faq(directory: Path, n: int) -> None:
    """`n` entries of realistic length built from varied vocabulary, for timing builds."""
    rng = np.random.default_rng(7)
    en = ("card bank lost stolen block account money transfer code password login e-mongolia tax "
          "receipt refund phone scam link message police report loan fee signature id register "
          "apply online app safe check how what when where why can i my do is the to for")
    mn = ("карт банк алдсан хулгай хаах данс мөнгө шилжүүлэг код нууц үг нэвтрэх татвар баримт "
          "буцаалт утас залилан линк мессеж цагдаа мэдээлэх зээл шимтгэл гарын үсэг үнэмлэх "
          "бүртгэл хүсэлт онлайн апп аюулгүй шалгах яаж хэзээ хаана яагаад миний юу вэ уу")
    latn = ("kart bank aldsan hulgai haah dans mungu shiljuuleg kod nuuts ug nevtreh tatvar barimt "
            "butsaalt utas zalilan link msg tsagdaa medeeleh zeel shimtgel garyn useg unemleh "
            "burtgel husel onlain app ayulgui shalgah yaj hezee haana yagaad minii yu ve uu")

    def phrase(vocab: str, k: int) -> str:
        return " ".join(rng.choice(vocab.split(), size=k)) + f" {rng.integers(1, 10**6)}"

    entries = []
    for i in range(n):
        entries.append({
            "id": f"synthetic_{i}",
            "title": {"en": phrase(en, 4)[:60], "mn": phrase(mn, 4)[:60]},
            "questions": {"en": [phrase(en, int(rng.integers(4, 12))) for _ in range(5)],
                          "mn": [phrase(mn, int(rng.integers(4, 12))) for _ in range(5)],
                          "mn_latn": [phrase(latn, int(rng.integers(4, 12))) for _ in range(5)]},
            "answer": {"en": phrase(en, 60), "mn": phrase(mn, 60)},
            "sources": ["https://example.org/source"],
            "reviewed": dt.date(2026, 1, 1),
        })
    (directory / "banking.yml").write_text(
        yaml.safe_dump({"topic": "banking", "entries": entries}, allow_unicode=True), encoding="utf-8")


def cmd_eval(args: argparse.Namespace) -> int:
    encoder = None if args.lexical_only else _load_encoder(args.model)
    if encoder is None and not args.lexical_only:
        _out("FAILED: the embedding model could not be loaded; use --lexical-only to measure n-grams alone")
        return 1
    cfg = RetrievalConfig()
    if args.no_lexical:
        cfg = replace(cfg, use_lexical=False)
    if args.no_translit:
        cfg = replace(cfg, transliterate=False)
    if args.lexical_weight is not None:
        cfg = replace(cfg, lexical_weight=args.lexical_weight)
    weight = cfg.lexical_weight if cfg.use_lexical else 0.0

    if args.build_bench:
        if encoder is None:
            _out("FAILED: --build-bench measures embedding; it needs the model")
            return 1
        with tempfile.TemporaryDirectory() as tmp:
            synthetic_faq(Path(tmp), args.build_bench)
            started, cpu = time.perf_counter(), time.process_time()
            bench = Retriever(Path(tmp), encoder=encoder, config=cfg, use_cache=False,
                              state_dir=Path(tmp), show_progress=sys.stderr.isatty())
            took, cpu = time.perf_counter() - started, time.process_time() - cpu
        _out(f"index build, {args.build_bench} synthetic entries ({len(bench.index.row_text)} rows), "
             f"no cache, {_precision(encoder)}: {took:.1f} s ({len(bench.index.row_text) / took:.0f} "
             f"rows/s), CPU {cpu:.1f} s; target <= 60 s for 1,000 entries")
        _out(f"machine load average {_load():.1f} (wall time is only meaningful near 0 on 2 cores)")
        return 0

    items = load_eval(Path(args.file))
    with tempfile.TemporaryDirectory() as tmp:
        started = time.perf_counter()
        retriever = Retriever(Path(args.faq_dir), encoder=encoder, config=cfg,
                              use_cache=not args.cold, state_dir=Path(tmp),
                              show_progress=sys.stderr.isatty())
        build = time.perf_counter() - started
    index = retriever.index
    ids = [e.id for e in index.entries]
    known = set(ids)
    missing = sorted({i.faq_id for i in items if i.faq_id and i.faq_id not in known})
    _out(f"model: {retriever.model_name} ({_precision(encoder)})   lexical weight: {weight}   "
         "transliteration: "
         f"{'on' if cfg.transliterate else 'off'}")
    _out(f"content: {len(index.entries)} published entries, {len(index.row_text)} rows; "
         f"eval: {sum(1 for i in items if i.faq_id)} FAQ items, "
         f"{sum(1 for i in items if not i.faq_id)} non-FAQ items ({args.file})")
    if missing:
        _out(f"WARNING eval items name entries not in faq/: {', '.join(missing)}")
    _out(f"index build: {build:.1f} s ({'cold, no cache' if args.cold else 'cache allowed'})\n")

    # Warm up once so the first query does not carry lazy initialisation.
    retriever.search("warm up")
    scored = score_items(retriever, items)
    _print_accuracy(scored, ids, weight, not args.quiet, retriever)

    # Every text was just embedded above; without clearing, the encoder's
    # cache of recent texts would answer and the figures would flatter.
    clear = getattr(encoder, "clear_cache", None)
    latencies = []
    cpu = time.process_time()
    for item in items:
        if clear is not None:
            clear()
        started = time.perf_counter()
        retriever.search(item.text)
        latencies.append((time.perf_counter() - started) * 1000)
    cpu_ms = (time.process_time() - cpu) * 1000 / max(1, len(items))
    _out(f"\nquery latency over {len(latencies)} searches: p50 {_percentile(latencies, 0.5):.1f} ms, "
         f"p95 {_percentile(latencies, 0.95):.1f} ms, CPU {cpu_ms:.1f} ms (target p95 <= 30 ms); "
         f"machine load average {_load():.1f}")

    lexical_only = encoder is None
    outcome = band_outcomes(rank_items(scored, ids, weight, cfg), cfg, lexical_only)
    _print_outcome("bands with the thresholds in settings", cfg, outcome, lexical_only)
    if args.calibrate and not lexical_only:
        _out("\nCalibration (lowest cost first; costs: " +
             ", ".join(f"{k} {v}" for k, v in _COSTS.items()) + "):")
        for w in ([weight] if args.lexical_weight is not None or args.no_lexical else
                  [0.0, 0.2, 0.3, 0.4, 0.5]):
            base = replace(cfg, lexical_weight=w, use_lexical=w > 0)
            _out(f"\n-- lexical weight {w}")
            _print_accuracy(scored, ids, w, False, retriever)
            for cost, best_cfg, result in calibrate(rank_items(scored, ids, w, base), base)[:3]:
                _print_outcome(f"cost {cost:.1f}", best_cfg, result)
    elif args.calibrate:
        _out("\nn-gram only: the share of texts above each FAQ_LEXICAL_ONLY_LOW candidate:")
        ranked = rank_items(scored, ids, weight, cfg)
        for low in np.arange(0.2, 0.61, 0.05):
            _print_outcome(f"low {low:.2f}", replace(cfg, lexical_only_low=float(low)),
                           band_outcomes(ranked, replace(cfg, lexical_only_low=float(low)), True), True)
    return 0


def _print_outcome(label: str, cfg: RetrievalConfig, outcome: Counter[str],
                   lexical_only: bool = False) -> None:
    pos = sum(v for k, v in outcome.items() if not k.startswith("negative"))
    neg = sum(v for k, v in outcome.items() if k.startswith("negative"))
    if lexical_only:
        _out(f"\n{label}: no model, so no direct answers; menu when score >= {cfg.lexical_only_low:.3f}")
    else:
        _out(f"\n{label}: high >= {cfg.high_score:.3f} with margin >= {cfg.high_margin:.3f}, "
             f"low < {cfg.low_score:.3f}")
    if pos:
        _out("  FAQ questions: " + ", ".join(
            f"{k} {outcome[k]} ({outcome[k] / pos:.1%})" for k in
            ("answered_right", "answered_wrong", "menu_with_right", "menu_without_right", "gave_up")))
    if neg:
        _out("  non-FAQ texts: " + ", ".join(
            f"{b} {outcome[f'negative_{b}']} ({outcome[f'negative_{b}'] / neg:.1%})" for b in BANDS))


# ----- build ---------------------------------------------------------------------


def cmd_build(args: argparse.Namespace) -> int:
    """Embed faq/ into the on-disk cache, so the action server starts without waiting."""
    encoder = _load_encoder(args.model)
    if encoder is None:
        _out("FAILED: the embedding model could not be loaded")
        return 1
    started = time.perf_counter()
    with tempfile.TemporaryDirectory() as tmp:
        retriever = Retriever(Path(args.faq_dir), encoder=encoder, state_dir=Path(tmp),
                              show_progress=sys.stderr.isatty())
    index = retriever.index
    _out(f"FAQ index ready: {len(index.entries)} entries, {len(index.row_text)} phrasings and titles, "
         f"content {index.content_hash}, model {index.model_name}, {time.perf_counter() - started:.1f} s")
    return 0


# ----- reload --------------------------------------------------------------------


def cmd_reload(args: argparse.Namespace) -> int:
    status = request_reload(Path(args.state_dir), timeout=args.timeout)
    if status is None:
        _out(f"FAILED: no action server answered within {args.timeout:.0f} s. Is it running? "
             f"(it watches {settings.STATE_DIR}; start the bot with `make run`)")
        return 1
    state = status.get("state")
    _out(f"action server pid {status.get('pid')}: {state}, content {status.get('content_hash')}, "
         f"{status.get('entries')} entries ({status.get('drafts')} drafts), model {status.get('model')}")
    if state == "error":
        _out(f"FAILED: {status.get('error')}\nThe previous content keeps serving.")
        return 1
    if state == "building":
        _out("The new index is still being built; the previous content serves until it is ready.")
    return 0


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="python -m bot faq", description=__doc__.splitlines()[0])
    parser.add_argument("--faq-dir", default=str(settings.FAQ_DIR), help="FAQ folder (default faq/)")
    sub = parser.add_subparsers(dest="command", required=True)

    p = sub.add_parser("validate", help="check the FAQ files; exit 1 on errors")
    p.add_argument("--no-model", action="store_true", help="skip the embedding confusion report")
    p.add_argument("--model", help="local sentence-transformers folder for the confusion report")
    p.add_argument("--all-confusions", action="store_true",
                   help="list every phrasing closer to another entry, not only repeated pairs")
    p.add_argument("--fact-sheet", default=str(settings.FAQ_FACT_SHEET))
    p.add_argument("--domains", help="official domains file (default faq/official_domains.yml)")
    p.set_defaults(func=cmd_validate)

    p = sub.add_parser("ask", help="what the bot answers to TEXT (no Rasa)")
    p.add_argument("text")
    p.add_argument("--lang", choices=settings.LANGUAGES, help="the user's language")
    p.add_argument("--topic", choices=settings.TOPICS, help="restrict to a topic, as a confident Rasa would")
    p.add_argument("--previous", help="id of the previous answer, to test follow-ups")
    p.add_argument("--model", help="local sentence-transformers folder")
    p.set_defaults(func=cmd_ask)

    p = sub.add_parser("eval", help="accuracy on the held-out questions, latency, build time")
    p.add_argument("--file", default=str(settings.FAQ_EVAL_FILE))
    p.add_argument("--model", help="another local sentence-transformers folder to measure")
    p.add_argument("--no-lexical", action="store_true", help="embedding score only")
    p.add_argument("--lexical-only", action="store_true", help="n-gram score only, no model")
    p.add_argument("--no-translit", action="store_true", help="embed Latin-typed Mongolian as typed")
    p.add_argument("--lexical-weight", type=float, help="override FAQ_LEXICAL_WEIGHT")
    p.add_argument("--calibrate", action="store_true", help="search thresholds on this set")
    p.add_argument("--cold", action="store_true", help="build the index without the vector cache")
    p.add_argument("--build-bench", type=int, metavar="N", help="time a build of N synthetic entries")
    p.add_argument("--quiet", action="store_true", help="no list of confusions")
    p.set_defaults(func=cmd_eval)

    p = sub.add_parser("build", help="embed faq/ into the cache ahead of starting the server")
    p.add_argument("--model", help="local sentence-transformers folder")
    p.set_defaults(func=cmd_build)

    p = sub.add_parser("reload", help="make the running action server reload faq/ now")
    p.add_argument("--state-dir", default=str(settings.STATE_DIR))
    p.add_argument("--timeout", type=float, default=settings.FAQ_RELOAD_TIMEOUT)
    p.set_defaults(func=cmd_reload)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    args = build_parser().parse_args(list(argv) if argv is not None else None)
    return int(args.func(args))


if __name__ == "__main__":
    sys.exit(main())
