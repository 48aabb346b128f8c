"""The classifier's cheap gate between English and Mongolian text.

The script-independent key the classifier's features are built from is
`core.script.lexical_key`, over the one Cyrillic-Latin table every part of
the project shares; that file is hashed with this folder, so a change to
the key retrains the model (scripts/train-if-changed.sh).
"""

from __future__ import annotations

import re

# Frequent English words, most of them never Latin-typed Mongolian words
# ("be" and "we" are left out: they are the particles бэ and вэ).
_ENGLISH_WORDS = frozenset("""
a an the is are was were am been do does did i i'm me my mine you your our they their
he she it it's its this that these those what when where which who why how can could
should would will shall may might must not no yes and or but if then so to of in on at
for from with about by into after before again there here have had get got want need
please someone somebody anyone any some every all just only also too very don't didn't
doesn't can't isn't won't i've i'll there's what's how's hi hello hey bye goodbye thanks
thank yeah yep sure okay ok right correct good morning night
""".split())
_LATIN_WORD = re.compile(r"[a-z']+")
_CYRILLIC = re.compile(r"[а-яёөү]")


def has_cyrillic(text: str) -> bool:
    return bool(_CYRILLIC.search(text.lower()))


def looks_english(text: str) -> bool:
    """True for text that reads as English rather than Mongolian in either script.

    A cheap gate, not a language detector: no Cyrillic, and at least one word
    in seven is a frequent English word. Latin-typed Mongolian almost never
    passes (under 1 % of the training examples do).
    """
    low = text.lower()
    if _CYRILLIC.search(low):
        return False
    found = _LATIN_WORD.findall(low)
    hits = sum(w in _ENGLISH_WORDS for w in found)
    return hits >= 1 and hits / len(found) >= 0.15
