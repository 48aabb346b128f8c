"""Maintainer commands (`python -m bot faq validate|ask|eval|reload`) on fixture content.

What is checked is what a maintainer sees: the exit code and the lines that
name the file and entry to fix.
"""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest
import yaml

from actions.faq.retrieval import Retriever
from actions.faq.store import content_hash
from bot.maintain import faq_tools
from core.settings import TEST_DATA_DIR

FIXTURE = TEST_DATA_DIR / "faq_fixture"


@pytest.fixture(autouse=True)
def private_cache(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """Embedding caches of test content stay out of the service's cache folder."""
    from core import settings

    monkeypatch.setattr(settings, "FAQ_INDEX_DIR", tmp_path / "index-cache")


@pytest.fixture
def faq(tmp_path: Path) -> Path:
    target = tmp_path / "faq"
    shutil.copytree(FIXTURE, target, ignore=shutil.ignore_patterns("broken"))
    return target


def edit(path: Path, old: str, new: str) -> None:
    text = path.read_text(encoding="utf-8")
    assert old in text
    path.write_text(text.replace(old, new, 1), encoding="utf-8")


def validate(faq_dir: Path, capsys: pytest.CaptureFixture[str], *extra: str) -> tuple[int, str]:
    code = faq_tools.main(["--faq-dir", str(faq_dir), "validate", *extra])
    return code, capsys.readouterr().out


def test_valid_content_passes_and_drafts_are_reported(faq: Path, capsys) -> None:
    code, out = validate(faq, capsys, "--no-model")
    assert code == 0, out
    assert "DRAFT banking.yml: entry 'golomt_card_online' is a draft and will not be answered" in out
    assert "7 published entries" in out
    assert out.rstrip().endswith("OK")


def test_broken_content_fails_naming_file_and_entry(capsys) -> None:
    code, out = validate(FIXTURE / "broken", capsys, "--no-model")
    assert code == 1
    assert "ERROR banking.yml: entry 'block_card': answer.mn is missing" in out
    assert "ERROR banking.yml: entry 'Pin-Safety': id 'Pin-Safety' must be lower_snake_case" in out
    assert "ERROR scams.yml: YAML syntax error at line" in out
    assert "FAILED" in out


def test_repeated_and_nearly_repeated_questions_fail(faq: Path, capsys) -> None:
    edit(faq / "scams.yml", "        - where do i report online fraud\n",
         "        - where do i report online fraud\n        - I lost my bank card, what do I do?\n"
         "        - Картаа гээчихлээ, яах вэ?\n")
    code, out = validate(faq, capsys, "--no-model")
    assert code == 1
    assert ("ERROR scams.yml: entry 'report_fraud': question 'I lost my bank card, what do I do?' "
            "repeats 'I lost my bank card what do I do' of entry 'block_card'") in out
    assert "question 'Картаа гээчихлээ, яах вэ?' repeats" in out


def test_nearly_repeated_question_fails(faq: Path, capsys) -> None:
    edit(faq / "scams.yml", "        - where do i report online fraud\n",
         "        - where do i report online fraud\n        - my card was stolen, how do i block it now\n")
    code, out = validate(faq, capsys, "--no-model")
    assert code == 1
    assert "question 'my card was stolen, how do i block it now' nearly repeats" in out


def test_official_domains_file_is_checked(faq: Path, capsys) -> None:
    (faq / "official_domains.yml").write_text(yaml.safe_dump(
        {"banks": [{"name": "Khan Bank", "domains": ["https://khanbank.com/login"]}]}), encoding="utf-8")
    code, out = validate(faq, capsys, "--no-model")
    assert code == 1
    assert "official_domains.yml: entry 'banks[0].domains[0]': 'https://khanbank.com/login' does not look " \
           "like a domain" in out
    (faq / "official_domains.yml").write_text("banks: [khanbank.com\n", encoding="utf-8")
    code, out = validate(faq, capsys, "--no-model")
    assert code == 1
    assert "ERROR official_domains.yml: YAML syntax error" in out


def test_likely_confusions_are_warnings(encoder, faq: Path, capsys) -> None:
    # A phrasing about a stolen card filed under the phishing entry.
    edit(faq / "scams.yml", "        - message from a foreign number says it is my bank\n",
         "        - message from a foreign number says it is my bank\n"
         "        - someone stole my wallet with my bank card inside\n"
         "        - my debit card was taken, how do i stop it\n")
    code, out = validate(faq, capsys)
    assert code == 0, out
    assert "WARNING likely to be confused: 'phishing_sms' -> 'block_card': 2 phrasing(s)" in out


def test_ask_shows_answer_band_and_runners_up(encoder, capsys) -> None:
    code = faq_tools.main(["--faq-dir", str(FIXTURE), "ask", "kartaa hulgaid aldchihlaa", "--lang", "en"])
    out = capsys.readouterr().out
    assert code == 0
    assert "read as:    картаа хулгайд алдчихлаа  (form mn_latn)" in out
    assert "band:       high" in out
    assert "best:       block_card [banking] Lost or stolen bank card" in out
    assert "runner-up:" in out
    assert "1. Block the card at once" in out


def test_eval_prints_accuracy_per_form_and_latency(encoder, tmp_path: Path, capsys) -> None:
    items = [
        {"text": "my bank card got stolen", "form": "en", "faq_id": "block_card"},
        {"text": "is a digital signature free of charge", "form": "en", "faq_id": "digital_signature"},
        {"text": "банкны карт хулгайд алдсан", "form": "mn", "faq_id": "block_card"},
        {"text": "цахим залилан хаана мэдэгдэх", "form": "mn", "faq_id": "report_fraud"},
        {"text": "kartaa aldchihlaa", "form": "mn_latn", "faq_id": "block_card"},
        {"text": "toon garin useg haanaas avdag ve", "form": "mn_latn", "faq_id": "digital_signature"},
        {"text": "good morning", "form": "en", "faq_id": None},
        {"text": "how do I apply for a passport to travel abroad", "form": "en", "faq_id": None,
         "part": "uncovered"},
    ]
    path = tmp_path / "eval.yml"
    path.write_text(yaml.safe_dump(items, allow_unicode=True), encoding="utf-8")
    code = faq_tools.main(["--faq-dir", str(FIXTURE), "eval", "--file", str(path)])
    out = capsys.readouterr().out
    assert code == 0
    rows = {line.split()[0]: line.split()[1:] for line in out.splitlines()
            if line.split() and line.split()[0] in ("en", "mn", "mn_latn", "all")}
    assert rows["en"][0] == "2" and rows["mn"][0] == "2" and rows["mn_latn"][0] == "2"
    assert rows["all"] == ["6", "1.000", "1.000"]
    assert "query latency over 8 searches: p50" in out
    assert "non-FAQ texts:" in out
    # What users see, per part: the uncovered question is answered honestly.
    parts = {tuple(line.split()[:2]): line.split()[2:] for line in out.splitlines()
             if line.split()[:1] in (["ordinary"], ["uncovered"])}
    assert parts[("ordinary", "en")][0] == "2"
    assert parts[("uncovered", "en")] == ["1", "0.000", "0.000", "1.000"]


def test_build_bench_times_synthetic_entries(encoder, capsys) -> None:
    code = faq_tools.main(["eval", "--build-bench", "5"])
    out = capsys.readouterr().out
    assert code == 0
    assert f"index build, 5 synthetic entries (85 rows), no cache, {encoder.precision}:" in out


def test_reload_without_a_running_server_fails_clearly(tmp_path: Path, capsys) -> None:
    code = faq_tools.main(["reload", "--state-dir", str(tmp_path), "--timeout", "0.5"])
    assert code == 1
    assert "no action server answered within" in capsys.readouterr().out


def test_reload_is_answered_by_the_running_watcher(faq: Path, tmp_path: Path, capsys) -> None:
    state = tmp_path / "state"
    server = Retriever(faq, encoder=None, cache_dir=tmp_path / "cache", state_dir=state)
    server.start_watcher(interval=0.1)
    try:
        edit(faq / "scams.yml", "Call the police on 102 at once.", "Call the police on 102 now.")
        code = faq_tools.main(["reload", "--state-dir", str(state), "--timeout", "10"])
        out = capsys.readouterr().out
    finally:
        server.stop_watcher()
    assert code == 0, out
    assert f"ready, content {content_hash(faq)}" in out
    assert "Call the police on 102 now." in server.answer("report_fraud", "en")


def test_draft_with_gaps_is_accepted_but_placeholders_cannot_be_published(faq: Path, capsys) -> None:
    draft = faq / "banking.yml"
    edit(draft, "      en: Go to egolomt.mn, then Services, then Block card.",
         "      en: \"TODO: write in English\"")
    edit(draft, "        - egolomt block card\n", "")  # only 2 English phrasings left
    code, out = validate(faq, capsys, "--no-model")
    assert code == 0, out
    assert "WARNING banking.yml: entry 'golomt_card_online': draft: questions.en has 2 phrasing(s)" in out
    edit(draft, "    status: draft\n", "")
    code, out = validate(faq, capsys, "--no-model")
    assert code == 1
    assert ("ERROR banking.yml: entry 'golomt_card_online': answer.en still has placeholder text: "
            "'TODO: write in English'") in out
