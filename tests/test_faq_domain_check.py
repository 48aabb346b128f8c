"""`faq validate` refuses an official domain that names no source.

(That every address in an answer is on the list is tested in
tests/test_faq_facts.py, with the answer's other facts.)
"""

from __future__ import annotations

from pathlib import Path

from bot.maintain.faq_tools import official_domain_problems
from core.settings import FAQ_DIR


def _domains(tmp_path: Path, source: str = "source: https://www.khanbank.com/about") -> Path:
    path = tmp_path / "official_domains.yml"
    path.write_text("organisations:\n  - id: khanbank\n    domains: [khanbank.com]\n"
                    f"    {source}\nshorteners: [bit.ly]\n", encoding="utf-8")
    return path


def test_organisation_without_source_fails(tmp_path: Path) -> None:
    problems = official_domain_problems(_domains(tmp_path, source="brands: []"))
    assert [p.entry for p in problems if p.severity == "error"] == ["khanbank"]
    assert "source" in problems[0].message


def test_a_sourced_organisation_passes(tmp_path: Path) -> None:
    assert official_domain_problems(_domains(tmp_path)) == []


def test_the_real_list_passes() -> None:
    assert official_domain_problems(Path(FAQ_DIR) / "official_domains.yml") == []
