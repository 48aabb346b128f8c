"""Figures for maintainers: what people ask, what the bot missed, how fast volunteers answer.

The same figures serve /stats in Telegram and `python -m bot stats` on the
command line. Questions come from the stored turns: each user turn that is
a question (not a button payload, not a follow-up inside a ticket) is paired
with the bot's first reply after it, which carries the topic and whether the
bot answered. Texts are stored masked and are masked again here, so a
figure never shows personal data.
"""

from __future__ import annotations

import argparse
import datetime as dt
import re
import statistics
import sys
from collections import Counter, defaultdict
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import IO, Any
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from sqlalchemy import JSON, Date, Integer, String, select
from sqlalchemy.orm import Mapped, Session, mapped_column

from bot.handoff.tables import Ticket
from bot.handoff.wording import wait_text
from bot.storage import Base, Database, Turn, utcnow
from core.privacy import mask_pii
from core.settings import DEFAULT_LANGUAGE, LANGUAGES, TOPICS, DeskSettings
from core.strings import t

OTHER = "other"
TOP_UNANSWERED = 10
UNANSWERED_CHARS = 160
# Intents of user turns that are not new questions.
NOT_QUESTIONS = frozenset({"ticket_follow_up"})
# Bot turns that do not reply to the question before them.
NOT_REPLIES = frozenset({"volunteer_answer"})
TOPIC_COLOURS = {"eservices": "#1f77b4", "banking": "#2ca02c", "scams": "#d62728",
                 "literacy": "#9467bd", OTHER: "#7f7f7f"}


@dataclass
class Figures:
    days: int
    start: dt.datetime  # naive UTC, like the stored times
    end: dt.datetime
    tz: str
    questions: int = 0
    by_topic: Counter[str] = field(default_factory=Counter)
    by_language: Counter[str] = field(default_factory=Counter)
    per_day: dict[dt.date, Counter[str]] = field(default_factory=dict)
    unanswered: list[tuple[str, int]] = field(default_factory=list)
    tickets_opened: int = 0
    tickets_answered: int = 0
    tickets_open: int = 0
    answer_minutes: list[tuple[dt.date, float]] = field(default_factory=list)

    @property
    def median_answer_minutes(self) -> float | None:
        values = [m for _, m in self.answer_minutes]
        return statistics.median(values) if values else None

    def as_dict(self) -> dict[str, Any]:
        return {"days": self.days, "questions": self.questions, "by_topic": dict(self.by_topic),
                "by_language": dict(self.by_language), "tickets_opened": self.tickets_opened,
                "tickets_answered": self.tickets_answered, "tickets_open": self.tickets_open,
                "median_answer_minutes": self.median_answer_minutes,
                "unanswered": [{"text": q, "count": n} for q, n in self.unanswered]}


def _zone(name: str) -> dt.tzinfo:
    try:
        return ZoneInfo(name)
    except (ZoneInfoNotFoundError, ValueError):
        return dt.timezone(dt.timedelta(hours=8))  # Mongolia


def _local_date(moment: dt.datetime, tz: dt.tzinfo) -> dt.date:
    return moment.replace(tzinfo=dt.UTC).astimezone(tz).date()


def _key(text: str) -> str:
    """Groups "How do I pay tax?" with "how do i pay tax" as one question."""
    return " ".join(re.sub(r"[^\w\s]", " ", text.lower()).split())


def _is_question(turn: Turn) -> bool:
    text = (turn.text or "").strip()
    return bool(text) and not text.startswith("/") and turn.intent not in NOT_QUESTIONS


def _questions(turns: list[Turn]) -> Iterator[tuple[Turn, Turn | None]]:
    """Each question with the bot's reply to it (None if none came); turns by user, then id."""
    pending: Turn | None = None
    previous_user: int | None = None
    for turn in turns:
        if turn.user_id != previous_user and pending is not None:
            yield pending, None
            pending = None
        previous_user = turn.user_id
        if turn.role == "user":
            if pending is not None:
                yield pending, None
            pending = turn if _is_question(turn) else None
        elif pending is not None and turn.intent not in NOT_REPLIES:
            yield pending, turn
            pending = None
    if pending is not None:
        yield pending, None


class DailyQuestions(Base):
    """Questions the retention job deleted, as counts per local day, topic and language."""

    __tablename__ = "stats_daily_questions"

    day: Mapped[dt.date] = mapped_column(Date, primary_key=True)
    topic: Mapped[str] = mapped_column(String(20), primary_key=True)
    language: Mapped[str] = mapped_column(String(8), primary_key=True)
    questions: Mapped[int] = mapped_column(Integer, default=0)


class DailyTickets(Base):
    """Tickets the retention job deleted: opened and answered per local day, and the waits."""

    __tablename__ = "stats_daily_tickets"

    day: Mapped[dt.date] = mapped_column(Date, primary_key=True)
    opened: Mapped[int] = mapped_column(Integer, default=0)
    answered: Mapped[int] = mapped_column(Integer, default=0)
    answer_minutes: Mapped[list[float]] = mapped_column(JSON, default=list)


def archive(s: Session, turns: list[Turn], tickets: list[Ticket], tz: str) -> None:
    """Adds the figures of turns and tickets about to be deleted to the daily counts.

    /stats then counts the same questions and tickets after the retention
    job as before it, from counts that hold no text and no user.
    """
    zone = _zone(tz)
    questions: Counter[tuple[dt.date, str, str]] = Counter()
    for question, reply in _questions(turns):
        topic = reply.topic if reply is not None and reply.topic in TOPICS else OTHER
        lang = question.language if question.language in LANGUAGES else OTHER
        questions[(_local_date(question.created_at, zone), topic, lang)] += 1
    for (day, topic, lang), n in questions.items():
        row = s.get(DailyQuestions, (day, topic, lang))
        if row is None:
            s.add(DailyQuestions(day=day, topic=topic, language=lang, questions=n))
        else:
            row.questions += n

    def day_row(day: dt.date) -> DailyTickets:
        row = s.get(DailyTickets, day)
        if row is None:
            row = DailyTickets(day=day, opened=0, answered=0, answer_minutes=[])
            s.add(row)
        return row

    for ticket in tickets:
        day_row(_local_date(ticket.created_at, zone)).opened += 1
        if ticket.answered_at is not None:
            row = day_row(_local_date(ticket.answered_at, zone))
            row.answered += 1
            minutes = max(0.0, (ticket.answered_at - ticket.created_at).total_seconds() / 60.0)
            row.answer_minutes = [*(row.answer_minutes or []), round(minutes, 1)]
        s.flush()


def collect(db: Database, days: int, now: dt.datetime | None = None,
            tz: str = "Asia/Ulaanbaatar") -> Figures:
    end = now or utcnow()
    start = end - dt.timedelta(days=days)
    zone = _zone(tz)
    fig = Figures(days=days, start=start, end=end, tz=tz)
    first_day = _local_date(start, zone)
    for i in range((_local_date(end, zone) - first_day).days + 1):
        fig.per_day[first_day + dt.timedelta(days=i)] = Counter()

    with db.session() as s:
        turns = list(s.scalars(select(Turn).where(Turn.created_at >= start, Turn.created_at <= end)
                               .order_by(Turn.user_id, Turn.id)))
        tickets = list(s.scalars(select(Ticket).where(
            (Ticket.created_at >= start) | (Ticket.answered_at >= start) | (Ticket.status != "closed"))))

        archived = list(s.scalars(select(DailyQuestions).where(
            DailyQuestions.day >= first_day, DailyQuestions.day <= _local_date(end, zone))))
        archived_tickets = list(s.scalars(select(DailyTickets).where(
            DailyTickets.day >= first_day, DailyTickets.day <= _local_date(end, zone))))

    unanswered: Counter[str] = Counter()
    shown: dict[str, str] = {}

    def settle(question: Turn, reply: Turn | None) -> None:
        topic = reply.topic if reply is not None and reply.topic in TOPICS else OTHER
        lang = question.language if question.language in LANGUAGES else OTHER
        fig.questions += 1
        fig.by_topic[topic] += 1
        fig.by_language[lang] += 1
        fig.per_day.setdefault(_local_date(question.created_at, zone), Counter())[topic] += 1
        if reply is not None and reply.answered is False:
            text = mask_pii(question.text)
            key = _key(text)
            if key:
                unanswered[key] += 1
                shown[key] = text  # the latest wording

    for question, reply in _questions(turns):
        settle(question, reply)

    # What the retention job deleted survives as counts per day (no texts).
    for row in archived:
        fig.questions += row.questions
        fig.by_topic[row.topic] += row.questions
        fig.by_language[row.language] += row.questions
        fig.per_day.setdefault(row.day, Counter())[row.topic] += row.questions
    for row in archived_tickets:
        fig.tickets_opened += row.opened
        fig.tickets_answered += row.answered
        fig.answer_minutes += [(row.day, float(m)) for m in row.answer_minutes or []]

    fig.unanswered = [(_clip(shown[k], UNANSWERED_CHARS), n) for k, n in unanswered.most_common(TOP_UNANSWERED)]
    for ticket in tickets:
        if start <= ticket.created_at <= end:
            fig.tickets_opened += 1
        if ticket.status != "closed":
            fig.tickets_open += 1
        if ticket.answered_at is not None and start <= ticket.answered_at <= end:
            fig.tickets_answered += 1
            minutes = max(0.0, (ticket.answered_at - ticket.created_at).total_seconds() / 60.0)
            fig.answer_minutes.append((_local_date(ticket.answered_at, zone), minutes))
    return fig


def _clip(text: str, limit: int) -> str:
    text = " ".join(text.split())
    return text if len(text) <= limit else text[: limit - 1] + "…"


def _items(lang: str, counts: Counter[str], names: dict[str, str]) -> str:
    if not counts:
        return t(lang, "handoff.stats.none")
    return ", ".join(f"{names.get(k, k)} {n}" for k, n in counts.most_common())


def _topic_names(lang: str) -> dict[str, str]:
    names = {topic: t(lang, f"bot.topic_{topic}") for topic in TOPICS}
    names[OTHER] = t(lang, "handoff.stats.other")
    return names


def format_text(fig: Figures, lang: str) -> str:
    """The figures as short lines that read well aloud (no tables)."""
    tz = _zone(fig.tz)
    lang_names = {code: t(lang, f"handoff.lang_name.{code}") for code in LANGUAGES}
    lang_names[OTHER] = t(lang, "handoff.stats.other")
    lines = [
        t(lang, "handoff.stats.title", days=fig.days, start=_local_date(fig.start, tz).isoformat(),
          end=_local_date(fig.end, tz).isoformat()),
        t(lang, "handoff.stats.questions", count=fig.questions),
        t(lang, "handoff.stats.by_topic", items=_items(lang, fig.by_topic, _topic_names(lang))),
        t(lang, "handoff.stats.by_language", items=_items(lang, fig.by_language, lang_names)),
        t(lang, "handoff.stats.tickets", opened=fig.tickets_opened, answered=fig.tickets_answered,
          open=fig.tickets_open),
    ]
    median = fig.median_answer_minutes
    lines.append(t(lang, "handoff.stats.median", wait=wait_text(lang, median)) if median is not None
                 else t(lang, "handoff.stats.median_none"))
    if fig.unanswered:
        lines.append(t(lang, "handoff.stats.unanswered_title"))
        lines += [t(lang, "handoff.stats.unanswered_item", i=i, text=text, count=n)
                  for i, (text, n) in enumerate(fig.unanswered, 1)]
    elif fig.questions:
        lines.append(t(lang, "handoff.stats.unanswered_none"))
    return "\n".join(lines)


def chart_caption(fig: Figures, lang: str) -> str:
    """What the chart shows, for people who cannot see it."""
    busiest = max(fig.per_day.items(), key=lambda kv: sum(kv[1].values()), default=None)
    if busiest is None or not sum(busiest[1].values()):
        return t(lang, "handoff.stats.caption_empty", days=fig.days)
    return t(lang, "handoff.stats.caption", days=fig.days, day=busiest[0].isoformat(),
             count=sum(busiest[1].values()))


def render_chart(fig: Figures, out: str | Path | IO[bytes], lang: str) -> None:
    """Two panels, PNG: questions per day stacked by topic; volunteers' time to answer per day."""
    import matplotlib

    matplotlib.use("Agg")
    from matplotlib import pyplot as plt
    from matplotlib.dates import DateFormatter

    days = sorted(fig.per_day)
    names = _topic_names(lang)
    figure, (top, bottom) = plt.subplots(2, 1, figsize=(9, 7), dpi=100, sharex=True)
    try:
        bottom_values = [0] * len(days)
        for topic in (*TOPICS, OTHER):
            values = [fig.per_day[d][topic] for d in days]
            if any(values):
                top.bar(days, values, bottom=bottom_values, label=names[topic], color=TOPIC_COLOURS[topic])
                bottom_values = [a + b for a, b in zip(bottom_values, values, strict=True)]
        top.set_title(t(lang, "handoff.stats.chart_questions"))
        top.set_ylabel(t(lang, "handoff.stats.chart_count"))
        top.yaxis.get_major_locator().set_params(integer=True)
        if any(bottom_values):
            top.legend(loc="upper left", fontsize="small")
        else:
            top.text(0.5, 0.5, t(lang, "handoff.stats.chart_no_questions"), ha="center", va="center",
                     transform=top.transAxes)

        per_day: dict[dt.date, list[float]] = defaultdict(list)
        for day, minutes in fig.answer_minutes:
            per_day[day].append(minutes)
        bottom.set_title(t(lang, "handoff.stats.chart_answer"))
        bottom.set_ylabel(t(lang, "handoff.stats.chart_minutes"))
        if per_day:
            answered_days = sorted(per_day)
            bottom.scatter([d for d in answered_days for _ in per_day[d]],
                           [m for d in answered_days for m in per_day[d]],
                           color="#7f7f7f", s=12, label=t(lang, "handoff.stats.chart_each_ticket"))
            bottom.plot(answered_days, [statistics.median(per_day[d]) for d in answered_days],
                        marker="o", color="#ff7f0e", label=t(lang, "handoff.stats.chart_median"))
            bottom.set_ylim(bottom=0)
            bottom.legend(loc="upper left", fontsize="small")
        else:
            bottom.text(0.5, 0.5, t(lang, "handoff.stats.chart_no_tickets"), ha="center", va="center",
                        transform=bottom.transAxes)
        if days:
            bottom.set_xlim(days[0] - dt.timedelta(days=1), days[-1] + dt.timedelta(days=1))
        bottom.xaxis.set_major_formatter(DateFormatter("%m-%d"))
        figure.autofmt_xdate()
        figure.tight_layout()
        figure.savefig(out, format="png")
    finally:
        plt.close(figure)


def stats_main(argv: list[str] | None = None) -> int:
    """`python -m bot stats [--days N] [--chart FILE]`: the figures /stats shows."""
    from bot.config import Config

    parser = argparse.ArgumentParser(prog="python -m bot stats",
                                     description="Questions by topic and language, tickets, time to answer.")
    parser.add_argument("--days", type=int, default=7, help="period in days, ending now (default 7)")
    parser.add_argument("--chart", type=Path, help="also write a PNG chart to this file")
    parser.add_argument("--lang", choices=LANGUAGES, default=DEFAULT_LANGUAGE, help="language of the texts")
    parser.add_argument("--database", help="database URL (default: DATABASE_URL or the local SQLite file)")
    parser.add_argument("--json", action="store_true", help="print the figures as JSON")
    parser.add_argument("--weeks", type=int, default=8, help="weeks of scam checks by pattern (default 8)")
    parser.add_argument("--waves-chart", type=Path, help="write the scam checks by pattern chart (PNG) here")
    args = parser.parse_args(argv)
    if not 1 <= args.days <= 3650:
        parser.error("--days must be between 1 and 3650")
    db = Database(args.database or Config.from_env().database_url)
    fig = collect(db, args.days, tz=DeskSettings.from_env().timezone)
    if args.json:
        import json

        print(json.dumps(fig.as_dict(), ensure_ascii=False, indent=2))
    else:
        print(format_text(fig, args.lang))
    from bot import scam_waves  # scam checks by pattern per week (issue 22)

    waves = scam_waves.collect(db, max(1, min(args.weeks, 520)))
    if not args.json:
        print(scam_waves.format_text(waves, args.lang))
    if args.waves_chart:
        args.waves_chart.parent.mkdir(parents=True, exist_ok=True)
        scam_waves.render_chart(waves, args.waves_chart, args.lang)
        print(t(args.lang, "handoff.stats.chart_written", path=str(args.waves_chart)), file=sys.stderr)
    if args.chart:
        args.chart.parent.mkdir(parents=True, exist_ok=True)
        render_chart(fig, args.chart, args.lang)
        print(t(args.lang, "handoff.stats.chart_written", path=str(args.chart)), file=sys.stderr)
    return 0
