"""How well Latin-typed Mongolian is read into Cyrillic (`python -m bot translit eval`).

Measured on training material only, never on tests/data/: most FAQ entries
(faq/*.yml) say a question both in Cyrillic and typed in Latin letters, and
nlu_data/ has Latin-typed and Cyrillic examples of one intent. Each
Latin-typed phrasing is paired with its Cyrillic twin (the same entry or
intent, most words shared by the script-independent spelling, as
`faq_calibration.twins` finds them) when both have the same number of words,
and `to_cyrillic` is compared with the twin word by word, by position.

The vocabulary `to_cyrillic` reads with is the FAQ's Cyrillic text, as in the
bot, but without the twin being measured (`--leave-out twin`, the default)
or without the twin's whole entry (`--leave-out entry`); with the twin in,
the vocabulary would just copy the answer. Words the twin writes in Latin
letters or digits (brands, numbers) are not counted. Paraphrases within a
pair count as disagreements before and after a change alike, so the figure
is for comparing readings, not an absolute accuracy.
"""

from __future__ import annotations

import argparse
import re
import time
from collections import Counter
from collections.abc import Iterator
from dataclasses import dataclass
from itertools import zip_longest
from pathlib import Path

from actions.faq.store import load_store, mongolian_texts
from bot.maintain.faq_calibration import TWIN_OVERLAP, word_overlap
from bot.maintain.faq_nlu import NLU_FILE, read_examples
from core import settings
from core.script import (
    CYRILLIC_LETTER,
    Vocabulary,
    clean,
    detect_form,
    has_cyrillic,
    lexical_key,
    to_cyrillic,
    words,
)

_ANNOTATION = re.compile(r"\[([^\]]+)\]\([^)]*\)|\[([^\]]+)\]\{[^}]*\}")


@dataclass(frozen=True)
class Pair:
    source: str  # "faq" or "nlu"
    group: str  # entry id or intent
    latin: str
    cyrillic: str


def _twin(latin: str, candidates: list[str]) -> str | None:
    """The Cyrillic phrasing sharing most words with `latin`, if it is a twin."""
    mine = set(lexical_key(latin).split())
    best, best_share = None, TWIN_OVERLAP
    for cyr in candidates:
        share = word_overlap(mine, set(lexical_key(cyr).split()))
        if share >= best_share:
            best, best_share = cyr, share
    return best


def _pairs(group: str, source: str, texts: list[str]) -> Iterator[Pair]:
    latin = [clean(t) for t in texts if not has_cyrillic(t) and detect_form(t, "mn") == "mn_latn"]
    cyrillic = [clean(t) for t in texts if has_cyrillic(t)]
    for text in latin:
        twin = _twin(text, cyrillic)
        if twin is not None and len(words(text)) == len(words(twin)):
            yield Pair(source, group, text, twin)


def faq_pairs(faq_dir: Path | None = None) -> list[Pair]:
    store = load_store(faq_dir)
    out: list[Pair] = []
    for entry in store.entries:
        texts = [*entry.questions.get("mn", ()), *entry.questions.get("mn_latn", ())]
        out += _pairs(entry.id, "faq", texts)
    return out


def nlu_pairs(nlu_dir: Path | None = None) -> list[Pair]:
    by_intent: dict[str, list[str]] = {}
    for path in sorted(Path(nlu_dir or settings.NLU_DIR).glob("*.yml")):
        if path.name == NLU_FILE.name:  # the FAQ's phrasings copied for Rasa: counted once, from faq/
            continue
        for intent, text in read_examples(path):
            by_intent.setdefault(intent, []).append(
                _ANNOTATION.sub(lambda m: m.group(1) or m.group(2), text))
    out: list[Pair] = []
    for intent, texts in by_intent.items():
        out += _pairs(intent, "nlu", texts)
    return out


@dataclass
class Score:
    right: int = 0
    words: int = 0
    pairs: int = 0

    @property
    def share(self) -> float:
        return self.right / self.words if self.words else 0.0


def compare(latin: str, cyrillic: str, vocabulary: Vocabulary) -> list[tuple[str, str, str]]:
    """(Latin word, reading, twin's word) for every counted word of one pair."""
    read = words(to_cyrillic(latin, vocabulary))
    out = []
    for src, got, want in zip_longest(words(latin), read, words(cyrillic), fillvalue=""):
        if want and CYRILLIC_LETTER.search(want):
            out.append((src, got, want))
    return out


def evaluate(pairs: list[Pair], leave_out: str = "twin",
             faq_dir: Path | None = None) -> tuple[dict[str, Score], Counter[tuple[str, str, str]]]:
    """Word agreement per source ("faq", "nlu", "all") and the disagreements counted."""
    store = load_store(faq_dir)
    texts = mongolian_texts(store.entries)
    present = Counter(clean(t) for t in texts)
    vocabulary = Vocabulary(texts)
    entry_texts = {e.id: mongolian_texts([e]) for e in store.entries}
    scores = {k: Score() for k in ("faq", "nlu", "all")}
    wrong: Counter[tuple[str, str, str]] = Counter()
    for pair in pairs:
        if leave_out == "entry" and pair.group in entry_texts:
            held = entry_texts[pair.group]
        else:
            held = [pair.cyrillic] if present[pair.cyrillic] else []
        for text in held:
            vocabulary.remove(text)
        counted = compare(pair.latin, pair.cyrillic, vocabulary)
        for text in held:
            vocabulary.add(text)
        for key in (pair.source, "all"):
            scores[key].pairs += 1
            scores[key].words += len(counted)
            scores[key].right += sum(got == want for _, got, want in counted)
        wrong.update((src, got, want) for src, got, want in counted if got != want)
    return scores, wrong


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="translit eval", description=__doc__.splitlines()[0])
    parser.add_argument("--leave-out", choices=("twin", "entry"), default="twin",
                        help="what the vocabulary leaves out when a phrasing is read (default: its twin)")
    parser.add_argument("--top", type=int, default=40, help="how many disagreements to list")
    args = parser.parse_args(argv)
    pairs = faq_pairs() + nlu_pairs()
    started = time.perf_counter()
    scores, wrong = evaluate(pairs, args.leave_out)
    seconds = time.perf_counter() - started
    print(f"Latin-typed Mongolian read into Cyrillic, against Cyrillic twins "
          f"(vocabulary without the {args.leave_out}):")
    for key, s in scores.items():
        print(f"  {key:4s} {s.share:.3f} of {s.words} words agree ({s.pairs} pairs)")
    print(f"  {seconds:.1f} s")
    print("\nMost frequent disagreements (count: typed -> read, twin has):")
    for (src, got, want), n in wrong.most_common(args.top):
        print(f"  {n:3d}: {src} -> {got}, twin {want}")
    return 0
