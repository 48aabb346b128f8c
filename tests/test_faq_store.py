"""Loading faq/ files: what maintainers write is read, and what is wrong is named.

Fixture content lives in tests/data/faq_fixture/ (a small realistic slice of
faq/ with one draft) and its broken/ folder (every usual mistake).
"""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from actions.faq.store import content_hash, files_signature, load_store
from core.settings import TEST_DATA_DIR

FIXTURE = TEST_DATA_DIR / "faq_fixture"
BROKEN = FIXTURE / "broken"


@pytest.fixture
def faq_copy(tmp_path: Path) -> Path:
    target = tmp_path / "faq"
    shutil.copytree(FIXTURE, target, ignore=shutil.ignore_patterns("broken", "*.md"))
    return target


def test_fixture_loads_without_errors() -> None:
    store = load_store(FIXTURE)
    assert [p for p in store.problems if p.severity == "error"] == []
    ids = {e.id for e in store.entries}
    assert {"block_card", "emongolia_login", "phishing_sms", "golomt_card_online"} <= ids
    block = store.get("block_card")
    assert block.topic == "banking"
    assert len(block.questions["mn_latn"]) == 3
    assert block.answer["mn"].startswith("1. Картаа")
    assert block.reviewed == "2026-11-29"
    # official_domains.yml sits in faq/ but holds no entries.
    assert "official_domains.yml" not in store.files


def test_draft_is_loaded_but_not_published() -> None:
    store = load_store(FIXTURE)
    assert [e.id for e in store.drafts] == ["golomt_card_online"]
    assert "golomt_card_online" not in {e.id for e in store.published}


def test_broken_file_names_file_and_entry() -> None:
    store = load_store(BROKEN)
    messages = [str(p) for p in store.errors]
    text = "\n".join(messages)
    assert "banking.yml: entry 'block_card': questions.en has 2 phrasing(s); at least 3 needed" in text
    assert "banking.yml: entry 'block_card': answer.mn is missing" in text
    assert "banking.yml: entry 'Pin-Safety': id 'Pin-Safety' must be lower_snake_case" in text
    assert "banking.yml: entry 'Pin-Safety': source 'not a url' is not an http(s) URL" in text
    assert "banking.yml: entry 'Pin-Safety': `reviewed` must be a date YYYY-MM-DD" in text
    # A file that does not parse is named with the line of the mistake.
    assert any(m.startswith("ERROR scams.yml: YAML syntax error at line") for m in messages)
    assert store.unreadable == ["scams.yml"]


def test_entry_without_an_answer_is_never_served() -> None:
    store = load_store(BROKEN)
    assert store.get("block_card") is None  # no Mongolian answer: nothing to say to mn users


def test_duplicate_id_across_files(faq_copy: Path) -> None:
    text = (faq_copy / "scams.yml").read_text(encoding="utf-8")
    (faq_copy / "scams.yml").write_text(text.replace("id: report_fraud", "id: block_card"),
                                        encoding="utf-8")
    store = load_store(faq_copy)
    assert any(str(p) == "ERROR scams.yml: entry 'block_card': id 'block_card' is already used in "
               "banking.yml" for p in store.errors)
    assert store.get("block_card").file == "banking.yml"


def test_unknown_related_id_is_an_error(faq_copy: Path) -> None:
    path = faq_copy / "eservices.yml"
    path.write_text(path.read_text(encoding="utf-8").replace(
        "related: [digital_signature]", "related: [digital_signatur]"), encoding="utf-8")
    store = load_store(faq_copy)
    assert any("entry 'emongolia_login': related id 'digital_signatur' does not exist" in str(p)
               for p in store.errors)


def test_wrong_script_in_a_question_form(faq_copy: Path) -> None:
    path = faq_copy / "scams.yml"
    path.write_text(path.read_text(encoding="utf-8").replace(
        "- bankni huurmag msg yaj tanih ve", "- Банкны хуурмаг мессеж"), encoding="utf-8")
    store = load_store(faq_copy)
    assert any("entry 'phishing_sms': questions.mn_latn must be written in Latin letters" in str(p)
               for p in store.errors)


def test_long_answer_is_refused(faq_copy: Path) -> None:
    path = faq_copy / "banking.yml"
    long_answer = " ".join(["word"] * 130)
    path.write_text(path.read_text(encoding="utf-8").replace(
        "Deposits are protected up to 20 million togrog per person by the Deposit Insurance Corporation.",
        long_answer), encoding="utf-8")
    store = load_store(faq_copy)
    assert any("entry 'deposit_insurance': answer.en has 130 words; at most 120" in str(p)
               for p in store.errors)


def test_content_hash_follows_content_not_time(faq_copy: Path) -> None:
    before = content_hash(faq_copy)
    signature = files_signature(faq_copy)
    path = faq_copy / "banking.yml"
    path.write_text(path.read_text(encoding="utf-8"), encoding="utf-8")  # saved, unchanged
    assert content_hash(faq_copy) == before
    path.write_text(path.read_text(encoding="utf-8") + "\n# edited\n", encoding="utf-8")
    assert content_hash(faq_copy) != before
    assert files_signature(faq_copy) != signature
