"""One spelling for Mongolian in Cyrillic and Mongolian typed in Latin letters.

People write the same Mongolian word as "хамгаалах", "hamgaalah" or
"khamgaalakh", with u for both у and ү and o for both о and ө. A classifier
that sees those as different strings needs every phrasing three times over.
Mapping every word to a lossy Latin key (х/h/kh/x -> h, у/ү/u -> u, о/ө -> o,
в/w -> v, ц/c -> ts, doubled letters collapsed) makes a Cyrillic example and
its Latin-typed twin share their features, so each teaches the other form.
English passes through the same rules; they only change its spelling
consistently, which costs it nothing.

The rules follow `core.script.word_key` (FAQ retrieval), but this is a
separate copy on purpose: a trained Rasa model depends on these exact
features, so they change only together with config.yml and a retrain, never
behind a model's back when retrieval's normaliser is tuned.
"""

from __future__ import annotations

import re

_CYR_TO_LATIN = {
    "а": "a", "б": "b", "в": "v", "г": "g", "д": "d", "е": "e", "ё": "o",
    "ж": "j", "з": "z", "и": "i", "й": "i", "к": "k", "л": "l", "м": "m",
    "н": "n", "о": "o", "ө": "o", "п": "p", "р": "r", "с": "s", "т": "t",
    "у": "u", "ү": "u", "ф": "f", "х": "h", "ц": "ts", "ч": "ch", "ш": "sh",
    "щ": "sh", "ъ": "", "ы": "i", "ь": "", "э": "e", "ю": "u", "я": "a",
    # Look-alike letters that turn up in Latin-typed text.
    "ö": "o", "ü": "u",
}
_TABLE = str.maketrans(_CYR_TO_LATIN)
_WORD = re.compile(r"[0-9a-zа-яёөүöü]+(?:[-'][0-9a-zа-яёөүöü]+)*")
_C_NOT_CH = re.compile(r"c(?!h)")
_Y_BEFORE_VOWEL = re.compile(r"y(?=[aeiou])")
_JOINERS = re.compile(r"[-']")
_DOUBLED = re.compile(r"(.)\1+")


def word_key(word: str) -> str:
    """The lossy key of one lower-case word."""
    s = word.translate(_TABLE)
    s = s.replace("kh", "h").replace("x", "h").replace("w", "v").replace("zh", "j")
    s = _C_NOT_CH.sub("ts", s)
    s = _Y_BEFORE_VOWEL.sub("", s)
    s = s.replace("y", "i").replace("q", "k")
    s = _JOINERS.sub("", s)
    return _DOUBLED.sub(r"\1", s)


def text_key(text: str) -> str:
    """Keys of all words of `text`, space-separated; punctuation and emoji dropped."""
    return " ".join(word_key(w) for w in _WORD.findall(text.lower()))


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
