"""Is this message a scam? Verdict, red flags quoted from the message, advice.

`check_message` runs the rules of faq/scam_rules.yml and faq/scam_phrases.yml
(read by actions/scam/phrases.py, matched by actions/scam/signals.py) and one
sentence-embedding lookup against the known-scam library in
faq/scam_patterns.yml, so a new wording of a known scam is recognised too.
The four YAML files are re-read when saved (an mtime check on each call), so
maintainers add phrases, patterns and official domains without touching code.
How it decides, and its measured figures: docs/scam.md.

The checker never calls a message safe: with no warning signs it says so and
tells the user how to verify through the official channel. If the sentence
model cannot load, it logs a warning and works on rules alone.
"""

from __future__ import annotations

import logging
import re
import threading
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Protocol

import numpy as np
import yaml

from actions.scam import phrases as scam_phrases
from actions.scam import signals as sig
from core.privacy import mask_pii
from core.settings import CACHE_DIR, FAQ_DIR, MAX_MESSAGE_CHARS
from core.strings import load_all, t

log = logging.getLogger(__name__)

VERDICTS = ("likely_scam", "suspicious", "no_red_flags")
LIKELY_SCAM, SUSPICIOUS, NO_RED_FLAGS = VERDICTS

DOMAINS_FILE = Path(FAQ_DIR) / "official_domains.yml"
PATTERNS_FILE = Path(FAQ_DIR) / "scam_patterns.yml"
PHRASES_FILE = Path(FAQ_DIR) / "scam_phrases.yml"

# Semantic match with multilingual-e5-small (cosine of "query: " embeddings).
# e5 puts unrelated texts near 0.75, so a fixed floor alone cannot separate
# scams from look-alike genuine notices: a message must also be clearly
# closer to a scam example than to any genuine example in the library.
# Calibrated leave-one-out on the library itself (each example against the
# rest): at these values no genuine reference example reads as a scam.
SEMANTIC_MIN_SCORE = 0.86
SEMANTIC_MARGIN = 0.03
# Only the start of a long post is embedded; it carries the pitch.
EMBED_MAX_CHARS = 600
# After a failed model load, rules run alone; loading is retried this often.
ENCODER_RETRY_SECONDS = 300.0
# Buttons under the answer; the reporting entry is always among them for scams.
MAX_ADVICE = 3


class Encoder(Protocol):
    def encode_queries(self, texts: list[str]) -> np.ndarray: ...


@dataclass(frozen=True)
class ScamResult:
    """What the checker found; texts are already in the user's language."""

    verdict: str
    signals: list[str]
    explanations: list[str]
    advice: list[str]
    report: str | None
    summary: str
    steps: list[str] = field(default_factory=list)
    patterns: list[str] = field(default_factory=list)  # ids of matched known scams

    def as_dict(self) -> dict[str, Any]:
        """The `ask --forwarded` JSON: exactly these three keys."""
        return {
            "verdict": self.verdict,
            "signals": list(self.signals),
            "explanations": list(self.explanations),
        }

    def reply_text(self, lang: str) -> str:
        """The whole answer as one message, written to be read aloud."""
        parts = [self.summary]
        if self.explanations:
            lines = [t(lang, "scam.heading.flags")]
            lines += [f"{i}. {text}" for i, text in enumerate(self.explanations, 1)]
            parts.append("\n".join(lines))
        if self.steps:
            lines = [t(lang, "scam.heading.steps")]
            lines += self.steps
            parts.append("\n".join(lines))
        if self.report:
            parts.append(self.report)
        return "\n\n".join(parts)


@dataclass(frozen=True)
class Organisation:
    id: str
    kind: str
    name: dict[str, str]
    domains: tuple[str, ...]
    mentions: re.Pattern[str] | None  # the organisation's name as people write it
    hotline: str | None


@dataclass(frozen=True)
class Pattern:
    id: str
    description: dict[str, str]
    signal: str | None
    advice: tuple[str, ...]
    examples: tuple[str, ...]


@dataclass
class Library:
    """Both YAML files, parsed; rebuilt whenever either file changes."""

    index: sig.DomainIndex
    organisations: tuple[Organisation, ...]
    signal_advice: dict[str, tuple[str, ...]]
    report_advice: str | None
    patterns: tuple[Pattern, ...]
    genuine_examples: tuple[str, ...]
    rules: tuple[sig.Rule, ...] = ()  # faq/scam_rules.yml's plus the phrase file's


def _rules_only() -> Library:
    """No domain or pattern library: the built-in rules still run."""
    return Library(sig.DomainIndex(), (), {}, None, (), (), scam_phrases.built_in().rules)


def _mentions_re(mentions: list[Any]) -> re.Pattern[str] | None:
    words = [re.escape(str(m).lower()) for m in mentions if str(m).strip()]
    if not words:
        return None
    # No end boundary: Mongolian endings attach to the name ("Хаан банкны").
    return re.compile(r"(?<!\w)(?:" + "|".join(sorted(words, key=len, reverse=True)) + r")",
                      re.IGNORECASE)


def _texts(node: Any) -> list[str]:
    if isinstance(node, dict):
        return [str(x).strip() for v in node.values() for x in (v or []) if str(x).strip()]
    return [str(x).strip() for x in (node or []) if str(x).strip()]


def load_library(domains_path: Path, patterns_path: Path,
                 phrases_path: Path | None = None) -> Library:
    with open(domains_path, encoding="utf-8") as fh:
        dom = yaml.safe_load(fh) or {}
    with open(patterns_path, encoding="utf-8") as fh:
        pat = yaml.safe_load(fh) or {}
    orgs: list[Organisation] = []
    brands: list[sig.Brand] = []
    official: list[str] = []
    # Everyday words are refused as brand words: "police" or "sso" inside an
    # unrelated foreign address is no sign of a fake.
    generic = {str(w).lower().replace("-", "") for w in dom.get("generic_words") or []}
    for item in dom.get("organisations") or []:
        domains = tuple(str(d).lower() for d in item.get("domains") or [])
        orgs.append(Organisation(
            id=str(item["id"]),
            kind=str(item.get("kind", "")),
            name=dict(item.get("name") or {}),
            domains=domains,
            mentions=_mentions_re(item.get("mentions") or []),
            hotline=str(item["hotline"]) if item.get("hotline") else None,
        ))
        official.extend(domains)
        for word in item.get("brands") or []:
            word = str(word).lower().replace("-", "")
            if domains and word not in generic:
                brands.append(sig.Brand(word, domains[0]))
    # Longer domains first, so "service.police.gov.mn" wins over "police.gov.mn".
    index = sig.DomainIndex(
        official=tuple(sorted(set(official), key=len, reverse=True)),
        brands=tuple(sorted(brands, key=lambda b: len(b.word), reverse=True)),
        shorteners=frozenset(str(s).lower() for s in dom.get("shorteners") or []),
        generic=frozenset(generic),
    )
    signal_advice = {
        str(k): tuple((v or {}).get("advice") or ()) for k, v in (pat.get("signals") or {}).items()
    }
    patterns = tuple(
        Pattern(
            id=str(p["id"]),
            description=dict(p.get("description") or {}),
            signal=p.get("signal"),
            advice=tuple(p.get("advice") or ()),
            examples=tuple(_texts(p.get("examples"))),
        )
        for p in pat.get("patterns") or []
    )
    genuine = tuple(x for g in pat.get("genuine") or [] for x in _texts(g.get("examples")))
    built_in = scam_phrases.built_in()
    rules = built_in.rules
    if phrases_path is not None and phrases_path.is_file():
        rules += tuple(scam_phrases.load_rules(phrases_path, built_in))
    return Library(index, tuple(orgs), signal_advice, pat.get("report_advice"), patterns, genuine,
                   rules)


@dataclass
class _Vectors:
    scam: np.ndarray  # (n, dim)
    scam_owner: np.ndarray  # (n,) index into Library.patterns
    genuine: np.ndarray  # (m, dim)


@dataclass(frozen=True)
class SemanticMatch:
    pattern: Pattern
    score: float
    genuine_score: float


class ScamChecker:
    """Holds the parsed library and the pattern embeddings between calls.

    `encoder=None` means "use actions.embedding.encoder.get_encoder()"; pass
    `use_encoder=False` for rules only. The thresholds belong to the model:
    another encoder needs its own (tests use a stand-in with its own).
    """

    def __init__(
        self,
        domains_path: Path = DOMAINS_FILE,
        patterns_path: Path = PATTERNS_FILE,
        encoder: Encoder | None = None,
        use_encoder: bool = True,
        min_score: float = SEMANTIC_MIN_SCORE,
        margin: float = SEMANTIC_MARGIN,
    ) -> None:
        self.min_score = min_score
        self.margin = margin
        self.domains_path = Path(domains_path)
        self.patterns_path = Path(patterns_path)
        # The phrase file lives beside the pattern library; absent means none.
        self.phrases_path = self.patterns_path.parent / PHRASES_FILE.name
        self._encoder = encoder
        self._use_encoder = use_encoder
        self._encoder_failed_at: float | None = None
        self._lock = threading.RLock()
        self._stamp: tuple[int, int, int, int] | None = None
        self._missing_logged = False
        self._library: Library | None = None
        self._vectors: _Vectors | None = None
        # The library and encoder the vectors were made for; holding them (not
        # their ids) means a reloaded library can never be mistaken for the old one.
        self._vectors_for: tuple[Library, Encoder] | None = None

    # ---- loading

    def _mtimes(self) -> tuple[int, int, int, int]:
        phrases = self.phrases_path.stat().st_mtime_ns if self.phrases_path.is_file() else 0
        return (self.domains_path.stat().st_mtime_ns, self.patterns_path.stat().st_mtime_ns,
                phrases, scam_phrases.RULES_FILE.stat().st_mtime_ns)

    def library(self) -> Library:
        """The current library, re-read if a file changed since the last call."""
        try:
            stamp = self._mtimes()
        except OSError as exc:
            if self._library is None:
                if not self._missing_logged:
                    self._missing_logged = True
                    log.error("scam checker: library files missing (%s); rules run without "
                              "official domains or known patterns", exc)
                return _rules_only()
            log.warning("scam checker: cannot stat library files (%s); keeping the loaded one", exc)
            return self._library
        if stamp != self._stamp or self._library is None:
            with self._lock:
                if stamp != self._stamp or self._library is None:
                    try:
                        self._library = load_library(self.domains_path, self.patterns_path,
                                                     self.phrases_path)
                        log.info("scam checker: loaded %d patterns, %d official domains",
                                 len(self._library.patterns), len(self._library.index.official))
                    except (OSError, yaml.YAMLError, KeyError, TypeError, AttributeError) as exc:
                        if self._library is None:
                            log.error("scam checker: library is invalid (%s); rules run without "
                                      "official domains or known patterns", exc)
                            self._library = _rules_only()
                        else:
                            log.error("scam checker: keeping the previous library, new one is "
                                      "invalid: %s", exc)
                    self._stamp = stamp
        return self._library

    def encoder(self) -> Encoder | None:
        if not self._use_encoder:
            return None
        if self._encoder is not None:
            return self._encoder
        if self._encoder_failed_at is not None and (
            time.monotonic() - self._encoder_failed_at < ENCODER_RETRY_SECONDS
        ):
            return None
        with self._lock:
            if self._encoder is None:
                try:
                    from actions.embedding.encoder import get_encoder

                    self._encoder = get_encoder()
                    self._encoder_failed_at = None
                except Exception as exc:  # any failure: degrade, never crash a check
                    self._encoder_failed_at = time.monotonic()
                    log.warning("scam checker: sentence model unavailable, using rules only: %s",
                                exc)
                    return None
        return self._encoder

    def _embed(self, enc: Encoder, texts: list[str]) -> np.ndarray:
        """Embeddings of library texts, reusing those cached on disk for this model.

        A maintainer's edit then costs one embedding per new example, not a
        re-embedding of the whole library.
        """
        name = getattr(enc, "name", None)
        path = Path(CACHE_DIR) / f"scam_patterns-{name}.npz" if name else None
        cached: dict[str, np.ndarray] = {}
        if path is not None and path.is_file():
            try:
                with np.load(path, allow_pickle=False) as data:
                    cached = dict(zip(data["texts"].tolist(), data["vectors"]))
            except (OSError, ValueError, KeyError) as exc:
                log.warning("scam checker: ignoring unreadable cache %s: %s", path, exc)
        missing = [x for x in dict.fromkeys(texts) if x not in cached]
        if missing:
            for text, vec in zip(missing, enc.encode_queries(missing)):
                cached[text] = np.asarray(vec, np.float32)
            if path is not None:
                try:
                    path.parent.mkdir(parents=True, exist_ok=True)
                    keep = list(dict.fromkeys(texts))
                    tmp = path.with_suffix(".tmp.npz")
                    np.savez(tmp, texts=np.array(keep), vectors=np.stack([cached[x] for x in keep]))
                    tmp.replace(path)
                except OSError as exc:
                    log.warning("scam checker: cannot write cache %s: %s", path, exc)
        if not texts:
            return np.zeros((0, 1), np.float32)
        return np.stack([cached[x] for x in texts]).astype(np.float32)

    def _pattern_vectors(self, lib: Library, enc: Encoder) -> _Vectors:
        def fresh() -> bool:
            return (self._vectors is not None and self._vectors_for is not None
                    and self._vectors_for[0] is lib and self._vectors_for[1] is enc)

        if fresh():
            return self._vectors  # type: ignore[return-value]
        with self._lock:
            if not fresh():
                texts: list[str] = []
                owner: list[int] = []
                for i, p in enumerate(lib.patterns):
                    texts.extend(p.examples)
                    owner.extend([i] * len(p.examples))
                started = time.perf_counter()
                vectors = self._embed(enc, texts + list(lib.genuine_examples))
                self._vectors = _Vectors(vectors[: len(texts)], np.asarray(owner, int),
                                         vectors[len(texts):])
                self._vectors_for = (lib, enc)
                log.info("scam checker: embedded %d pattern examples in %.1f s",
                         len(texts) + len(lib.genuine_examples), time.perf_counter() - started)
        return self._vectors

    def warm_up(self) -> None:
        """Load files, texts, model and pattern embeddings now rather than on the first message."""
        load_all()
        mask_pii("0")  # reads the public numbers it must leave readable
        lib = self.library()
        enc = self.encoder()
        if enc is not None:
            self._pattern_vectors(lib, enc)

    # ---- matching

    def semantic_match(self, text: str) -> SemanticMatch | None:
        lib = self.library()
        enc = self.encoder()
        if enc is None or not lib.patterns:
            return None
        try:
            vec = self._pattern_vectors(lib, enc)
            query = enc.encode_queries([" ".join(text[:EMBED_MAX_CHARS].split())])[0]
        except Exception as exc:  # the model failing mid-run must not lose the answer
            log.warning("scam checker: semantic match failed, rules only: %s", exc)
            return None
        if not len(vec.scam):
            return None
        scores = vec.scam @ query
        best = int(np.argmax(scores))
        score = float(scores[best])
        genuine = float(np.max(vec.genuine @ query)) if len(vec.genuine) else -1.0
        if score >= self.min_score and score - genuine >= self.margin:
            return SemanticMatch(lib.patterns[int(vec.scam_owner[best])], score, genuine)
        return None

    def check(self, text: str, lang: str) -> ScamResult:
        text = (text or "")[:MAX_MESSAGE_CHARS]
        lib = self.library()
        links = sig.find_links(text, lib.index)
        views = {"en": sig.en_view(text), "mn": sig.mn_view(text)}
        has_unofficial = any(link.kind != "official" for link in links)
        hits = sig.run_rules(text, views, has_unofficial, lib.rules) + sig.link_hits(links)
        hits = sig.name_the_link(hits, links)
        match = self.semantic_match(text) if text.strip() else None
        return self._result(text, lang, lib, hits, match, links)

    # ---- wording

    def _result(
        self,
        text: str,
        lang: str,
        lib: Library,
        hits: list[sig.Hit],
        match: SemanticMatch | None,
        links: list[sig.Link],
    ) -> ScamResult:
        found = {h.signal for h in hits}
        strong = [h for h in hits if h.signal not in sig.WEAK_SIGNALS]
        weak = [h for h in hits if h.signal in sig.WEAK_SIGNALS]
        if strong or len(weak) >= 2 or (match and hits):
            verdict = LIKELY_SCAM
        elif hits or match:
            verdict = SUSPICIOUS
        else:
            verdict = NO_RED_FLAGS

        order = {s: i for i, s in enumerate(sig.RULE_SIGNALS)}
        ordered = sorted(strong, key=lambda h: order.get(h.signal, 99))
        explanations = [self._explain(h, lang) for h in ordered]
        signals = [h.signal for h in ordered]
        if match and match.pattern.signal not in found:
            signals.append(sig.KNOWN_PATTERN)
            desc = match.pattern.description
            explanations.append(t(lang, "scam.flag.known_pattern",
                                  description=desc.get(lang) or desc.get("en", match.pattern.id)))
        for h in sorted(weak, key=lambda h: order.get(h.signal, 99)):
            signals.append(h.signal)
            explanations.append(self._explain(h, lang))

        advice: list[str] = []
        for s in signals:
            advice.extend(lib.signal_advice.get(s, ()))
        if match:
            advice.extend(match.pattern.advice)
        advice = list(dict.fromkeys(advice))
        if verdict == LIKELY_SCAM and lib.report_advice:
            advice = [a for a in advice if a != lib.report_advice][: MAX_ADVICE - 1]
            advice.append(lib.report_advice)
        else:
            advice = advice[:MAX_ADVICE]

        report = self._report(text, lang, lib, links) if verdict == LIKELY_SCAM else None
        steps = [line for line in t(lang, f"scam.steps.{verdict}").splitlines() if line.strip()]
        return ScamResult(
            verdict=verdict,
            signals=signals,
            explanations=explanations,
            advice=advice,
            report=report,
            summary=t(lang, f"scam.verdict.{verdict}"),
            steps=steps,
            patterns=[match.pattern.id] if match else [],
        )

    @staticmethod
    def _explain(hit: sig.Hit, lang: str) -> str:
        # Explanations are stored with the chat and may reach volunteers. The
        # name before "@" in a link is the fraudster's decoy, not an e-mail.
        userinfo = hit.detail.get("reason") == "userinfo"
        quote = hit.quote if userinfo else mask_pii(hit.quote)
        if hit.signal == sig.LOOKALIKE_DOMAIN:
            reason = hit.detail.get("reason", "letters")
            official = hit.detail.get("official", "")
            real = hit.detail.get("real", "")
            if reason in sig.HIDDEN_SITE_REASONS:
                key = f"scam_checker.flag.domain_{reason}{'' if official else '_generic'}"
            elif official:
                key = f"scam.flag.domain_{reason}"
            else:
                key = "scam.flag.domain_mixed_script_generic"
            return t(lang, key, quote=quote, official=official, real=real)
        if hit.signal == sig.LOGIN_LINK and hit.detail.get("link"):
            # The demand and the link it sends to, both in the user's own words.
            link = hit.detail["link"]
            return t(lang, "scam_checker.flag.login_link", quote=quote,
                     link=link if sig.USERINFO_LINK.match(link) else mask_pii(link))
        try:  # signals added with the phrase file keep their texts apart
            return t(lang, f"scam_checker.flag.{hit.signal}", quote=quote)
        except KeyError:
            return t(lang, f"scam.flag.{hit.signal}", quote=quote)

    @staticmethod
    def _report(text: str, lang: str, lib: Library, links: list[sig.Link]) -> str:
        imitated = {link.imitates for link in links if link.imitates}
        bank: Organisation | None = None
        longest = 0
        for org in lib.organisations:
            if org.kind != "bank":
                continue
            if imitated & set(org.domains):
                bank = org
                break
            # The longest name wins: "Чингис хаан банк" is not "Хаан банк".
            found = org.mentions.search(text) if org.mentions is not None else None
            if found and len(found.group(0)) > longest:
                bank, longest = org, len(found.group(0))
        parts = [t(lang, "scam.report.police")]
        if bank and bank.hotline:
            parts.append(t(lang, "scam.report.bank", bank=bank.name.get(lang) or bank.name.get("en"),
                           phone=bank.hotline))
        else:
            parts.append(t(lang, "scam.report.any_bank"))
        return " ".join(parts)


_default: ScamChecker | None = None
_default_lock = threading.Lock()


def default_checker() -> ScamChecker:
    global _default
    if _default is None:
        with _default_lock:
            if _default is None:
                _default = ScamChecker()
    return _default


def check_message(text: str, lang: str) -> ScamResult:
    """Check a pasted or forwarded message; `lang` is the language of the answer."""
    return default_checker().check(text, lang)
