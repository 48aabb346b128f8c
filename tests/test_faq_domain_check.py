"""`faq validate` refuses an unsourced official domain and an answer naming an unlisted site."""

from __future__ import annotations

from pathlib import Path

from actions import faq_domain_check
from actions.faq_store import FaqEntry


def _entry(answer_en: str) -> FaqEntry:
    return FaqEntry(id="e1", topic="scams", title={"en": "t", "mn": "t"},
                    questions={"en": ("q",)}, answer={"en": answer_en, "mn": "хариу"},
                    sources=("https://x.mn",), reviewed="2026-12-07", file="scams.yml")


def _domains(tmp_path: Path, source: str = "source: https://www.khanbank.com/about") -> Path:
    path = tmp_path / "official_domains.yml"
    path.write_text("organisations:\n  - id: khanbank\n    domains: [khanbank.com]\n"
                    f"    {source}\nshorteners: [bit.ly]\n", encoding="utf-8")
    return path


def test_organisation_without_source_fails(tmp_path: Path) -> None:
    problems = faq_domain_check.problems([], _domains(tmp_path, source="brands: []"))
    assert [p.entry for p in problems if p.severity == "error"] == ["khanbank"]
    assert "source" in problems[0].message


def test_sourced_list_and_listed_domains_pass(tmp_path: Path) -> None:
    entry = _entry("Log in at www.khanbank.com or https://e.khanbank.com/x. Distrust bit.ly links.")
    assert faq_domain_check.problems([entry], _domains(tmp_path)) == []


def test_unlisted_domain_in_an_answer_fails(tmp_path: Path) -> None:
    problems = faq_domain_check.problems([_entry("Check khan-bank.help first.")], _domains(tmp_path))
    assert len(problems) == 1 and problems[0].severity == "error"
    assert "'khan-bank.help'" in problems[0].message


def test_the_real_files_pass() -> None:
    from actions.faq_store import load_store
    from actions.settings import FAQ_DIR
    store = load_store(Path(FAQ_DIR))
    assert faq_domain_check.problems(store.entries, Path(FAQ_DIR) / "official_domains.yml") == []
