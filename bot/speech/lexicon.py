"""Pronunciation data: how one script is read in the other language's voice.

espeak-ng's Mongolian voice spells every Latin word letter by letter in
English ("Google" becomes "G O O G L E"), and its English voice reads
Cyrillic as character names ("Хөтөч" becomes "cyrillic letter ..."). Bot
answers mix scripts all the time (E-Mongolia, Khan Bank, SMS, a Cyrillic
menu item in an English answer), so words are moved into the voice's
script before synthesis. Brand names are listed as Mongolians say them;
other Latin words are transliterated letter group by letter group, and
short all-capital words are read as letter names, as people read "SMS".
The letter groups here say how a Mongolian speaker pronounces English and
brand words (c as к in "click", x as кс); Cyrillic words go to the English
voice in the project's one romanisation (`core.script.romanize`).
"""

from __future__ import annotations

import re

# Latin words as Mongolians say them (keys lower case).
LATIN_WORDS_MN = {
    "e-mongolia": "и-монголиа",
    "emongolia": "и-монголиа",
    "mongolia": "монголиа",
    "mongolbank": "монголбанк",
    "khan": "хаан",
    "khanbank": "хаан банк",
    "bank": "банк",
    "golomt": "голомт",
    "golomtbank": "голомт банк",
    "egolomt": "и-голомт",
    "xacbank": "хас банк",
    "xac": "хас",
    "statebank": "төрийн банк",
    "transbank": "транс банк",
    "nibank": "эн ай банк",
    "tdbm": "ти ди би эм",
    "google": "гүүгл",
    "gmail": "жи мэйл",
    "telegram": "телеграм",
    "facebook": "фэйсбүүк",
    "messenger": "мессенжер",
    "viber": "вайбер",
    "instagram": "инстаграм",
    "youtube": "ютуб",
    "android": "андройд",
    "iphone": "айфон",
    "wifi": "вайфай",
    "online": "онлайн",
    "app": "апп",
    "email": "и-мэйл",
    "e-mail": "и-мэйл",
    "mail": "мэйл",
    "pin": "пин",
    "qpay": "кью пэй",
    "socialpay": "сошиал пэй",
    "monpay": "мон пэй",
    "lendmn": "ленд эм эн",
    "pubg": "пабжи",
    "pizza": "пицца",
    "hut": "хат",
    "help": "хэлп",
    "info": "инфо",
    "www": "дабль ю дабль ю дабль ю",
    "com": "ком",
    "org": "орг",
    "net": "нэт",
    "gov": "гов",
    "edu": "эду",
    "ok": "окей",
    "khotoch": "хөтөч",
    # screen readers and phone buttons named in the accessibility answers
    "talkback": "толкбэк",
    "ehalamj": "и-халамж",
    "voiceover": "войс овер",
    "siri": "сири",
    "home": "хоум",
    "visual": "вижуал",
    "call": "кол",
    # the bot's own commands (/voice, /slower ...), as a Mongolian speaker says them
    "voice": "войс",
    "slower": "слоуэр",
    "faster": "фастэр",
    "repeat": "рипийт",
    "language": "лэнгвич",
    "menu": "мэню",
    "start": "старт",
    "forget": "форгэт",
}

# English names of Latin letters in Cyrillic, for acronyms ("SMS" -> "эс эм эс").
LETTER_NAMES_MN = {
    "a": "эй", "b": "би", "c": "си", "d": "ди", "e": "и", "f": "эф", "g": "жи",
    "h": "эйч", "i": "ай", "j": "жэй", "k": "кэй", "l": "эл", "m": "эм", "n": "эн",
    "o": "оу", "p": "пи", "q": "кью", "r": "ар", "s": "эс", "t": "ти", "u": "ю",
    "v": "ви", "w": "дабль ю", "x": "экс", "y": "вай", "z": "зэт",
}  # fmt: skip

# Latin letter groups to Cyrillic, longest first; follows how Mongolians
# type their language in Latin letters (kh/h for х, ts for ц).
_LATIN_GROUPS_MN = (
    ("shch", "щ"), ("kh", "х"), ("ch", "ч"), ("sh", "ш"), ("ts", "ц"), ("zh", "ж"),
    ("ya", "я"), ("yo", "ё"), ("yu", "ю"), ("ye", "е"), ("ee", "ээ"),
    ("ai", "ай"), ("ei", "эй"), ("oi", "ой"), ("ui", "уй"),
    ("a", "а"), ("b", "б"), ("c", "к"), ("d", "д"), ("e", "э"), ("f", "ф"),
    ("g", "г"), ("h", "х"), ("i", "и"), ("j", "ж"), ("k", "к"), ("l", "л"),
    ("m", "м"), ("n", "н"), ("o", "о"), ("p", "п"), ("q", "к"), ("r", "р"),
    ("s", "с"), ("t", "т"), ("u", "у"), ("v", "в"), ("w", "в"), ("x", "кс"),
    ("y", "й"), ("z", "з"),
)  # fmt: skip
_LATIN_GROUP_RE = re.compile("|".join(re.escape(g) for g, _ in _LATIN_GROUPS_MN))
_LATIN_GROUP_MAP = dict(_LATIN_GROUPS_MN)

LATIN_WORD = re.compile(r"[A-Za-z]+(?:[-'][A-Za-z]+)*")
CYRILLIC_WORD = re.compile(r"[А-Яа-яЁёӨөҮү]+")
_CAMEL = re.compile(r"[A-Z]+(?![a-z])|[A-Z]?[a-z]+")


def spell_letters_mn(word: str) -> str:
    return " ".join(LETTER_NAMES_MN[ch] for ch in word.lower() if ch in LETTER_NAMES_MN)


def _phonetic_mn(word: str) -> str:
    return _LATIN_GROUP_RE.sub(lambda m: _LATIN_GROUP_MAP[m.group(0)], word.lower())


def latin_to_mn(word: str) -> str:
    """One Latin word as the Mongolian voice should read it."""
    low = word.lower()
    if low in LATIN_WORDS_MN:
        return LATIN_WORDS_MN[low]
    if "-" in word or "'" in word:
        return "-".join(latin_to_mn(part) for part in re.split(r"[-']", word) if part)
    if word.isupper() and len(word) <= 5:
        return spell_letters_mn(word)
    parts = _CAMEL.findall(word)
    if len(parts) > 1:  # XacBank, SocialPay, TDBOnline
        return " ".join(latin_to_mn(part) for part in parts)
    return _phonetic_mn(word)
