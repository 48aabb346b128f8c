# ruff: noqa: F811 - the shared fixtures are imported from test_faq_tools and used as arguments
"""`python -m bot faq validate` ties every answer to faq/facts.yml.

What a maintainer sees is checked: the exit code and the line naming the file,
the entry and what to fix. The fixture (tests/data/faq_fixture/) has its own
facts.yml, so these tests read nothing outside the repository.
"""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import pytest

from actions.faq.facts import answer_domains, phone_forms
from bot.maintain import faq_tools
from core.settings import ROOT
from tests.test_faq_tools import edit, faq, private_cache  # noqa: F401 - shared fixtures


def validate(faq_dir: Path, capsys: pytest.CaptureFixture[str]) -> tuple[int, str]:
    code = faq_tools.main(["--faq-dir", str(faq_dir), "validate", "--no-model"])
    return code, capsys.readouterr().out


def test_every_phone_number_form_is_recognised() -> None:
    text = ("Call 1800-1917 or 102. TDB: 1900-1977. From abroad +976 7016 1988 or 976-7223-9999. Call 11-11, "
            "then 1111-2. SMS 14-11-11 or 131313. Also 70161988 and 7016 1988.")
    assert phone_forms(text) == ["1800-1917", "102", "1900-1977", "+976 7016 1988", "976-7223-9999", "11-11",
                                 "1111-2", "14-11-11", "131313", "70161988", "7016 1988"]
    # Figures, dates, years and e-mail names are not phone numbers.
    assert phone_forms("1,263 services, 115,000 people, 98.5 FM, 2022-2027, 2025-01-15, in 1978, "
                       "12,892 users, 137 trainers, e-mail 1111@gov.mn") == []
    # A Mongolian case ending after a hyphen stays outside the number.
    assert phone_forms("1800-1881-өөс, 102-т") == ["1800-1881", "102"]
    # Percentages are figures, however they are written.
    assert phone_forms("a discount of 70 to 100 percent, 100%, 70-100 хувийн хөнгөлөлт, 100 хувь") == []


def test_a_number_needs_a_fact_listed_in_the_entry(faq: Path, capsys) -> None:
    edit(faq / "scams.yml", "Call the police on 102", "Call the police on 7011-2233 or 102")
    code, out = validate(faq, capsys)
    assert code == 1
    assert ("ERROR scams.yml: entry 'report_fraud': answer.en gives the number 7011-2233, which is "
            "not the value of a fact listed in this entry's `facts`") in out
    assert "gives the number 102" not in out  # listed in the entry's facts


def test_a_fact_in_the_sheet_but_not_listed_by_the_entry_fails(faq: Path, capsys) -> None:
    edit(faq / "scams.yml", "facts: [police_102]", "facts: []")
    code, out = validate(faq, capsys)
    assert code == 1
    assert "entry 'report_fraud': answer.en gives the number 102" in out
    assert "entry 'report_fraud': answer.mn gives the number 102" in out


def test_an_unknown_fact_id_fails(faq: Path, capsys) -> None:
    edit(faq / "scams.yml", "facts: [police_102]", "facts: [police_102, police_112]")
    code, out = validate(faq, capsys)
    assert code == 1
    assert "ERROR scams.yml: entry 'report_fraud': fact 'police_112' is not in faq/facts.yml" in out


def test_no_facts_file_fails_instead_of_checking_nothing(faq: Path, capsys) -> None:
    (faq / "facts.yml").unlink()
    code, out = validate(faq, capsys)
    assert code == 1
    assert "ERROR facts.yml: not found" in out


def test_fact_sources_must_be_https_and_old_checks_are_reported(faq: Path, capsys) -> None:
    edit(faq / "facts.yml", "source: https://police.gov.mn/a/6700", "source: http://police.gov.mn/a/6700")
    old = (dt.date.today() - dt.timedelta(days=400)).isoformat()
    edit(faq / "facts.yml", "checked: 2026-12-07\n  - id: state_bank_card_line",
         f"checked: {old}\n  - id: state_bank_card_line")
    code, out = validate(faq, capsys)
    assert code == 1
    assert "ERROR facts.yml: entry 'police_102': source 'http://police.gov.mn/a/6700' must be an https://" in out
    assert f"WARNING facts.yml: entry 'khan_bank_card_line': checked {old}, more than a year ago" in out


def test_non_official_sources_are_warned_about(faq: Path, capsys) -> None:
    code, out = validate(faq, capsys)
    assert code == 0, out
    # statebank.mn is the bank's own site (official_sources lists gov.mn; the
    # fixture's official_domains.yml lists khanbank.com): news.mn is not.
    assert ("WARNING banking.yml: entry 'block_card': not an official site: news.mn, statebank.mn; "
            "use the organisation's own page") in out
    assert "WARNING facts.yml: entry 'state_bank_card_line': source statebank.mn is not an official" in out
    assert "entry 'police_102': source" not in out  # police.gov.mn is under gov.mn


def test_entry_sources_must_be_https(faq: Path, capsys) -> None:
    edit(faq / "scams.yml", "- https://hunnu.mn/r/4926", "- http://hunnu.mn/r/4926")
    code, out = validate(faq, capsys)
    assert code == 1
    assert "ERROR scams.yml: entry 'report_fraud': source 'http://hunnu.mn/r/4926' must be https://" in out


def test_an_old_review_date_is_a_warning(faq: Path, capsys) -> None:
    old = (dt.date.today() - dt.timedelta(days=400)).isoformat()
    edit(faq / "scams.yml", "facts: [police_102]\n    reviewed: 2026-11-29",
         f"facts: [police_102]\n    reviewed: {old}")
    code, out = validate(faq, capsys)
    assert code == 0, out
    assert f"WARNING scams.yml: entry 'report_fraud': reviewed {old}, more than a year ago" in out


def test_domains_in_answers_must_be_official(faq: Path, capsys) -> None:
    edit(faq / "scams.yml", "Call the police on 102", "Call the police on 102 or see khan-help.com")
    code, out = validate(faq, capsys)
    assert code == 1
    assert ("ERROR scams.yml: entry 'report_fraud': answer.en gives khan-help.com, which is not on "
            "faq/official_domains.yml") in out
    assert answer_domains("write to help@khanbank.com or open e-mongolia.mn.") == [
        ("help@khanbank.com", "khanbank.com"), ("e-mongolia.mn", "e-mongolia.mn")]
    assert answer_domains("ehalamj.mn-ээр хүсэлт гаргана") == [("ehalamj.mn", "ehalamj.mn")]


def test_a_domain_fact_does_not_make_an_address_official(faq: Path, capsys) -> None:
    """Only faq/official_domains.yml decides: the scam checker reads the same list."""
    edit(faq / "scams.yml", "Call the police on 102", "Links such as bit.ly hide the address. Call the police on 102")
    code, out = validate(faq, capsys)
    assert code == 1 and "answer.en gives bit.ly" in out
    with (faq / "facts.yml").open("a", encoding="utf-8") as f:
        f.write("  - id: shortener_bitly\n    value: bit.ly\n    kind: domain\n"
                "    about: {en: a link shortener, mn: холбоос богиносгогч}\n"
                "    source: https://police.gov.mn/a/6700\n    checked: 2026-12-07\n")
    edit(faq / "scams.yml", "facts: [police_102]", "facts: [police_102, shortener_bitly]")
    code, out = validate(faq, capsys)
    assert code == 1 and "answer.en gives bit.ly" in out
    # Named as a shortener on the official list, it may be given as the kind of link to distrust.
    with (faq / "official_domains.yml").open("a", encoding="utf-8") as f:
        f.write("shorteners: [bit.ly]\n")
    code, out = validate(faq, capsys)
    assert code == 0, out


def test_the_project_content_passes_with_nothing_from_outside(capsys) -> None:
    """A fresh clone: faq/ validates on its own, and no file outside the repository is named."""
    code = faq_tools.main(["--faq-dir", str(ROOT / "faq"), "validate", "--no-model"])
    out = capsys.readouterr().out
    assert code == 0, out
    assert "fact_sheet" not in out and "shared/" not in out
