"""Maintainers' figures on seeded data: what /stats and `python -m bot stats` report."""

from __future__ import annotations

import datetime as dt
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest

from bot import stats
from bot.handoff.tables import Ticket
from bot.storage import Database, Turn, utcnow

NOW = utcnow() - dt.timedelta(minutes=1)  # the command line reports up to "now"
PNG_SIGNATURE = b"\x89PNG\r\n\x1a\n"


def ago(**kw: float) -> dt.datetime:
    return NOW - dt.timedelta(**kw)


@pytest.fixture
def db(tmp_path: Path) -> Database:
    database = Database(f"sqlite:///{tmp_path / 'stats.db'}")
    turns: list[Turn] = []

    def exchange(user: int, when: dt.datetime, text: str, lang: str, topic: str | None, answered: bool,
                 replies: int = 1, intent: str | None = None) -> None:
        turns.append(Turn(user_id=user, role="user", text=text, language=lang, intent=intent, created_at=when))
        for i in range(replies):  # an answer and its "Did this help?" are two bot turns
            turns.append(Turn(user_id=user, role="bot", text=f"reply {i}", language=lang, topic=topic,
                              answered=answered, created_at=when + dt.timedelta(seconds=1 + i)))

    exchange(1, ago(days=1), "How do I renew my ID card?", "en", "eservices", True, replies=2)
    exchange(1, ago(days=1, hours=-1), '/feedback{"helpful":"yes"}', "en", None, False)  # a button press
    exchange(1, ago(days=2), "I lost my card 4000 1234 5678 9010", "en", "banking", True, replies=2)
    exchange(2, ago(days=2), "Татвараа яаж төлөх вэ", "mn", "eservices", True)
    exchange(3, ago(days=3), "Where is the nearest bank branch?", "en", "banking", False)
    exchange(4, ago(days=4), "where is the nearest bank branch", "en", "banking", False)
    exchange(5, ago(days=3), "Хамгийн ойр салбар хаана байдаг вэ, утас 9911 2233", "mn", None, False)
    exchange(6, ago(days=5), "WHERE is the nearest bank branch!!", "en", "banking", False)
    exchange(7, ago(days=3), "Is this SMS a scam?", "en", "scams", True)
    # Inside a ticket: a follow-up is not a new question.
    exchange(5, ago(days=3, hours=-2), "any news?", "mn", None, False, replies=0, intent="ticket_follow_up")
    # Outside the 7-day period.
    exchange(8, ago(days=40), "Old question", "en", "literacy", False)
    with database.session() as s:
        s.add_all(turns)
        s.add_all([
            Ticket(language="en", reason="user_request", question="q1", created_at=ago(days=2),
                   answered_at=ago(days=2, minutes=-10), status="closed"),
            Ticket(language="mn", reason="low_confidence", question="q2", created_at=ago(days=1),
                   answered_at=ago(days=1, minutes=-30), status="taken"),
            Ticket(language="mn", reason="not_helpful", question="q3", created_at=ago(hours=5), status="open"),
            Ticket(language="en", reason="user_request", question="old", created_at=ago(days=40),
                   answered_at=ago(days=40, minutes=-5), status="closed"),
        ])
    return database


def test_questions_by_topic_and_language(db: Database) -> None:
    fig = stats.collect(db, 7, now=NOW)
    assert fig.questions == 8  # button presses, follow-ups and old turns left out
    assert fig.by_topic == {"banking": 4, "eservices": 2, "scams": 1, "other": 1}
    assert fig.by_language == {"en": 6, "mn": 2}
    assert sum(sum(c.values()) for c in fig.per_day.values()) == 8
    assert len(fig.per_day) == 8  # every day of the period, empty ones too


def test_tickets_and_median_time_to_answer(db: Database) -> None:
    fig = stats.collect(db, 7, now=NOW)
    assert (fig.tickets_opened, fig.tickets_answered, fig.tickets_open) == (3, 2, 2)
    assert fig.median_answer_minutes == 20
    assert stats.collect(db, 60, now=NOW).median_answer_minutes == 10  # 5, 10 and 30 minutes


def test_most_frequent_unanswered_questions_are_grouped_and_masked(db: Database) -> None:
    fig = stats.collect(db, 7, now=NOW)
    assert fig.unanswered[0][1] == 3 and fig.unanswered[0][0].lower().startswith("where is the nearest")
    assert len(fig.unanswered) == 2
    other = fig.unanswered[1][0]
    assert "[phone]" in other and "9911" not in other


def test_text_report_in_both_languages(db: Database) -> None:
    fig = stats.collect(db, 7, now=NOW)
    en = stats.format_text(fig, "en")
    local = ZoneInfo("Asia/Ulaanbaatar")
    start, end = ((NOW - dt.timedelta(days=d)).replace(tzinfo=dt.UTC).astimezone(local).date()
                  for d in (7, 0))
    assert f"Statistics for the last 7 days, {start} to {end}." in en
    assert "Questions: 8." in en and "By topic: Banking safety 4, E-services 2" in en
    assert "Tickets: 3 opened, 2 answered, 2 open now." in en
    assert "Median time to answer a ticket: about 20 minutes." in en
    assert "1. " in en and "(3 times)" in en
    mn = stats.format_text(fig, "mn")
    assert "Асуулт: 8." in mn and "ойролцоогоор 20 минут" in mn and "Банкны аюулгүй байдал 4" in mn
    assert "4000" not in en + mn


def test_chart_is_a_png(db: Database, tmp_path: Path) -> None:
    path = tmp_path / "chart.png"
    stats.render_chart(stats.collect(db, 7, now=NOW), path, "mn")
    data = path.read_bytes()
    assert data.startswith(PNG_SIGNATURE) and len(data) > 10_000
    caption = stats.chart_caption(stats.collect(db, 7, now=NOW), "en")
    assert "busiest day" in caption


def test_empty_database_still_gives_a_report_and_chart(tmp_path: Path) -> None:
    empty = Database(f"sqlite:///{tmp_path / 'empty.db'}")
    fig = stats.collect(empty, 30)
    text = stats.format_text(fig, "en")
    assert "Questions: 0." in text and "no ticket was answered" in text
    path = tmp_path / "empty.png"
    stats.render_chart(fig, path, "en")
    assert path.read_bytes().startswith(PNG_SIGNATURE)
    # Before the bot ever ran: the command line creates the tables and reports zeros.
    assert stats.stats_main(["--database", f"sqlite:///{tmp_path / 'never-used.db'}", "--lang", "en"]) == 0


def test_command_line(db: Database, tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    chart = tmp_path / "out" / "stats.png"
    url = str(db.engine.url)
    assert stats.stats_main(["--days", "30", "--chart", str(chart), "--lang", "en", "--database", url]) == 0
    out = capsys.readouterr()
    assert "Statistics for the last 30 days" in out.out and "Questions: 8." in out.out
    assert chart.read_bytes().startswith(PNG_SIGNATURE)
    with pytest.raises(SystemExit):
        stats.stats_main(["--days", "0", "--database", url])
