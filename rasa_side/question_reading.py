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
is (in the message's language), raw or already masked by core/privacy.py
("[phone]", "4000 **** **** 9010"):

- `whole`: the message with greetings, thanks and apologies set aside;
- `question`: when a question follows other sentences, the question with
  the sentence before it, self-introductions left out; otherwise the whole.

The caller matches both and lets the better evidence win. Rasa's virtualenv
(the classifier in rasa_side/) and the action server (actions/faq/retrieval.py)
import this very module, so the topic and the FAQ entry are chosen from the
same reading; personal numbers are found by core/privacy.py, the same rules
that mask them. A trained Rasa model depends on both: change them together
with a retrain (scripts/train-if-changed.sh hashes rasa_side/ and privacy.py).
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from core.privacy import masked_spans, pii_spans

# What each kind is called, per question form; "mn_latn" the way people type it.
KIND_WORDS = {
    "en": {"card": "card number", "phone": "phone number", "account": "account number",
           "register": "register number", "code": "code", "token": "code", "email": "e-mail",
           "amount": "money"},
    "mn": {"card": "картын дугаар", "phone": "утасны дугаар", "account": "дансны дугаар",
           "register": "регистрийн дугаар", "code": "код", "token": "код", "email": "имэйл",
           "amount": "мөнгө"},
    "mn_latn": {"card": "kartiin dugaar", "phone": "utasnii dugaar", "account": "dansnii dugaar",
                "register": "registriin dugaar", "code": "kod", "token": "kod", "email": "email",
                "amount": "mungu"},
}

# ----- numbers ---------------------------------------------------------------

# Card, phone, account and register numbers, codes and e-mails are found by
# core/privacy.py, the one place for those patterns, raw or already masked.
# Amounts are not personal data, so they are found here: thousands written
# with separators ("350,000", "1 500 000"), or any number followed by a
# currency or a "thousand/million" word, in all forms.
_AMOUNT_WORD = (r"(?:mnt|tug\w*|tog\w*|төг\w*|₮|usd|dollars?|доллар\w*|k|thousand|million|"
                r"mln|сая\w*|мянга\w*|мянган|say\w*|myang\w*)")
_AMOUNT_WORDS = rf"{_AMOUNT_WORD}(?:\s+{_AMOUNT_WORD}(?!\w))*"
_AMOUNTS = [
    re.compile(rf"(?<![\w.,])\d{{1,3}}(?:[,.' ]\d{{3}})+(?:\s*{_AMOUNT_WORDS})?(?![\d])", re.IGNORECASE),
    re.compile(rf"(?<![\w.,])\d+(?:[.,]\d+)?\s*{_AMOUNT_WORDS}(?!\w)", re.IGNORECASE),
    re.compile(r"(?:₮|\$)\s?\d[\d,. ]*\d"),
]


def type_numbers(text: str, form: str = "en") -> tuple[str, tuple[str, ...]]:
    """`text` with numbers replaced by what they are, and the kinds found.

    What core/privacy.py already masked comes first, then what it would
    mask, then amounts, each span replaced once; an official contact it keeps
    readable stays as written. A small number alone ("bus 7", "I am 68")
    stays: it is part of the question, not personal data. A number that
    privacy.py masks ("pin 1234") is typed the same way raw or masked, so
    Rasa and the search read a message alike before and after masking.
    """
    words = KIND_WORDS.get(form, KIND_WORDS["en"])
    spans = [*masked_spans(text)]

    def free(start: int, end: int) -> bool:
        return all(end <= s or start >= e for s, e, _ in spans)

    for start, end, kind in pii_spans(text):
        if free(start, end):
            spans.append((start, end, kind))
    for pattern in _AMOUNTS:
        for m in pattern.finditer(text):
            if free(m.start(), m.end()):
                spans.append((m.start(), m.end(), "amount"))
    spans = sorted(span for span in spans if span[2] in words)
    if not spans:
        return text, ()
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
    r"\b(?:вэ|бэ|уу|үү|юу|яах|яаж|хаана|хэзээ|яагаад|хэд|хэдэн|ёстой\s+юу|болох\s+уу)\b",
    re.IGNORECASE)
# Latin-typed question words; only in a Latin-typed Mongolian message, where
# "be" is the particle бэ, not the English verb ("I would be grateful").
_ASKS_LATIN_MN = re.compile(
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


def asks(sentence: str, form: str = "en") -> bool:
    """Whether the sentence asks something, by the question words of its form."""
    return bool(_ASKS.search(sentence) or (form == "mn_latn" and _ASKS_LATIN_MN.search(sentence)))


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
    last_ask = max((i for i, s in enumerate(kept) if asks(s, form)), default=None)
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
