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


_CYR_TO_LAT = {
    "а": "a", "б": "b", "в": "v", "г": "g", "д": "d", "е": "e", "ё": "yo", "ж": "j",
    "з": "z", "и": "i", "й": "i", "к": "k", "л": "l", "м": "m", "н": "n", "о": "o",
    "ө": "o", "п": "p", "р": "r", "с": "s", "т": "t", "у": "u", "ү": "u", "ф": "f",
    "х": "h", "ц": "ts", "ч": "ch", "ш": "sh", "щ": "sh", "ъ": "", "ы": "i", "ь": "i",
    "э": "e", "ю": "yu", "я": "ya",
    # Latin-typed Mongolian habits
    "x": "h", "w": "v", "ö": "o", "ü": "u", "’": "'", "‘": "'", "`": "'",
}
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

    Latin typists write ө as o or u and ү as u, so о/ө/у/ү all become u.
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


def _rules(signal: str, view: str, patterns: Iterable[str], **kw: object) -> list[Rule]:
    fix = _mn if view == "mn" else (lambda p: p)
    return [Rule(signal, view, _c(fix(p)), **kw) for p in patterns]  # type: ignore[arg-type]


_W = r"(?:[\s,]+[\w'-]+)"  # one more word
_SP = r"[\s,]+"
_CL = r"[^.!?\n]"  # any character inside the same sentence

# A number as written in prices: "5,000", "35 000", "1.2". Digit groups are
# bounded so that a long run of digits and commas cannot make a regex backtrack.
_NUM = r"\d{1,3}(?:[ ,.]?\d{3}){0,4}(?:[.,]\d{1,2})?"

# ---- English building blocks
SECRET_EN = (
    r"(?:pin(?: code| number)?|passwords?|passcodes?|cvv2?|cvc2?|security code|"
    r"(?:one[- ]time|verification|confirmation|sms|login|access|activation|otp|"
    r"\d[- ]digit|four[- ]digit|six[- ]digit) (?:codes?|passwords?|pin|sms)|otp|codes?|"
    r"card (?:number|details|info(?:rmation)?)|(?:online|internet|mobile) bank(?:ing)? "
    r"(?:password|login|details|credentials)|login details|username and password|"
    r"the (?:\d|four|six) digits|(?:the |those |these )?(?:\d|four|six) (?:digits|numbers))"
)
REQUEST_EN = (
    r"(?:send|sms|text|tell|give|share|forward|read(?: out)?|reply(?: with)?|answer|provide|write|"
    r"submit|dictate|screenshot|say)"
)
CODE_WORD_EN = _c(r"\b(?:code|codes|otp|pin|digits?|verification|sms|passcode)\b")
NEG_EN = _c(
    r"\b(?:never|not|no|don'?t|dont|do not|no one|nobody|noone|won'?t|will not|doesn'?t|"
    r"does not|cannot|can'?t|shouldn'?t|should not|must not|mustn'?t|neither|nor)\b"
)
TRANSFER_EN = _c(r"\b(?:transfer|send|deposit|pay|wire|top up|move)\b")
INSTITUTION_EN = _c(
    r"\b(?:bank|company|office|police|court|tax|government|ministry|agency|prize|loan|fee|"
    r"fine|order|delivery|insurance|service|e-?mongolia|ebarimt|customs|department|support|"
    r"team|manager|agent|staff|grant|refund|job|investment|inspector|officer)\b"
)
BENEFIT_EN = _c(
    r"\b(?:prize|reward|gift|winnings?|won|loan|credit|grant|funding|aid|refund|compensation|"
    r"job|work|position|salary|wages?|bonus|payout|parcel|package|funds|inheritance|lottery|"
    r"jackpot|profit|withdraw\w*|visa|limit|recover\w*|cash|contract|dividend|scholarship|"
    r"place|admission|seat|spot)\b"
)
GOODS_EN = _c(
    r"\b(?:flat|apartment|room|rent|car|keys|goods|order|hay|fodder|fuel|deliver\w*|courier|"
    r"ship\w*|reserve|booking|tickets?)\b"
)
_FEE_KIND_EN = (
    r"(?:processing|registration|activation|handling|delivery|shipping|release|insurance|"
    r"customs|clearance|unlock(?:ing)?|verification|membership|security|withdrawal|consent|"
    r"legal|admin\w*|application|approval|disbursement|upfront|advance|refundable|small|"
    r"one[- ]time|service|transfer|account opening|visa|\d+(?:\.\d+)?\s*%)"
)
# A bare "tax" or "insurance" is everyday ("pay your voluntary insurance");
# only a qualified one ("release tax", "3% insurance") is a fee to get money.
FEE_EN = (
    rf"(?:(?:{_FEE_KIND_EN} )?(?:fees?|deposit|charges?|commission|advance payment|guarantee money|"
    rf"collateral)|{_FEE_KIND_EN} (?:tax|insurance))"
)
EMERGENCY_EN = _c(
    r"\b(?:urgent(?:ly)?|emergency|asap|right now|right away|quickly|immediately|hospital|"
    r"accident|police|arrested|stuck|lost my (?:phone|wallet|card)|new number|"
    r"phone (?:broke|is broken|died)|(?:can'?t|cannot) (?:talk|call|speak)|hurry|in trouble|"
    r"surgery|operation|help me|emergency room)\b"
)
MONEY_EN = _c(
    rf"\b(?:money|cash|mnt|tugriks?|thousand|million|billion|usd|dollars?|euros?|"
    rf"{_NUM}\s?(?:k|mnt|₮|thousand|\$))\b|[₮$]"
)
PRIZE_WORD_EN = _c(
    r"\b(?:prize|reward|gift|winner|won|win|lottery|draw|lucky|bonus|cash|iphone|car|jackpot|tv)\b"
)
EBARIMT = _c(r"\b(?:e-?barimt|i-?barimt|и-баримт|ebarimt\.mn)\b")

# ---- Mongolian building blocks, written in the mn_view spelling (see _mn)
CODE_MN = (
    r"(?:kod|code|pin|nu(?:ts|c) ?ug|cvv|cvc|otp|neg udagi\w*|\d ?orontoi (?:to|kod)|"
    r"kart\w* (?:dugar|medel)|nevtreh ner)"
)
# A request, not a statement: imperative and polite-request endings of the
# verb ("явуулаарай", "хэлээч", "явуулна уу", "хэлээд өгөхгүй юу", "өгч").
REQ_MN = (
    r"(?:g?[aeo]?r[aeo]i\b|[aeo]?ch\b|chih(?:[aeo]?ch|[aeo]?r[aeo]i)?\b|n[aeo] u\b|"
    r"(?:[aeo]{0,2}d|j|ch)[\s,]+og\w*|"
    r"(?:[aeo]{0,2}d|j|ch)[\s,]+\w+(?:g?[aeo]?r[aeo]i|[aeo]ch|n[aeo] u)\b|"
    r"[aeo]?hgui (?:yu|u)\b|j bolo\w*|[aeo]?hed l? bol\w*)"
)
# Verbs that also ask in their bare form ("кодоо явуул"); bare "өг" is left
# out because in this spelling it is the word үг of "нууц үг".
SEND_MN = rf"(?:(?:y?a?vul|ilge|hel|orul|bich|damjul)(?:{REQ_MN}|\b)|og{REQ_MN})"
CODE_WORD_MN = _cm(rf"\b{CODE_MN}")
NEG_MN_PARTICLE = _cm(r"\b(?:bitgi|bu|heze ch|hend ch|hen ch)\b")
# "төлөгдөөгүй" (has not been paid) states a debt; it forbids nothing.
NEG_MN_VERB = _cm(r"\b(?!\w*gd\w*gui\b)\w+gui\b(?![\s,]+(?:yu|u|bile)\b)")
UNPAID_EN = _c(r"\b(?:(?:has|have|had|was|were|is|are) )?not (?:yet )?(?:been )?(?:paid|received|"
               r"settled|cleared)\b|\bunpaid\b")
TRANSFER_MN = _cm(r"\b(?:shiljul|hi(?:ne|ged|ge|h|j|ch|gd|vel|bel)|yavul|tol(?:o|n|j|ch|s|bol)|ilge)\w*")
INSTITUTION_MN = _cm(
    r"\b(?:bank|banki|kompani|hhk|baigulag|tsagda|shuh|tatvar|zasgi|yam|agentlag|shagnal|"
    r"zel|huramj|shimtgel|torgu|zahialg|hurgelt|datgal|uilchilge|e-?mongol|ebarimt|menejer|"
    r"ajiltan|admin|tuslamj|horongo|handiv|hereg)\w*"
)
BENEFIT_MN = _cm(
    r"\b(?:shagnal|honjvor|beleg|zel|tuslamj|butsa|ajil|tsalin|bonus|ashig|hojl|hojson|ilgemj|"
    r"acha|achi|bara|sugal|tohirol|tetgemj|tetgel|limit|hyazgar|mongo|hurg|viz|hojih|sudal|ovs|"
    r"tejel|tulsh|bair|tures|mashin)\w*"
)
FEE_MN = (
    r"(?:huramj|shimtgel|baritsa|uri?dchilg|urichilg|datgal\w* (?:tolbor|mongo)|gali\w* tatvar|"
    r"olgolt\w* tatvar|\d+\s*%\S*\s+tatvar|"
    r"uilchilge\w* tolbor|burtgel\w* (?:tolbor|huramj)|idevhjul\w* tolbor|viz\w* tolbor|"
    r"bichig barimt\w* tolbor|hurgelt\w* tolbor|(?:neg|ehni|anhni) udagi\w* tolbor)"
)
# Verbs of paying; "шилжүүлгийн" (the noun "transfer") is not one.
# A notice says what was done ("төлөгдлөө", "шилжүүлсэн", "хийчихлээ"); a
# demand asks for it to be done ("төлнө үү", "шилжүүлээрэй"). Passive (-гд-)
# and past endings (-сан/-сэн/-сон, -лаа/-лээ/-лоо) are notices, not demands.
NOTICE_END_MN = r"(?![a-z]*?(?:gd[a-z]*|s[aeiu]n|l[aeiu]|san\w*|sen\w*)\b)"
PAY_MN = (r"(?:tol(?:o|n|j|ch|sn|bol|vol)|shiljul(?!e?g)|hi(?:ne|ged|ge|h|j|ch|gd|sn|vel|bel)|"
          r"yavul|ilge)" + NOTICE_END_MN + r"\w*")
# A sum of money: "300 мянга", "35 000₮", "1.2 сая".
AMOUNT_MN = rf"{_NUM}\s?(?:myanga|mynga|mng|k|sa|saya|tog|togrog|tug\w*|doll?ar|evro|euro|\$|₮)"
EMERGENCY_MN = _cm(
    r"\b(?:yaral\w*|odo (?:l|shud|darui)|shud|hurdan|emneleg\w*|osol\w*|tsagda\w*|barigd\w*|"
    r"bolomjgui|chadahgui|evders\w*|shine dugar\w*|asud\w*|mash hereg\w*|tusl(?:ach|arai|ad)\w*|"
    r"amarhan|zovlo\w*|bucha\w*)\b"
)
MONEY_MN = _cm(rf"\b(?:mongo|togrog|myanga|saya)\w*|\b{AMOUNT_MN}|[₮$]")
PRIZE_MN = _cm(
    rf"\b(?:shagnal|honjvor|beleg|aztan|sugal|tohirol|iphone|aifon|mashin|hojih)\w*|\b{AMOUNT_MN}|[₮$]"
)
IMP_MN = r"\w+(?:n[aeo] u\b|(?:ar|er|or)[ae]i\b|[aeo]ch\b)"


RULES: list[Rule] = []

# asks for a PIN, password, CVV or one-time code
RULES += _rules(ASKS_SECRET, "en", [
    rf"\b{REQUEST_EN}\b{_W}{{0,5}}?{_SP}{SECRET_EN}\b",
    rf"\b(?:enter|input|fill in|type in|update|confirm|verify|register with|sign up with|provide)\b"
    rf"{_W}{{0,4}}?{_SP}"
    r"(?:pin|passwords?|passcode|cvv2?|cvc2?|card (?:number|details)|"
    r"(?:online|internet|mobile) bank(?:ing)? (?:password|login|details))\b",
    rf"\b{SECRET_EN}\b{_CL}{{0,40}}\b(?:send|text|forward|tell|give|read)\b(?: it| them)?"
    r"(?: back)?(?: over)?(?: to)? (?:me|us|back|over)\b",
    r"\bwhat(?:'s| is| was) (?:the|your) (?:code|pin|password|otp|number)\b|"
    r"\bwhat (?:code|digits|numbers) did you (?:get|receive)\b",
])
RULES += _rules(ASKS_SECRET, "en", [
    r"\b(?:cvv2?|cvc2?|(?:3|three) digits on the back)\b",
], neg_scope="sentence")
RULES += _rules(ASKS_SECRET, "mn", [
    rf"\b{CODE_MN}\w*{_W}{{0,4}}?{_SP}{SEND_MN}",
    r"\byamar (?:kod|to)\w*",
])
RULES += _rules(ASKS_SECRET, "mn", [
    r"\b(?:cvv|cvc)\b",
], neg_scope="sentence")

# asks for a code "sent by mistake"
RULES += _rules(CODE_BY_MISTAKE, "en", [
    rf"\b(?:sent|send|went|texted|came|delivered|entered|typed|put|gave|used)\b{_CL}{{0,40}}?"
    r"\b(?:by mistake|by accident|accidentally|mistakenly|wrongly|in error|"
    r"to the wrong (?:number|person|phone))\b",
    rf"\b(?:mistakenly|accidentally|wrongly)\b{_CL}{{0,10}}\b(?:sent|entered|typed|put|gave|used)\b",
    r"\bwrong number\b",
], requires=(CODE_WORD_EN,), forbids=_c(r"\b(?:ignore|disregard)\b"), negatable=False)
RULES += _rules(CODE_BY_MISTAKE, "mn", [
    r"\b(?:andur\w*|endur\w*|sanamsargu\w*|buru (?:dugar|utas)\w*|dugar\w* buru|aldag?ar)",
], requires=(CODE_WORD_MN,), forbids=_cm(r"\bul tomsorl\w*|\bustgana u\b"), negatable=False)

# a fee or deposit to receive a prize, loan, grant, refund or job
RULES += _rules(UPFRONT_FEE, "en", [
    rf"\b(?:pay|send|transfer|deposit(?! insurance)|wire|top up)\b{_CL}{{0,50}}?\b{FEE_EN}\b",
    rf"\b{FEE_EN}\b{_CL}{{0,50}}?\b(?:must be paid|pay|send|transfer|deposit|is required|required|"
    r"needs?|to start|before)\b",
    rf"\bto (?:receive|claim|get|release|unlock|withdraw|collect|activate|cash out|redeem)\b"
    rf"{_CL}{{0,60}}?\b(?:pay|transfer|deposit|send)\b",
    rf"\b(?:pay|transfer|deposit|send)\b{_CL}{{0,60}}?\bto (?:receive|claim|get|release|unlock|"
    r"withdraw|collect|activate|redeem)\b",
    rf"\b(?:pay|transfer|deposit|send)\b{_CL}{{0,40}}\b(?:first|in advance|upfront|beforehand)\b",
    rf"\b{FEE_EN}\b{_CL}{{0,40}}\b(?:to|goes to) (?:our|the|my) (?:recruiter|agent|manager|coordinator|"
    r"officer|lawyer|representative)\b",
], requires=(BENEFIT_EN,))
RULES += _rules(UPFRONT_FEE, "en", [
    rf"\b(?:pay|transfer|deposit|send)\b{_CL}{{0,40}}\b(?:in advance|upfront|beforehand|first|"
    r"advance payment|half the price|\d+\s*% (?:upfront|now|first))\b",
], requires=(GOODS_EN,))
RULES += _rules(UPFRONT_FEE, "en", [
    rf"\b(?:pay|send|transfer)\b{_CL}{{0,30}}\bto (?:join|enter|take part|participate|play)\b",
], requires=(PRIZE_WORD_EN,))
RULES += _rules(UPFRONT_FEE, "mn", [
    rf"\b{FEE_MN}\w*{_W}{{0,5}}?{_SP}{PAY_MN}",
    rf"\b{FEE_MN}\w*{_W}{{0,2}}?{_SP}{AMOUNT_MN}",
    rf"\b\w+hi?n tuld\b{_CL}{{0,60}}?\b{PAY_MN}",
    rf"\b(?:uri?dchilan|uri?dchilj|ehled|omno ni)\b{_CL}{{0,40}}?\b{PAY_MN}",
    rf"\b{AMOUNT_MN}\w*{_W}{{0,2}}?{_SP}(?:tolbol|tolvol|hivel|hibel|shiljulbel|shiljulvel)\b",
    rf"\btolbor\w*{_W}{{0,4}}?{_SP}(?:menejer|ajiltan|ajiltn|zuuch|agent|tolologch)\w*(?:t|d|ru|rug)"
    rf"{_SP}(?:shiljul|hi|tol|yavul)\w*",
], requires=(BENEFIT_MN,))
RULES += _rules(UPFRONT_FEE, "mn", [
    rf"\b(?:shiljul|tol)\w*{_SP}(?:oroltso)\w*",
], requires=(PRIZE_MN,))

# pressure or urgency
RULES += _rules(URGENCY, "en", [
    r"\b(?:before it'?s too late|don'?t (?:delay|wait|miss out))\b",
    r"\b(?:someone else|somebody else|others|other (?:people|buyers|customers)|another "
    r"(?:person|buyer|customer|candidate)|next (?:person|winner|buyer|in line)|many people) "
    r"(?:is|are) (?:waiting|interested|ready|in line|asking)\b",
    rf"\b(?:confirm|pay|reply|respond|claim|click|call|verify|update|must|log ?in|sign ?in|send|"
    rf"transfer|activate|register)\b{_CL}{{0,40}}\bwithin (?:the next )?"
    r"(?:\d+|one|two|three)\s*(?:hours?|hrs?|h)\b",
    rf"\bwithin (?:the next )?(?:\d+|one|two)\s*(?:hours?|hrs?|h|minutes?|mins?|days?)\b{_CL}{{0,60}}"
    r"\b(?:or|otherwise|else)\b",
    rf"\b(?:or|otherwise|or else)\b{_CL}{{0,30}}\b(?:account|card|prize|reward|access|number|sim|"
    rf"profile|wallet|money|funds|offer|place|parcel|it)\b{_CL}{{0,30}}\b(?:blocked|closed|suspended|"
    r"lost|cancell?ed|deleted|forfeited|frozen|given to|expire|terminated|disabled|returned)\b",
    r"\b(?:deactivated|blocked|closed|suspended|deleted) (?:today|tonight|within)\b",
], negatable=False)
RULES += _rules(URGENCY, "en", [
    r"\b(?:urgent(?:ly)?|act (?:now|fast|quickly|immediately)|hurry(?: up)?|last chance|"
    r"final (?:notice|warning)|today only|only today|expires? (?:today|tonight)|"
    r"expires? in \d+\s*(?:hours?|hrs?)|as soon as possible|asap|"
    r"limited (?:time|places|spots|slots|offer)|places are limited|"
    r"(?:only|just) \d+ (?:places|spots|slots|seats) left)\b",
])
RULES += _rules(URGENCY, "mn", [
    rf"\b(?:\d+|neg|hoer|gurav)\s*(?:tsag|minut)\w*\s+(?:dotor|turshid)\w*\b{_W}{{0,3}}?{_SP}{IMP_MN}",
    rf"\b(?:\d+|neg|hoer|gurav)\s*honog\w*\s+dotor\w*\b{_W}{{0,3}}?{_SP}(?:tol|shiljul|hi|yavul)\w*",
    r"\b(?:yaral\w*|nen darui)\b(?![\s,]+(?:\w+[\s,]+)?(?:holbog|zalg|handa|medegd|halga|hal))",
    r"\b(?:odo (?:shud|darui)|shud odo|odortoo|suli?in bolomj\w*|hotsro\w*|"
    r"hurdan (?:hi|shiljul|yavul|tol|bolo)\w*|yara(?:rai|ach|h)\b|tsohon (?:uld|bai)\w*|"
    r"sudal\w* tsohon)",
    rf"\b(?:daragi\w*|or|busad|olon) (?:hun|humus|hudaldan av\w*|sonirhogch\w*)\w*{_W}{{0,2}}?"
    r"\s+(?:hulej|sonirhoj|hule|hulj)\w*",
    rf"\b(?:es bogos|es tegvel|ugui (?:bol|tohioldold)|tegehgui bol)\b{_CL}{{0,50}}?"
    r"\b(?:hagd|blokl|tsutsl|hasagd|alda|tudgelz|ustg|hurgegd|shiljigd)\w*",
])

# secrecy
RULES += _rules(SECRECY, "en", [
    r"\b(?:do not|don'?t|dont|never|no need to)\s+(?:call|phone|ring|contact|go to|visit|involve)"
    r"\b(?:\s+[\w']+){0,2}?\s*\b(?:anyone|anybody|(?:your|the) (?:family|bank|parents|husband|"
    r"wife|relatives|friends|children|branch)|bank|police|branch|me|us|them)\b",
    r"\b(?:please )?(?:do not|don'?t|dont) call\b",
    r"\b(?:do not|don'?t|dont|can'?t|cannot|can not|unable to)\s+(?:call|talk|speak|phone)\b"
    rf"{_CL}{{0,30}}\b(?:text|chat|message|write|telegram|messenger|whatsapp)\b",
    r"\b(?:chat|text|messages?|telegram|whatsapp|messenger|viber) only\b|\bonly (?:by|via|through|"
    r"on|in) (?:chat|text|message|telegram|whatsapp|messenger|viber|sms)\b",
    r"\bkeep (?:this|it|the (?:matter|offer|deal)) (?:a )?(?:secret|confidential|private|"
    r"between us|to yourself)\b|\b(?:this is|it is|it's) (?:confidential|secret|between us)\b|"
    r"\bbetween (?:you and me|us)\b",
], negatable=False)
RULES += _rules(SECRECY, "en", [
    r"\b(?:do not|don'?t|dont|never)\s+(?:tell|inform|show|discuss|mention|let)\b(?:\s+[\w']+){0,2}?"
    r"\s*\b(?:anyone|anybody|(?:your|the) (?:family|bank|parents|husband|wife|relatives|friends|"
    r"children)|bank|police|others|about (?:this|it)|mom|dad)\b",
], forbids=CODE_WORD_EN, negatable=False)
RULES += _rules(SECRECY, "en", [
    r"\b(?:can'?t|cannot|can not|unable to) (?:talk|speak|call|answer|pick up)\b",
], requires=(MONEY_EN,), negatable=False)
RULES += _rules(SECRECY, "mn", [
    r"\b(?:bitgi|bu)\s+(?:zalg|yari|medegd|medul|uzul|hand)\w*",
    r"\bzalga\w* (?:hereggui|bolomjgui)\b",
    r"\b(?:zovhon|zovhon l) (?:chat|messenger|telegram|mesej|message|bich|facebook|fb|"
    r"ene chat)\w*",
    r"\bnu(?:ts|c)la\w*|\bnu(?:ts|c) (?:bail|hadgal)\w*",
], negatable=False)
RULES += _rules(SECRECY, "mn", [
    r"\b(?:bitgi|bu)\s+(?:hel|dur?de|yari)\w*",
], forbids=CODE_WORD_MN, negatable=False)
RULES += _rules(SECRECY, "mn", [
    r"\b(?:yari|zalg|utsa?ar yari)\w*\s+(?:bolomjgui|chadahgui|chadku)\b",
], requires=(MONEY_MN,), negatable=False)

# transfer to a personal account
RULES += _rules(PERSONAL_ACCOUNT, "en", [
    r"\b(?:personal|private|individual)(?: bank)? (?:account|card)\b",
], requires=(TRANSFER_EN,))
# "I sent you money by mistake, send it back to this account": the money was
# stolen, and the "refund" goes to the thief.
RULES += _rules(PERSONAL_ACCOUNT, "en", [
    r"\b(?:return|refund)\b(?: it| the money| them)? (?:to|into|on) (?:this|another|the following|my) "
    r"(?:other |second |new )?(?:account|card|number)\b|"
    r"\b(?:send|transfer|return|pay|put)\b(?: it| the money| them)? back (?:to|into|on) (?:this|another|"
    r"the following|my (?:other|friend'?s|sister'?s|brother'?s|mother'?s)) (?:account|card|number)\b",
])
RULES += _rules(PERSONAL_ACCOUNT, "mn", [
    r"\b(?:ene|dorh|dorh|daraah|oor|mini (?:nogo|ondo)) dans\w*[\s,]+(?:ru|rug|luu)?[\s,]*butsa\w*",
])
RULES += _rules(PERSONAL_ACCOUNT, "en", [
    r"\b(?:my|our (?:agent|manager|staff|employee|representative|officer|accountant|director|"
    r"cashier|coordinator)'?s?|the (?:agent|manager|officer|coordinator)'s) (?:personal |private )?"
    r"(?:bank )?(?:account|card)\b",
    r"\b(?:account (?:holder|owner|name)|in the name of)\b",
    r"\b(?:protected|safe|secure|safety|special) account\b",
], requires=(TRANSFER_EN, INSTITUTION_EN))
RULES += _rules(PERSONAL_ACCOUNT, "mn", [
    r"\bhuvi?\w*\s+hun\w*\s+dans\w*|\bhuvin dans\w*",
], requires=(TRANSFER_MN,))
RULES += _rules(PERSONAL_ACCOUNT, "mn", [
    r"\b(?:mini|manai (?:ajiltn|ajiltan|menejer|zahiral|nyagtlan|ajilchn|agent)\w*) (?:dans|kart)\w*",
    r"\bdans (?:ezemshigch|ezemshigchi?n ner)\w*|\bezemshigch\b",
    r"\b(?:aywlgui|ayulgui|hamgalalt\w*|tusgai|bidni zasan|manai zasan)\s+dans\w*",
], requires=(TRANSFER_MN, INSTITUTION_MN))

# guaranteed daily returns, crypto, VIP levels
RULES += _rules(GUARANTEED_RETURNS, "en", [
    r"\bguaranteed? (?:daily |weekly |monthly |high |fixed )?(?:profits?|returns?|income|earnings|"
    r"payouts?|interest)\b",
    r"\b\d+(?:\.\d+)?\s*%\s*(?:profit |return |interest |income )?(?:per day|a day|daily|every day)\b",
    rf"\b\d+\s*% (?:returns?|profits?|gains?)\b{_CL}{{0,30}}\b(?:in (?:a|one|\d+) (?:days?|weeks?|"
    r"months?)|daily|weekly|per (?:day|week))\b",
    r"\b(?:daily|every day|per day|each day) (?:profits?|returns?|income|earnings|payouts?)\b",
    r"\bvip ?(?:levels?|tiers?|\d|members?|group|status)\b",
    r"\b(?:double|triple|multiply) your (?:money|investment|deposit|income)\b",
    r"\bguarantee[sd]? (?:the |your |a |high )?(?:profits?|returns?|income|earnings)\b",
    rf"\binvest\w*\b{_CL}{{0,60}}\b(?:earn|get|receive|profit|return)\w*\b{_CL}{{0,30}}"
    r"\b(?:daily|a day|per day|every day|guaranteed|\d+x|times)\b",
    rf"\b(?:crypto\w*|bitcoin|btc|usdt|tether|ethereum|trading bot|forex)\b{_CL}{{0,60}}"
    r"\b(?:profits?|returns?|earn\w*|income|double)\b",
    rf"\b(?:profits?|returns?|earn\w*|income)\b{_CL}{{0,60}}\b(?:crypto\w*|bitcoin|usdt|forex)\b",
    rf"\b(?:send|deposit|transfer|pay|invest)\b{_CL}{{0,20}}\b(?:usdt|bitcoin|btc|crypto|"
    r"ethereum|tether)\b",
    r"\b(?:airdrop|connect your (?:crypto )?wallet|free (?:\d+ )?(?:usdt|bitcoin|btc|crypto|tokens?))\b",
])
RULES += _rules(GUARANTEED_RETURNS, "mn", [
    rf"\b(?:odort|odor bur|odor tutam|honogt)\b{_CL}{{0,30}}(?:\d+\s*%|\b\d+\s*huv|\bashig|"
    r"\borlogo|\bhu\b|\bhutei)\w*",
    r"\bbatalgatai (?:ashig|orlogo|hu|butsa)\w*|\bbatalgatai\b[\s,]+ersdelgui",
    r"\b(?:ashig|orlogo)\w* (?:ni |n )?batalgatai\b",
    rf"\b(?:arilja|treiding|trading)\w*\b{_CL}{{0,60}}\bodort\b",
    r"\bvip\s*(?:\d|tuvshin|ereml|gishu|level|group|bulg)\w*",
    rf"\b(?:kripto|crypto|bitcoin|bitkoin|btc|usdt|tether|binance|bainans|forex)\w*\b{_CL}{{0,60}}"
    r"\b(?:ashig|orlogo|hojl|olo|hu|nemegd|\d+ dahin|ost|\d+ sa)\w*",
    r"\b(?:\d+|hoer|gurav)\s*dahin (?:osgo|nemegd|ih|bolgo|ost)\w*",
    r"\bturi?vch\w* holbo\w*|\bunegui \d+ (?:usdt|bitcoin|btc|token)\w*|\bairdrop\w*",
    rf"\bhorongo orul\w*\b{_CL}{{0,80}}(?:\bodort|\bodor bur|\bbatalgat|\bdahin|\d+\s*%)\w*",
])

# paid online tasks
RULES += _rules(PAID_TASKS, "en", [
    rf"\b(?:like|rate|review|watch|subscribe|follow)\w*\b{_CL}{{0,40}}\b(?:videos?|posts?|"
    rf"products?|hotels?|apps?|channels?|reviews?|pages?)\b{_CL}{{0,60}}(?:\bearn|\bpaid|\bcommission|"
    r"\bincome|\bpay\b|\$|₮|\bmnt|\btugrik)",
    r"\b(?:simple|easy|online|daily|small|paid|telegram) tasks?\b",
    r"\b(?:complete|completing|do|doing|finish)\w* (?:the |our |simple |easy |small |online |"
    r"daily )?(?:tasks?|missions?|orders? tasks?)\b",
    rf"\btasks?\b{_CL}{{0,40}}\b(?:earn|paid|commission|income|salary)\b",
    rf"\b(?:earn|make)\b{_CL}{{0,30}}\b(?:from home|at home|on your phone|with your phone|"
    r"from your phone|in your free time|part[- ]time)\b",
    rf"\b{_NUM}\s?(?:k|mnt|₮|tugriks?|\$)?\s?(?:per|for each|for every|each|a) (?:review|like|"
    r"rating|video|post|task|order|click|comment|follow)\b",
    rf"\bpart[- ]time (?:job|work)\b{_CL}{{0,60}}\b(?:telegram|whatsapp|online|phone|earn|daily)\b",
])
RULES += _rules(PAID_TASKS, "mn", [
    rf"\bdalgavar\w*\b{_CL}{{0,60}}(?:\borlogo|\btsalin|\bmongo|\bshimtgel|\bolo|₮|\btog|"
    r"\d+\s*(?:mynga|myanga))\w*",
    rf"\b(?:laik|like|leik|subscribe|follow)\w*\b{_CL}{{0,40}}(?:\bmongo olo|\borlogo olo|"
    r"\d+\s*(?:₮|tog|togrog|mynga|myanga))",
    rf"\b(?:geres|gertes|utsar|telegram)\w*\b{_CL}{{0,40}}\b(?:ajil|orlogo olo|mongo olo|tsalin)\w*",
    rf"\b(?:tsagi?n|nemelt|hagas tsagi?n|onlain|online) ajil\w*\b{_CL}{{0,60}}(?:\btelegram|\bodort|"
    r"\bgeres|\butsar|\d+\s*(?:₮|mynga|myanga))",
    rf"\b(?:unelge|laik|like|setgegdel)\w* og\w*{_CL}{{0,40}}(?:\borlogo|\bmongo|\d+\s*(?:₮|myanga))",
    r"\bneg (?:setgegdel|laik|like|unelge|dalgavar|video|bichleg|zahialg|od)\w*[\s,]+\d",
    rf"\b\d+ od og\w*{_CL}{{0,60}}(?:\d+\s*(?:₮|tug|myanga)|\borlogo)",
])

# a friend or relative asking for money urgently by message
RULES += _rules(FRIEND_MONEY, "en", [
    r"\b(?:send|transfer|give|wire)\s+(?:me|us)\b|\b(?:lend|loan)\s+(?:me|us)\b|\bborrow\b|"
    r"\b(?:need|needs)\s+(?:some )?(?:money|cash)\b|\bcan you (?:send|transfer|lend|give|pay)\b",
], requires=(MONEY_EN, EMERGENCY_EN))
RULES += _rules(FRIEND_MONEY, "mn", [
    rf"\b(?:mongo|{AMOUNT_MN})\w*{_W}{{0,3}}?{_SP}(?:zel|shiljul|yavul|hi|ilge|og|tusl){REQ_MN}",
    rf"\b(?:mongo|{AMOUNT_MN})\w*{_W}{{0,3}}?{_SP}(?:zel|shiljul|yavul|hi|ilge)\w*{_SP}og\w*",
    r"\bzel(?:ed|ech|ul|j)\w*(?:\s+og\w*)?",
    rf"\bnadad\s+(?:mongo|{AMOUNT_MN})\w*\s+(?:heregte|hereg bolo)\w*",
    rf"\b(?:mongo|{AMOUNT_MN})\w*\s+(?:dut|heregte)\w*",
], requires=(MONEY_MN, EMERGENCY_MN))

# a prize from a draw you never entered
RULES += _rules(UNENTERED_PRIZE, "en", [
    r"\byou(?:'ve| have)? (?:just )?(?:won|been (?:selected|chosen|picked|drawn))\b",
    r"\byou are (?:the|our|a|one of (?:the|our)) (?:lucky |grand |prize )?winners?\b",
    rf"\bcongratulations\b{_CL}{{0,60}}\b(?:won|winner|selected|chosen|prize|reward)\b",
    r"\byour (?:phone |mobile )?(?:number|account|name|card|sim|profile) (?:has been|was|is|got) "
    r"(?:selected|chosen|drawn|picked)\b",
    r"\byour (?:phone |mobile )?(?:number|account|name|card|sim|profile) (?:has |have )?won\b",
    r"\blucky (?:draw|winner|number|customer|subscriber)\b",
], requires=(PRIZE_WORD_EN,), forbids=EBARIMT)
RULES += _rules(UNENTERED_PRIZE, "mn", [
    r"\b(?:hojl\w*|hojson|hojij|aztan\w*|shalgarl\w*|shalgars\w*|shalgarch|todorl\w*|"
    r"shagnal\w* (?:ezen|ezn)\w*|\w+ (?:ezen|ezn) bol\w*)",
], requires=(PRIZE_MN,), forbids=EBARIMT)

# "your account has a problem" plus a link that is not an official address
RULES += _rules(LOGIN_LINK, "en", [
    rf"\b(?:account|card|wallet|internet bank(?:ing)?|mobile bank(?:ing)?|e-?banking|e-?mongolia|"
    rf"profile|access|sim|dan|digital id|membership|subscription|page|facebook|instagram)\b{_CL}{{0,40}}"
    r"\b(?:blocked|suspended|locked|closed|frozen|restricted|deactivated|disabled|limited|"
    r"compromised|expired|expiring|on hold|removed|deleted)\b",
    r"\b(?:suspicious|unusual|unauthori[sz]ed|failed|unknown|new|\d+ (?:failed|wrong|incorrect|"
    r"unsuccessful)) (?:login|log-in|sign-in|access|activity|attempts?|transactions?|devices?)\b",
    r"\b(?:verify|confirm|update|reactivate|restore|unlock|unfreeze|validate|secure|re-?activate)\b"
    r"(?:\s+[\w']+){0,2}?\s+(?:account|identity|details|information|info|data|card|profile|"
    r"login|kyc|access|payment (?:method|details|info))\b",
    r"\bappeal\b",
    r"\b(?:log ?in|sign ?in)\b (?:here|via|through|at|using|on)\b",
    r"\b(?:enter|fill in|submit)\b(?:\s+[\w']+){0,2}?\s+(?:details|information|data|card)\b",
], negatable=False, needs_unofficial_link=True)
RULES += _rules(LOGIN_LINK, "en", [
    r"\b(?:click|tap|press|open|follow|visit|go to)\b(?:\s+[\w']+){0,3}?\s+(?:here|link|below|page|"
    r"website|site)\b",
    r"\b(?:pay|register|sign up|claim|receive|collect|reschedule|redeem|apply)\b",
], negatable=False, needs_unofficial_link=True)
RULES += _rules(LOGIN_LINK, "mn", [
    r"\b(?:holbos|link|linc)\w*[\s,]+(?:der[\s,]+)?dar\w*|\bend dar\w*",
    r"\b(?:tol(?:no u|orei|oh)|burtgul(?:ne u|erei)|hulej av\w*|mongo\w* av(?:arai|na u))",
], negatable=False, needs_unofficial_link=True)
RULES += _rules(LOGIN_LINK, "mn", [
    rf"\b(?:dans|kart|internet bank|app|profail|profil|e-?mongol\w*|bank|burtgel|dan|huudas|"
    rf"facebook|feisbuk|instagram|akaunt|account)\w*\b"
    rf"{_CL}{{0,40}}?\b(?:hagd|blokl|tudgelz|hyazgarl|tsutsl|ustg|zogso|hasagd|dus)\w*",
    r"\b(?:sejigtei|hevin bus|tanigdagui|taniggui|ul medegdeh) (?:nevtrelt|guilge|uildel|"
    r"oroldlog|tohooromj)\w*",
    r"\b(?:amjiltgui|buru) (?:guilge|nevtrelt|oroldlog)\w*",
    r"\bdavj zald\w*",
    r"\b(?:batalgajul|shinechil|idevhjul|sergee|nevter|nevtre|medelle oruul)\w*",
], negatable=False, needs_unofficial_link=True)


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
    rules: Iterable[Rule] = RULES,
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
