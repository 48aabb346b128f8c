"""Text prepared for speech, per language.

A reply written for the screen does not read well aloud: markdown stars,
emoji and a full URL are noise, a phone number read as "one thousand eight
hundred" cannot be dialled, and espeak-ng's Mongolian voice misreads Latin
words and many numbers. `prepare` rewrites a reply into what a person
reading it aloud would say. It runs in stages, each a small function with
its own tests; the spoken words it inserts ("dot", "tögrög", "Step 1.")
come from the `voice.spoken` block of the strings files.
"""

from __future__ import annotations

import html
import re
import unicodedata

from bot.speech import lexicon
from bot.speech import numbers_mn as mn_num
from core.script import romanize
from core.strings import t

_CYR = "А-Яа-яЁёӨөҮү"


def _say(lang: str, key: str, **fmt: object) -> str:
    return t(lang, f"voice.spoken.{key}", **fmt)


def prepare(text: str, lang: str) -> str:
    """`text` rewritten for the `lang` voice; "" when nothing is left to say."""
    text = unicodedata.normalize("NFC", text or "")
    text = drop_source_lines(text)
    text = strip_markup(text)
    text = read_lines(text, lang)
    text = read_links(text, lang)
    text = strip_emoji(text, lang)
    text = read_phones(text, lang)
    text = read_amounts(text, lang)
    text = drop_group_separators(text)
    text = read_symbols(text, lang)
    if lang == "mn":
        text = _LATIN_WITH_SUFFIX.sub(_latin_word_mn, text)
        text = read_numbers_mn(text)
    else:
        text = lexicon.CYRILLIC_WORD.sub(lambda m: romanize(m.group(0)), text)
    return tidy(text)


_LATIN_WITH_SUFFIX = re.compile(rf"({lexicon.LATIN_WORD.pattern})(?:-([{_CYR}]{{1,6}})\b)?")


def _latin_word_mn(m: re.Match[str]) -> str:
    """A Latin word in Cyrillic; a case suffix after a hyphen joins it ("Bank-ны" -> "банкны")."""
    word = lexicon.latin_to_mn(m.group(1))
    return word + m.group(2) if m.group(2) else word


# --- markup -----------------------------------------------------------------

_HTML_TAG = re.compile(r"</?[A-Za-z][^<>]*>")
_MD_LINK = re.compile(r"\[([^\]\n]+)\]\(([^)\s]+)\)")
_CODE_FENCE = re.compile(r"^\s*```.*$", re.M)


def strip_markup(text: str) -> str:
    """Telegram HTML tags and markdown links: keep what a reader sees."""
    text = _HTML_TAG.sub("", text)
    text = html.unescape(text)
    text = _CODE_FENCE.sub("", text)
    # A link reads as its label; a bare "[https://...](https://...)" keeps the URL
    # for read_links.
    return _MD_LINK.sub(lambda m: m.group(1), text)


def drop_source_lines(text: str) -> str:
    """The "Source: <link>" line under an FAQ answer is for the eye, not the ear.

    A listener cannot click it and a read-out web path is noise; the answer
    itself names any address a person needs. Both languages' labels are
    dropped, as a reply may be spoken in the other voice.
    """
    labels = tuple(t(lang, "answer.source", url="").strip() for lang in ("en", "mn"))
    kept = [line for line in text.splitlines() if not line.strip().startswith(labels)]
    return "\n".join(kept)


# --- line structure ------------------------------------------------------------

_HEADING = re.compile(r"^#{1,6}\s+")
_QUOTE = re.compile(r"^>\s?")
_STEP = re.compile(r"^(\d{1,2})[.)]\s+")
_BULLET = re.compile(r"^(?:[-*+•·▪◦‣–—])\s+")
_SENTENCE_END = tuple(".!?…:;,")


def step_phrase(n: int, lang: str) -> str:
    """How a numbered step starts when heard: "Step 1." / "Нэгдүгээрт,"."""
    if lang == "mn":
        return _say(lang, "step", n=n, ordinal=mn_num.ordinal(n).capitalize())
    return _say(lang, "step", n=n, ordinal=n)


def read_lines(text: str, lang: str) -> str:
    """One sentence per line: steps announced, bullets and headings unmarked.

    A line break is a pause for a reader; without a full stop the voice
    would run the last word of one step into the next.
    """
    out: list[str] = []
    for raw in text.splitlines():
        line = _QUOTE.sub("", _HEADING.sub("", raw.strip())).strip()
        if not line:
            continue
        step = _STEP.match(line)
        line = f"{step_phrase(int(step.group(1)), lang)} {line[step.end() :]}" if step else _BULLET.sub("", line)
        if not line.endswith(_SENTENCE_END):
            line += "."
        out.append(line)
    return " ".join(out)


# --- links ---------------------------------------------------------------------

_TRAILING = ".,;:!?)]}»\"'"
_URL = re.compile(r"(?i)\b(?:https?://|www\.)[^\s<>\"'\[\]]+")
_EMAIL = re.compile(r"(?i)(?<![\w.+-])([a-z0-9][a-z0-9._%+-]*)@((?:[a-z0-9-]+\.)+[a-z]{2,})")
_TLDS = "mn|com|org|net|gov|edu|info|io|me|app|ru|cn|kr|jp|us|uk|de|live"
_DOMAIN = re.compile(rf"(?i)(?<![\w@.-])((?:[a-z0-9](?:[a-z0-9-]*[a-z0-9])?\.)+(?:{_TLDS}))(?![\w-]|\.\w)(/[^\s]*)?")


def _domain_label(label: str, lang: str) -> str:
    if lang != "mn":
        return label
    if len(label) <= 3 and label not in lexicon.LATIN_WORDS_MN:
        return lexicon.spell_letters_mn(label)  # mn -> эм эн
    return lexicon.latin_to_mn(label)


def read_domain(host: str, lang: str) -> str:
    """A host name as people say it: "www.e-mongolia.mn" -> "e-mongolia dot mn"."""
    host = host.lower().strip(".")
    if host.startswith("www."):
        host = host[4:]
    dot = f" {_say(lang, 'dot')} "
    return dot.join(_domain_label(label, lang) for label in host.split(".") if label)


def _split_trailing(url: str) -> tuple[str, str]:
    core = url.rstrip(_TRAILING)
    return core, url[len(core) :]


def read_links(text: str, lang: str) -> str:
    """URLs and bare domains read as their domain, e-mail addresses in full.

    The path of a link means nothing to a listener and cannot be typed from
    memory; the domain is what a person checks (is it the official one?).
    """

    def url(m: re.Match[str]) -> str:
        core, trailing = _split_trailing(m.group(0))
        host = re.sub(r"(?i)^https?://", "", core)
        host = re.split(r"[/?#:]", host, maxsplit=1)[0]
        return (read_domain(host, lang) if host else "") + trailing

    def email(m: re.Match[str]) -> str:
        user = m.group(1).replace(".", f" {_say(lang, 'dot')} ")
        return f"{user} {_say(lang, 'at')} {read_domain(m.group(2), lang)}"

    def domain(m: re.Match[str]) -> str:
        core, trailing = _split_trailing(m.group(0))
        host = core.split("/", 1)[0]
        return read_domain(host, lang) + trailing

    text = _URL.sub(url, text)
    text = _EMAIL.sub(email, text)
    return _DOMAIN.sub(domain, text)


# --- emoji ---------------------------------------------------------------------

_WARNING_SIGNS = set("⚠❗‼🚨⛔🛑")
_INVISIBLE = set("\ufe0f\ufe0e\u200d\u20e3")


def strip_emoji(text: str, lang: str) -> str:
    """Emoji dropped, warning signs said as a word.

    A screen reader announces each emoji by name ("red circle"), which
    buries the message; a warning sign is the one that carries meaning.
    """
    out: list[str] = []
    for ch in text:
        if ch in _WARNING_SIGNS:
            out.append(f" {_say(lang, 'warning')} ")
        elif ch in _INVISIBLE:
            continue
        elif unicodedata.category(ch) in ("So", "Sk", "Co", "Cs") and ch != "№":
            out.append(" ")
        else:
            out.append(ch)
    return "".join(out)


# --- phone numbers ---------------------------------------------------------------

_PHONE = re.compile(
    r"(?<![\w+.,/-])(?:\+\s?(?P<cc>\d{1,3})[\s-]?)?"
    r"(?P<num>\d{2,4}(?:-\d{2,6}){1,3}|\d{8})(?![\w-]|[.,]\d)"
)
_ISO_DATE = re.compile(r"\d{4}-\d{2}-\d{2}")
# "dial +976 before the number": a country code on its own is dialled too.
_COUNTRY_CODE = re.compile(r"(?<![\w+])\+(\d{1,3})(?![\d-]|\s?\d)")
_MONEY_BEFORE = re.compile(r"(?:₮|MNT)\s*$")
_MONEY_AFTER = re.compile(r"^\s*(?:₮|MNT|%|төгрөг|tögrög)")


# Short service numbers (police 102, ambulance 103) are dialled, so read
# digit by digit, but only where the text says they are to be called:
# "102 people" is a count.
_SHORT_NUMBER_EN = re.compile(
    r"(?i)(\b(?:call|dial|phone|ring|text|on|number|line|hotline)\s+)(1\d{2,3})\b(?![.,]\d|\s*%)"
)
_SHORT_NUMBER_MN = re.compile(rf"(?i)()(?<![\d.,])(1\d{{2,3}})(?=\s+(?:дугаар|руу|утас)[{_CYR}]*)")


def _is_year_range(groups: list[str]) -> bool:
    if len(groups) != 2 or not all(len(g) == 4 for g in groups):
        return False
    start, end = int(groups[0]), int(groups[1])
    return 1901 <= start < end <= 2099


def read_digits(digits: str, lang: str) -> str:
    if lang == "mn":
        return " ".join(mn_num.DIGITS[int(d)] for d in digits)
    return " ".join(digits)


def read_phones(text: str, lang: str) -> str:
    """Phone numbers read digit by digit, in the groups they are dialled in.

    "1800-1917" -> "1 8 0 0, 1 9 1 7"; an eight-digit number without a
    hyphen is split 4 + 4, as Mongolian numbers are said.
    """

    def phone(m: re.Match[str]) -> str:
        cc, num = m.group("cc"), m.group("num")
        groups = num.split("-")
        if not cc:
            if len("".join(groups)) < 6 or _ISO_DATE.fullmatch(num) or _is_year_range(groups):
                return m.group(0)
            if _MONEY_BEFORE.search(m.string[: m.start()]) or _MONEY_AFTER.match(m.string[m.end() :]):
                return m.group(0)
        if len(groups) == 1 and len(num) == 8:
            groups = [num[:4], num[4:]]
        spoken = ", ".join(read_digits(g, lang) for g in groups)
        if cc:
            spoken = f"{_say(lang, 'plus')} {read_digits(cc, lang)}, {spoken}"
        return spoken

    text = _PHONE.sub(phone, text)
    text = _COUNTRY_CODE.sub(lambda m: f"{_say(lang, 'plus')} {read_digits(m.group(1), lang)}", text)
    short = _SHORT_NUMBER_MN if lang == "mn" else _SHORT_NUMBER_EN
    return short.sub(lambda m: m.group(1) + read_digits(m.group(2), lang), text)


# --- money -------------------------------------------------------------------------

_NUM = r"\d{1,3}(?:,\d{3})+(?:\.\d+)?|\d{1,3}(?:[ \u00a0\u202f]\d{3})+(?![\d])|\d+(?:[.,]\d+)?"
_MULT = r"million|billion|thousand|mln|bn|m|k|сая|тэрбум|мянга|мянган"
_MULT_KEY = {
    "million": "million", "mln": "million", "m": "million", "сая": "million",
    "billion": "billion", "bn": "billion", "тэрбум": "billion",
    "thousand": "thousand", "k": "thousand", "мянга": "thousand", "мянган": "thousand",
}  # fmt: skip
_CURRENCY = r"(?:₮|(?<![A-Za-z])MNT\b|(?<![A-Za-z])tugriks?\b)"
_AMOUNT_AFTER = re.compile(rf"(?<![\w.,])({_NUM})(?:\s*({_MULT})\b)?\s*{_CURRENCY}", re.I)
_AMOUNT_BEFORE = re.compile(rf"{_CURRENCY}\s*({_NUM})(?:\s*({_MULT})\b)?", re.I)


def _plain_number(number: str) -> str:
    if re.fullmatch(r"\d{1,3}(?:[, \u00a0\u202f]\d{3})+(?:\.\d+)?", number):
        return re.sub(r"[, \u00a0\u202f]", "", number)
    return number.replace(",", ".")


def read_amounts(text: str, lang: str) -> str:
    """Amounts in tögrög: "30,000₮" -> "30000 tögrög", "MNT 2 bn" -> "2 billion tögrög"."""

    def amount(m: re.Match[str]) -> str:
        number = _plain_number(m.group(1))
        words = [number]
        if m.group(2):
            words.append(_say(lang, _MULT_KEY[m.group(2).lower()]))
        words.append(_say(lang, "currency"))
        return " ".join(words)

    text = _AMOUNT_AFTER.sub(amount, text)
    return _AMOUNT_BEFORE.sub(amount, text)


_GROUPED = re.compile(r"(?<![\d.,])\d{1,3}(?:,\d{3})+(?![\d,])")


def drop_group_separators(text: str) -> str:
    """ "1,124,564" -> "1124564", so no voice reads the commas as pauses."""
    return _GROUPED.sub(lambda m: m.group(0).replace(",", ""), text)


# --- symbols -------------------------------------------------------------------------

_PERCENT = re.compile(r"(\d)\s*%")
_RANGE = re.compile(r"(?<![\d.,:-])(\d{1,4})\s*[-–—]\s*(\d{1,4})(?![\d.,:-])")
_ARROW = re.compile(r"\s*(?:→|⇒|->|=>|➔|»)\s*")
_DASH = re.compile(r"\s+[–—-]{1,2}\s+")
_SLASH = re.compile(rf"(?<=[A-Za-z{_CYR}])/(?=[A-Za-z{_CYR}])")
# A bot command ("/voice") is typed with its slash, so the listener hears it.
_COMMAND = re.compile(r"(?<![\w/.:])/(?=[a-z]{2,32}\b)")
_EMPHASIS = re.compile(r"(?<!\w)(\*\*|__|~~|\*|_|`)(?=\S)(.+?)(?<=\S)\1(?!\w)")
_LEFTOVER = re.compile(r"[*_`#|\\<>\[\]{}~^]+")
_PARENS = re.compile(r"\s*[()]\s*")
_ELLIPSIS = re.compile(r"\.{3,}|…")


def read_symbols(text: str, lang: str) -> str:
    """Percent, ranges, arrows and markdown leftovers as words or pauses."""
    text = _PERCENT.sub(lambda m: f"{m.group(1)} {_say(lang, 'percent')}", text)

    def number_range(m: re.Match[str]) -> str:
        a, b = int(m.group(1)), int(m.group(2))
        if a >= b:
            return m.group(0)
        if lang == "mn":
            return _say(lang, "range", a=mn_num.ablative(a), b=mn_num.cardinal(b))
        return _say(lang, "range", a=a, b=b)

    text = _RANGE.sub(number_range, text)
    text = _ARROW.sub(", ", text)
    text = _DASH.sub(", ", text)
    text = _SLASH.sub(f" {_say(lang, 'or')} ", text)
    text = _COMMAND.sub(f"{_say(lang, 'slash')} ", text)
    text = text.replace("&", f" {_say(lang, 'and')} ").replace("№", f" {_say(lang, 'number')} ")
    text = _ELLIPSIS.sub(".", text)
    for _ in range(3):  # nested emphasis: ***bold italic***
        text = _EMPHASIS.sub(lambda m: m.group(2), text)
    text = _LEFTOVER.sub(" ", text)
    return _PARENS.sub(", ", text)


# --- Mongolian numbers ---------------------------------------------------------------

_TIME = re.compile(r"(?<![\d:])([01]?\d|2[0-3]):([0-5]\d)(?![\d:])")
_HOUR_CASE_TO_MINUTES = {"цаг": "", "цагт": "ад", "цагаас": "аас", "цагийн": "ын", "цагаар": "аар"}
_TIME_WITH_CASE = re.compile(
    rf"{_TIME.pattern}\s+({'|'.join(sorted(_HOUR_CASE_TO_MINUTES, key=len, reverse=True))})(?![{_CYR}])",
    re.I,
)
_MN_NUMBER = re.compile(rf"(?<![\w.])(\d+)(?:\.(\d+))?(?:-([{_CYR}]+))?")
_NOUN_AFTER = re.compile(rf"\s*([{_CYR}]+)")
# Words after a number that do not make it attributive ("арав гаруй").
_NOT_NOUNS = {
    "хүртэл", "гаруй", "орчим", "шахам", "болон", "ба", "буюу", "эсвэл",
    "нь", "юм", "байна", "болно", "гэж", "гэсэн", "дахь",
}  # fmt: skip


def read_numbers_mn(text: str) -> str:
    """Digits written out in Mongolian words (see numbers_mn for why)."""

    def clock(m: re.Match[str]) -> str:
        hours, minutes = int(m.group(1)), int(m.group(2))
        return _say(
            "mn",
            "time",
            h=mn_num.cardinal(hours, before_noun=True),
            m=mn_num.cardinal(minutes, before_noun=True),
        )

    def clock_with_case(m: re.Match[str]) -> str:
        # "10:30 цагт" -> "арван цаг гучин минутад": the case moves to the minutes.
        return clock(m) + _HOUR_CASE_TO_MINUTES[m.group(3).lower()]

    def number(m: re.Match[str]) -> str:
        digits, fraction, suffix = m.group(1), m.group(2), m.group(3)
        if len(digits) > 12 or (len(digits) > 1 and digits.startswith("0")):
            return read_digits(digits, "mn") + (f" {suffix}" if suffix else "")
        n = int(digits)
        if fraction:
            return mn_num.decimal(n, fraction) + (f" {suffix}" if suffix else "")
        if suffix:
            return mn_num.with_suffix(n, suffix)
        following = _NOUN_AFTER.match(m.string, m.end())
        before_noun = bool(following) and following.group(1).lower() not in _NOT_NOUNS
        return mn_num.cardinal(n, before_noun=before_noun)

    text = _TIME_WITH_CASE.sub(clock_with_case, text)
    text = _TIME.sub(clock, text)
    return _MN_NUMBER.sub(number, text)


# --- final tidy ----------------------------------------------------------------------

_SPACES = re.compile(r"\s+")
_SPACE_BEFORE_PUNCT = re.compile(r"\s+([.,!?;:])")
_PUNCT_RUN = re.compile(r"[.,!?;:](?:\s*[.,!?;:])+")


def _strongest(m: re.Match[str]) -> str:
    """One mark for a run like ", ." left by removed symbols: the full stop wins."""
    run = m.group(0)
    for mark in "?!.;:":
        if mark in run:
            return mark
    return ","


def tidy(text: str) -> str:
    text = _SPACES.sub(" ", text)
    text = _SPACE_BEFORE_PUNCT.sub(r"\1", text)
    text = _PUNCT_RUN.sub(_strongest, text).strip(" ,;:").strip()
    # Only punctuation left (a reply of emoji): nothing to say.
    return text if any(ch.isalnum() for ch in text) else ""
