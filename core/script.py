"""The two scripts Mongolian is typed in: one table, one detector, both directions.

Everything that reads Cyrillic as Latin or Latin as Cyrillic uses this module:
FAQ retrieval (normalisation and n-gram keys), the Rasa classifier (its
features are `lexical_key`), the scam rules (`romanize`'s table under their
lossy view) and the English voice (`romanize`).

Embedding models barely tell Mongolian typed in Latin letters apart from
noise ("dansaa yaj hamgaalah ve" and an unrelated Latin sentence score almost
the same), so such text is rewritten in Cyrillic before it is embedded.
Off-the-shelf transliterators follow the official scheme and leave the
informal spellings people really type (h and kh for х, w for в, u for both у
and ү, o for both о and ө, c for ц) half converted, so this module has its
own rules:

1. a small dictionary of frequent words whose spelling is ambiguous
   ("uu" is уу or үү, "ve" and "we" are вэ), chat abbreviations ("bn",
   "msg") and loanwords;
2. a vocabulary of Cyrillic words (the FAQ's own Mongolian text): a Latin
   word is looked up by a lossy spelling key that every informal spelling of
   the same Cyrillic word shares, which settles у/ү and о/ө by real words,
   and a known stem with a case ending keeps the stem ("humuusiin" ->
   хүмүүсийн);
3. letter rules with vowel harmony for the remaining words: a word with e
   is a front-vowel word (o -> ө, u -> ү), otherwise a back-vowel one; a v
   with no vowel beside it is ү ("hvrehed"), the negative ending is -гүй.

English must never be transliterated, so the script decision is made per
text by a small scorer (`detect_form`). The same lossy key gives a
script-independent spelling (`lexical_key`) for character n-gram matching,
where a Latin-typed question and its Cyrillic twin meet exactly.
"""

from __future__ import annotations

import functools
import re
import unicodedata
from collections import Counter
from collections.abc import Iterable
from dataclasses import dataclass

# The one Cyrillic -> Latin table: each letter of Mongolian Cyrillic with the
# Latin spelling Mongolians type and read for it (х as kh, as in Khotoch and
# Khan Bank; я, ё, ю as ya, yo, yu; ь as i, as in "chini"). It serves three
# readers through two functions: `romanize` (the readable spelling, which an
# English voice reads aloud and the scam rules match against) and `word_key`
# (the lossy spelling that retrieval and the Rasa classifier compare). They
# agree letter for letter except where `word_key` says why.
CYRILLIC_TO_LATIN = {
    "а": "a", "б": "b", "в": "v", "г": "g", "д": "d", "е": "e", "ё": "yo",
    "ж": "j", "з": "z", "и": "i", "й": "i", "к": "k", "л": "l", "м": "m",
    "н": "n", "о": "o", "ө": "o", "п": "p", "р": "r", "с": "s", "т": "t",
    "у": "u", "ү": "u", "ф": "f", "х": "kh", "ц": "ts", "ч": "ch", "ш": "sh",
    "щ": "sh", "ъ": "", "ы": "i", "ь": "i", "э": "e", "ю": "yu", "я": "ya",
    # Letters that look alike and turn up in Latin-typed text.
    "ö": "o", "ü": "u",
}  # fmt: skip
_READABLE = str.maketrans(CYRILLIC_TO_LATIN)
# The key drops the soft sign: typists write нь as "n" as often as "ni", and
# маань as "maani" or "man"; the letter only softens the consonant before it.
_KEY_LETTERS = str.maketrans({**CYRILLIC_TO_LATIN, "ь": ""})

_VOWELS = set("aeiou")
_CYR_LETTERS = re.compile(r"[а-яёөү]", re.IGNORECASE)
_LAT_LETTERS = re.compile(r"[a-z]", re.IGNORECASE)
_WORD = re.compile(r"[0-9a-zа-яёөүöü]+(?:[-'][0-9a-zа-яёөүöü]+)*", re.IGNORECASE)
_SPACE = re.compile(r"\s+")
# Anything that is not a letter, digit, space or one of the punctuation marks
# that carry meaning in a question is dropped (emoji, decorations).
_JUNK = re.compile(r"[^\w\s?.,!:;'\"()%/+-]", re.UNICODE)
_REPEATED_PUNCT = re.compile(r"([?.,!:;])\1+")
_C_NOT_CH = re.compile(r"c(?!h)")
_Y_BEFORE_VOWEL = re.compile(r"y(?=[aeiou])")
_JOINERS = re.compile(r"[-']")
_DOUBLED = re.compile(r"(.)\1+")

# Frequent words whose letters alone do not tell the Cyrillic spelling.
# Values are final; "uu" is decided by the vowel harmony of the word before.
COMMON_WORDS: dict[str, str] = {
    # question words and particles
    "ve": "вэ", "we": "вэ", "vee": "вэ", "be": "бэ", "yu": "юу", "yuu": "юу",
    "yaj": "яаж", "yaaj": "яаж", "yah": "яах", "yaah": "яах", "yamar": "ямар",
    "ymar": "ямар", "ymr": "ямар", "yagaad": "яагаад", "yaagaad": "яагаад",
    "hed": "хэд", "khed": "хэд", "heden": "хэдэн", "hezee": "хэзээ",
    "haana": "хаана", "haashaa": "хаашаа", "hen": "хэн", "hend": "хэнд",
    "ali": "аль", "aliin": "алийн", "yund": "юунд", "yuund": "юунд",
    "yum": "юм", "ym": "юм", "yuch": "юу ч", "yumuu": "юм уу", "ymu": "юм уу",
    "ch": "ч", "l": "л", "n": "нь", "ni": "нь", "shuu": "шүү", "daa": "даа",
    "maani": "маань", "mani": "маань", "chin": "чинь", "chini": "чинь",
    "dee": "дээ", "doo": "доо", "gej": "гэж", "gj": "гэж", "geh": "гэх",
    "gesen": "гэсэн", "gsn": "гэсэн", "gedeg": "гэдэг", "gdg": "гэдэг",
    # pronouns
    "bi": "би", "bid": "бид", "chi": "чи", "ta": "та", "tanii": "таны",
    "tany": "таны", "tand": "танд", "minii": "миний", "mini": "миний",
    "namaig": "намайг", "nadad": "надад", "nad": "над", "manai": "манай",
    "ene": "энэ", "en": "энэ", "ter": "тэр", "tere": "тэр",
    # frequent verbs and chat abbreviations
    "baina": "байна", "bna": "байна", "bn": "байна", "bainaa": "байнаа",
    "baih": "байх", "bh": "байх", "baigaa": "байгаа", "bgaa": "байгаа",
    "bga": "байгаа", "baisan": "байсан", "bsn": "байсан", "baij": "байж",
    "baidag": "байдаг", "bdag": "байдаг", "msg": "мессеж",
    "bol": "бол", "bolno": "болно", "boloh": "болох", "bolohgui": "болохгүй",
    "bish": "биш", "bas": "бас", "esvel": "эсвэл", "eswel": "эсвэл",
    "tegeed": "тэгээд", "tgd": "тэгээд", "tegvel": "тэгвэл", "tegwel": "тэгвэл",
    "gehdee": "гэхдээ", "ugui": "үгүй", "ugvi": "үгүй", "vgui": "үгүй",
    "tiim": "тийм", "zugeer": "зүгээр", "odoo": "одоо", "hun": "хүн",
    "humuus": "хүмүүс", "ug": "үг", "ugee": "үгээ", "mungu": "мөнгө",
    "mongo": "мөнгө", "mungo": "мөнгө", "mongu": "мөнгө", "munguu": "мөнгөө",
    "mongoo": "мөнгөө", "tugrug": "төгрөг", "tugrig": "төгрөг",
    "tulbur": "төлбөр", "tolbor": "төлбөр", "tuluh": "төлөх", "toloh": "төлөх",
    "hurtel": "хүртэл", "deer": "дээр", "dotor": "дотор", "tuhai": "тухай",
    "tuld": "тулд", "ruu": "руу", "ruugaa": "руугаа", "uu": "уу",
    "vv": "уу", "yuy": "юу",
    # loanwords and names typed the same way in both scripts
    "bank": "банк", "banknii": "банкны", "bankny": "банкны", "kart": "карт",
    "kartaa": "картаа", "internet": "интернэт", "online": "онлайн",
    "onlain": "онлайн", "app": "апп", "aplikeishn": "аппликейшн",
    "link": "линк", "kod": "код", "code": "код", "pin": "пин",
    "mesej": "мессеж", "message": "мессеж",
    "messej": "мессеж", "facebook": "фэйсбүүк", "fb": "фэйсбүүк",
    "khan": "хаан", "haan": "хаан", "golomt": "голомт", "xac": "хас",
    "khas": "хас", "has": "хас", "tdb": "ххб", "hhb": "ххб",
    "dan": "дан", "hur": "хур", "khur": "хур", "xyp": "хур",
}
# Brand names that the Cyrillic FAQ text also writes in Latin letters.
KEEP_LATIN = frozenset({"sms", "e-mongolia", "emongolia", "qpay", "socialpay", "otp", "atm",
                        "telegram", "viber", "messenger", "google", "gmail",
                        "e-barimt", "ebarimt", "gsign", "monpay", "toki", "lend"})

# Frequent English words (function words and the FAQ's everyday vocabulary),
# for telling English from Latin-typed Mongolian.
EN_WORDS = frozenset(str.split("""
a about after again all also am an and any are as ask at back be because been
before being best but by call can cannot card check code could did do does done
don't down each every find for from get gets give go going got had has have he
help her here him his how i i'm if in into is it it's its just know last let
like lost make many may me message money more my need new no not now number of
off on one online only or other our out over own pay people phone please right
same say see send sent she should site so some someone stolen still such take
than that the their them then there these they thing this those to told too
transfer try two up us use used very want was way we website were what when
where which who why will with without won work would yes you your account app
bank password pin scam safe fake link tax receipt apply register login log sign
digital id free fee where's what's how's can't didn't doesn't isn't
"""))

# Latin-typed Mongolian words that are not English words ("bol", "yaj").
MN_LATN_MARKERS = frozenset(set(COMMON_WORDS) - EN_WORDS - {
    "bank", "kart", "internet", "online", "app", "link", "code", "pin", "sms",
    "message", "facebook", "fb", "khan", "golomt", "xac", "tdb", "dan", "has",
    "en", "l", "n", "ch", "be", "we",
})

_EN_PATTERNS = re.compile(r"th|wh|ing\b|tion|ou|ck|qu|'s\b|'t\b|ea|ph|ight|ly\b")
_MN_PATTERNS = re.compile(
    r"kh|aa|uu|ii|ui|ts[aeiou]|^ts|(?:ee|iig|iin|aar|eer|oor|uur|aas|ees|ood|eed|san|sen|son"
    r"|laa|lee|loo|gui|tai|tei|toi|ch|j|h)\b"
)


def cyrillic_share(text: str) -> float:
    """Share of letters that are Cyrillic (0 when the text has no letters)."""
    cyr = len(_CYR_LETTERS.findall(text))
    lat = len(_LAT_LETTERS.findall(text))
    return cyr / (cyr + lat) if cyr + lat else 0.0


@functools.lru_cache(maxsize=1 << 16)  # a pure function of few distinct words: the index repeats them
def word_key(word: str, collapse: bool = True) -> str:
    """A lossy spelling that every usual spelling of one Mongolian word shares.

    х/h/kh/x -> h, у/ү/u -> u, о/ө/o -> o, в/v/w -> v, ц/ts/c -> ts, the y of
    я/е/ё/ю dropped, ы/ий/ii/y -> i, soft and hard signs dropped and doubled
    letters collapsed. Cyrillic and Latin input land in the same space, so a
    Cyrillic example and its Latin-typed twin share their features. The Rasa
    classifier's features are these keys: a change here needs a retrain
    (scripts/train-if-changed.sh hashes this file).
    """
    s = word.lower().translate(_KEY_LETTERS)
    s = s.replace("kh", "h").replace("x", "h").replace("w", "v").replace("zh", "j")
    s = _C_NOT_CH.sub("ts", s)
    s = _Y_BEFORE_VOWEL.sub("", s)
    s = s.replace("y", "i").replace("q", "k")
    s = _JOINERS.sub("", s)
    return _DOUBLED.sub(r"\1", s) if collapse else s


def romanize(word: str) -> str:
    """The readable Latin spelling of Cyrillic text (Хөтөч -> Khotoch); other characters stay."""
    out = word.lower().translate(_READABLE)
    return out[:1].upper() + out[1:] if word[:1].isupper() else out


def loose_key(word: str) -> str:
    """`word_key` with о/у merged, for people who type ө as u ("tulbur")."""
    return word_key(word).replace("u", "o")


def _stem_key(word: str) -> str:
    """Key for stem matching: о/у merged like `loose_key`, doubled letters kept."""
    return word_key(word, collapse=False).replace("u", "o")


def lexical_key(text: str) -> str:
    """Script-independent spelling of a whole text, for n-gram matching."""
    return " ".join(word_key(w) for w in _WORD.findall(text.lower()))


def words(text: str) -> list[str]:
    return _WORD.findall(text.lower())


class Vocabulary:
    """Cyrillic words known to be real, looked up by their lossy key.

    Built from the FAQ's Mongolian text, so a Latin-typed word that appears
    in any phrasing, title or answer gets that exact spelling; the most
    frequent word wins when two share a key (хун/хүн).
    """

    def __init__(self, texts: Iterable[str] = ()) -> None:
        self._exact: dict[str, Counter[str]] = {}
        self._loose: dict[str, Counter[str]] = {}
        self._stems: dict[str, Counter[str]] = {}  # doubled letters kept: "kartt" is not карт
        for text in texts:
            self.add(text)

    def add(self, text: str) -> None:
        for w in words(text):
            if not _CYR_LETTERS.search(w) or len(w) < 2:
                continue
            self._exact.setdefault(word_key(w), Counter())[w] += 1
            self._loose.setdefault(loose_key(w), Counter())[w] += 1
            self._stems.setdefault(_stem_key(w), Counter())[w] += 1

    def lookup(self, latin: str) -> str | None:
        """The Cyrillic spelling of a Latin-typed word, if the vocabulary has it.

        A word not found whole may be a known stem with a case ending
        ("humuusiin" = хүмүүс + ийн): the longest known stem leaving at most
        five letters is taken, and the ending follows the stem's vowels.
        """
        for cand in dict.fromkeys((latin, _v_as_u(latin))):
            for table, key in ((self._exact, word_key(cand)), (self._loose, loose_key(cand))):
                found = table.get(key)
                if found:
                    return found.most_common(1)[0][0]
        w = _v_as_u(latin)
        for cut in range(len(w) - 1, max(3, len(w) - 6), -1):
            if len(word_key(w[:cut])) < 4:
                break
            found = self._stems.get(_stem_key(w[:cut]))
            if found:
                stem = found.most_common(1)[0][0]
                return stem + rule_transliterate(w[cut:], front=_cyr_is_front(stem), prev=stem[-1])
        return None

    def knows(self, latin: str) -> bool:
        return word_key(latin) in self._exact

    def __len__(self) -> int:
        return sum(len(c) for c in self._exact.values())

    def __bool__(self) -> bool:
        # Without it `vocabulary or ...` counted every word (__len__) on
        # each question: 0.4 ms a search.
        return bool(self._exact)


_EMPTY_VOCABULARY = Vocabulary()

# Multi-letter spellings first; the value is (back-vowel word, front-vowel word).
_RULES: list[tuple[str, tuple[str, str]]] = [
    ("kh", ("х", "х")), ("ck", ("к", "к")), ("sh", ("ш", "ш")), ("ch", ("ч", "ч")), ("ts", ("ц", "ц")),
    ("zh", ("ж", "ж")), ("ya", ("я", "я")), ("ye", ("е", "е")), ("yo", ("ё", "ё")),
    ("yu", ("ю", "ю")), ("oo", ("оо", "өө")), ("uu", ("уу", "үү")),
    ("ee", ("ээ", "ээ")), ("aa", ("аа", "аа")),
    ("a", ("а", "а")), ("b", ("б", "б")), ("c", ("ц", "ц")), ("d", ("д", "д")),
    ("e", ("э", "э")), ("f", ("ф", "ф")), ("g", ("г", "г")), ("h", ("х", "х")),
    ("i", ("и", "и")), ("j", ("ж", "ж")), ("k", ("к", "к")), ("l", ("л", "л")),
    ("m", ("м", "м")), ("n", ("н", "н")), ("o", ("о", "ө")), ("p", ("п", "п")),
    ("q", ("к", "к")), ("r", ("р", "р")), ("s", ("с", "с")), ("t", ("т", "т")),
    ("u", ("у", "ү")), ("v", ("в", "в")), ("w", ("в", "в")), ("x", ("х", "х")),
    ("y", ("ы", "ы")), ("z", ("з", "з")), ("ö", ("ө", "ө")), ("ü", ("ү", "ү")),
]
# After these letters Mongolian writes ий even in back-vowel words (хаягийг).
_II_AFTER = set("гкжчшиь")


def _is_front(latin: str) -> bool:
    """Vowel harmony: e (or the е of ye) marks a front-vowel word."""
    return "e" in latin or "ö" in latin or "ü" in latin


def _v_as_u(latin: str) -> str:
    """v written for ү (it looks alike): "hvrehed", "vnen", "shvv".

    A v with no vowel beside it cannot be в in Mongolian, so it is ү.
    """
    w = latin.replace("vv", "üü")
    return re.sub(r"(?<![aeiouyü])v(?![aeiouyü])", "ü", w)


def _cyr_is_front(cyrillic: str) -> bool:
    """Vowel harmony of a Cyrillic word: its last harmony vowel decides."""
    for ch in reversed(cyrillic.lower()):
        if ch in "аоуяё":
            return False
        if ch in "эөүе":
            return True
    return True  # words with only и take front-vowel endings (хийх үү)


_CYR_VOWEL = set("аоуэөүяеёюиы")


def rule_transliterate(latin: str, front: bool | None = None, prev: str = "") -> str:
    """Letter rules for one Latin word, with vowel harmony for o/u.

    Used when a word is neither in the dictionary nor in the vocabulary.
    `front` forces the harmony (an ending after a known stem); `prev` is the
    Cyrillic letter before the word part, for the ий/ы and й rules.
    """
    w = _v_as_u(latin.lower())
    if front is None:
        front = _is_front(w)
        # Only a word with a back vowel writes ы; хийх has none.
        back = not front and re.search(r"[aou]", w) is not None
    else:
        back = not front
    if len(w) > 3 and w.endswith("gui"):
        # The negative ending is always -гүй, whatever the stem's vowels.
        return rule_transliterate(w[:-3], front, prev) + "гүй"
    side = 1 if front else 0
    out: list[str] = [prev] if prev else []
    i = 0
    while i < len(w):
        last = out[-1][-1] if out else ""
        # "ii": ий, or ы after most consonants of a back-vowel word (дансны).
        if w.startswith("ii", i):
            out.append("ы" if back and last and last not in _II_AFTER and last not in _CYR_VOWEL else "ий")
            i += 2
            continue
        # A vowel followed by a single i before a consonant or the end: й.
        if w[i] == "i" and last in _CYR_VOWEL and last not in "иы" and (
            i + 1 == len(w) or w[i + 1] not in _VOWELS
        ):
            out.append("й")
            i += 1
            continue
        for spelling, (in_back, in_front) in _RULES:
            if w.startswith(spelling, i):
                # y after a vowel is й (bayna).
                if spelling == "y" and last in _CYR_VOWEL:
                    out.append("й")
                else:
                    out.append(in_front if side else in_back)
                i += len(spelling)
                break
        else:
            out.append(w[i])
            i += 1
    return "".join(out)[len(prev):]


def _harmony_particle(previous: str) -> str:
    """The question particle уу/үү follows the vowels of the word before it."""
    back = set("аоуяё")
    front = set("эөүе")
    for ch in reversed(previous):
        if ch in back:
            return "уу"
        if ch in front:
            return "үү"
    return "үү"


def _convert_word(low: str, vocab: Vocabulary) -> str:
    """One Latin word; a case ending glued to a brand ("e-mongolia-d") keeps the brand."""
    for brand in KEEP_LATIN:
        if low.startswith(brand + "-"):
            return brand + "-" + _convert_word(low[len(brand) + 1:], vocab)
    parts = low.split("-")
    return "-".join(
        p if p in KEEP_LATIN or not p.isalpha()
        else COMMON_WORDS.get(p) or vocab.lookup(p) or rule_transliterate(p)
        for p in parts
    )


def to_cyrillic(text: str, vocabulary: Vocabulary | None = None) -> str:
    """Rewrite Latin-typed Mongolian in Cyrillic, leaving other tokens alone.

    Digits, Cyrillic words and brand names stay as they are; punctuation and
    spacing are kept.
    """
    vocab = vocabulary or _EMPTY_VOCABULARY
    pieces: list[str] = []
    last_word = ""
    pos = 0
    for match in _WORD.finditer(text):
        pieces.append(text[pos:match.start()])
        pos = match.end()
        token = match.group(0)
        low = token.lower()
        if not _LAT_LETTERS.search(low) or _CYR_LETTERS.search(low) or low in KEEP_LATIN:
            converted = token
        elif low in ("uu", "vv"):
            converted = _harmony_particle(last_word)
        elif low in COMMON_WORDS:
            converted = COMMON_WORDS[low]
        else:
            converted = _convert_word(low, vocab)
        pieces.append(converted)
        last_word = converted.lower()
    pieces.append(text[pos:])
    return "".join(pieces)


def english_mongolian_scores(
    text: str, vocabulary: Vocabulary | None = None, english: frozenset[str] | set[str] = frozenset()
) -> tuple[float, float]:
    """Evidence that Latin text is English and that it is Mongolian.

    A word counts for English when it is a frequent English word (or in the
    FAQ's English vocabulary) and for Mongolian when it is a known
    Latin-typed Mongolian word or spells a word of the FAQ's Mongolian text.
    Words known to neither side give weak hints from letter patterns.
    """
    vocab = vocabulary or _EMPTY_VOCABULARY
    en = mn = 0.0
    ws = words(text)
    # "we"/"be" closing a question is the particle вэ/бэ ("hamgaalah we").
    if len(ws) >= 2 and ws[-1] in ("we", "be", "ve") and ws[-2] not in EN_WORDS:
        mn += 1.0
        ws = ws[:-1]
    for w in ws:
        if not _LAT_LETTERS.search(w) or w in KEEP_LATIN:
            continue
        is_en = w in EN_WORDS or w in english
        is_mn = w in MN_LATN_MARKERS or (len(w) > 2 and vocab.knows(w) and w not in EN_WORDS)
        if is_en and not is_mn:
            en += 1.0
        elif is_mn and not is_en:
            mn += 1.0
        elif not is_en and not is_mn:
            en += 0.4 * len(_EN_PATTERNS.findall(w))
            mn += 0.4 * len(_MN_PATTERNS.findall(w))
    return en, mn


def detect_form(
    text: str,
    lang_hint: str | None = None,
    vocabulary: Vocabulary | None = None,
    english: frozenset[str] | set[str] = frozenset(),
) -> str:
    """"mn" for Cyrillic, "en" for English, "mn_latn" for Latin-typed Mongolian.

    A tie (a bare brand name, "ok") follows the user's language when known;
    English otherwise, since leaving English alone is the safe mistake.
    """
    if cyrillic_share(text) >= 0.5:
        return "mn"
    if not _LAT_LETTERS.search(text):
        return "mn" if lang_hint == "mn" else ("en" if lang_hint == "en" else "mn")
    en, mn = english_mongolian_scores(text, vocabulary, english)
    if mn > en:
        return "mn_latn"
    if en > mn:
        return "en"
    return "mn_latn" if lang_hint == "mn" else "en"


def clean(text: str) -> str:
    """Unicode-normalised, lower-cased text without emoji or repeated marks."""
    text = unicodedata.normalize("NFC", text).lower()
    text = _JUNK.sub(" ", text)
    text = _REPEATED_PUNCT.sub(r"\1", text)
    return _SPACE.sub(" ", text).strip()


@dataclass(frozen=True)
class Normalized:
    """A text ready for retrieval; `original` is kept for logs and handoff."""

    original: str
    form: str  # "en", "mn" or "mn_latn"
    text: str  # what is embedded: cleaned, Latin-typed Mongolian in Cyrillic
    key: str  # script-independent spelling for n-gram matching


def normalize(
    text: str,
    form: str | None = None,
    lang_hint: str | None = None,
    vocabulary: Vocabulary | None = None,
    english: frozenset[str] | set[str] = frozenset(),
    transliterate: bool = True,
) -> Normalized:
    """Clean `text` and, when it is Latin-typed Mongolian, write it in Cyrillic.

    `form` is given for FAQ phrasings (their form is known) and detected for
    user text. `transliterate=False` exists for measuring what it is worth.
    """
    cleaned = clean(text)
    if form is None:
        form = detect_form(cleaned, lang_hint, vocabulary, english)
    out = to_cyrillic(cleaned, vocabulary) if form == "mn_latn" and transliterate else cleaned
    return Normalized(original=text, form=form, text=out, key=lexical_key(cleaned))


def english_vocabulary(english_texts: Iterable[str]) -> frozenset[str]:
    """Words of the FAQ's English text: evidence that a Latin text is English."""
    return frozenset(w for t in english_texts for w in words(t) if w.isalpha())
