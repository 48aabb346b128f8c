"""Read the question inside a message, for Rasa's intent and the FAQ search alike.

People do not write the way FAQ questions are phrased. They put numbers in
("my card 4000 1234 5678 9010 was charged 350,000 MNT") and the elderly above
all write a greeting, who they are and what happened before the question
("Hello, I am 68 and not good with phones. Yesterday ... What should I do
first?"). Digits and masks then weigh on character n-grams and embeddings
as much as the words that carry the meaning, and a preamble drowns the
question; measured on the held-out set, both halved the share of questions
answered first time (docs/evaluation.md).

`read()` returns two texts to match, both with every card, phone, account or
register number, code, e-mail and amount replaced by the word for what it
is (in the message's language), raw or already masked by actions/privacy.py
("[phone]", "4000 **** **** 9010"):

- `whole`: the message with greetings, thanks and apologies set aside;
- `question`: when a question follows other sentences, the question with
  the sentence before it, self-introductions left out; otherwise the whole.

The caller matches both and lets the better evidence win. Plain Python, no
third-party imports: Rasa's virtualenv (nlu_components) and the action
server (actions/faq/retrieval.py) import this very module, so the topic and the
FAQ entry are chosen from the same reading. A trained Rasa model depends on
it: change it together with a retrain (scripts/train-if-changed.sh hashes
nlu_components/).
"""

from __future__ import annotations

import re
from dataclasses import dataclass

KINDS = ("card", "phone", "account", "register", "code", "email", "amount")
# What each kind is called, per question form; "mn_latn" the way people type it.
KIND_WORDS = {
    "en": {"card": "card number", "phone": "phone number", "account": "account number",
           "register": "register number", "code": "code", "email": "e-mail", "amount": "money"},
    "mn": {"card": "картын дугаар", "phone": "утасны дугаар", "account": "дансны дугаар",
           "register": "регистрийн дугаар", "code": "код", "email": "имэйл", "amount": "мөнгө"},
    "mn_latn": {"card": "kartiin dugaar", "phone": "utasnii dugaar", "account": "dansnii dugaar",
                "register": "registriin dugaar", "code": "kod", "email": "email", "amount": "mungu"},
}

# ----- numbers ---------------------------------------------------------------

_SEP = r"[ \-]"
# Placeholders of actions/privacy.py, and card numbers it masks to the first
# and last four digits ("4000 **** **** 9010", "4000********9010").
_MASKS = [
    ("phone", re.compile(r"\[phone\]", re.IGNORECASE)),
    ("account", re.compile(r"\[account no\.?\]", re.IGNORECASE)),
    ("register", re.compile(r"\[register no\.?\]", re.IGNORECASE)),
    ("code", re.compile(r"\[(?:code|token)\]", re.IGNORECASE)),
    ("amount", re.compile(r"\[amount\]", re.IGNORECASE)),
    ("card", re.compile(r"(?<![\w*])(?:\d{4}[ \-]?)?(?:\*{4}[ \-]?){1,3}\*{0,4}\d{1,4}(?!\d)")),
    ("email", re.compile(r"(?<![\w.+-])[\w.+-]*\*{2,}[\w.+-]*@(?:[\w-]+\.)+[A-Za-z]{2,}")),
]
_CODE_CUES = (r"code|codes|otp|pin|password|passcode|cvv|код\w*|нууц\s*үг\w*|пин\w*|"
              r"kod\w*|nuuts\s*ug\w*|nuuc\s*ug\w*|pin\w*")
# Amount words after a number: currencies, "thousand", "million" in all forms.
_AMOUNT_WORD = (r"(?:mnt|tug\w*|tog\w*|төг\w*|₮|usd|dollars?|доллар\w*|k|thousand|million|"
                r"mln|сая\w*|мянга\w*|мянган|say\w*|myang\w*)")
_AMOUNT_WORDS = rf"{_AMOUNT_WORD}(?:\s+{_AMOUNT_WORD}(?!\w))*"
_RAW = [
    ("email", re.compile(r"(?<![\w.+-])[\w.+-]+@(?:[\w-]+\.)+[A-Za-z]{2,}")),
    # 13-19 digits, together or in groups of four.
    ("card", re.compile(rf"(?<![\d])(?:\d{{13,19}}|\d{{4}}(?:{_SEP}\d{{4}}){{2}}{_SEP}\d{{1,7}})(?!\d)")),
    # Two letters (Cyrillic or Latin) and eight digits.
    ("register", re.compile(r"(?<![^\W\d_])[A-Za-zА-ЯЁӨҮа-яёөү]{2}[ \-]?\d{8}(?!\d)")),
    ("account", re.compile(r"(?<![A-Za-z0-9])[A-Za-z]{2}\d{2}(?:[ ]?\d{4}){4,7}(?!\d)")),
    ("phone", re.compile(r"(?<![\d])\+?976[ \-]?\d{2}[ \-]?\d{2}[ \-]?\d{2}[ \-]?\d{2}(?!\d)")),
    ("account", re.compile(r"(?<![\d+\-,.])\d{9,12}(?![\d,.])")),
    ("phone", re.compile(r"(?<![\d\-,.])[5-9]\d(?:[ \-]?\d{2}){3}(?![\d,.])")),
    ("code", re.compile(rf"(?:\b(?:{_CODE_CUES})\b\W{{0,12}})(\d{{4,6}})(?!\d)", re.IGNORECASE)),
    ("code", re.compile(rf"(?<![\d,.])(\d{{4,6}})(?=\W{{0,3}}(?:digit\w*\W+)?(?:{_CODE_CUES})\b)",
                        re.IGNORECASE)),
    # Amounts: thousands written with separators ("350,000", "1 500 000"),
    # or any number followed by a currency or a "thousand/million" word.
    ("amount", re.compile(rf"(?<![\w.,])\d{{1,3}}(?:[,.' ]\d{{3}})+(?:\s*{_AMOUNT_WORDS})?(?![\d])",
                          re.IGNORECASE)),
    ("amount", re.compile(rf"(?<![\w.,])\d+(?:[.,]\d+)?\s*{_AMOUNT_WORDS}(?!\w)", re.IGNORECASE)),
    ("amount", re.compile(r"(?:₮|\$)\s?\d[\d,. ]*\d")),
]


def type_numbers(text: str, form: str = "en") -> tuple[str, tuple[str, ...]]:
    """`text` with numbers replaced by what they are, and the kinds found.

    Masks come first (they are unambiguous), then raw numbers from the most
    specific shape to the least, each span replaced once. A small number
    alone ("bus 7", "I am 68", "pin 1234 is bad?") stays: it is part of
    the question, not personal data.
    """
    words = KIND_WORDS.get(form, KIND_WORDS["en"])
    spans: list[tuple[int, int, str]] = []

    def free(start: int, end: int) -> bool:
        return all(end <= s or start >= e for s, e, _ in spans)

    for kind, pattern in [*_MASKS, *_RAW]:
        for m in pattern.finditer(text):
            start, end = (m.start(1), m.end(1)) if pattern.groups else (m.start(), m.end())
            if free(start, end):
                spans.append((start, end, kind))
    if not spans:
        return text, ()
    spans.sort()
    out, pos = [], 0
    for start, end, kind in spans:
        out.append(text[pos:start])
        out.append(words[kind])
        pos = end
    out.append(text[pos:])
    return re.sub(r"[ \t]+", " ", "".join(out)).strip(), tuple(sorted({k for _, _, k in spans}))


# ----- sentences -------------------------------------------------------------

# Greetings, thanks and apologies at the start of a sentence; in all forms.
_GREETING = re.compile(
    r"^\W*(?:(?:hello|hi|hey|dear\s+\w+|good\s+(?:morning|afternoon|evening|day)|greetings|"
    r"thank\s+you(?:\s+(?:so|very)\s+much)?(?:\s+for\s+[^.!?,]*)?|thanks(?:\s+for\s+[^.!?,]*)?|"
    r"sorry(?:\s+to\s+(?:bother|trouble)\s+you)?|excuse\s+me|"
    r"сайн\s+байна\s+уу|сайн\s+уу|сну|сайн\s+байцгаана\s+уу|мэнд\s+хүргэе|"
    r"(?:өглөөний|өдрийн|оройн)\s+мэнд|эрхэм\s+\w+(?:\s+өө)?|баярлалаа|баярлаллаа|"
    r"уучлаарай|өмнө\s+нь\s+тусалсанд\s+баярлалаа|"
    r"sain\s+baina\s+uu|sain\s+bnuu|sain\s+bnu|sain\s+uu|snu|"
    r"(?:ugluunii|udriin|oroin)\s+mend|erhem\s+\w+(?:\s+oo)?|bayarlalaa|uuchlaarai|"
    r"umnu\s+ni\s+tusalsand\s+bayarlalaa)(?:\s+there)?)(?=[\s,.!?;:]|$)[\s,.!?;:]*",
    re.IGNORECASE)
# Sentences that say who the writer is, not what they ask.
_INTRO = re.compile(
    r"^\W*(?:my\s+name\s+is|i\s+am\s+(?:a|an|\d+)\b|i'?m\s+(?:a|an|\d+)\b|i\s+am\s+calling\s+for|"
    r"i\s+work\s+(?:as|in|at)|i\s+live\s+(?:in|alone|with)|i\s+run\s+a|i\s+look\s+after|"
    r"i\s+drive\s+a|"
    r"намайг\s|би\s+\d+\s+настай|би\s+[^.!?]*\s(?:амьдардаг|ажилладаг|асардаг|настай)\b|"
    r"би\s+(?:тэтгэвэрт|оюутан|малчин|цэвэрлэгч|багш|жолооч|эмч|такси)|"
    r"namaig\s|bi\s+\d+\s+nastai|bi\s+[^.!?]*\s(?:amidardag|ajilladag|asardag|nastai)\b|"
    r"bi\s+(?:tetgevert|oyutan|malchin|tseverlegch|bagsh|jolooch|emch|taxi))",
    re.IGNORECASE)
# A sentence that asks: a question mark, or a question word of any form.
_ASKS = re.compile(
    r"\?|^\W*(?:what|how|where|when|why|which|who|can|could|should|shall|is|are|do|does|did|"
    r"will|would|may|must)\b|"
    r"\b(?:what|how|where|when|why|which)\b|"
    r"\b(?:вэ|бэ|уу|үү|юу|яах|яаж|хаана|хэзээ|яагаад|хэд|хэдэн|ёстой\s+юу|болох\s+уу)\b|"
    r"\b(?:ve|be|uu|yu|yah|yaj|haana|hezee|yagaad|hed|heden|ystoi\s+yu|boloh\s+uu)\b",
    re.IGNORECASE)
_SENTENCE = re.compile(r"[^.!?\n;]+[.!?\n;]*")


@dataclass(frozen=True)
class Reading:
    """What to match for one message (see the module's docstring)."""

    original: str
    whole: str
    question: str
    kinds: tuple[str, ...] = ()
    set_aside: tuple[str, ...] = ()

    @property
    def has_preamble(self) -> bool:
        return self.question != self.whole


def sentences(text: str) -> list[str]:
    """The message cut at full stops, question and exclamation marks, semicolons and lines."""
    return [s.strip() for s in _SENTENCE.findall(text) if s.strip(" .!?;\n\t")]


_CLAUSE = re.compile(r"[.!?;\n]+|,\s*(?:and|but|then|тэгээд|тэгсэн|бас|гэтэл|teged|tegsen|bas|getel)?\b|"
                     r"\s(?:and then|and|тэгээд|бас|teged|bas)\s", re.IGNORECASE)


def clauses(text: str) -> list[str]:
    """The message cut into clauses (sentences, and their parts joined by "and", commas)."""
    return [c.strip() for c in _CLAUSE.split(text) if len(c.split()) >= 3]


def strip_greeting(sentence: str) -> str:
    """The sentence without the greetings, thanks and apologies it opens with."""
    rest = sentence
    while True:
        m = _GREETING.match(rest)
        if not m or not m.group(0):
            return rest.strip()
        rest = rest[m.end():]


def asks(sentence: str) -> bool:
    return bool(_ASKS.search(sentence))


def read(text: str, form: str = "en") -> Reading:
    """Set greetings, introductions and story aside and type the numbers.

    `form` ("en", "mn", "mn_latn") picks the words numbers are replaced by.
    """
    typed, kinds = type_numbers(text, form)
    kept: list[str] = []
    aside: list[str] = []
    for sentence in sentences(typed):
        rest = strip_greeting(sentence)
        if not rest.strip(" .!?,;:"):
            aside.append(sentence)
            continue
        kept.append(rest)
    if not kept:  # only a greeting: leave it to Rasa's greet
        return Reading(text, typed, typed, kinds)
    whole = " ".join(kept)
    last_ask = max((i for i, s in enumerate(kept) if asks(s)), default=None)
    if last_ask is None or len(kept) == 1:
        return Reading(text, whole, whole, kinds, tuple(aside))
    # The question and the sentence before it (what happened), unless that
    # one only introduces the writer; the rest is story and introductions.
    first = last_ask
    if last_ask > 0 and not _INTRO.match(kept[last_ask - 1]):
        first = last_ask - 1
    question = " ".join(kept[first:last_ask + 1])
    aside += kept[:first]
    body = " ".join(s for s in kept if not _INTRO.match(s)) or whole
    return Reading(text, body, question, kinds, tuple(aside))
