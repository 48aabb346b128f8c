"""Masking of personal data before anything is logged, stored or shown to volunteers.

People forward scam messages that contain their own card numbers, register
numbers and one-time codes; a log line or a volunteer's screen must never
carry them. Detection works on the original text and collects spans first,
so one masked value (a card's kept last four digits) is never mistaken for
another (a code) by a later rule.

Public numbers stay readable: emergency lines (101-105), 11-11, the
1800-/1900- hotlines of banks and agencies, and the SMS short codes listed in
``faq/official_domains.yml``; they are what a volunteer needs to see.
"""

from __future__ import annotations

import logging
import re
from functools import lru_cache
from pathlib import Path
from typing import Any

import yaml

from core.settings import FAQ_DIR

log = logging.getLogger(__name__)

REGISTER = "[register no.]"
ACCOUNT = "[account no.]"
PHONE = "[phone]"
CODE = "[code]"
TOKEN = "[token]"

# Telegram bot token: bot id, a colon, 35 url-safe characters. Often inside a
# URL ("/bot123:AA.../getMe"), so no word boundary before the digits.
_TOKEN_RE = re.compile(r"(?<!\d)\d{6,12}:[A-Za-z0-9_-]{35}(?![A-Za-z0-9_-])")
_EMAIL_RE = re.compile(r"(?<![\w.+-])([\w.+-]+)@((?:[\w-]+\.)+[A-Za-z]{2,})", re.UNICODE)
# IBAN-like: country letters, two check digits, then 12-30 alphanumerics in
# optional groups of four (Mongolian IBANs are MN + 18 digits).
_IBAN_RE = re.compile(
    r"(?<![A-Za-z0-9])[A-Za-z]{2}\d{2}(?:[ -]?[A-Za-z0-9]{4}){2,7}(?:[ -]?[A-Za-z0-9]{1,4})?(?![A-Za-z0-9])"
)
# Card: 13-19 digits written together, or in groups of four (Amex 4-6-5)
# with one consistent separator; "1800-1917 1800-1881" is two hotlines.
_CARD_RE = re.compile(
    r"(?<![\d-])(?:\d{13,19}|\d{4}([ -])\d{4}\1\d{4}\1\d{1,4}(?:\1\d{1,3})?|\d{4}([ -])\d{6}\2\d{5})(?![\d])"
)
# Register number: two letters (Cyrillic or Latin) then eight digits. A space
# or hyphen is accepted only after capitals ("УБ 12345678"), so that "on
# 99112233" or "нь 99112233" stay phone numbers.
_REGISTER_RE = re.compile(
    r"(?<![^\W\d_])(?:[А-ЯЁӨҮа-яёөүA-Za-z]{2}|[А-ЯЁӨҮA-Z]{2}[ -])\d{8}(?!\d)", re.UNICODE
)
# A bank account number standing alone: 9-12 digits (Mongolian banks use 9-12).
_ACCOUNT_RE = re.compile(r"(?<![\d+-])\d{9,12}(?![\d])")
# Phones: +976 (or 976) followed by eight digits, or a bare Mongolian mobile
# or home number of eight digits starting with 5-9 ("9911 2233", "88-11-22-33").
_PHONE_INTL_RE = re.compile(r"(?<![\d])\+?976[ -]?\d{2}[ -]?\d{2}[ -]?\d{2}[ -]?\d{2}(?![\d])")
_PHONE_RE = re.compile(r"(?<![\d-])[5-9]\d(?:[ -]?\d{2}){3}(?![\d])|(?<![\d-])[5-9]\d{3}[ -]\d{4}(?![\d])")
# One-time codes: 4-6 digits with a code word within a few words either side.
_CODE_WORDS = (
    r"code|codes|otp|pin|password|passcode|verification|"
    r"код|кодыг|кодоо|нууц\s*үг\w*|пин|баталгаажуулах|"
    r"kod\w*|nuuts\s*ug\w*|nuuc\s*ug\w*|batalgaajuulah"
)
_CODE_NEAR_RE = re.compile(
    rf"(?:\b(?:{_CODE_WORDS})\b[^\d\n]{{0,30}}?)(?<!\d)(\d{{4,6}})(?!\d)"
    rf"|(?<!\d)(\d{{4,6}})(?!\d)(?=[^\d\n]{{0,20}}?\b(?:{_CODE_WORDS})\b)",
    re.IGNORECASE | re.UNICODE,
)
# Every rule needs a digit (or the @ of an e-mail address): text without
# either is returned at once, which is most text (intent names, answers).
_MAYBE_PII_RE = re.compile(r"[\d@]")
# Public numbers that are never masked.
_PUBLIC_RE = re.compile(
    r"(?<![\d-])(?:1[89]00[ -]?\d{4}|1[89]00[ -]?\d{2}[ -]?\d{2}|11[ -]?11(?:[ -]?\d)?|10[1-5]|112)(?![\d])"
)


@lru_cache(maxsize=1)
def _official_contacts() -> tuple[frozenset[str], frozenset[str]]:
    """SMS short codes and e-mail addresses from official_domains.yml: public, kept readable."""
    path = Path(FAQ_DIR) / "official_domains.yml"
    try:
        data = yaml.safe_load(path.read_text(encoding="utf-8")) or {}
    except (OSError, yaml.YAMLError) as exc:
        log.warning("privacy: cannot read official contacts from %s: %s", path, exc)
        return frozenset(), frozenset()
    codes = set()
    for item in data.get("shortcodes") or []:
        number = re.sub(r"\D", "", str(item.get("number", "")))
        if number:
            codes.add(number)
    emails = {str(item.get("address", "")).lower() for item in data.get("emails") or []}
    return frozenset(codes), frozenset(emails - {""})


def _mask_card(value: str) -> str:
    """Keep the first and last four digits and the grouping people recognise."""
    digits = [i for i, ch in enumerate(value) if ch.isdigit()]
    keep = set(digits[:4] + digits[-4:])
    return "".join(ch if (not ch.isdigit() or i in keep) else "*" for i, ch in enumerate(value))


def _mask_email(local: str, domain: str) -> str:
    return f"{local[:1]}***@{domain}"


# What each rule found, for readers that need the kind rather than the mask
# (rasa_side/question_reading.py types "a card number" into a question).
# "public" is an official contact kept as written.
KINDS = ("token", "email", "account", "card", "register", "phone", "code", "public")
# Placeholders this module writes, and the shapes of what it masks in place
# (a card keeps its first and last four digits, an e-mail its first letter):
# how a reader recognises text that was already masked.
_MASKED = [
    ("phone", re.compile(re.escape(PHONE), re.IGNORECASE)),
    ("account", re.compile(re.escape(ACCOUNT), re.IGNORECASE)),
    ("register", re.compile(re.escape(REGISTER), re.IGNORECASE)),
    ("code", re.compile(re.escape(CODE), re.IGNORECASE)),
    ("token", re.compile(re.escape(TOKEN), re.IGNORECASE)),
    # Any grouping _mask_card keeps: "4000 **** **** 9010", "3714 ****** *8431".
    ("card", re.compile(r"(?<![\w*])(?:\d{4}[ -]?)?(?:\*+[ -]?)*\*{4,}(?:[ -]?\*+)*[ -]?\d{1,4}(?!\d)")),
    ("email", re.compile(r"(?<![\w.+-])[\w.+-]*\*{2,}[\w.+-]*@(?:[\w-]+\.)+[A-Za-z]{2,}")),
]


def masked_spans(text: str) -> list[tuple[int, int, str]]:
    """(start, end, kind) of what this module already masked in `text`."""
    found: list[tuple[int, int, str]] = []
    for kind, pattern in _MASKED:
        for m in pattern.finditer(text):
            if all(m.end() <= s or m.start() >= e for s, e, _ in found):
                found.append((m.start(), m.end(), kind))
    return sorted(found)


def pii_spans(text: str) -> list[tuple[int, int, str]]:
    """(start, end, kind) of the personal data `mask_pii` would mask, and of public contacts."""
    if not text or not _MAYBE_PII_RE.search(text):
        return []
    return [(start, end, kind) for start, end, kind, _ in _spans(text)]


def _spans(text: str) -> list[tuple[int, int, str, str]]:
    """Non-overlapping (start, end, kind, replacement) spans, earlier rules first."""
    taken: list[tuple[int, int, str, str]] = []

    def free(start: int, end: int) -> bool:
        return all(end <= s or start >= e for s, e, _, _ in taken)

    def add(start: int, end: int, repl: str, kind: str) -> None:
        if free(start, end):
            taken.append((start, end, kind, repl))

    public = [(m.start(), m.end()) for m in _PUBLIC_RE.finditer(text)]
    shortcodes, official_emails = _official_contacts()

    def is_public(start: int, end: int) -> bool:
        if any(s <= start and end <= e for s, e in public):
            return True
        return re.sub(r"\D", "", text[start:end]) in shortcodes

    for m in _TOKEN_RE.finditer(text):
        add(m.start(), m.end(), TOKEN, "token")
    for m in _EMAIL_RE.finditer(text):
        if m.group(0).lower() in official_emails:
            add(m.start(), m.end(), m.group(0), "public")  # reserve the span, keep the text
        else:
            add(m.start(), m.end(), _mask_email(m.group(1), m.group(2)), "email")
    for m in _IBAN_RE.finditer(text):
        if sum(ch.isdigit() for ch in m.group(0)) >= 12:
            add(m.start(), m.end(), ACCOUNT, "account")
    for m in _CARD_RE.finditer(text):
        add(m.start(), m.end(), _mask_card(m.group(0)), "card")
    for m in _REGISTER_RE.finditer(text):
        add(m.start(), m.end(), REGISTER, "register")
    for m in _PHONE_INTL_RE.finditer(text):
        add(m.start(), m.end(), PHONE, "phone")
    for m in _ACCOUNT_RE.finditer(text):
        if not is_public(m.start(), m.end()):
            add(m.start(), m.end(), ACCOUNT, "account")
    for m in _PHONE_RE.finditer(text):
        if not is_public(m.start(), m.end()):
            add(m.start(), m.end(), PHONE, "phone")
    for m in _CODE_NEAR_RE.finditer(text):
        group = 1 if m.group(1) else 2
        start, end = m.start(group), m.end(group)
        if not is_public(start, end):
            add(start, end, CODE, "code")
    return sorted(taken)


def mask_pii(text: str) -> str:
    """`text` with card, account, register and phone numbers, codes and e-mails masked.

    "4000 1234 5678 9010" becomes "4000 **** **** 9010"; other numbers become
    a bracketed word such as "[phone]" so a reader still sees what was there.
    """
    if not text or not _MAYBE_PII_RE.search(text):
        return text
    out: list[str] = []
    pos = 0
    for start, end, _kind, repl in _spans(text):
        out.append(text[pos:start])
        out.append(repl)
        pos = end
    out.append(text[pos:])
    return "".join(out)


def mask_deep(value: Any, keep: frozenset[str] = frozenset()) -> Any:
    """`value` (JSON-like: dicts, lists, strings) with every string masked, as a copy.

    For records whose text sits at several depths, such as a Rasa event
    (text, parse_data, metadata, a bot message's custom data). Keys in
    `keep` are identifiers (a message id is hex and can look like an
    account number) and stay as they are.
    """
    if isinstance(value, str):
        return mask_pii(value)
    if isinstance(value, dict):
        return {k: (v if k in keep else mask_deep(v, keep)) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [mask_deep(v, keep) for v in value]
    return value


class PiiFilter(logging.Filter):
    """Masks personal data and bot tokens in every record that passes.

    Attach it to handlers (see `install_pii_filter`): a filter on a logger
    only sees records logged on that very logger, not those propagated from
    child loggers such as "httpx" or "telegram.ext".
    """

    def filter(self, record: logging.LogRecord) -> bool:
        try:
            message = record.getMessage()
        except Exception:  # a malformed call must not lose the record
            message = f"{record.msg} {record.args}"
        record.msg = mask_pii(message)
        record.args = None
        if record.exc_info and not record.exc_text:
            record.exc_text = logging.Formatter().formatException(record.exc_info)
        if record.exc_text:
            record.exc_text = mask_pii(record.exc_text)
        if record.stack_info:
            record.stack_info = mask_pii(record.stack_info)
        return True


def install_pii_filter(logger: logging.Logger | None = None) -> PiiFilter:
    """Put one `PiiFilter` on `logger` (root by default) and on all its handlers.

    Call after logging is configured, so the handlers exist.
    """
    target = logger or logging.getLogger()
    pii = PiiFilter()
    for item in (target, *target.handlers):
        if not any(isinstance(f, PiiFilter) for f in item.filters):
            item.addFilter(pii)
    return pii
