"""Red-flag rules of the scam checker: text views, regex rules and link analysis.

Every rule is a regular expression compiled once at import. Mongolian rules
are written once, against a lossy Latin spelling shared by Cyrillic and
Latin-typed Mongolian (х/kh/x -> h; о, ө, у, ү and Latin o all -> u, since
people type ө as o or u; doubled vowels collapsed), so "кодоо явуулаарай" and
"kodoo yavuulaarai" meet the same pattern. Each view keeps, for every character, its index in the original
message, so an explanation can quote the user's own words.

A rule fires at most once; a request that is negated ("never share this
code", "кодыг хэнд ч бүү хэлээрэй") does not count, which is what keeps
genuine one-time-code messages and bank safety tips free of flags.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Iterable
from dataclasses import dataclass, field

from core.script import CYRILLIC_TO_LATIN

# --------------------------------------------------------------------------
# Signal ids (stable: they are strings-file keys and part of the JSON output)

ASKS_SECRET = "asks_secret"
CODE_BY_MISTAKE = "code_sent_by_mistake"
UPFRONT_FEE = "upfront_fee"
URGENCY = "urgency"
SECRECY = "secrecy"
SHORT_LINK = "short_link"
LOOKALIKE_DOMAIN = "lookalike_domain"
LOGIN_LINK = "login_link"
PERSONAL_ACCOUNT = "personal_account"
GUARANTEED_RETURNS = "guaranteed_returns"
PAID_TASKS = "paid_tasks"
FRIEND_MONEY = "friend_money"
UNENTERED_PRIZE = "unentered_prize"
REMOTE_ACCESS = "remote_access"
SAFE_ACCOUNT = "safe_account"
RELEASE_FEE = "release_fee"
CHARITY_APPEAL = "charity_appeal"
PAID_LOTTERY = "paid_lottery"
ROMANCE_MONEY = "romance_money"
KNOWN_PATTERN = "known_pattern"

# Alone, these only make a message "suspicious": genuine senders also hurry
# people or use link shorteners now and then.
# A donation appeal with an account number is how real charities ask too;
# alone it only says "check who collects".
WEAK_SIGNALS = frozenset({URGENCY, SECRECY, SHORT_LINK, CHARITY_APPEAL})
RULE_SIGNALS = (
    ASKS_SECRET, CODE_BY_MISTAKE, REMOTE_ACCESS, SAFE_ACCOUNT, UPFRONT_FEE, RELEASE_FEE,
    PERSONAL_ACCOUNT, GUARANTEED_RETURNS, PAID_TASKS, PAID_LOTTERY, ROMANCE_MONEY, FRIEND_MONEY,
    UNENTERED_PRIZE, LOGIN_LINK, LOOKALIKE_DOMAIN, SHORT_LINK, CHARITY_APPEAL, URGENCY, SECRECY,
)
ALL_SIGNALS = (*RULE_SIGNALS, KNOWN_PATTERN)

QUOTE_MAX_CHARS = 80
# Look-alike reasons whose explanation names the site the link really opens.
HIDDEN_SITE_REASONS = frozenset({"userinfo", "ip_address", "subdomain", "punycode"})

# --------------------------------------------------------------------------
# Views


@dataclass(frozen=True)
class View:
    """A transformed copy of the message with a map back to the original."""

    text: str
    src: tuple[int, ...]  # src[i] = index in the original of text[i]

    def original_span(self, start: int, end: int) -> tuple[int, int]:
        if not self.src or end <= start:
            return 0, 0
        return self.src[start], self.src[end - 1] + 1


# The shared Cyrillic -> Latin table plus habits of Latin-typed Mongolian
# (x for х, w for в) and the apostrophes phones substitute.
_CYR_TO_LAT = {**CYRILLIC_TO_LATIN, "x": "h", "w": "v", "’": "'", "‘": "'", "`": "'"}
_VOWELS = set("aeiou")


def _build(text: str, table: dict[str, str]) -> tuple[list[str], list[int]]:
    chars: list[str] = []
    src: list[int] = []
    for i, ch in enumerate(text):
        low = ch.lower()
        rep = table.get(low, low)
        for out in rep:
            chars.append(out)
            src.append(i)
    return chars, src


def en_view(text: str) -> View:
    chars, src = _build(text, {"’": "'", "‘": "'", "`": "'"})
    return View("".join(chars), tuple(src))


def mn_view(text: str) -> View:
    """The lossy Latin spelling that Mongolian rules are written against.

    Latin typists write ө as o or u and ү as u, so о/ө/у/ү all become u;
    х, kh and x all become h.
    """
    chars, src = _build(text, _CYR_TO_LAT)
    out_c: list[str] = []
    out_s: list[int] = []
    for ch, s in zip(chars, src):
        prev = out_c[-1] if out_c else ""
        if ch == "h" and prev == "k":  # kh -> h
            out_c[-1], out_s[-1] = "h", out_s[-1]
            continue
        if ch == "o":  # о, ө and Latin o/u are written interchangeably
            ch = "u"
        if ch in _VOWELS and ch == prev:  # long vowels typed or not: aa -> a
            continue
        out_c.append(ch)
        out_s.append(s)
    return View("".join(out_c), tuple(out_s))


# --------------------------------------------------------------------------
# Rules


@dataclass(frozen=True)
class Rule:
    signal: str
    view: str  # "en" or "mn"
    pattern: re.Pattern[str]
    requires: tuple[re.Pattern[str], ...] = ()  # each must occur somewhere in the view
    forbids: re.Pattern[str] | None = None  # must not occur anywhere in the view
    negatable: bool = True
    # "clause": a negation must be in the same clause ("don't worry, send the
    # code" is a request); "sentence": anywhere in the sentence, for bare
    # mentions in lists ("we never ask for your PIN, CVV or password").
    neg_scope: str = "clause"
    needs_unofficial_link: bool = False
    # The match itself may hold a negative ("эрсдэлгүй" = risk-free): then
    # only the words after it can negate it.
    negation_after_match: bool = False


def _c(pattern: str) -> re.Pattern[str]:
    return re.compile(pattern, re.IGNORECASE)


def _mn(pattern: str) -> str:
    """Rewrite a Mongolian pattern into the view's spelling, where о/ө/o are u.

    Patterns are written with the natural o ("mongo", "tolbor") for
    readability; regex syntax itself never uses the letter o.
    """
    return pattern.replace("o", "u")


def _cm(pattern: str) -> re.Pattern[str]:
    return _c(_mn(pattern))


# Negation words, read by the matcher below (not rule data): a rule's match
# inside a negated clause does not count. The rules themselves, and the
# words they look for, are in faq/scam_rules.yml (actions/scam/phrases.py).
NEG_EN = _c(
    r"\b(?:never|not|no|don'?t|dont|do not|no one|nobody|noone|won'?t|will not|doesn'?t|"
    r"does not|cannot|can'?t|shouldn'?t|should not|must not|mustn'?t|neither|nor)\b"
)
NEG_MN_PARTICLE = _cm(r"\b(?:bitgi|bu|heze ch|hend ch|hen ch)\b")
# "төлөгдөөгүй" (has not been paid) states a debt; it forbids nothing.
NEG_MN_VERB = _cm(r"\b(?!\w*gd\w*gui\b)\w+gui\b(?![\s,]+(?:yu|u|bile)\b)")
UNPAID_EN = _c(r"\b(?:(?:has|have|had|was|were|is|are) )?not (?:yet )?(?:been )?(?:paid|received|"
               r"settled|cleared)\b|\bunpaid\b")


# --------------------------------------------------------------------------
# Matching


@dataclass(frozen=True)
class Hit:
    signal: str
    quote: str
    detail: dict[str, str] = field(default_factory=dict)


_SENTENCE_END = re.compile(r"[!?\n]|\.(?=\s|$)")
_CLAUSE_END = re.compile(r"[!?;,\n]|\.(?=\s|$)")


def _clause_before(text: str, start: int, limit: int = 45) -> str:
    chunk = text[max(0, start - limit):start]
    cut = 0
    for m in _CLAUSE_END.finditer(chunk):
        cut = m.end()
    return chunk[cut:]


def _clause_after(text: str, end: int, limit: int = 25) -> str:
    chunk = text[end:end + limit]
    m = _CLAUSE_END.search(chunk)
    return chunk[: m.start()] if m else chunk


def _sentence(text: str, start: int, end: int) -> tuple[int, int]:
    s = 0
    for m in _SENTENCE_END.finditer(text, 0, start):
        s = m.end()
    m = _SENTENCE_END.search(text, end)
    return s, (m.start() if m else len(text))


def _negated(rule: Rule, view: View, original: str, m: re.Match[str]) -> bool:
    """Is the matched request negated ("never share", "бүү хэлээрэй")?

    The region is cut on the rule's own view, then read in both spellings:
    a Mongolian rule may match inside an English sentence and the other way
    round.
    """
    text = view.text
    if rule.neg_scope == "sentence":
        spans = [_sentence(text, m.start(), m.end())]
        tail = ""
    else:
        before = _clause_before(text, m.start())
        spans = [(m.start() - len(before), m.start() if rule.negation_after_match else m.end())]
        words = m.group(0).split()
        tail_start = m.end() - len(words[-1]) if words and not rule.negation_after_match else m.end()
        tail_end = m.end() + len(_clause_after(text, m.end()))
        tail = original[slice(*view.original_span(tail_start, tail_end))]
    s, e = view.original_span(*spans[0])
    region = original[s:e]
    en = UNPAID_EN.sub(" ", en_view(region).text)
    mn = mn_view(region).text
    if NEG_EN.search(en) or NEG_MN_PARTICLE.search(mn):
        return True
    if rule.neg_scope == "sentence":
        return bool(NEG_MN_VERB.search(mn))
    # The verb's own ending, or the words after it: "хэлж болохгүй", "явуулахгүй",
    # "... зардал бүү төлөөрэй" when the match stopped before the real verb.
    tail_mn = mn_view(tail).text
    return bool(NEG_MN_VERB.search(tail_mn) or NEG_MN_PARTICLE.search(tail_mn))


_QUOTE_CLAUSE_END = re.compile(r"[;!?\n]|[.,:](?=\s|$)")


def quote_of(original: str, view: View, start: int, end: int) -> str:
    """The user's own words behind view[start:end].

    A short match ("андуурч") is widened to its clause, so the quote shows
    what the message says; a long one is cut at a word near 80 characters.
    """
    s, e = view.original_span(start, end)
    while s > 0 and (original[s - 1].isalnum() or original[s - 1] in "-'"):
        s -= 1
    while e < len(original) and (original[e].isalnum() or original[e] in "-'"):
        e += 1
    cs = 0
    for m in _QUOTE_CLAUSE_END.finditer(original, 0, s):
        cs = m.end()
    m = _QUOTE_CLAUSE_END.search(original, e)
    ce = m.start() if m else len(original)
    if len(" ".join(original[cs:ce].split())) <= QUOTE_MAX_CHARS:
        s, e = cs, ce
    text = " ".join(original[s:e].split()).strip(" ,;:-")
    if len(text) > QUOTE_MAX_CHARS:
        text = text[:QUOTE_MAX_CHARS].rsplit(" ", 1)[0] + " ..."
    return text


# Tense and direction. A notice reports what was done ("was charged",
# "has been paid", "төлөгдлөө", "шилжүүлсэн"); a demand asks for it. A fee or
# payment rule whose own clause ends in a notice verb is a receipt, not a demand.
DEMAND_SIGNALS = frozenset({UPFRONT_FEE, RELEASE_FEE, PERSONAL_ACCOUNT, SAFE_ACCOUNT})
NOTICE_EN = _c(
    r"\b(?:(?:has|have|had) been|was|were|got|successfully) (?:paid|charged|credited|received|"
    r"deducted|debited|transferred|refunded|settled|covered)\b|\b(?:credited|debited|deducted)\b"
)
# Passive (-гд-) and past participles (-сан/-сэн) of any verb; the past -лаа
# only on verbs of paying, since nouns with -аа ("шагналаа", "зээлээ") look
# the same in this spelling.
NOTICE_MN = _cm(
    r"\b\w+gd\w*(?<!gui)\b|\b\w+s[aeiu]n\b|\b(?:tol|shiljul|hi|yavul|ilge|olg|suutg|butsa|has)\w*l[aeiu]\b"
)
_NOTICE_CLAUSE_CHARS = 60
_NOTICE_CLAUSE_END = re.compile(r"[!?;\n]|[.,](?=\s|$)")

# A safety warning describes what fraudsters do, to people in general, and
# gives no account, phone number or link to act on; a scam always gives one.
WARNING_EN = _c(r"\b(?:fraudsters|scammers|criminals|con artists|crooks)\b")
WARNING_MN = _cm(r"\b(?:zalilagch|luivarch|huuran mehlegch)\w*")
NEVER_EN = _c(r"\bnever\b")
NEVER_MN = _cm(r"\b(?:heze ch|hezee ch|hezeech)\b")
_CHANNEL = re.compile(r"\[(?:account no\.|phone)\]|(?<![\d.,])\d{8,12}(?![\d.,])")


def is_safety_warning(original: str, views: dict[str, View], has_unofficial_link: bool) -> bool:
    """A bank or police warning about scams, not a scam: no channel to send money through."""
    if has_unofficial_link or _CHANNEL.search(original):
        return False
    en, mn = views["en"].text, views["mn"].text
    fraud = WARNING_EN.search(en) or WARNING_MN.search(mn)
    never = NEVER_EN.search(en) or NEVER_MN.search(mn)
    return bool(fraud and never)


def _reads_as_notice(rule: Rule, view: View, original: str, m: re.Match[str]) -> bool:
    if rule.signal not in DEMAND_SIGNALS:
        return False
    # The clause from the match on; commas inside numbers ("98,560₮") do not end it.
    chunk = view.text[m.start():m.end() + _NOTICE_CLAUSE_CHARS]
    end = _NOTICE_CLAUSE_END.search(chunk, m.end() - m.start())
    tail = chunk[: end.start()] if end else chunk
    s, e = view.original_span(m.start(), m.start() + len(tail))
    region = original[s:e]
    return bool(NOTICE_EN.search(en_view(region).text) or NOTICE_MN.search(mn_view(region).text))


def run_rules(
    original: str,
    views: dict[str, View],
    has_unofficial_link: bool,
    rules: Iterable[Rule],
) -> list[Hit]:
    """First valid match of each signal, in rule order."""
    hits: dict[str, Hit] = {}
    warning = is_safety_warning(original, views, has_unofficial_link)
    seen: dict[tuple[str, str], bool] = {}  # many rules share the same context test

    def occurs(pattern: re.Pattern[str], view_name: str) -> bool:
        key = (pattern.pattern, view_name)
        if key not in seen:
            seen[key] = pattern.search(views[view_name].text) is not None
        return seen[key]

    for rule in rules:
        if rule.signal in hits or (warning and rule.signal in DEMAND_SIGNALS):
            continue
        if rule.needs_unofficial_link and not has_unofficial_link:
            continue
        view = views[rule.view]
        if rule.forbids is not None and occurs(rule.forbids, rule.view):
            continue
        if not all(occurs(req, rule.view) for req in rule.requires):
            continue
        for m in rule.pattern.finditer(view.text):
            if rule.negatable and _negated(rule, view, original, m):
                continue
            if _reads_as_notice(rule, view, original, m):
                continue
            quote = quote_of(original, view, m.start(), m.end())
            if quote:
                hits[rule.signal] = Hit(rule.signal, quote)
                break
    return list(hits.values())


# --------------------------------------------------------------------------
# Links


# Letters from other scripts that look like Latin ones (the usual homoglyphs),
# and Latin sequences that read like another letter at a glance.
_CONFUSABLE = {
    "а": "a", "в": "b", "е": "e", "ё": "e", "к": "k", "м": "m", "н": "h", "о": "o",
    "ө": "o", "р": "p", "с": "c", "т": "t", "у": "y", "ү": "y", "х": "x", "ь": "b",
    "і": "i", "ј": "j", "ѕ": "s", "ԁ": "d", "ɡ": "g", "ӏ": "l", "ο": "o", "α": "a",
    "ν": "v", "ρ": "p", "τ": "t", "ι": "i", "κ": "k",
}
# Digits stand in for the letters they resemble ("g0lomt", "e-mongo1ia").
_LOOKALIKE_SEQ = (("rn", "m"), ("vv", "w"), ("0", "o"), ("1", "l"), ("!", "i"), ("3", "e"),
                  ("4", "a"), ("5", "s"), ("7", "t"), ("8", "b"))
# Country codes fraudsters hang on a brand: "khanbank-mn.com", "golomt-mng.top".
_COUNTRY_TOKENS = frozenset({"mn", "mng", "mgl", "mongolia", "mongol"})

# TLDs accepted for a bare "name.tld" without http:// or www.; a fixed list
# keeps "банк.Та" or "B.Bold" from reading as links.
_BARE_TLDS = frozenset("""
mn com net org info biz ru cn io co me cc tv xyz top site online club shop store app link live
help vip pro asia icu fun space website click buzz tk ml ga cf gq win bid loan work today world
life email support services center tech digital money finance bank cash ly gl gd at id in us uk
kr jp de fr tw hk sg my be ws su kz pw mobi name page one global news promo gift bet casino
""".split())
BARE_TLDS = _BARE_TLDS
_URL_RE = re.compile(
    r"(?P<url>(?:(?P<scheme>https?://)|(?P<www>www\.))?"
    r"(?P<host>(?:[^\W_](?:[\w-]{0,61}[^\W_])?\.){1,8}(?P<tld>[^\W\d_]{2,24}|xn--[a-z0-9-]{1,59}))"
    r"(?P<rest>(?::\d+)?(?:[/?#][^\s<>\"')\]]*)?))",
    re.UNICODE,
)


@dataclass(frozen=True)
class Link:
    text: str  # as written in the message
    host: str  # lower-case, without www.
    kind: str  # official | shortener | lookalike | unknown
    # for lookalike: extra_words | wrong_tld | letters | mixed_script | punycode
    # | subdomain | userinfo | ip_address
    reason: str = ""
    imitates: str = ""  # the official domain it resembles
    real: str = ""  # the site the link really opens, when it hides behind another name


@dataclass(frozen=True)
class Brand:
    word: str
    domain: str


def _skeleton(host: str, one: str = "l") -> str:
    """The host as it reads at a glance: homoglyphs and digits turned into letters.

    `one` is the letter a "1" stands for: "l" in "e-mongo1ia", "i" in "b1tly".
    """
    s = "".join(_CONFUSABLE.get(ch, ch) for ch in host)
    for seq, rep in _LOOKALIKE_SEQ:
        s = s.replace(seq, rep if seq != "1" else one)
    return s


def _has_latin(s: str) -> bool:
    return any("a" <= ch <= "z" for ch in s)


def _has_other_script(s: str) -> bool:
    return any(ord(ch) > 127 and ch.isalpha() for ch in s)


def _edit_distance(a: str, b: str, cap: int = 3) -> int:
    """Optimal string alignment distance (a swap of two letters costs 1)."""
    if abs(len(a) - len(b)) > cap:
        return cap + 1
    prev2: list[int] = []
    prev = list(range(len(b) + 1))
    for i in range(1, len(a) + 1):
        cur = [i] + [0] * len(b)
        for j in range(1, len(b) + 1):
            cost = 0 if a[i - 1] == b[j - 1] else 1
            cur[j] = min(prev[j] + 1, cur[j - 1] + 1, prev[j - 1] + cost)
            if i > 1 and j > 1 and a[i - 1] == b[j - 2] and a[i - 2] == b[j - 1]:
                cur[j] = min(cur[j], prev2[j - 2] + 1)
        prev2, prev = prev, cur
    return prev[-1]


_SECOND_LEVEL = frozenset({"gov", "com", "org", "edu", "net", "co", "ac"})


def _split_host(host: str) -> tuple[list[str], str]:
    """(labels before the public suffix, suffix): "a.b.gov.mn" -> (["a","b"], "gov.mn")."""
    labels = host.split(".")
    if len(labels) >= 3 and labels[-2] in _SECOND_LEVEL and len(labels[-1]) == 2:
        return labels[:-2], ".".join(labels[-2:])
    return labels[:-1], labels[-1]


@dataclass
class DomainIndex:
    """Official domains, brand words that fakes imitate, and known shorteners."""

    official: tuple[str, ...] = ()
    brands: tuple[Brand, ...] = ()
    shorteners: frozenset[str] = frozenset()
    generic: frozenset[str] = frozenset()  # everyday words, never read as a misspelt brand

    def is_official(self, host: str) -> str:
        for dom in self.official:
            if host == dom or host.endswith("." + dom):
                return dom
        return ""

    def classify(self, raw_host: str) -> tuple[str, str, str]:
        """(kind, reason, official domain imitated) for one host."""
        host = raw_host.lower().strip(".")
        if host.startswith("www."):
            host = host[4:]
        punycode = "xn--" in host
        if punycode:
            try:
                host = host.encode("ascii").decode("idna")
            except (UnicodeError, ValueError):
                # Undecodable punycode is never a real organisation's address.
                return "lookalike", "punycode", ""
        host = unicodedata.normalize("NFC", host)
        if (dom := self.is_official(host)):
            return "official", "", dom
        if host in self.shorteners or any(host.endswith("." + s) for s in self.shorteners):
            return "shortener", "", ""
        if punycode and not (_has_latin(host) and any(ch in _CONFUSABLE for ch in host)):
            # Accented letters, not Cyrillic ones ("khānbank.com"): fold the
            # accents and compare what is left with the official list.
            folded = "".join(ch for ch in unicodedata.normalize("NFKD", host)
                             if not unicodedata.combining(ch))
            for cand in (folded, _skeleton(folded)):
                if (dom := self.is_official(cand)):
                    return "lookalike", "punycode", dom
                if (found := self._imitation(cand, _skeleton(cand))):
                    return "lookalike", "punycode", found[1]
            return "lookalike", "punycode", ""
        mixed = _has_latin(host) and _has_other_script(host)
        for one in ("l", "i"):
            skel = _skeleton(host, one)
            if (dom := self.is_official(skel)) and skel != host:
                return "lookalike", "mixed_script" if mixed else "letters", dom
        skel = _skeleton(host)
        found = self._imitation(host, skel) or self._imitation(host, _skeleton(host, "i"))
        if found:
            reason, dom = found
            return "lookalike", "mixed_script" if mixed else reason, dom
        if mixed:
            return "lookalike", "mixed_script", ""
        if self._mn_prefix(host):
            return "lookalike", "subdomain", ""
        return "unknown", "", ""

    @staticmethod
    def _mn_prefix(host: str) -> bool:
        """A ".mn" name in front of a foreign site: "bank.mn.secure-login.top".

        The site that opens is the last part; the front only makes the
        address look Mongolian.
        """
        labels, suffix = _split_host(host)
        return suffix not in ("mn", "gov.mn", "com.mn", "org.mn", "edu.mn") and any(
            lab in ("mn", "gov") for lab in labels[:-1])

    def _imitation(self, host: str, skel: str) -> tuple[str, str] | None:
        # An official domain used as a prefix: "khanbank.com.verify-id.top".
        for dom in self.official:
            if (skel.startswith(dom + ".") or skel.startswith(dom + "-")
                    or ("." + dom + ".") in skel or ("." + dom + "-") in skel):
                return "extra_words", dom
        labels, suffix = _split_host(skel)
        if not labels:
            return None
        registrable = labels[-1]
        core = registrable.replace("-", "")
        all_core = "".join(labels).replace("-", "")
        tokens = [t for lab in labels for t in lab.split("-") if t]
        for brand in self.brands:
            word = brand.word
            _, off_suffix = _split_host(brand.domain)
            if any(t == word and nxt in _COUNTRY_TOKENS for t, nxt in zip(tokens, tokens[1:])):
                return "extra_words", brand.domain
            if core == word or (len(word) < 5 and word in tokens):
                if core == word and suffix != off_suffix:
                    return "wrong_tld", brand.domain
                return "extra_words", brand.domain
            if len(word) >= 5 and word in all_core:
                return "extra_words", brand.domain
        # Only then near-misses, so "khanbank-mn" is not called a misspelling
        # of the longer brand word "khaanbank".
        for brand in self.brands:
            word = brand.word
            if len(word) >= 7 and (_edit_distance(core, word) <= 1 or any(
                    t not in self.generic and _edit_distance(t, word) <= 1 for t in tokens)):
                return "letters", brand.domain
        return None


# "https://statebank.mn@secure-verify.site/..." opens secure-verify.site: what
# stands before "@" is only a user name, put there to look like the bank.
_USERINFO_RE = re.compile(
    r"(?P<url>https?://(?P<user>[^\s/@?#]+)@(?P<host>(?:[^\W_][\w-]*\.)+[^\W\d_]{2,24})"
    r"(?:[/?#:][^\s<>\"')\]]*)?)", re.UNICODE)
USERINFO_LINK = re.compile(r"https?://[^\s/@?#]+@")
# A raw IP address instead of a name; with a scheme or a path, so that a
# dotted number in the text is not read as one.
_IP_RE = re.compile(
    r"(?P<url>(?:https?://(?P<h1>(?:\d{1,3}\.){3}\d{1,3})(?::\d+)?(?:/[^\s<>\"')\]]*)?)|"
    r"(?<![\w.])(?P<h2>(?:\d{1,3}\.){3}\d{1,3})(?::\d+)?/[^\s<>\"')\]]*)")


def find_links(text: str, index: DomainIndex) -> list[Link]:
    links: list[Link] = []
    taken: list[tuple[int, int]] = []
    for m in _USERINFO_RE.finditer(text):
        user = m.group("user").lower()
        host = m.group("host").lower()
        kind, _, dom = index.classify(user)
        imitates = dom or (index.classify(user)[2] if kind == "lookalike" else "")
        links.append(Link(m.group("url").rstrip(".,;:!?"), host, "lookalike", "userinfo",
                          imitates, host))
        taken.append(m.span())
    for m in _IP_RE.finditer(text):
        if any(s <= m.start() < e for s, e in taken):
            continue
        host = m.group("h1") or m.group("h2")
        if all(0 <= int(x) <= 255 for x in host.split(".")):
            links.append(Link(m.group("url").rstrip(".,;:!?"), host, "lookalike", "ip_address",
                              "", host))
            taken.append(m.span())
    for m in _URL_RE.finditer(text):
        start = m.start()
        if any(s <= start < e for s, e in taken):
            continue
        if start > 0 and text[start - 1] in "@.":  # an e-mail address, or inside a word
            continue
        tld = m.group("tld")
        tld_ascii = _skeleton(tld.lower())
        if not (m.group("scheme") or m.group("www")) and tld_ascii not in _BARE_TLDS:
            continue
        host = m.group("host")
        if not _has_latin(_skeleton(host.lower())) and "xn--" not in host.lower():
            continue  # pure Cyrillic text such as "банк.мн" written by mistake
        kind, reason, dom = index.classify(host)
        real = _registrable(host.lower()) if reason == "subdomain" else ""
        links.append(Link(m.group("url").rstrip(".,;:!?"), host.lower(), kind, reason, dom, real))
    return links


def _registrable(host: str) -> str:
    labels, suffix = _split_host(host)
    return f"{labels[-1]}.{suffix}" if labels else host


def _short(url: str) -> str:
    return url if len(url) <= QUOTE_MAX_CHARS else url[: QUOTE_MAX_CHARS - 4] + " ..."


def link_hits(links: list[Link]) -> list[Hit]:
    hits: list[Hit] = []
    seen: set[str] = set()
    for link in links:
        if link.kind == "shortener" and SHORT_LINK not in seen:
            seen.add(SHORT_LINK)
            hits.append(Hit(SHORT_LINK, _short(link.text)))
        elif link.kind == "lookalike" and LOOKALIKE_DOMAIN not in seen:
            seen.add(LOOKALIKE_DOMAIN)
            hits.append(Hit(LOOKALIKE_DOMAIN, _short(link.text),
                            {"reason": link.reason, "official": link.imitates,
                             "real": link.real}))
    return hits



def name_the_link(hits: list[Hit], links: list[Link]) -> list[Hit]:
    """Give a "log in through this link" hit the link it points to.

    The rule quotes the demand ("your card has been restricted"); the answer
    must also show which link is not official, so the user can see it.
    """
    unofficial = next((link for link in links if link.kind != "official"), None)
    if unofficial is None:
        return hits
    return [Hit(h.signal, h.quote, {**h.detail, "link": _short(unofficial.text)})
            if h.signal == LOGIN_LINK else h for h in hits]
