"""Mongolian numbers as words.

espeak-ng's `mn` voice (2025) reads many numbers wrongly: it drops the
units of 11-19 ("17" becomes "арван"), and the hundreds of 200, 300 or
1500 ("1500" becomes "нэг мянга таван"). An amount or a year read wrongly
is worse than no voice, so the Mongolian normaliser writes every number
out in words before the engine sees it.

Mongolian numerals have two forms: the standalone one ("тав", five) and
the attributive one used before a noun or a larger number ("таван
төгрөг", "таван зуу"). Which one the last word takes depends on what
follows, so callers say whether a noun follows.
"""

from __future__ import annotations

# (standalone, attributive)
_UNITS = {
    1: ("нэг", "нэг"),
    2: ("хоёр", "хоёр"),
    3: ("гурав", "гурван"),
    4: ("дөрөв", "дөрвөн"),
    5: ("тав", "таван"),
    6: ("зургаа", "зургаан"),
    7: ("долоо", "долоон"),
    8: ("найм", "найман"),
    9: ("ес", "есөн"),
}
_TENS = {
    1: ("арав", "арван"),
    2: ("хорь", "хорин"),
    3: ("гуч", "гучин"),
    4: ("дөч", "дөчин"),
    5: ("тавь", "тавин"),
    6: ("жар", "жаран"),
    7: ("дал", "далан"),
    8: ("ная", "наян"),
    9: ("ер", "ерэн"),
}
_HUNDRED = ("зуу", "зуун")
# Scale words keep their standalone form inside a number ("хоёр мянга
# хорин тав") and take the attributive one only before a noun.
_SCALES = ((10**9, ("тэрбум", "тэрбум")), (10**6, ("сая", "сая")), (1000, ("мянга", "мянган")))
_SCALE_WORDS = {pair[0] for _, pair in _SCALES}

ZERO = "тэг"
DIGITS = (ZERO,) + tuple(_UNITS[d][0] for d in range(1, 10))

# Ordinal of the last word: "нэг" -> "нэгдүгээр" (vowel harmony picks
# дүгээр or дугаар; зургаа and долоо shorten their stems).
_ORDINAL = {
    "тэг": "тэгдүгээр",
    "нэг": "нэгдүгээр",
    "хоёр": "хоёрдугаар",
    "гурав": "гуравдугаар",
    "дөрөв": "дөрөвдүгээр",
    "тав": "тавдугаар",
    "зургаа": "зургадугаар",
    "долоо": "долдугаар",
    "найм": "наймдугаар",
    "ес": "есдүгээр",
    "арав": "аравдугаар",
    "хорь": "хорьдугаар",
    "гуч": "гучдугаар",
    "дөч": "дөчдүгээр",
    "тавь": "тавьдугаар",
    "жар": "жардугаар",
    "дал": "далдугаар",
    "ная": "наядугаар",
    "ер": "ердүгээр",
    "зуу": "зуудугаар",
    "мянга": "мянгадугаар",
    "сая": "саядугаар",
    "тэрбум": "тэрбумдугаар",
}
# Stems that lose their second vowel before a vowel-initial case suffix:
# "гурав" + "аас" -> "гурваас", "арав" + "аас" -> "арваас".
_VOWEL_SUFFIX_STEMS = {
    "гурав": "гурв",
    "дөрөв": "дөрв",
    "арав": "арв",
    "хорь": "хори",
    "тавь": "тави",
}
_VOWELS = set("аэиоуөүяеёю")


def _below_thousand(n: int) -> list[tuple[str, str]]:
    words: list[tuple[str, str]] = []
    hundreds, rest = divmod(n, 100)
    if hundreds:
        words += [_UNITS[hundreds], _HUNDRED]
    tens, units = divmod(rest, 10)
    if tens:
        words.append(_TENS[tens])
    if units:
        words.append(_UNITS[units])
    return words


def _words(n: int) -> list[tuple[str, str]]:
    if n < 0:
        raise ValueError("negative numbers are not read")
    if n == 0:
        return [(ZERO, ZERO)]
    words: list[tuple[str, str]] = []
    for value, scale in _SCALES:
        count, n = divmod(n, value)
        if count:
            words += _below_thousand(count) if count < 1000 else _words(count)
            words.append(scale)
    words += _below_thousand(n)
    return words


def cardinal(n: int, before_noun: bool = False) -> str:
    """`n` in words; `before_noun` gives the attributive form of the last word."""
    words = _words(n)
    out = [attr if standalone not in _SCALE_WORDS else standalone for standalone, attr in words[:-1]]
    last_standalone, last_attr = words[-1]
    out.append(last_attr if before_noun else last_standalone)
    return " ".join(out)


def ordinal(n: int) -> str:
    """`n` as an ordinal ("нэгдүгээр", "арван нэгдүгээр")."""
    words = cardinal(n).split(" ")
    words[-1] = _ORDINAL[words[-1]]
    return " ".join(words)


def with_suffix(n: int, suffix: str) -> str:
    """`n` with a case suffix written after a hyphen ("10-аас", "1-р").

    "-р" (and the spelled-out "-дугаар"/"-дүгээр") marks an ordinal.
    """
    if suffix in ("р", "дугаар", "дүгээр", "дахь"):
        return ordinal(n)
    words = cardinal(n).split(" ")
    last = words[-1]
    if suffix[:1] in _VOWELS:
        last = _VOWEL_SUFFIX_STEMS.get(last, last)
    words[-1] = last + suffix
    return " ".join(words)


def decimal(integer: int, fraction: str) -> str:
    """A decimal number read the way people say it: "66.4" -> "жаран зургаан цэг дөрөв"."""
    return f"{cardinal(integer, before_noun=True)} цэг {' '.join(DIGITS[int(d)] for d in fraction)}"


# Ablative ("from") suffix after the last word: "нэг" -> "нэгээс".
_ABLATIVE = {
    "тэг": "тэгээс",
    "нэг": "нэгээс",
    "хоёр": "хоёроос",
    "гурав": "гурваас",
    "дөрөв": "дөрвөөс",
    "тав": "таваас",
    "зургаа": "зургаагаас",
    "долоо": "долоогоос",
    "найм": "наймаас",
    "ес": "есөөс",
    "арав": "арваас",
    "хорь": "хориос",
    "гуч": "гучаас",
    "дөч": "дөчөөс",
    "тавь": "тавиас",
    "жар": "жараас",
    "дал": "далаас",
    "ная": "наяас",
    "ер": "ерөөс",
    "зуу": "зуугаас",
    "мянга": "мянгаас",
    "сая": "саяас",
    "тэрбум": "тэрбумаас",
}


def ablative(n: int) -> str:
    """`n` with the "from" suffix, for ranges: 11 -> "арван нэгээс"."""
    words = cardinal(n).split(" ")
    words[-1] = _ABLATIVE[words[-1]]
    return " ".join(words)
