"""Maintainer tools for faq/: validate, ask, eval, reload.

Wired as `python -m bot faq <command>` (also `python -m bot.maintain.faq_tools`).
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

from actions.faq import facts as faq_facts
from actions.faq import thresholds as faq_thresholds
from actions.faq.retrieval import (
    BANDS,
    Encoder,
    EntryScores,
    LexicalIndex,
    RetrievalConfig,
    Retriever,
    SearchResult,
    request_reload,
)
from actions.faq.store import FaqEntry, Problem, load_store
from bot.maintain.eval_data import PARTS, EvalItem, eval_files, load_items
from core import settings
from core.privacy import mask_pii
from core.script import lexical_key

_DOMAIN = re.compile(r"^(?=.{4,253}$)(?:[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?\.)+[a-z]{2,63}$")
_SHORT_CODE = re.compile(r"^\+?[0-9][0-9-]{2,14}$")


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
    """The scam checker's domain list parses, its entries look like domains, and each is sourced."""
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
    # The scam checker calls a link official or not on this list's word, so each
    # organisation names the page (its own, or an official register) showing its domains.
    orgs = data.get("organisations") if isinstance(data, dict) else None
    for org in orgs if isinstance(orgs, list) else []:
        if isinstance(org, dict) and not re.match(r"https?://\S+\.\S+", str(org.get("source") or "").strip()):
            problems.append(Problem(name, str(org.get("id", "?")),
                                    "no `source`: give the organisation's own page (or an official "
                                    "register) that shows these domains"))
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
    for own in range(n_entries):
        entry = index.entries[own]
        first = int(index.starts[own])
        for offset, _phrasing in enumerate(entry.phrasings()):
            r = first + offset
            key = index.row_key[r]
            lex = index.lexical.scores(key)[:n_entries]
            lex[own] = index.lexical_left_out(own, {r}, key)
            if index.vectors is not None:
                emb_rows = index.vectors @ index.vectors[r]
                emb_rows[r] = -1.0
                # Without the classifier: it was fitted on this very phrasing.
                scores = cfg.mix(np.maximum.reduceat(emb_rows, index.starts), lex)
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
            from actions.embedding.encoder import Encoder as StEncoder

            return StEncoder(model, threads=settings.EMBEDDING_THREADS)
        from actions.embedding.encoder import get_encoder

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
    domains = Path(args.domains) if args.domains else faq_dir / settings.FAQ_OFFICIAL_DOMAINS.name
    problems += faq_facts.validate(store.entries, faq_dir, domains)
    problems += official_domain_problems(domains)
    from bot import alert_content  # faq/alerts/ and `correction:` fields (issue 22)

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
class Scored:
    item: EvalItem
    scores: EntryScores
    seconds: float


def load_eval(paths: Sequence[Path] | None = None) -> list[EvalItem]:
    """The held-out items of `paths` (default: nlu_eval.yml and every faq_eval_*.yml)."""
    return load_items(list(paths) if paths else None)


def score_items(retriever: Retriever, items: Sequence[EvalItem]) -> list[Scored]:
    """Entry scores (and their parts) per item, timed like a real search."""
    out = []
    for item in items:
        started = time.perf_counter()
        norm = retriever.readings(item.text)[1][0]  # the whole message, numbers typed
        scores = retriever.entry_components(retriever.index, norm.text, norm.key)
        out.append(Scored(item, scores, time.perf_counter() - started))
    return out


def _print_accuracy(scored: Sequence[Scored], ids: list[str], show_confusions: bool,
                    retriever: Retriever) -> dict[str, tuple[float, float]]:
    per_form: dict[str, list[tuple[bool, bool]]] = defaultdict(list)
    wrong: list[str] = []
    for s in scored:
        if s.item.faq_id is None:
            continue
        scores = s.scores.combined
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


def _eval_config(args: argparse.Namespace) -> RetrievalConfig:
    """The retrieval settings under test: the app's, less what the flags switch off."""
    cfg = RetrievalConfig()
    if args.no_lexical:
        cfg = replace(cfg, use_lexical=False)
    if args.no_translit:
        cfg = replace(cfg, transliterate=False)
    if args.lexical_weight is not None:
        cfg = replace(cfg, lexical_weight=args.lexical_weight)
    if args.classifier_weight is not None:
        cfg = replace(cfg, classifier_weight=args.classifier_weight)
    return cfg


def _bench_build(n: int, encoder: Encoder, cfg: RetrievalConfig) -> int:
    """`faq eval --build-bench N`: how long indexing N synthetic entries takes."""
    with tempfile.TemporaryDirectory() as tmp:
        synthetic_faq(Path(tmp), n)
        started, cpu = time.perf_counter(), time.process_time()
        bench = Retriever(Path(tmp), encoder=encoder, config=cfg, use_cache=False,
                          state_dir=Path(tmp), show_progress=sys.stderr.isatty())
        took, cpu = time.perf_counter() - started, time.process_time() - cpu
    _out(f"index build, {n} synthetic entries ({len(bench.index.row_text)} rows), "
         f"no cache, {_precision(encoder)}: {took:.1f} s ({len(bench.index.row_text) / took:.0f} "
         f"rows/s), CPU {cpu:.1f} s; target <= 60 s for 1,000 entries")
    _out(f"machine load average {_load():.1f} (wall time is only meaningful near 0 on 2 cores)")
    return 0


def _print_eval_header(retriever: Retriever, items: Sequence[EvalItem], paths: Sequence[Path],
                       weight: float, build_s: float, cold: bool) -> None:
    """What was measured: model, content, eval files, and entries the eval names that faq/ lacks."""
    index = retriever.index
    known = {e.id for e in index.entries}
    missing = sorted({i.faq_id for i in items if i.faq_id and i.faq_id not in known})
    _out(f"model: {retriever.model_name} ({_precision(retriever.encoder)})   lexical weight: {weight}   "
         f"classifier weight: {retriever.config.classifier_weight}   "
         "transliteration: "
         f"{'on' if retriever.config.transliterate else 'off'}")
    _out(f"content: {len(index.entries)} published entries, {len(index.row_text)} rows; "
         f"eval: {sum(1 for i in items if i.faq_id)} FAQ items, "
         f"{sum(1 for i in items if not i.faq_id)} non-FAQ items ({', '.join(p.name for p in paths)})")
    if missing:
        _out(f"WARNING eval items name entries not in faq/: {', '.join(missing)}")
    _out(f"index build: {build_s:.1f} s ({'cold, no cache' if cold else 'cache allowed'})")
    learnt = (faq_thresholds.load().get("learnt_on") or {}) if settings.FAQ_THRESHOLDS_FILE.is_file() else {}
    if learnt.get("content") != index.content_hash or learnt.get("model") != retriever.model_name:
        _out(f"NOTE thresholds were learnt on content {learnt.get('content')} with "
             f"{learnt.get('model')}; run `python -m bot faq calibrate` for this content")
    _out("")


def _print_latency(retriever: Retriever, items: Sequence[EvalItem]) -> None:
    """Search time per held-out question, with the encoder's cache of recent texts cleared."""
    # Every text was just embedded by the accuracy run; without clearing, the
    # cache would answer and the figures would flatter.
    clear = getattr(retriever.encoder, "clear_cache", None)
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


def cmd_eval(args: argparse.Namespace) -> int:
    encoder = None if args.lexical_only else _load_encoder(args.model)
    if encoder is None and not args.lexical_only:
        _out("FAILED: the embedding model could not be loaded; use --lexical-only to measure n-grams alone")
        return 1
    cfg = _eval_config(args)
    if args.build_bench:
        if encoder is None:
            _out("FAILED: --build-bench measures embedding; it needs the model")
            return 1
        return _bench_build(args.build_bench, encoder, cfg)

    paths = [Path(f) for f in args.file] if args.file else eval_files()
    items = load_eval(paths)
    with tempfile.TemporaryDirectory() as tmp:
        started = time.perf_counter()
        retriever = Retriever(Path(args.faq_dir), encoder=encoder, config=cfg,
                              use_cache=not args.cold, state_dir=Path(tmp),
                              show_progress=sys.stderr.isatty())
        build = time.perf_counter() - started
    weight = cfg.lexical_weight if cfg.use_lexical else 0.0
    _print_eval_header(retriever, items, paths, weight, build, args.cold)
    # Warm up once so the first query does not carry lazy initialisation.
    retriever.search("warm up")
    scored = score_items(retriever, items)
    _print_accuracy(scored, [e.id for e in retriever.index.entries], not args.quiet, retriever)
    _print_latency(retriever, items)
    print_parts(retriever, items)
    if args.lexical_only:
        _out("\nWithout the model the bot never answers directly; it offers n-gram suggestions "
             f"from score {cfg.lexical_only_low:.2f} up.")
    return 0


# What a user sees, per held-out item, as the FAQ action decides it.
COVERED_OUTCOMES = ("right", "menu_right", "wrong", "menu_wrong", "gave_up")
UNCOVERED_OUTCOMES = ("honest", "menu", "wrong")


def item_outcome(result: SearchResult, item: EvalItem) -> str:
    """The item's outcome, mirroring actions.AnswerFaq.

    Covered: answered with the right entry ("right"), with another one
    ("wrong"), "Did you mean" buttons with ("menu_right") or without the
    right entry ("menu_wrong"), or the "I have no answer" reply ("gave_up").
    Uncovered: that honest reply with a person and the topics ("honest"),
    buttons that can only be unrelated ("menu"), or an answer ("wrong").
    """
    if item.faq_id is None:
        return {"high": "wrong", "middle": "menu", "low": "honest"}[result.band]
    if result.band == "high":
        return "right" if result.best is not None and result.best.faq_id == item.faq_id else "wrong"
    if result.band == "middle":
        return "menu_right" if item.faq_id in result.suggestions else "menu_wrong"
    return "gave_up"


def part_rows(retriever: Retriever, items: Sequence[EvalItem],
              masked: bool = False) -> dict[tuple[str, str], Counter[str]]:
    """Outcome counts per (form, part); `masked` first masks personal data as the bot does."""
    rows: dict[tuple[str, str], Counter[str]] = defaultdict(Counter)
    for item in items:
        if item.faq_id is None and item.part != "uncovered":
            continue  # greetings, thanks, ...: Rasa routes them away from the FAQ action
        text = mask_pii(item.text) if masked else item.text
        result = retriever.search(text)
        counts = rows[(item.form, item.part + (" masked" if masked else ""))]
        counts["n"] += 1
        counts[item_outcome(result, item)] += 1
        if item.also:
            counts["also_n"] += 1
            counts["also_offered"] += int(item.also in result.also or (
                result.band == "middle" and item.also in result.suggestions))
    return rows


def print_parts(retriever: Retriever, items: Sequence[EvalItem]) -> dict[tuple[str, str], Counter[str]]:
    """Per language form and part: right first time, menu with the right entry, wrong, honest."""
    rows = part_rows(retriever, items)
    rows.update(part_rows(retriever, [i for i in items if i.part == "numbers"], masked=True))
    _out("\nWhat users see, per language form and part (targets: right >= 0.90, wrong <= 0.02, "
         "uncovered honest >= 0.90)")
    _out(f"{'part':<16} {'form':<8} {'items':>5} {'right':>6} {'menu+':>6} {'wrong':>6} "
         f"{'menu-':>6} {'gaveup':>6} {'honest':>6}")
    parts = [*PARTS[:2], "numbers masked", *PARTS[2:]]
    for part in parts:
        for form in settings.QUESTION_FORMS:
            c = rows.get((form, part))
            if not c:
                continue
            n = c["n"]
            if part == "uncovered":
                _out(f"{part:<16} {form:<8} {n:>5} {'':>6} {'':>6} {c['wrong'] / n:>6.3f} "
                     f"{c['menu'] / n:>6.3f} {'':>6} {c['honest'] / n:>6.3f}")
            else:
                _out(f"{part:<16} {form:<8} {n:>5} {c['right'] / n:>6.3f} {c['menu_right'] / n:>6.3f} "
                     f"{c['wrong'] / n:>6.3f} {c['menu_wrong'] / n:>6.3f} {c['gave_up'] / n:>6.3f}")
    also_n = sum(c["also_n"] for c in rows.values())
    if also_n:
        _out(f"second need offered: {sum(c['also_offered'] for c in rows.values())} of {also_n} "
             "messages that carry two")
    _out("right = answered right first time; menu+ = \"Did you mean\" with the right entry; "
         "menu- = without it; gaveup/honest = \"no answer here\", a person and the topics offered")
    others = Counter(retriever.search(i.text).band for i in items
                     if i.faq_id is None and i.part != "uncovered")
    if others:
        total = sum(others.values())
        _out("non-FAQ texts: " + ", ".join(f"{b} {others[b]} ({others[b] / total:.1%})" for b in BANDS)
             + " (greetings, thanks...: Rasa routes most of them away from the FAQ)")
    return rows


# ----- calibrate -----------------------------------------------------------------


def cmd_calibrate(args: argparse.Namespace) -> int:
    """Thresholds per form from training material, with their cross-validated figures."""
    from bot.maintain import faq_calibration

    encoder = _load_encoder(args.model)
    if encoder is None:
        _out("FAILED: thresholds are learnt on the model's scores; it could not be loaded")
        return 1
    with tempfile.TemporaryDirectory() as tmp:
        retriever = Retriever(Path(args.faq_dir), encoder=encoder, state_dir=Path(tmp),
                              show_progress=sys.stderr.isatty())
    if args.weights:
        _out("Top-1 of the covered training questions (each phrasing left out, scored by a "
             "classifier that never saw it), per classifier strength and weight:")
        _out(f"{'strength':>8} {'weight':>6} " + " ".join(f"{f:>8}" for f in settings.QUESTION_FORMS))
        for (strength, weight), top1 in faq_calibration.classifier_grid(retriever).items():
            _out(f"{strength:>8g} {weight:>6g} " + " ".join(f"{top1[f]:>8.3f}" for f in settings.QUESTION_FORMS))
        _out(f"in use: strength {settings.FAQ_CLASSIFIER_C:g}, weight {settings.FAQ_CLASSIFIER_WEIGHT:g} "
             "(core/settings.py); no thresholds written")
        return 0
    _out("Training material: every FAQ phrasing with itself (and its other-script twin) left out "
         "(covered), the same with its whole entry left out (uncovered), and questions written as "
         "uncovered: nlu_data out_of_scope examples and "
         f"{faq_calibration.UNCOVERED_QUESTIONS.name}. Costs: {faq_calibration.COSTS}")
    found = faq_calibration.calibrate(retriever, nlu_dir=Path(args.nlu_dir))
    for form, (chosen, cv) in found.items():
        pos = sum(cv[k] for k in COVERED_OUTCOMES)
        neg = sum(v for k, v in cv.items() if k.startswith("negative"))
        _out(f"\n{form}: {pos} covered and {neg} uncovered training questions; "
             f"{faq_calibration.FOLDS}-fold cross-validation by entry:")
        _out("  covered:   " + ", ".join(f"{k} {cv[k] / max(1, pos):.3f}" for k in COVERED_OUTCOMES))
        _out("  uncovered: " + ", ".join(f"{k.removeprefix('negative_')} {v / max(1, neg):.3f}"
                                        for k, v in sorted(cv.items()) if k.startswith("negative")))
        _out(f"  written as uncovered: answered {cv['written_answered'] / max(1, cv['written']):.3f} "
             f"of {cv['written']} (cap {faq_calibration.MAX_UNCOVERED_ANSWERED})")
        _out(f"  thresholds on all folds: {chosen.as_dict()}")
    if args.dry_run:
        return 0
    learnt_on = {"content": retriever.index.content_hash, "model": retriever.model_name,
                 "uncovered_share": faq_calibration.UNCOVERED_SHARE,
                 "max_wrong": faq_calibration.MAX_WRONG,
                 "max_uncovered_answered": faq_calibration.MAX_UNCOVERED_ANSWERED,
                 "costs": dict(faq_calibration.COSTS)}
    path = faq_thresholds.write({form: chosen.as_dict() for form, (chosen, _) in found.items()},
                                learnt_on, Path(args.out) if args.out else None)
    _out(f"\nWritten to {path}; the action server uses them from its next start.")
    return 0


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
    p.add_argument("--file", action="append",
                   help="held-out items (repeatable; default nlu_eval.yml and every faq_eval_*.yml)")
    p.add_argument("--model", help="another local sentence-transformers folder to measure")
    p.add_argument("--no-lexical", action="store_true", help="embedding score only")
    p.add_argument("--lexical-only", action="store_true", help="n-gram score only, no model")
    p.add_argument("--no-translit", action="store_true", help="embed Latin-typed Mongolian as typed")
    p.add_argument("--lexical-weight", type=float, help="override FAQ_LEXICAL_WEIGHT")
    p.add_argument("--classifier-weight", type=float, help="override FAQ_CLASSIFIER_WEIGHT (0: off)")
    p.add_argument("--cold", action="store_true", help="build the index without the vector cache")
    p.add_argument("--build-bench", type=int, metavar="N", help="time a build of N synthetic entries")
    p.add_argument("--quiet", action="store_true", help="no list of confusions")
    p.set_defaults(func=cmd_eval)

    p = sub.add_parser("calibrate", help="learn the answer thresholds per form from training material")
    p.add_argument("--model", help="local sentence-transformers folder")
    p.add_argument("--nlu-dir", default=str(settings.NLU_DIR), help="Rasa NLU data (out_of_scope examples)")
    p.add_argument("--dry-run", action="store_true", help="print the thresholds, do not write them")
    p.add_argument("--weights", action="store_true",
                   help="print training top-1 per classifier strength and weight, write nothing")
    p.add_argument("--out", help=f"file to write (default {settings.FAQ_THRESHOLDS_FILE.name} in actions/)")
    p.set_defaults(func=cmd_calibrate)

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
