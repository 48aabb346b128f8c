"""Each look-alike rule, tried on the real address and on a fake built the way
fraudsters build them; brand words never flag unrelated sites."""

from __future__ import annotations

import pytest

from actions.scam import signals as sig
from actions.scam.checker import DOMAINS_FILE, PATTERNS_FILE, ScamChecker, load_library


@pytest.fixture(scope="module")
def index() -> sig.DomainIndex:
    return load_library(DOMAINS_FILE, PATTERNS_FILE).index


def _one(index: sig.DomainIndex, text: str) -> sig.Link:
    links = sig.find_links(text, index)
    assert len(links) == 1, links
    return links[0]


# (real address, fake address, reason the fake is given, official it imitates)
PAIRS = [
    # the brand in a sub-domain of another domain
    ("https://khanbank.com/login", "https://khanbank.com.secure-login.top/login", "extra_words",
     "khanbank.com"),
    ("golomtbank.com", "golomt.mn.verify-card.top", "extra_words", "golomtbank.com"),
    ("https://e-mongolia.mn", "https://e-mongolia.mn.gov-check.site", "extra_words",
     "e-mongolia.mn"),
    # brand, hyphen and country code on a foreign ending
    ("https://www.tdbm.mn", "tdb-mn.com", "extra_words", "tdbm.mn"),
    ("https://qpay.mn", "qpay-mn.info/login", "extra_words", "qpay.mn"),
    ("https://www.mobicom.mn", "mobicom-mgl.online", "extra_words", "mobicom.mn"),
    # digits for letters
    ("https://e-mongolia.mn/dan", "https://e-mongo1ia.mn/dan", "letters", "e-mongolia.mn"),
    ("https://golomtbank.com", "https://g0lomtbank.com", "letters", "golomtbank.com"),
    ("https://statebank.mn", "https://5tatebank.mn", "letters", "statebank.mn"),
    # Cyrillic letters in a Latin name, written out and as punycode
    ("https://khanbank.com", "https://kh\u0430nbank.com", "mixed_script", "khanbank.com"),
    ("https://xacbank.mn", "https://" + "x\u0430cbank.mn".encode("idna").decode(), "mixed_script",
     "xacbank.mn"),
    # accented letters behind punycode
    ("https://khanbank.com", "https://" + "kh\u0101nbank.com".encode("idna").decode(), "punycode",
     "khanbank.com"),
    # a bank name before "@": the site opened is the one after it
    ("https://statebank.mn/login", "https://statebank.mn@secure-verify.site/restore", "userinfo",
     "statebank.mn"),
]


@pytest.mark.parametrize(("real", "fake", "reason", "imitates"), PAIRS)
def test_real_address_passes_and_its_fake_is_named(
    index: sig.DomainIndex, real: str, fake: str, reason: str, imitates: str
) -> None:
    genuine = _one(index, f"Open {real} today")
    assert genuine.kind == "official"
    link = _one(index, f"Open {fake} today")
    assert (link.kind, link.reason, link.imitates) == ("lookalike", reason, imitates)


def test_userinfo_link_names_the_site_really_opened(index: sig.DomainIndex) -> None:
    link = _one(index, "Restore: https://statebank.mn@secure-verify.site/restore")
    assert link.real == "secure-verify.site"


def test_raw_ip_address_is_flagged_but_dotted_amounts_are_not(index: sig.DomainIndex) -> None:
    link = _one(index, "Confirm here: http://185.212.44.17/golomt/login")
    assert (link.kind, link.reason) == ("lookalike", "ip_address")
    assert sig.find_links("Balance 1.250.000.00 MNT, ref 10.2.3.4", index) == []


def test_mongolian_name_in_front_of_a_foreign_site(index: sig.DomainIndex) -> None:
    link = _one(index, "Log in at bank.mn.secure-login.top")
    assert (link.kind, link.reason, link.real) == ("lookalike", "subdomain", "secure-login.top")


def test_shortener_is_its_own_kind(index: sig.DomainIndex) -> None:
    assert _one(index, "see bit.ly/x1").kind == "shortener"


@pytest.mark.parametrize("host", [
    # generic words that used to be brand words
    "police-news.com", "sso-login.com", "emongol.com", "news-police.org", "barimt-app.com",
    # unrelated sites
    "facebook.com", "ikon.mn", "news.mn", "mbank.pl", "google.com",
])
def test_unrelated_sites_are_not_called_look_alikes(index: sig.DomainIndex, host: str) -> None:
    assert _one(index, f"See https://{host}/page").kind == "unknown"


@pytest.mark.parametrize("host", [
    "qpay.mn", "monpay.mn", "toki.mn", "mostmoney.mn", "pocket.mn", "storepay.mn", "lend.mn",
    "mongolbank.mn", "frc.mn", "unitel.mn", "mobicom.mn", "skytel.mn", "gmobile.mn",
    "arigbank.mn", "bogdbank.com", "m-bank.mn", "lavlagaa.mn", "mongolpost.mn", "ndaatgal.mn",
    "daatguulagch.ndaatgal.mn", "burtgel.gov.mn", "e-tax.mta.mn",
])
def test_real_services_are_official(index: sig.DomainIndex, host: str) -> None:
    assert _one(index, f"https://{host}/x").kind == "official"


def test_generic_words_in_the_brand_lists_are_ignored(tmp_path) -> None:
    domains = tmp_path / "domains.yml"
    domains.write_text(
        "organisations:\n"
        "  - {id: p, kind: government, domains: [police.gov.mn], brands: [police], source: https://x.mn}\n"
        "generic_words: [police]\n", encoding="utf-8")
    lib = load_library(domains, PATTERNS_FILE)
    assert lib.index.brands == ()
    assert lib.index.classify("police-report.com")[0] == "unknown"


def test_explanation_quotes_the_link_that_triggered_it() -> None:
    checker = ScamChecker(use_encoder=False)
    r = checker.check("State Bank notice: your card has been restricted. Restore access here: "
                      "https://statebank.mn@secure-verify.site/restore", "en")
    assert r.verdict == "likely_scam"
    assert any('"https://statebank.mn@secure-verify.site/restore"' in e
               and "secure-verify.site" in e for e in r.explanations)
    login = [e for e in r.explanations if "not on my list" in e][0]
    assert "https://statebank.mn@secure-verify.site/restore" in login
    assert "your card has been restricted" in login
