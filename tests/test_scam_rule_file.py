"""faq/scam_rules.yml: the built-in scam rules as data a maintainer edits
without Python (actions/scam/phrases.py reads it)."""

from __future__ import annotations

import logging
from pathlib import Path

import pytest
import yaml

from actions.scam import phrases
from actions.scam import signals as sig
from actions.scam.checker import ScamChecker


def test_every_rule_in_the_shipped_file_loads(caplog: pytest.LogCaptureFixture) -> None:
    data = yaml.safe_load(phrases.RULES_FILE.read_text(encoding="utf-8"))
    with caplog.at_level(logging.ERROR, logger="actions.scam.phrases"):
        loaded = phrases.read_rule_file(phrases.RULES_FILE)
    assert not caplog.records
    assert len(loaded.rules) == sum(len(entry["patterns"]) for entry in data["rules"])


def _file(tmp_path: Path, text: str) -> phrases.RuleFile:
    path = tmp_path / "scam_rules.yml"
    path.write_text(text, encoding="utf-8")
    return phrases.read_rule_file(path)


def test_a_rule_added_to_the_file_flags_a_message(tmp_path: Path) -> None:
    rules = _file(tmp_path, r"""
blocks:
  FEE_EN: '(?:gold card fee)'
rules:
  - signal: upfront_fee
    view: en
    patterns: ['\bpay\b{CL}{0,20}\b{FEE_EN}\b']
""".replace("{CL}", "[^.!?]")).rules
    text = "To receive the prize, pay the gold card fee today."
    views = {"en": sig.en_view(text), "mn": sig.mn_view(text)}
    assert [hit.signal for hit in sig.run_rules(text, views, False, rules)] == ["upfront_fee"]


def test_a_broken_rule_is_skipped_loudly_and_the_others_still_run(
        tmp_path: Path, caplog: pytest.LogCaptureFixture) -> None:
    with caplog.at_level(logging.ERROR, logger="actions.scam.phrases"):
        rules = _file(tmp_path, r"""
rules:
  - signal: urgency
    view: en
    patterns: ['(unclosed']
  - signal: urgency
    view: en
    patterns: ['\bact now\b']
  - signal: urgency
    view: en
    requires: [NO_SUCH_BLOCK]
    patterns: ['\bhurry\b']
""").rules
    assert [r.pattern.pattern for r in rules] == [r"\bact now\b"]
    assert len(caplog.records) == 2


def test_the_checker_runs_the_file_s_rules_even_without_its_other_files(tmp_path: Path) -> None:
    checker = ScamChecker(tmp_path / "none.yml", tmp_path / "none.yml", use_encoder=False)
    result = checker.check("Send me the code that came to your phone", "en")
    assert "asks_secret" in result.signals
