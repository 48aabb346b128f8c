"""The scam service (actions/api/scam.py) and the checker's contract with
the bot: result fields, wording, reporting, advice buttons and robustness to
odd input."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
import yaml

from actions.api.scam import CheckMessage
from actions.faq.retrieval import Retriever
from actions.scam import checker as scam
from actions.scam import signals as sig
from actions.scam.checker import PATTERNS_FILE, ScamChecker, ScamResult, check_message
from core.settings import FAQ_DIR, QUESTION_FORMS
from core.strings import has, t
from tests.api.turns import meta, run, tracker

LIBRARY_FILES = {"official_domains.yml", "scam_patterns.yml"}


@pytest.fixture(autouse=True)
def rules_only_default(monkeypatch: pytest.MonkeyPatch) -> None:
    """check_message() without loading the sentence model (tested elsewhere)."""
    monkeypatch.setattr(scam, "_default", ScamChecker(use_encoder=False))


def test_result_fields_and_forwarded_json() -> None:
    result = check_message("Please send me the code that came to your phone", "en")
    assert isinstance(result, ScamResult)
    assert result.verdict == "likely_scam"
    assert result.signals == ["asks_secret"]
    assert len(result.explanations) == len(result.signals)
    assert result.advice and result.report and result.summary
    assert result.as_dict() == {
        "verdict": "likely_scam",
        "signals": ["asks_secret"],
        "explanations": result.explanations,
    }


@pytest.mark.parametrize("lang", ["en", "mn"])
def test_no_red_flags_never_calls_a_message_safe(lang: str) -> None:
    result = check_message("See you at the meeting tomorrow at 10.", lang)
    assert result.verdict == "no_red_flags"
    assert result.report is None and result.advice == []
    text = result.summary.lower()
    assert "safe" not in text and "аюулгүй" not in text
    # It says how to verify through the official channel.
    assert ("official" in text) if lang == "en" else ("албан ёсны" in text)


@pytest.mark.parametrize("lang", ["en", "mn"])
def test_likely_scam_says_where_to_report(lang: str) -> None:
    result = check_message("Your prize is waiting, pay the 20,000 MNT delivery fee first", lang)
    assert result.verdict == "likely_scam"
    assert result.report is not None
    assert "102" in result.report and "service.police.gov.mn" in result.report


def test_report_names_the_hotline_of_the_bank_in_the_message() -> None:
    result = check_message("KHAN BANK: send us your PIN code to keep your card active", "en")
    assert result.report is not None and "1800-1917" in result.report
    mn = check_message("Хаан банк: картаа идэвхтэй байлгахын тулд ПИН кодоо явуулаарай", "mn")
    assert mn.report is not None and "1800-1917" in mn.report and "Хаан банк" in mn.report


def test_report_for_a_lookalike_of_a_bank_site_names_that_bank() -> None:
    result = check_message("Confirm your card at statebank-mn.help today", "en")
    assert result.report is not None and "1800-1881" in result.report


def test_bank_without_a_sourced_hotline_gets_no_invented_number() -> None:
    result = check_message("Golomt: send us the code we texted you to unlock your card", "en")
    assert result.report is not None
    numbers = set(re.findall(r"\d[\d-]{2,}", result.report))
    assert numbers == {"102"}


def test_reply_text_reads_in_order() -> None:
    result = check_message("Please send me the code. Hurry, within 2 hours or it expires!", "en")
    text = result.reply_text("en")
    assert text.startswith(result.summary)
    assert "1. It asks for a PIN" in text
    assert text.index(t("en", "scam.heading.steps")) < text.index(result.report or "")
    assert "*" not in text and "#" not in text  # read aloud: no markdown noise


@pytest.mark.parametrize(
    "text",
    ["", "   ", "\u2764\ufe0f\U0001F600", "a" * 10_000, "\x00\x01 code", "https://", "....",
     "send me the code " * 600, "1," * 3000, "a." * 3000, "1 " * 3000],
)
def test_odd_input_never_crashes(text: str) -> None:
    result = check_message(text, "mn")
    assert result.verdict in scam.VERDICTS
    assert result.summary


def test_unknown_language_falls_back_to_default() -> None:
    result = check_message("Please send me the code", "fr")
    assert result.summary == t("mn", "scam.verdict.likely_scam")


def test_advice_is_capped_and_ends_with_reporting_for_scams() -> None:
    text = ("Congratulations, you won! Pay the 30,000 fee within 24 hours at khanbank-mn.com, "
            "send me the code, keep this secret, VIP level 2 daily profit")
    result = check_message(text, "en")
    assert len(result.advice) <= scam.MAX_ADVICE
    assert result.advice[-1] == "report_fraud"


# ---- content files


def _faq_ids() -> set[str]:
    ids: set[str] = set()
    for path in Path(FAQ_DIR).glob("*.yml"):
        if path.name in LIBRARY_FILES:
            continue
        data = yaml.safe_load(path.read_text(encoding="utf-8")) or {}
        ids |= {str(e["id"]) for e in data.get("entries") or []}
    return ids


@pytest.fixture(scope="module")
def patterns_data() -> dict:
    return yaml.safe_load(Path(PATTERNS_FILE).read_text(encoding="utf-8"))


def test_advice_ids_exist_in_the_faq(patterns_data: dict) -> None:
    ids = _faq_ids()
    if not ids:
        pytest.skip("no FAQ entries yet")
    used = {a for v in patterns_data["signals"].values() for a in v.get("advice") or []}
    used |= {a for p in patterns_data["patterns"] for a in p.get("advice") or []}
    used.add(patterns_data["report_advice"])
    assert used <= ids, used - ids


def test_every_rule_signal_has_advice_and_wording_in_both_languages(patterns_data: dict) -> None:
    assert set(sig.ALL_SIGNALS) <= set(patterns_data["signals"])
    for lang in ("en", "mn"):
        for signal in sig.ALL_SIGNALS:
            if signal == sig.LOOKALIKE_DOMAIN:
                for reason in ("extra_words", "wrong_tld", "letters", "mixed_script",
                               "mixed_script_generic"):
                    assert has(lang, f"scam.flag.domain_{reason}")
                for reason in sig.HIDDEN_SITE_REASONS:
                    assert has(lang, f"scam_checker.flag.domain_{reason}")
                    assert has(lang, f"scam_checker.flag.domain_{reason}_generic")
            else:
                assert (has(lang, f"scam.flag.{signal}")
                        or has(lang, f"scam_checker.flag.{signal}")), (lang, signal)
        for verdict in scam.VERDICTS:
            assert has(lang, f"scam.verdict.{verdict}") and has(lang, f"scam.steps.{verdict}")


def test_patterns_are_complete(patterns_data: dict) -> None:
    ids = [p["id"] for p in patterns_data["patterns"]]
    assert len(ids) == len(set(ids))
    for p in patterns_data["patterns"]:
        assert p["description"]["en"] and p["description"]["mn"], p["id"]
        assert p.get("signal") in (None, *sig.ALL_SIGNALS), p["id"]
        for form in QUESTION_FORMS:
            assert len(p["examples"][form]) >= 2, (p["id"], form)
        assert p["advice"], p["id"]
        assert p["sources"], p["id"]
    assert patterns_data["genuine"]


def test_longest_bank_name_wins() -> None:
    # "Чингис хаан банк" contains "хаан банк"; the Khan Bank hotline would be wrong.
    result = check_message("Чингис хаан банк: ПИН кодоо хэлээрэй", "mn")
    assert result.report is not None and "1800-1917" not in result.report


class _NoFaq:
    """The FAQ index as the scam action sees it, without loading the model."""

    def has(self, faq_id: str) -> bool:
        return True

    def title(self, faq_id: str, lang: str) -> str:
        return faq_id


def test_the_action_asks_for_the_message_when_only_asked_to_check() -> None:
    dispatcher, _ = run(CheckMessage(), tracker("can you check a message", intent="check_message"))
    assert dispatcher.messages[0]["text"] == t("en", "answer.send_me_the_message")
    assert meta(dispatcher)["expect"] == "message_to_check"


def test_the_action_gives_the_verdict_and_advice_on_a_forwarded_message(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(Retriever, "shared", classmethod(lambda cls: _NoFaq()))
    text = "Your card is blocked. Send the code that came to your phone to unblock it."
    turn = tracker("", intent="check_message", metadata={"forwarded": True, "forwarded_text": text})
    dispatcher, _ = run(CheckMessage(), turn)
    expected = check_message(text, "en")
    assert dispatcher.messages[0]["text"] == expected.reply_text("en")
    assert [b["payload"] for b in dispatcher.messages[0]["buttons"]] == [
        f'/choose_faq{{"faq_id":"{fid}"}}' for fid in expected.advice[:3]]
    assert meta(dispatcher)["scam"]["verdict"] == "likely_scam"
