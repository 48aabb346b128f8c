"""FAQ candidates: a volunteer's answer becomes a draft entry a maintainer can finish."""

from __future__ import annotations

import asyncio
from pathlib import Path

import pytest
import yaml

from bot import candidates
from bot.config import Config
from bot.handoff.desk import Desk
from bot.handoff.tables import FaqCandidate, Ticket
from bot.storage import Database
from core.settings import FAQ_MIN_QUESTIONS_PER_FORM, QUESTION_FORMS, DeskSettings
from tests.test_handoff_desk import GROUP, VOLUNTEER, Chat, FakeNotifier

CARD = "4000 1234 5678 9010"


@pytest.fixture
def db(tmp_path: Path) -> Database:
    database = Database(f"sqlite:///{tmp_path / 'cands.db'}")
    desk = Desk(Config(volunteer_ids=frozenset({VOLUNTEER}), volunteer_chat_id=GROUP), database,
                FakeNotifier(), DeskSettings(group_language="en"))

    async def through_the_desk() -> None:
        # The real path: a ticket, a volunteer's answer, "Suggest as FAQ".
        await desk.open_ticket(Chat(11, 11), "mn", f"Картаа алдчихлаа, {CARD} яах вэ", "user_request",
                               "banking")
        post = desk.notifier.posts[0].message_id
        await desk.volunteer_answer(GROUP, post, VOLUNTEER, "Anna",
                                    "1. Банкны аппаар картаа түр хаана уу.\n2. Дараа нь банк руугаа залгана уу.")
        await desk.volunteer_button(VOLUNTEER, "Anna", "faq", 1)

    asyncio.run(through_the_desk())
    with database.session() as s:
        for i, (lang, topic, question, answer) in enumerate([
            ("en", "eservices", "How can I get a certificate of residence online?",
             "Log in to E-Mongolia, search for residence, and download the certificate."),
            ("mn", None, "tsahim unemleh yaj avah ve", "E-Mongolia аппаар захиалж болно."),
        ], start=2):
            s.add(Ticket(id=i, language=lang, reason="user_request", question=question, status="closed"))
            s.flush()
            s.add(FaqCandidate(ticket_id=i, language=lang, topic=topic, question=question, answer=answer))
    return database


def test_export_is_draft_entries_in_the_faq_schema(db: Database, tmp_path: Path) -> None:
    out = tmp_path / "export" / "candidates.yml"
    assert candidates.candidates_main(["--out", str(out), "--database", str(db.engine.url)]) == 0
    files = sorted(p.name for p in out.parent.iterdir())
    assert files == ["candidates_banking.yml", "candidates_eservices.yml", "candidates_unsorted.yml"]

    banking = yaml.safe_load((out.parent / "candidates_banking.yml").read_text(encoding="utf-8"))
    assert banking["topic"] == "banking"
    (entry,) = banking["entries"]
    assert entry["status"] == "draft" and entry["id"] == "candidate_1"
    assert entry["questions"]["mn"][0] == "Картаа алдчихлаа, 4000 **** **** 9010 яах вэ"
    assert CARD not in (out.parent / "candidates_banking.yml").read_text(encoding="utf-8")
    assert entry["answer"]["mn"].startswith("1. Банкны аппаар")
    assert entry["answer"]["en"].startswith("TODO")
    for form in QUESTION_FORMS:
        assert len(entry["questions"][form]) >= FAQ_MIN_QUESTIONS_PER_FORM

    unsorted = yaml.safe_load((out.parent / "candidates_unsorted.yml").read_text(encoding="utf-8"))
    (latin,) = unsorted["entries"]
    assert latin["questions"]["mn_latn"][0] == "tsahim unemleh yaj avah ve"  # Latin-typed Mongolian
    assert "move each entry" in (out.parent / "candidates_unsorted.yml").read_text(encoding="utf-8")


def test_export_passes_the_faq_validator_as_drafts(db: Database, tmp_path: Path,
                                                  capsys: pytest.CaptureFixture[str]) -> None:
    faq_tools = pytest.importorskip("bot.maintain.faq_tools")
    out = tmp_path / "export" / "candidates.yml"
    candidates.candidates_main(["--out", str(out), "--database", str(db.engine.url)])
    capsys.readouterr()
    code = faq_tools.main(["--faq-dir", str(out.parent), "validate", "--no-model"])
    report = capsys.readouterr().out
    assert code == 0, report
    assert "3 draft(s)" in report and "0 error(s)" in report


def test_single_topic_goes_to_the_named_file_and_since_skips_old(db: Database, tmp_path: Path) -> None:
    out = tmp_path / "only.yml"
    candidates.candidates_main(["--out", str(out), "--since", "2", "--database", str(db.engine.url)])
    data = yaml.safe_load(out.read_text(encoding="utf-8"))
    assert data["topic"] == "eservices" and [e["id"] for e in data["entries"]] == ["candidate_3"]


def test_nothing_to_export_says_so(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    url = f"sqlite:///{tmp_path / 'never-used.db'}"  # the bot never ran: no tables yet
    assert candidates.candidates_main(["--database", url]) == 0
    assert "No FAQ candidates yet" in capsys.readouterr().err
