"""Links are compared with faq/official_domains.yml: official addresses pass,
look-alikes and shorteners are named, and the file itself stays sourced."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
import yaml

from actions.faq.facts import digits, load_facts
from actions.scam import signals as sig
from actions.scam.checker import DOMAINS_FILE, PATTERNS_FILE, ScamChecker, load_library
from core.settings import ROOT


@pytest.fixture(scope="module")
def index() -> sig.DomainIndex:
    return load_library(DOMAINS_FILE, PATTERNS_FILE).index


@pytest.mark.parametrize(
    ("text", "reason", "imitates"),
    [
        ("khanbank-mn.com", "extra_words", "khanbank.com"),
        ("https://secure-khanbank.com/login", "extra_words", "khanbank.com"),
        ("khanbank.com.verify-id.top", "extra_words", "khanbank.com"),
        ("http://e-mongolia.mn-login.site", "extra_words", "e-mongolia.mn"),
        ("sso.gov.mn-login.site", "extra_words", "sso.gov.mn"),
        ("khan-bank.help", "wrong_tld", "khanbank.com"),
        ("e-mongolia.com", "wrong_tld", "e-mongolia.mn"),
        ("xaanbank.top", "wrong_tld", "khanbank.com"),
        ("e-rnongolia.mn", "letters", "e-mongolia.mn"),
        ("khanbamk.com", "letters", "khanbank.com"),
        ("ebarimt.rnn", "letters", "ebarimt.mn"),  # "rn" read as "m"
        ("e-mongoli\u0430.mn", "mixed_script", "e-mongolia.mn"),  # Cyrillic а
        ("kh\u0430nbank.com", "mixed_script", "khanbank.com"),
        ("www.g\u043elomtbank.com", "mixed_script", "golomtbank.com"),  # Cyrillic о
        ("kh\u0430nbank.com".encode("idna").decode(), "mixed_script", "khanbank.com"),  # punycode
    ],
)
def test_lookalike_is_named_with_the_official_it_imitates(
    index: sig.DomainIndex, text: str, reason: str, imitates: str
) -> None:
    links = sig.find_links(f"Open {text} now", index)
    assert len(links) == 1
    link = links[0]
    assert (link.kind, link.reason, link.imitates) == ("lookalike", reason, imitates)


@pytest.mark.parametrize(
    "text",
    [
        "e-mongolia.mn",
        "https://www.e-mongolia.mn/service",
        "mail.e-mongolia.mn",
        "sso.gov.mn",
        "ebarimt.mn",
        "e-tax.mta.mn",
        "service.police.gov.mn",
        "https://www.khanbank.com/mn/866",
        "egolomt.mn",
        "golomtbank.com",
        "statebank.mn",
        "tdbm.mn",
        "xacbank.mn",
        "transbank.mn",
        "ckbank.mn",
        "nibank.mn",
        "daatguulagch.ndaatgal.mn",
        "burtgel.gov.mn",
    ],
)
def test_official_domain_is_recognised(index: sig.DomainIndex, text: str) -> None:
    links = sig.find_links(f"Please visit {text}.", index)
    assert [link.kind for link in links] == ["official"]


@pytest.mark.parametrize("text", ["bit.ly/3xYz", "https://tinyurl.com/abc", "cutt.ly/q1"])
def test_shortener_is_recognised(index: sig.DomainIndex, text: str) -> None:
    assert [link.kind for link in sig.find_links(text, index)] == ["shortener"]


@pytest.mark.parametrize(
    "text",
    [
        "Б.Болд руу залгаарай",  # a name with an initial
        "Банк.Та салбартаа хандана уу",  # a missing space after a full stop
        "Mr.Smith called",
        "e-mail help@khanbank.com from your registered address",
        "The rate is 2.5 percent",
    ],
)
def test_ordinary_text_is_not_read_as_a_link(index: sig.DomainIndex, text: str) -> None:
    assert sig.find_links(text, index) == []


def test_unlisted_domain_is_unknown_not_lookalike(index: sig.DomainIndex) -> None:
    links = sig.find_links("Read the news at montsame.mn", index)
    assert [link.kind for link in links] == ["unknown"]


def test_mongolian_case_ending_after_domain(index: sig.DomainIndex) -> None:
    links = sig.find_links("e-mongolia.mn-д нэвтэрч, ebarimt.mn-ээс шалгана уу", index)
    assert [(link.host, link.kind) for link in links] == [
        ("e-mongolia.mn", "official"),
        ("ebarimt.mn", "official"),
    ]


def test_official_link_with_a_scam_text_still_flags_the_text() -> None:
    # The address is genuine, the request is not: the domain alone proves nothing.
    checker = ScamChecker(use_encoder=False)
    result = checker.check("Go to khanbank.com and send us your PIN code", "en")
    assert "asks_secret" in result.signals
    assert "lookalike_domain" not in result.signals


# ---- the data file


@pytest.fixture(scope="module")
def domains_data() -> dict:
    with open(DOMAINS_FILE, encoding="utf-8") as fh:
        return yaml.safe_load(fh)


def test_required_official_domains_are_listed(domains_data: dict) -> None:
    listed = {d for org in domains_data["organisations"] for d in org["domains"]}
    required = {
        "e-mongolia.mn", "sso.gov.mn", "ebarimt.mn", "mta.mn", "police.gov.mn",
        "service.police.gov.mn", "khanbank.com", "golomtbank.com", "egolomt.mn",
        "statebank.mn", "tdbm.mn", "xacbank.mn", "transbank.mn", "ckbank.mn", "nibank.mn",
        "ndaatgal.mn", "burtgel.gov.mn",
    }
    assert required <= listed
    assert "1111@gov.mn" in {e["address"] for e in domains_data["emails"]}
    assert {"bit.ly", "tinyurl.com"} <= set(domains_data["shorteners"])


def test_every_entry_has_names_and_a_source(domains_data: dict) -> None:
    ids = [org["id"] for org in domains_data["organisations"]]
    assert len(ids) == len(set(ids))
    for org in domains_data["organisations"]:
        assert org["name"]["en"] and org["name"]["mn"], org["id"]
        assert org["domains"], org["id"]
        assert re.match(r"https?://", org["source"]), org["id"]
    for item in domains_data["shortcodes"] + domains_data["emails"]:
        assert item["name"]["en"] and item["name"]["mn"]
        assert re.match(r"https?://", item["source"])


def test_numbers_the_checker_gives_are_sourced_facts(domains_data: dict) -> None:
    """A hotline the scam checker tells people to call is a phone fact in faq/facts.yml."""
    facts, _ = load_facts(ROOT / "faq" / "facts.yml")
    phones = {f.digits for f in facts.by_id.values() if f.kind == "phone"}
    for org in domains_data["organisations"]:
        if org.get("hotline"):
            assert digits(org["hotline"]) in phones, org["id"]
    for item in domains_data["shortcodes"]:
        if item.get("kind") == "phone":
            assert digits(str(item["number"])) in phones, item["number"]


def test_brand_words_are_unique_to_one_organisation(domains_data: dict) -> None:
    seen: dict[str, str] = {}
    for org in domains_data["organisations"]:
        for word in org.get("brands") or []:
            assert word not in seen, f"{word} in {seen.get(word)} and {org['id']}"
            seen[word] = org["id"]


def test_domains_file_is_where_the_faq_readme_says() -> None:
    assert Path(DOMAINS_FILE).name == "official_domains.yml"
    assert Path(DOMAINS_FILE).parent == ROOT / "faq"
