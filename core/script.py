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

0. readings that depend on the neighbouring words (руу/рүү after the word
   before, "ug" after a converb is өг, "mini" after its noun is минь);
1. a small dictionary of frequent words whose spelling is ambiguous
   ("uu" is уу or үү, "ve" and "we" are вэ), chat abbreviations ("bn",
   "msg"), loanwords and everyday words the rules misread;
2. a vocabulary of Cyrillic words (the FAQ's own Mongolian text): a Latin
   word is looked up by a lossy spelling key that every informal spelling of
   the same Cyrillic word shares, which settles у/ү and о/ө by real words,
   and a known stem with a case ending keeps the stem ("humuusiin" ->
   хүмүүсийн); a key match must be a word the typing could spell
   (`_plausible`), or an unknown word is snapped onto another one;
3. letter rules with vowel harmony for the remaining words: a word with e
   is a front-vowel word (o -> ө, u -> ү), otherwise a back-vowel one; a v
   with no vowel beside it is ү ("hvrehed"), the negative ending is -гүй.

English must never be transliterated, so the script decision is made per
text by the one language detector (`detect_form`, `detect_language`). The same lossy key gives a
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

from core.settings import DEFAULT_LANGUAGE, LANGUAGES

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
    "snu": "сайн уу", "snuu": "сайн уу", "sainuu": "сайн уу", "sn": "сайн",
    "bayarlalaa": "баярлалаа", "bayrlalaa": "баярлалаа", "bayrllaa": "баярлалаа",
    "bayarllaa": "баярлалаа", "barlalaa": "баярлалаа", "bayrla": "баярла",
    "bayartai": "баяртай", "bayrtai": "баяртай", "baytai": "баяртай",
    "ve": "вэ", "we": "вэ", "vee": "вэ", "be": "бэ", "yu": "юу", "yuu": "юу",
    "yaj": "яаж", "yaaj": "яаж", "yah": "яах", "yaah": "яах", "yamar": "ямар",
    "ymar": "ямар", "ymr": "ямар", "yagaad": "яагаад", "yaagaad": "яагаад",
    "hed": "хэд", "khed": "хэд", "heden": "хэдэн", "hezee": "хэзээ",
    "haana": "хаана", "haashaa": "хаашаа", "hen": "хэн", "hend": "хэнд",
    "ali": "аль", "aliin": "алийн", "yund": "юунд", "yuund": "юунд",
    "yum": "юм", "ym": "юм", "yuch": "юу ч", "yumuu": "юм уу", "ymu": "юм уу",
    "ch": "ч", "l": "л", "n": "нь", "ni": "нь", "shuu": "шүү", "daa": "даа",
    "maani": "маань", "mani": "маань", "chin": "чинь", "chini": "чинь", "chinii": "чиний",
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
    "bga": "байгаа", "baisan": "байсан", "bsn": "байсан", "bsan": "байсан", "baij": "байж",
    "bnuu": "байна уу", "bnu": "байна уу", "bainuu": "байна уу", "bolh": "болох",
    "bolhuu": "болох уу", "bhad": "байхад", "bwal": "байвал", "bval": "байвал", "bgaag": "байгааг",
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
    "computer": "компьютер", "kompyuter": "компьютер", "komputer": "компьютер",
    "onlin": "онлайн", "taxi": "такси", "taksi": "такси", "link": "линк", "kod": "код", "code": "код", "pin": "пин",
    "mesej": "мессеж", "message": "мессеж",
    "messej": "мессеж", "facebook": "фэйсбүүк", "fb": "фэйсбүүк",
    "khan": "хаан", "haan": "хаан", "golomt": "голомт", "xac": "хас",
    "khas": "хас", "has": "хас", "tdb": "ххб", "hhb": "ххб",
    "dan": "дан", "hur": "хур", "khur": "хур", "xyp": "хур",
    "email": "имэйл", "e-mail": "имэйл", "imeil": "имэйл", "imail": "имэйл",
    "msj": "мессеж", "mssj": "мессеж",
    # everyday words the letter rules misread (ө typed u or o, ь typed i or
    # left out, я/ё/ю with their vowel left out); the vocabulary holds only
    # the FAQ's words, and these turn up in any question
    "ugch": "өгч", "ugnu": "өгнө", "uguh": "өгөх", "ugoh": "өгөх",
    "ogoh": "өгөх", "ugsun": "өгсөн", "ugson": "өгсөн",
    "ogson": "өгсөн", "ugdug": "өгдөг", "ugdog": "өгдөг", "ugvul": "өгвөл",
    "ugooch": "өгөөч", "uguuch": "өгөөч", "ugj": "өгч", "uguhgui": "өгөхгүй",
    "yavah": "явах", "yawah": "явах", "yavna": "явна", "yawna": "явна",
    "yavj": "явж", "yawj": "явж", "yavsan": "явсан", "yawsan": "явсан",
    "yavdag": "явдаг", "yvdag": "явдаг", "yavaad": "яваад", "yavlaa": "явлаа",
    "yostoi": "ёстой", "ystoi": "ёстой", "estoi": "ёстой",
    "yug": "юуг", "yuug": "юуг", "yunii": "юуны", "yuunii": "юуны",
    "amidrah": "амьдрах", "amidral": "амьдрал", "amidarch": "амьдарч",
    "amidardag": "амьдардаг", "amidralaa": "амьдралаа", "amidraliin": "амьдралын",
    "tug": "төг", "tugrugiin": "төгрөгийн", "tugrugnii": "төгрөгийн",
    "haraa": "хараа", "haraagui": "хараагүй", "harah": "харах", "harj": "харж",
    "harahgui": "харахгүй", "hardag": "хардаг",
    "uur": "өөр", "uuriin": "өөрийн", "uuriinhuu": "өөрийнхөө", "uuruu": "өөрөө",
    "bii": "бий", "bugd": "бүгд", "buh": "бүх", "bukh": "бүх", "bvh": "бүх",
    "umnu": "өмнө", "umnuh": "өмнөх", "udur": "өдөр", "udriin": "өдрийн",
    "unuudur": "өнөөдөр", "onoodor": "өнөөдөр", "uchigdur": "өчигдөр",
    "ochigdor": "өчигдөр", "zuv": "зөв", "zovhon": "зөвхөн", "zuvhun": "зөвхөн",
    "tuv": "төв", "ulsiin": "улсын",
    "eej": "ээж", "aav": "аав", "huu": "хүү", "ohin": "охин", "nuhur": "нөхөр",
    "ehner": "эхнэр", "ah": "ах", "egch": "эгч", "naiz": "найз",
    "unheer": "үнэхээр", "uneheer": "үнэхээр", "unhr": "үнэхээр",
    "tegye": "тэгье", "yaaval": "яавал", "yaval": "яавал", "huvi": "хувь",
    "huuli": "хууль", "yarih": "ярих", "yarij": "ярьж", "yaridag": "ярьдаг",
    "yarisan": "ярьсан", "yaria": "яриа", "hymd": "хямд", "hayg": "хаяг",
}
# Brand names that the Cyrillic FAQ text also writes in Latin letters.
KEEP_LATIN = frozenset({"sms", "e-mongolia", "emongolia", "qpay", "socialpay", "otp", "atm",
                        "telegram", "viber", "messenger", "google", "gmail",
                        "e-barimt", "ebarimt", "gsign", "monpay", "toki", "lend", "wifi", "wi-fi",
                        "qr", "mongolia"})

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


_Y_SOUND = re.compile(r"y(?=[aeiouöü])")
_CONSONANT_I = re.compile(r"(?<=[bcdfghjklmnprstvwxz])i(?=[bcdfghjklmnprstvwxz]|$)")
_Y_NO_VOWEL = re.compile(r"y(?=[bcdfghjklmnprstvwxz])")


def _dropped_after_y(rest: str) -> str:
    """The vowel typists leave out after y ("ymar", "yvuulah", "ystoi", "hayg").

    Mostly a (ямар, явуулах, хаяг); o or e when the next vowel is one
    (ёстой): vowel harmony brings it back.
    """
    found = re.search(r"[aeiou]", rest)
    return found.group() if found and found.group() in "oe" else "a"


def _y_variant(latin: str) -> str | None:
    """The vowel typists drop after y restored: "hayg" -> "hayag", "hymd" -> "hyamd"."""
    if not _Y_NO_VOWEL.search(latin):
        return None
    return _Y_NO_VOWEL.sub(lambda m: "y" + _dropped_after_y(latin[m.end():]), latin)


@functools.lru_cache(maxsize=1 << 14)
def _doubles(word: str) -> Counter[str]:
    """Letters written twice in a row, by the uncollapsed key (ы counts as ii, like ий)."""
    key = word_key(word.replace("ы", "ыы"), collapse=False).replace("u", "o")
    return Counter(m.group(1) for m in _DOUBLED.finditer(key))


def _plausible(latin: str, cyrillic: str) -> bool:
    """Could `latin` be a typing of `cyrillic`, beyond sharing the lossy key?

    The key drops vowel length and the y of я/ё/ю, so on its own it snaps an
    unknown word onto a different known one: "yavdag" onto авдаг, "haraa"
    onto харьяа, "duugaar" onto дугаар, "bii" onto би. Typists drop letters
    (a vowel's length, the a of ya) but do not add them, so a y before a
    vowel needs я/ё/ю/е there (е may also be typed e), я/ё/ю need a y, a
    word starting with a vowel does not start with я/ё/ю, and a vowel typed
    twice is long. (A consonant typed twice is only held to it when the
    word differs otherwise too: loanwords keep their English doubles,
    "passport" for паспорт.)
    """
    typed_y = len(_Y_SOUND.findall(latin))
    y_letters = sum(cyrillic.count(c) for c in "яёю")
    if not y_letters <= typed_y <= y_letters + cyrillic.count("е"):
        return False
    if latin[:1] == "y" and typed_y and latin[1:2] in _VOWELS and cyrillic[:1] not in "яёюе":
        return False
    if latin[:1] in _VOWELS and cyrillic[:1] in "яёю":
        return False
    typed = _doubles(latin)
    written = _doubles(cyrillic)
    missing = [c for c, n in typed.items() if written[c] < n]
    if any(c in _VOWELS for c in missing):
        return False
    # A consonant typed twice may be English spelling, but not when the word
    # also has a length the typist did not type ("meddeg" is not мэдээг).
    return not missing or all(typed[c] >= n for c, n in written.items())


class Vocabulary:
    """Cyrillic words known to be real, looked up by their lossy key.

    Built from the FAQ's Mongolian text, so a Latin-typed word that appears
    in any phrasing, title or answer gets that exact spelling; the most
    frequent word wins when two share a key (хун/хүн), among those the
    typed word could plausibly be (`_plausible`).
    """

    def __init__(self, texts: Iterable[str] = ()) -> None:
        self._exact: dict[str, Counter[str]] = {}
        self._loose: dict[str, Counter[str]] = {}
        self._stems: dict[str, Counter[str]] = {}  # doubled letters kept: "kartt" is not карт
        self._seen: dict[str, str | None] = {}  # lookups so far; users repeat the same words
        for text in texts:
            self.add(text)

    def add(self, text: str) -> None:
        self._seen.clear()
        for w in words(text):
            if not _CYR_LETTERS.search(w) or len(w) < 2:
                continue
            self._exact.setdefault(word_key(w), Counter())[w] += 1
            self._loose.setdefault(loose_key(w), Counter())[w] += 1
            self._stems.setdefault(_stem_key(w), Counter())[w] += 1

    def remove(self, text: str) -> None:
        """Undo `add(text)`: measuring a phrasing without its own twin (bot/maintain/translit_eval.py)."""
        self._seen.clear()
        for w in words(text):
            if not _CYR_LETTERS.search(w) or len(w) < 2:
                continue
            for table, key in ((self._exact, word_key(w)), (self._loose, loose_key(w)),
                               (self._stems, _stem_key(w))):
                found = table.get(key)
                if found is None or found[w] <= 0:
                    continue
                found[w] -= 1
                if found[w] <= 0:
                    del found[w]
                if not found:
                    del table[key]

    @staticmethod
    def _best(found: Counter[str] | None, latin: str, need: str = "") -> str | None:
        """The most frequent word of `found` that `latin` plausibly types (and holds `need`).

        A word with the typed letter lengths is preferred ("orlogo": орлого
        before орлогоо): a dropped vowel length is only the next best guess.
        """
        if not found:
            return None
        fits = [w for w, _ in found.most_common() if need in w and _plausible(latin, w)]
        typed = _doubles(latin)
        return next((w for w in fits if _doubles(w) == typed), fits[0] if fits else None)

    def lookup(self, latin: str) -> str | None:
        """The Cyrillic spelling of a Latin-typed word, if the vocabulary has it.

        Tried in turn: the word as typed (and with v read as ү); the word
        with the vowel typists drop after y restored ("hayg": хаяг); the word
        with an i that stands for the soft sign dropped ("huvi": хувь,
        "amidardag": амьдардаг), accepted only onto a word with ь. A word not
        found whole may be a known stem with a case ending ("humuusiin" =
        хүмүүс + ийн): the longest known stem leaving at most five letters is
        taken, and the ending follows the stem's vowels.
        """
        if latin in self._seen:
            return self._seen[latin]
        found = self._lookup(latin)
        if len(self._seen) > 4096:
            self._seen.clear()
        self._seen[latin] = found
        return found

    def _lookup(self, latin: str) -> str | None:
        v = _v_as_u(latin)
        tries = [(c, "") for c in dict.fromkeys((latin, v))]
        y_variant = _y_variant(v)
        if y_variant:
            tries.append((y_variant, ""))
        tries += [(v[:m.start()] + v[m.end():], "ь") for m in _CONSONANT_I.finditer(v)]
        for cand, need in tries:
            for table, key in ((self._exact, word_key(cand)), (self._loose, loose_key(cand))):
                best = self._best(table.get(key), cand, need)
                if best:
                    return best
        w = v
        for cut in range(len(w) - 1, max(3, len(w) - 6), -1):
            if len(word_key(w[:cut])) < 4:
                break
            stem = self._best(self._stems.get(_stem_key(w[:cut])), w[:cut])
            if stem:
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
_Y_PAIRS = {"ya", "ye", "yo", "yu"}
_Y_VOWEL = {"a": "я", "o": "ё", "e": "е"}
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
    if (len(w) > 3 or prev) and w.endswith(("gui", "güi", "gvi")):
        # The negative ending is always -гүй, and its u says nothing of the
        # stem's vowels (hiihgui: хийхгүй).
        return rule_transliterate(w[:-3], front, prev) + "гүй"
    if front is None:
        front = _is_front(w)
        # Only a word with a back vowel writes ы; хийх has none.
        back = not front and re.search(r"[aou]", w) is not None
    else:
        back = not front
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
                elif spelling == "y" and not out:
                    # No Mongolian word begins with ы: a first y with its
                    # vowel left out is я/ё/е (ymar, yvuulah, ystoi).
                    out.append(_Y_VOWEL[_dropped_after_y(w[i + 1:])])
                else:
                    if spelling in _Y_PAIRS and i + 2 == len(w) and last \
                            and last not in _CYR_VOWEL and last not in "йьъ":
                        # The ending я/е/ё after a consonant takes a sign:
                        # тэгье, уулзъя (but хятад, мянга inside a word).
                        out.append("ь" if side else "ъ")
                    out.append(in_front if side else in_back)
                i += len(spelling)
                break
        else:
            out.append(w[i])
            i += 1
    return "".join(out)[len(prev):]


def _harmony_particle(previous: str) -> str:
    """The question particle уу/үү follows the vowels of the word before it."""
    return "үү" if _cyr_is_front(previous) else "уу"


# Words whose back and front spellings differ only by vowel harmony, which
# follows the word before (хэл рүү, данс руу). Without a vowel before
# (digits) the back spelling is kept.
HARMONY_WORDS: dict[str, tuple[str, str]] = {
    "ruu": ("руу", "рүү"), "rvv": ("руу", "рүү"), "luu": ("луу", "лүү"),
    "ruugaa": ("руугаа", "рүүгээ"),
}
# Verbs that, right after a converb (хэлж, уншаад), are the helper verb өгөх
# "for someone": "helj ug" is хэлж өг, not хэлж үг (word); "unshaad ugch" at
# the end of a request is өгөөч. Elsewhere the words keep COMMON_WORDS'
# reading (нууц үг, өгч болох уу).
AFTER_CONVERB: dict[str, str] = {"ug": "өг", "vg": "өг", "ugnuu": "өгнө үү", "ugnu": "өгнө"}
AFTER_CONVERB_AT_END: dict[str, str] = {"ugch": "өгөөч", "ugch!": "өгөөч"}
# A bare verb stem quoted by гэж is an imperative: "tulbur tul gej" is
# төлбөр төл гэж, where "tul" alone is the conjunction тул.
BEFORE_QUOTE: dict[str, str] = {"tul": "төл", "tuluh": "төлөх"}
QUOTE_WORDS = frozenset({"gej", "gj", "gesen", "gsn", "gelee", "gene", "geed", "gesn"})
# миний comes before its noun (миний утас), the particle минь after it
# (утас минь); after these words "mini" still starts the phrase.
MINII_AFTER = frozenset({"энэ", "тэр", "бол", "би", "чи", "та", "нь", "ч", "л", "гэж", "гэсэн",
                         "юу", "яаж", "ямар", "хэн", "вэ", "бэ", "уу", "үү", "бас", "эсвэл",
                         "тэгээд", "гэхдээ", "одоо", "зөвхөн", "бүх"})
_CLAUSE_BREAK = re.compile(r"[.,!?;:\n]")


def _is_converb(word: str) -> bool:
    return len(word) > 2 and (word.endswith(("ж", "ч")) or word.endswith(("аад", "ээд", "оод", "өөд")))


def _in_context(low: str, previous: str, following: str) -> str | None:
    """The reading of a word that depends on its neighbours, if it does.

    `previous` is the Cyrillic word before in the same clause ("" at its
    start), `following` the next Latin-typed word ("" at the clause end).
    """
    if low in HARMONY_WORDS:
        back, front = HARMONY_WORDS[low]
        return front if previous and _cyr_is_front(previous) and re.search(r"[эөүеи]", previous) else back
    if _is_converb(previous):
        if low in AFTER_CONVERB:
            return AFTER_CONVERB[low]
        if low in AFTER_CONVERB_AT_END and (not following or following in QUOTE_WORDS):
            return AFTER_CONVERB_AT_END[low]
    if low in BEFORE_QUOTE and following in QUOTE_WORDS:
        return BEFORE_QUOTE[low]
    if low in ("e", "i") and following.startswith(("mongolia", "barimt")):
        return low  # "e mongolia", "e barimt": a brand typed with a space
    if low == "mini" and previous and previous not in MINII_AFTER:
        return "минь"
    return None


# Case endings and possessives as typed after a word (the genitive -nii is
# left out: банкны but картын, it depends on the word).
CASE_ENDINGS = frozenset("""
    d t g ig iig iin aar eer oor uur gaar geer goor aas ees oos uus gaas gees
    tai tei toi aa ee oo uu gaa gee goo giin iig ruu ryy nd naas nees gui gvi
""".split())
# A number with an ending glued on ("3r", "5aas"), written 3-р, 5-аас; "4g" stays.
_NUMBER_ENDING = re.compile(r"(\d+)-?([a-z]+)")


def _ending(stem: str, ending: str) -> str:
    """A typed case ending after a Cyrillic stem, in the stem's vowel harmony."""
    return rule_transliterate(ending, front=_cyr_is_front(stem), prev=stem[-1])


def _convert_part(p: str, vocab: Vocabulary) -> str:
    if p in COMMON_WORDS:
        return COMMON_WORDS[p]
    if len(p) > 4 and p.endswith(("huu", "hvv")) and not vocab.knows(p):
        # The question particle glued to a verb: "medehuu" is мэдэх үү
        # (not the stem мэдэх with an ending).
        verb = _convert_part(p[:-2], vocab)
        return verb + " " + _harmony_particle(verb)
    found = vocab.lookup(p)
    if found:
        return found
    chat_negative = _CHAT_NEGATIVE.fullmatch(p)
    if chat_negative:
        # Chat "-ku" for the negative -хгүй: medku, chadku, irku.
        stem = chat_negative.group(1)
        if stem.endswith("h"):
            return _convert_part(stem + "gui", vocab)
        vowel = "" if stem[-1] in _VOWELS else _last_vowel(stem)
        return _convert_part(stem + vowel + "hgui", vocab)
    # A dictionary word with a case ending glued on: "msjeer", "facebookiin".
    for cut in range(len(p) - 1, 2, -1):
        stem = COMMON_WORDS.get(p[:cut])
        if stem and p[cut:] in CASE_ENDINGS and " " not in stem:
            return stem + _ending(stem, p[cut:])
    return rule_transliterate(p)


_CHAT_NEGATIVE = re.compile(r"([a-z]*[aeiou][a-z]*?)kue?")


def _last_vowel(stem: str) -> str:
    """The vowel of the -х before -гүй: the stem's last one (i takes e: ирэхгүй)."""
    found = re.findall(r"[aeiou]", stem)
    last = found[-1] if found else "a"
    return "e" if last == "i" else last


def _convert_word(low: str, vocab: Vocabulary) -> str:
    """One Latin word; a case ending glued to a brand ("e-mongolia-d", "e-mongoliad") keeps the brand.

    After a Cyrillic word a hyphenated ending is written on without the
    hyphen ("msg-eer": мессежээр), as the Cyrillic text writes it.
    """
    for brand in KEEP_LATIN:
        if low.startswith(brand + "-"):
            return brand + "-" + _convert_word(low[len(brand) + 1:], vocab)
        if low.startswith(brand) and low[len(brand):] in CASE_ENDINGS:
            return brand + "-" + rule_transliterate(low[len(brand):])
    out = ""
    for i, p in enumerate(low.split("-")):
        if p in KEEP_LATIN or not p.isalpha():
            out += ("-" if i else "") + p
        elif i and p in CASE_ENDINGS and _CYR_LETTERS.search(out[-1:]) and _CYR_VOWEL & set(out):
            # (an abbreviation keeps its hyphen: ххб-д)
            out += _ending(out, p)
        else:
            out += ("-" if i else "") + _convert_part(p, vocab)
    return out


def to_cyrillic(text: str, vocabulary: Vocabulary | None = None) -> str:
    """Rewrite Latin-typed Mongolian in Cyrillic, leaving other tokens alone.

    Digits, Cyrillic words and brand names stay as they are; punctuation and
    spacing are kept.
    """
    vocab = vocabulary or _EMPTY_VOCABULARY
    pieces: list[str] = []
    last_word = ""
    pos = 0
    matches = list(_WORD.finditer(text))
    for n, match in enumerate(matches):
        gap = text[pos:match.start()]
        pieces.append(gap)
        if _CLAUSE_BREAK.search(gap):
            last_word = ""
        pos = match.end()
        token = match.group(0)
        low = token.lower()
        following = ""
        if n + 1 < len(matches) and not _CLAUSE_BREAK.search(text[pos:matches[n + 1].start()]):
            following = matches[n + 1].group(0).lower()
        numbered = _NUMBER_ENDING.fullmatch(low)
        if numbered and (numbered.group(2) == "r" or numbered.group(2) in CASE_ENDINGS - {"g"}):
            converted = numbered.group(1) + "-" + rule_transliterate(numbered.group(2))
        elif not _LAT_LETTERS.search(low) or _CYR_LETTERS.search(low) or low in KEEP_LATIN:
            converted = token
        elif low in ("uu", "vv"):
            converted = _harmony_particle(last_word)
        else:
            converted = _in_context(low, last_word, following) or COMMON_WORDS.get(low) \
                or _convert_word(low, vocab)
        pieces.append(converted)
        last_word = converted.lower()
    pieces.append(text[pos:])
    return "".join(pieces)


# --------------------------------------------------------------------------
# Which language a text is in: the one detector.
#
# Script alone cannot separate Latin-typed Mongolian from English, and one
# regular expression either misses the many spellings of Latin Mongolian or
# catches English words. So Latin text is scored: a lexicon of frequent words
# on each side, then weak hints from Mongolian suffixes and English letter
# patterns for words the lexicon lacks. Bank and service names ("Khan Bank",
# "QPay", "E-Mongolia") appear in both languages, so they are cut out before
# scoring and never decide by themselves; a Mongolian case ending glued to
# such a name ("e-mongolia-d", "qpay-aar") is itself Mongolian evidence.


def _word_list(block: str) -> frozenset[str]:
    """Word lists are kept as plain text blocks so that a maintainer can add
    a spelling seen in a real message without editing Python syntax."""
    return frozenset(block.split())


# Frequent words of Mongolian typed in Latin letters, in the spellings people
# actually use (h/kh for х, u/v for ү, o for ө, w/v for в, c/ts for ц) and
# the chat abbreviations (bn, bna, bgaa, ym, gj). Words that are also common
# English ("we", "be", "on", "end") are left out or handled by position.
MN_LATN_WORDS: frozenset[str] = _word_list(
    """
    sain saina sn snu snuu bainuu baina bna bn bnu bnuu baina uu bnaa bainaa
    baigaa bgaa bga bgan baigaa baisan bsn baisn baij bj baih bh baihgui bhgui
    bgaagui baigaagui baina bolno bolnuu boloh bolohgui bolku bolkue bolj
    bolson bolsn bolood bolchihson bolchloo bolloo bollo bolgoh bolgono
    uu vv yu yuu yuy ve vee bee yaj yaaj yaj yaah yah yahav yahaw yahuu
    yaagaad yagaad yagad yamar ymar ymr yamarch hed heden hezee haana haashaa
    hen hend hniig heniig yuund yund yunii yuug yagaad ali alin aliin
    bi bid bidnii chi ta tanii tany tan tanaas tand tantai tanai namaig nadad
    nad nadaas nadtai minii mini manai manaih bidend tednii ted tuunii tuund
    ene en ter tere teriig uuniig uunii uund uunees tuuniig
    bol bish bas basa esvel eswel gehdee gevch gewch tegeed tegeh tegvel
    tegwel tgd tgeed tiim tiimee tiimu tim tiimuu ugui ugu uguu ugi ugvi
    vgui vguu za zaa zgr zugeer zvgeer zuger medehgui medku medkue
    medehgu medne medeh medsen medej medeelel medeelle medee odoo odo
    margaash ochigdor unuudur onoodor uchir uchraas tuld tulduu tuhai
    talaar deer dooroo dotor gadaa gaduur ruu ruugaa luu ees aas oos
    shuu shu daa dee doo ch l n ni yum ym yumuu ymu gej gj geh gesen gsn
    gene genee gelee geed gehed gedeg ged gdg sda shig
    hiih hiij hiine hiisen hiichihsen hii hiigeed hiideg
    awah avah avna awna avsan awsan avch awch avaad awaad avj awj
    ogoh ugnu ugsun uguh ogson ugch ugchloo uguul uguulj ogno
    ilgeeh ilgeesen ilgeej ilgeene ilgeelee ilgeech ilgeegeed ilgeegdsen
    irsen irehgui irku irkue irne ireh irj irlee irseer irsnii ireed
    orj oroh orson orood orno orloo oruulah oruulj oruulsan
    garah garch garlaa gargah gargaj gargasan
    nevtreh nevtrej nevtrehgui newtreh newtrej nevtreeh nevtrelt newtrelt
    nevtreltiin nevtrehed nevterch nevtersen nevtreed
    nuuts ug ugee ugiig kod kodoo kodiig kodiin kod oo
    dans dansaa dansnii dansand dansaar dansiig dansand danstai
    kart kartaa kartiin kartand kartiig kartnii kartaar kartaas kartuud
    mungu mungo mongo mongu munguu mongoo mungunii tugrug tugrig tug sayaa
    zalilan zaliln zalilah zalilsan zalilagdsan zalilagch zalilsn luivar
    luivarchin luivarchid huurmag huurmgiin huurmag huuramch hulgai
    hulgailagdsan hulgailsan hulgaild hulgaildsan hulgaich
    gee geesen geechihsen geechihlee geechlee geelee geechsen aldsan
    aldchihsan aldlaa alduulsan alsan
    haalgah haah haaj haasan haagdsan haagdlaa haalt haalttai hayah
    neeh neej neesen neegdehgui neelee
    shalgah shalgaj shalgaad shalguulah shalgana shalgaach shalgaarai
    unen unenuu unenuud hudal hudlaa uneheer unhr zuv buruu
    hereg heregtei heregsel heregleh hereglej hereglegch hergeltei
    hun humuus hunii huniig hund ajil ajillahgui ajillaj ajillah ajilahgui
    ajildag ajiltan ajiltnaas ajlin ajliin
    ugch ugsun butsaaj butsaah butsaalt butsaan butsaagdah
    utas utasaa utsaa utasnii utsand utasand utasnaas utsnii utasgui
    dugaar dugaaraa dugaariig dugaart dugaaras
    tusalj tuslaach tuslaarai tuslamj tuslah tusal tus tusaldaa
    asuult asuuh asuuya asuuj asuumaar asuulaa asuuy
    hariult hariu hariulaach hariul
    yavah yawah yavj yawj yavuulah yawuulah yavuulj yawuulj yavuulsan
    ochih ochij ochno ochloo
    yagaad iim iimerhuu ingeed ingej tegj teriigee
    yag yg mash ih baga muu shine huuchin tom jijig
    bayarlalaa bayrlalaa bayarllaa bayrllaa bayrla bayarla bayarlaa
    bayalalaa barlalaa bayrlala bayartai baytai bayrtai
    uuchlaarai uuchlarai uuchlaari
    sonsoh sonsmoor sonsoj unshih unshij unsh unshaad unshaach unshuulah
    duu duugaar duugaa duut duutai duugui hoolo hooloi hooloigoor hooloig
    hel helee helne helj heleh helj helsen helnee helech helehgui
    angli angliar anglaar mongoloor mongolooor mongol monglooor halh
    hicheel surgalt surgaltuud surah surmaar surj surguuli bagsh
    tatvar tatvariin daatgal daatgaliin tetgemj tetgemjiin tetgever
    gariin gar useg toon unemleh unemlehee unemlehnii unemlehiin
    burtgel burtgeh burtguuleh burtguulj burtgeliin burtguulsen
    hayag hayg barimt barimtaa barimtiin sugalaa sugalaand
    torguuli torguul tulbur tuluh tulj tulsun tuluhgui
    shiljuuleg shiljuuleh shiljuulsen shiljuulj
    avlaga zeel zeeliin zeelj zeeldeh hadgalamj hvv huu
    jiremsnii jiremsen hvvhed huuhed huuhdiin
    tsahim cahim tsahimaar cahimaar uilchilgee uilchilgeenii uilchilgeeg
    tuv tuvd salbar salbart ochood
    aimag aimgiin sum sumiin duureg horoo
    ahmad ahmaduud ahimag nastai nastan tahir dutuu hugjliin bereg
    haraagui haraa sonsgol sonsgolgui hurteemj
    huvaaltsah nairsag nairuulah hamgaalah hamgaalj hamgaalalt
    medegdel medegdeh medegdsen anhaar anhaaruulga
    uruu hoyor gurav neg ali nuguu nogoo zarim bvh buh bugd
    yostoi heregtei bolomjtoi bolomjgui chadahgui chadku chadna
    oilgohgui oilgosongui oilgoloo oilgoh
    ustgah ustgaj ustgasan delgets delgetsnees
    tovch towch dar darah darsan darchihsan darchlaa darlaa
    holboos linkee linkiig linkend holbogdoh holbogdoj
    ilgeegch irsen sms-ee msg mesej meseji messej mesejiig
    zahia zahidal zar zariig
    tiim bish tgvl tgd odo gdg ymuu bish uu
    mend hurgeye hurgey oroin ugluunii udriin tegye tegne tegnee tegey
    uulzya uulzii uulzyaa amraarai anduuraad anduurch andurchlaa
    neechihlee neechihsen darchihlaa darchihsan
    nuat hhoat nd tbb hhb ubeg teg tgy zuvhun zovhon zuwhun bw bv
    """
)

# Frequent English words. Only words a Mongolian typist would not use in
# Latin-typed Mongolian; shared loanwords ("app", "sms", "bank") are neutral.
EN_WORDS: frozenset[str] = _word_list(
    """
    the a an is are am was were be been being do does did done doing
    i you he she it they my your his her its our their me him us them
    mine yours this that these those there here what how why when where who
    whom which whose nah yup yo ya yea see tip tips cancel menu start
    repeat hotline helpline contact branch passport address nearest can could would should will shall may might must
    have has had having not no yes yeah yep nope and or but if then so
    than to of in on at for from with without about by as into onto over
    under after before again also just only very too more most less any
    some every all each other another such same own
    please thanks thank thx ty hello hi hey bye goodbye cheers welcome
    sorry excuse sure great good nice fine cool awesome perfect right wrong
    lost lose losing stolen stole steal theft missing find found
    card cards account accounts money cash message messages text texts scam
    scams scammer scammers fake real true false fraud fraudster phishing
    help helped helping helpful need needs want wants know knew tell told
    say said says ask asked asking answer answered question questions
    phone number numbers someone somebody anyone anybody everyone nobody
    friend friends family mother father mom dad son daughter wife husband
    link links click clicked tap tapped open opened press pressed
    send sent sending receive received got get gets getting give gave
    call called calling reply replied talk speak speaking read reading
    login log logged sign signed signing register registered registration
    password passwords codes one time
    check checked checking safe safety secure security protect blocked block
    stop stopped change changed update updated verify verification
    pay paid payment payments transfer transferred transaction transactions
    refund refunds tax taxes receipt receipts fine fines ticket tickets
    loan loans lend lending borrow borrowed interest deposit deposits
    insurance insured benefit benefits maternity pregnant baby child
    children kids school tuition apartment house home first buy bought
    new old year years month months week weeks day days today tomorrow
    yesterday now later soon ago still already yet since until while
    digital electronic signature identity card learn learning teach course
    courses class classes training trainings lesson lessons skills skill
    computer smartphone use using used user users
    blind deaf disabled disability disabilities elderly older people
    person persons screen reader voice voices audio sound aloud loud loudly
    off turn turned mute unmute speech slow slowly
    english mongolian language languages switch translate
    weather joke jokes football sport sports recipe cook cooking movie
    music song sing game games play news president election price
    does doesn't don't didn't isn't aren't wasn't can't cannot won't
    i'm i've it's that's what's there's you're we're they're let's
    work works working job jobs task tasks earn earning salary hire
    invest investment investments profit crypto bitcoin trading double
    win won winner prize prizes lottery draw lucky congratulations
    donate donation donations charity fundraiser
    police report reported reporting crime complaint back recover recovery
    human volunteer agent operator staff support talk real live
    feedback useful useless answer bad helpful unhelpful confusing
    bot robot machine ai chatbot
    government service services office centre center ministry
    where's how's who's whats hows wat wats u ur r pls plz thnx
    app's bank's my's
    """
)

# Loanwords both groups use; they carry no evidence either way.
NEUTRAL_WORDS: frozenset[str] = _word_list(
    """
    ok okay okey oke app apps sms bank banks code pin qr online internet
    facebook fb messenger telegram viber gmail email mail wifi iphone android
    otp id vat atm pos usd mnt tg mb gb pdf web site website link video like
    post share group live bot computer smartphone laptop sim audio text
    dollar crypto bitcoin instagram youtube tiktok chatgpt windows
    """
)

# Bank, app and service names. Removed before scoring: a bare brand says
# nothing about the writer's language. A trailing Mongolian case ending
# ("e-mongolia-d", "qpay-aar", "khan bankand") is captured separately.
BRAND_PATTERN = re.compile(
    r"""
    (?<![a-z])
    (?:
        khan\s*bank | xaan\s*bank | haan\s*bank | golomt(?:\s*bank)? |
        xac\s*bank | xacbank | khas\s*bank | tdb | trade\s+and\s+development\s+bank |
        state\s*bank | turiin\s*bank | transbank | capitron | bogd\s*bank |
        most\s*money | monpay | socialpay | social\s*pay | qpay | q\s*pay |
        hipay | toki | lend\s*mn | lendmn | storepay |
        e-?mongolia | i-?mongol | e-?barimt | ebarimt | e-?tax | e-?business |
        ndaatgal | daatguulagch | gsign | unitel | mobicom | skytel | gmobile |
        pubg | dice | icdl | undp | people\s+in\s+need
    )
    (?P<suffix>-?(?:d|aas|ees|oos|aar|eer|oor|iin|nii|ruu|ryy|tai|tei|toi|
                    ig|iig|and|ad|gaar|geer|n))?
    (?![a-z])
    """,
    re.VERBOSE,
)

CYRILLIC_BRANDS = re.compile(
    r"хаан\s*банк|голомт|хас\s*банк|төрийн\s*банк|и-?монгол|e-?монгол|е-?монгол",
)

URL_PATTERN = re.compile(r"(?:https?://|www\.)\S+|\b[\w-]+\.(?:mn|com|ly|net|org|io|me|top|xyz|cc)(?:/\S*)?")

CYRILLIC_LETTER = re.compile(r"[а-яёөүА-ЯЁӨҮ]")
LATIN_WORD = re.compile(r"[a-z]+(?:'[a-z]+)?")
# Three or more of one letter ("hellooo", "uuuu") are typed for emphasis.
LETTER_RUN = re.compile(r"([a-z])\1{2,}")

# Endings of Latin-typed Mongolian words (case endings, verb forms, plural).
MN_SUFFIXES: tuple[str, ...] = tuple(
    _word_list(
        """
        aa ee oo uu iig iin uud nuud tai tei toi aar eer oor aas ees oos ruu luu
        san sen son gui hgui laa lee loo lgo dag deg dog gdsan gdsen uulah uuleh
        iih ah eh oh aj ej oj ij uj ood eed aad ch tsgaa nii ny hsn dsn lsn gsn
        """
    )
)
# Letter groups rare in English words but frequent in Latin Mongolian.
MN_INFIXES: tuple[str, ...] = ("kh", "ts", "aa", "uu", "ii", "zh", "vv", "yy", "ai")
# Letter groups rare in Latin Mongolian but frequent in English.
EN_INFIXES: tuple[str, ...] = tuple(_word_list("th wh ght ck qu ing tion ous ph ea ow ly ou ie oa"))

# Words that are English inside a sentence but a Mongolian question particle
# at the end of one ("yaj hiih we?", "ene unen be").
END_PARTICLES: frozenset[str] = frozenset({"we", "be"})
CLAUSE_END = re.compile(r"\s*(?:[?.!,]|$)")

WORD_WEIGHT = 2.0
HINT_WEIGHT = 0.75


def _strip_noise(text: str) -> tuple[str, float]:
    """Lower-case, drop links and brand names; return the rest and the
    Mongolian evidence found in case endings glued to brands."""
    low = text.lower()
    low = URL_PATTERN.sub(" ", low)
    low = CYRILLIC_BRANDS.sub(" ", low)
    suffix_score = 0.0

    def _cut(match: re.Match[str]) -> str:
        nonlocal suffix_score
        if match.group("suffix"):
            suffix_score += WORD_WEIGHT
        return " "

    low = BRAND_PATTERN.sub(_cut, low)
    return low, suffix_score


def _known_spelling(word: str) -> str:
    """Undo emphasis by repeated letters when that yields a lexicon word.

    Both "hellooo" -> "hello" and "baaaina" -> "baina" occur, so a run is
    tried shortened to one and to two letters.
    """
    if not LETTER_RUN.search(word):
        return word
    for repl in (r"\1", r"\1\1"):
        candidate = LETTER_RUN.sub(repl, word)
        if candidate in MN_LATN_WORDS or candidate in EN_WORDS or candidate in NEUTRAL_WORDS:
            return candidate
    return word


def _hint(word: str) -> tuple[float, float]:
    """Weak evidence for a word the lexicons do not know."""
    if len(word) < 3:
        return 0.0, 0.0
    mn = en = 0.0
    if word.endswith(MN_SUFFIXES):
        mn += HINT_WEIGHT
    if any(part in word for part in MN_INFIXES):
        mn += HINT_WEIGHT
    if any(part in word for part in EN_INFIXES):
        en += HINT_WEIGHT
    if word.endswith(("ed", "ly", "ing", "tion", "ness", "ment", "ful", "ble")):
        en += HINT_WEIGHT
    return mn, en


def latin_scores(text: str) -> tuple[float, float]:
    """Evidence for (Mongolian, English) in the Latin part of a text.

    Exposed so evaluation and tests can show why a text was classed as it was.
    """
    low, mn = _strip_noise(text)
    en = 0.0
    for index, match in enumerate(LATIN_WORD.finditer(low)):
        word = _known_spelling(match.group())
        if word in NEUTRAL_WORDS:
            continue
        if word in END_PARTICLES:
            # "we"/"be" closing a clause after other words is the Mongolian
            # question particle ("yaj hiih we?"); elsewhere it is English.
            closes_clause = CLAUSE_END.match(low, match.end()) is not None
            if closes_clause and index > 0:
                mn += WORD_WEIGHT
            else:
                en += WORD_WEIGHT / 2
            continue
        in_mn = word in MN_LATN_WORDS
        in_en = word in EN_WORDS
        if in_mn and not in_en:
            mn += WORD_WEIGHT
        elif in_en and not in_mn:
            en += WORD_WEIGHT
        elif not in_mn and not in_en:
            hint_mn, hint_en = _hint(word)
            mn += hint_mn
            en += hint_en
    return mn, en


def has_cyrillic(text: str) -> bool:
    """True when Cyrillic letters remain once Cyrillic brand names are cut.

    Two letters are required so that one stray look-alike letter (Cyrillic
    "а" typed inside an English word) does not switch the language.
    """
    rest = CYRILLIC_BRANDS.sub(" ", text.lower())
    return len(CYRILLIC_LETTER.findall(rest)) >= 2


def guess_language(text: str) -> str | None:
    """Return "mn", "en", or None when the text carries no evidence either way.

    None lets the caller keep what it already knows (the user's choice)."""
    if not text:
        return None
    if has_cyrillic(text):
        return "mn"
    mn, en = latin_scores(text)
    if mn == en:
        return None
    return "mn" if mn > en else "en"


def detect_form(text: str, lang_hint: str | None = None) -> str:
    """"mn" for Cyrillic, "en" for English, "mn_latn" for Latin-typed Mongolian.

    Retrieval picks its thresholds and whether to transliterate by it, the
    Rasa classifier whether to ask the sentence encoder, evaluation reports
    accuracy per form. Text that says nothing (a bare brand name, "ok",
    digits) follows `lang_hint`, the user's language when known: Latin
    letters count as English without it, since leaving English alone is
    the safe mistake; no letters count as Mongolian unless it is "en".
    """
    if has_cyrillic(text):
        return "mn"
    guess = guess_language(text)
    if guess is None:
        if CYRILLIC_LETTER.search(text):
            return "mn"  # only a Cyrillic brand name ("И-Монгол"): still Cyrillic script
        if not _LAT_LETTERS.search(text):
            return "en" if lang_hint == "en" else "mn"
        return "mn_latn" if lang_hint == "mn" else "en"
    return "mn_latn" if guess == "mn" else "en"


def detect_language(text: str, chosen: str | None = None) -> str:
    """Language to answer ``text`` in.

    An explicit choice the user made (``chosen``) always wins: people who
    picked English may still paste a Mongolian SMS to check. Without a
    choice the text decides, and silent text (emoji, digits, a brand name)
    falls back to the service default.
    """
    if chosen in LANGUAGES:
        return chosen
    return guess_language(text or "") or DEFAULT_LANGUAGE


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
    transliterate: bool = True,
) -> Normalized:
    """Clean `text` and, when it is Latin-typed Mongolian, write it in Cyrillic.

    `form` is given for FAQ phrasings (their form is known) and detected for
    user text. `transliterate=False` exists for measuring what it is worth.
    """
    cleaned = clean(text)
    if form is None:
        form = detect_form(cleaned, lang_hint)
    out = to_cyrillic(cleaned, vocabulary) if form == "mn_latn" and transliterate else cleaned
    return Normalized(original=text, form=form, text=out, key=lexical_key(cleaned))
