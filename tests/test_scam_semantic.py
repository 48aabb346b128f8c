"""The known-scam library is matched by meaning, reloads when saved, and the
checker keeps working on rules alone when the sentence model is missing."""

from __future__ import annotations

import logging
import os
import re
import shutil
import zlib
from pathlib import Path

import numpy as np
import pytest
import yaml

from actions.scam import checker as scam
from actions.scam.checker import DOMAINS_FILE, NO_RED_FLAGS, PATTERNS_FILE, ScamChecker

pytestmark = pytest.mark.slow  # loads the sentence encoder


class TrigramEncoder:
    """Stand-in for the sentence model: hashed character trigrams, unit length.

    It only knows shared spelling, so it recognises a re-worded message that
    keeps some words; the real model also catches paraphrases.
    """

    dim = 4096

    def __init__(self) -> None:
        self.calls = 0

    def encode_queries(self, texts: list[str]) -> np.ndarray:
        self.calls += 1
        out = np.zeros((len(texts), self.dim), np.float32)
        for i, text in enumerate(texts):
            for word in re.findall(r"\w+", text.lower()):
                padded = f" {word} "
                for j in range(len(padded) - 2):
                    out[i, zlib.crc32(padded[j:j + 3].encode()) % self.dim] += 1.0
        norms = np.linalg.norm(out, axis=1, keepdims=True)
        return out / np.maximum(norms, 1e-9)


class BrokenEncoder:
    def encode_queries(self, texts: list[str]) -> np.ndarray:
        raise RuntimeError("model crashed")


STANDIN = {"min_score": 0.45, "margin": 0.05}
# A new wording of the library's "shares_dividend_link" pattern that no rule catches.
REWORDED_SHARES = (
    "Good news for Tavan Tolgoi shareholders: check how much your shares are worth "
    "and collect the dividend payout online today."
)


@pytest.fixture
def library_copy(tmp_path: Path) -> tuple[Path, Path]:
    domains = tmp_path / "official_domains.yml"
    patterns = tmp_path / "scam_patterns.yml"
    shutil.copy(DOMAINS_FILE, domains)
    shutil.copy(PATTERNS_FILE, patterns)
    return domains, patterns


def _touch_later(path: Path) -> None:
    """Make sure the mtime moves even on coarse-grained file systems."""
    st = path.stat()
    os.utime(path, ns=(st.st_atime_ns, st.st_mtime_ns + 2_000_000_000))


def test_rules_alone_miss_the_reworded_scam() -> None:
    # Guards the next test: it must measure the semantic match, not a rule.
    result = ScamChecker(use_encoder=False).check(REWORDED_SHARES, "en")
    assert result.verdict == NO_RED_FLAGS


def test_reworded_known_scam_is_recognised_with_standin_encoder() -> None:
    checker = ScamChecker(encoder=TrigramEncoder(), **STANDIN)
    match = checker.semantic_match(REWORDED_SHARES)
    assert match is not None and match.pattern.id == "shares_dividend_link"
    result = checker.check(REWORDED_SHARES, "en")
    assert result.verdict != NO_RED_FLAGS
    assert "known_pattern" in result.signals
    assert result.patterns == ["shares_dividend_link"]
    assert any("Tavan Tolgoi" in text for text in result.explanations)
    assert "phishing_sms" in result.advice


def test_genuine_notice_is_not_matched_with_standin_encoder() -> None:
    checker = ScamChecker(encoder=TrigramEncoder(), **STANDIN)
    text = "Your new bank card is ready. Please collect it at your branch with your ID card."
    assert checker.semantic_match(text) is None
    assert checker.check(text, "en").verdict == NO_RED_FLAGS


def test_pattern_added_in_yaml_is_used_after_save(library_copy: tuple[Path, Path]) -> None:
    domains, patterns = library_copy
    checker = ScamChecker(domains, patterns, encoder=TrigramEncoder(), **STANDIN)
    text = "Your yak wool cooperative membership lottery ticket is waiting at the soum hall"
    assert checker.semantic_match(text) is None
    data = yaml.safe_load(patterns.read_text(encoding="utf-8"))
    data["patterns"].append({
        "id": "wool_lottery",
        "description": {"en": "a made-up wool lottery", "mn": "зохиомол ноосны сугалаа"},
        "advice": ["prize_scam"],
        "examples": {"en": ["yak wool cooperative lottery ticket waiting at the soum hall"]},
    })
    patterns.write_text(yaml.safe_dump(data, allow_unicode=True), encoding="utf-8")
    _touch_later(patterns)
    match = checker.semantic_match(text)
    assert match is not None and match.pattern.id == "wool_lottery"


def test_official_domain_added_in_yaml_is_used_after_save(library_copy: tuple[Path, Path]) -> None:
    domains, patterns = library_copy
    checker = ScamChecker(domains, patterns, use_encoder=False)
    text = "Your account is blocked, unlock it at examplebank.mn"
    assert "login_link" in checker.check(text, "en").signals
    data = yaml.safe_load(domains.read_text(encoding="utf-8"))
    data["organisations"].append({
        "id": "examplebank", "kind": "bank", "name": {"en": "Example Bank", "mn": "Жишээ банк"},
        "domains": ["examplebank.mn"], "source": "https://examplebank.mn",
    })
    domains.write_text(yaml.safe_dump(data, allow_unicode=True), encoding="utf-8")
    _touch_later(domains)
    assert "login_link" not in checker.check(text, "en").signals


def test_invalid_yaml_keeps_the_previous_library(
    library_copy: tuple[Path, Path], caplog: pytest.LogCaptureFixture
) -> None:
    domains, patterns = library_copy
    checker = ScamChecker(domains, patterns, use_encoder=False)
    before = checker.check("Log in at khanbank-mn.com", "en")
    patterns.write_text("patterns: [unclosed\n", encoding="utf-8")
    _touch_later(patterns)
    with caplog.at_level(logging.ERROR, logger="actions.scam.checker"):
        after = checker.check("Log in at khanbank-mn.com", "en")
    assert after.signals == before.signals
    assert "keeping the previous library" in caplog.text


def test_pattern_embeddings_are_computed_once(library_copy: tuple[Path, Path]) -> None:
    domains, patterns = library_copy
    encoder = TrigramEncoder()
    checker = ScamChecker(domains, patterns, encoder=encoder, **STANDIN)
    checker.check("first message", "en")
    calls_after_first = encoder.calls
    checker.check("second message", "en")
    checker.check("third message", "en")
    # One call per check for the message itself, none for the library again.
    assert encoder.calls == calls_after_first + 2


def test_missing_model_degrades_to_rules_with_a_warning(
    monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture
) -> None:
    import actions.embedding.encoder

    def fail() -> None:
        raise actions.embedding.encoder.EncoderUnavailable("no model folder")

    monkeypatch.setattr(actions.embedding.encoder, "get_encoder", fail)
    checker = ScamChecker()
    with caplog.at_level(logging.WARNING, logger="actions.scam.checker"):
        result = checker.check("Please send me the code you received", "en")
    assert result.verdict == "likely_scam"
    assert "rules only" in caplog.text
    # The failure is remembered: the next check does not try (and log) again at once.
    caplog.clear()
    checker.check("hello", "en")
    assert "rules only" not in caplog.text


def test_model_failing_during_a_check_does_not_lose_the_answer(
    caplog: pytest.LogCaptureFixture,
) -> None:
    checker = ScamChecker(encoder=BrokenEncoder(), **STANDIN)
    with caplog.at_level(logging.WARNING, logger="actions.scam.checker"):
        result = checker.check("Please send me the code you received", "en")
    assert result.verdict == "likely_scam"
    assert "rules only" in caplog.text


# ---- with the real sentence model, when it can be loaded


@pytest.fixture(scope="module")
def real_checker() -> ScamChecker:
    try:
        from actions.embedding.encoder import get_encoder

        encoder = get_encoder()
    except Exception as exc:  # the model folder is built by `make`; skip when absent
        pytest.skip(f"sentence model unavailable: {exc}")
    checker = ScamChecker(encoder=encoder)
    checker.warm_up()
    return checker


@pytest.mark.parametrize(
    ("text", "pattern_id"),
    [
        (REWORDED_SHARES, "shares_dividend_link"),
        ("Тавантолгойн хувьцаа эзэмшигчид ногдол ашгаа онлайнаар шалгаж аваарай, "
         "хувьцаа тань хэдэн төгрөг болсныг харна уу.", "shares_dividend_link"),
    ],
)
def test_reworded_known_scam_is_recognised_with_real_model(
    real_checker: ScamChecker, text: str, pattern_id: str
) -> None:
    match = real_checker.semantic_match(text)
    assert match is not None and match.pattern.id == pattern_id
    assert real_checker.check(text, "mn").verdict != NO_RED_FLAGS


@pytest.mark.parametrize(
    "text",
    [
        "Your new bank card is ready. Please collect it at your branch with your ID card.",
        "Таны дансанд 75 000₮ орлоо. Шилжүүлэгч: Г.Номин.",
        "Khan Bank: 704215 is your login code. Never share this code with anyone.",
    ],
)
def test_genuine_notice_is_not_matched_by_real_model(real_checker: ScamChecker, text: str) -> None:
    assert real_checker.semantic_match(text) is None


def test_default_checker_is_shared() -> None:
    assert scam.default_checker() is scam.default_checker()


def test_missing_library_files_leave_the_rules_working(
    tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    checker = ScamChecker(tmp_path / "none.yml", tmp_path / "none2.yml", use_encoder=False)
    with caplog.at_level(logging.ERROR, logger="actions.scam.checker"):
        result = checker.check("Please send me the code you received", "en")
    assert result.verdict == "likely_scam"
    assert "library files missing" in caplog.text
