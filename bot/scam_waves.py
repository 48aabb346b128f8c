"""Scam checks by pattern, per week: how a CSO sees a new wave coming (issue 22).

Each scam check leaves one row (bot/alert_store.py `scam_checks`: when, the
verdict, the known pattern it matched or its strongest warning sign; no user
and no text). /stats and `python -m bot stats` show the weeks as short lines
and as a stacked bar chart, so a rising pattern stands out and a maintainer
can write an alert for it (docs/alerts.md).
"""

from __future__ import annotations

import datetime as dt
from collections import Counter
from pathlib import Path
from typing import IO

import yaml

from bot import alert_store as store
from bot.storage import Database, utcnow
from core.settings import FAQ_DIR
from core.strings import t

TOP_PATTERNS = 6  # named in the chart; the rest are "other"


def week_start(moment: dt.datetime) -> dt.date:
    day = moment.date()
    return day - dt.timedelta(days=day.weekday())


def collect(db: Database, weeks: int, now: dt.datetime | None = None) -> dict[dt.date, Counter[str]]:
    """Monday of each week (oldest first) -> checks per pattern key; empty weeks included."""
    end = now or utcnow()
    first = week_start(end) - dt.timedelta(weeks=weeks - 1)
    out: dict[dt.date, Counter[str]] = {first + dt.timedelta(weeks=i): Counter() for i in range(weeks)}
    since = dt.datetime(first.year, first.month, first.day)
    for at, pattern in store.scam_checks_since(db, since):
        if at <= end:
            out.setdefault(week_start(at), Counter())[pattern] += 1
    return out


def pattern_names(lang: str, faq_dir: Path = FAQ_DIR) -> dict[str, str]:
    """Pattern id -> its description in `lang`, from faq/scam_patterns.yml."""
    try:
        data = yaml.safe_load((Path(faq_dir) / "scam_patterns.yml").read_text(encoding="utf-8")) or {}
    except (OSError, yaml.YAMLError):
        return {}
    names = {}
    for p in data.get("patterns") or []:
        if isinstance(p, dict) and p.get("id"):
            desc = p.get("description") if isinstance(p.get("description"), dict) else {}
            names[str(p["id"])] = str(desc.get(lang) or desc.get("en") or p["id"])
    return names


def name_of(key: str, lang: str, names: dict[str, str]) -> str:
    if key == "none":
        return t(lang, "alerts.waves_no_flags")
    if key.startswith("signal:"):
        return t(lang, "alerts.waves_signal", signal=key.split(":", 1)[1])
    return names.get(key, key)


def format_text(weeks: dict[dt.date, Counter[str]], lang: str) -> str:
    names = pattern_names(lang)
    lines = [t(lang, "alerts.waves_title", weeks=len(weeks))]
    busy = [(week, counts) for week, counts in weeks.items() if counts]
    if not busy:
        lines.append(t(lang, "alerts.waves_none"))
    for week, counts in busy:
        items = ", ".join(f"{name_of(k, lang, names)} {n}" for k, n in counts.most_common())
        lines.append(t(lang, "alerts.waves_week", week=week.isoformat(), items=items))
    return "\n".join(lines)


def caption(weeks: dict[dt.date, Counter[str]], lang: str) -> str:
    """What the chart shows, for people who cannot see it."""
    week, counts = max(weeks.items(), key=lambda kv: sum(kv[1].values()), default=(None, Counter()))
    if week is None or not counts:
        return t(lang, "alerts.waves_caption_empty")
    top = counts.most_common(1)[0][0]
    return t(lang, "alerts.waves_caption", week=week.isoformat(), count=sum(counts.values()),
             pattern=name_of(top, lang, pattern_names(lang)))


def _short(label: str, limit: int = 45) -> str:
    """A legend entry cut at a word, so a long pattern description does not squeeze the chart."""
    if len(label) <= limit:
        return label
    return label[:limit].rsplit(" ", 1)[0] + "…"


def render_chart(weeks: dict[dt.date, Counter[str]], out: str | Path | IO[bytes], lang: str) -> None:
    """PNG: one bar per week, stacked by pattern (the most frequent ones named)."""
    import matplotlib

    matplotlib.use("Agg")
    from matplotlib import pyplot as plt

    names = pattern_names(lang)
    total: Counter[str] = Counter()
    for counts in weeks.values():
        total.update(counts)
    shown = [k for k, _ in total.most_common(TOP_PATTERNS)]
    other = t(lang, "handoff.stats.other")
    labels = [w.isoformat() for w in weeks]
    figure, ax = plt.subplots(figsize=(9, 4.5), dpi=100)
    try:
        bottom = [0] * len(labels)
        series = [(name_of(k, lang, names), [weeks[w][k] for w in weeks]) for k in shown]
        rest = [sum(n for k, n in weeks[w].items() if k not in shown) for w in weeks]
        if any(rest):
            series.append((other, rest))
        for label, values in series:
            ax.bar(labels, values, bottom=bottom, label=_short(label))
            bottom = [a + b for a, b in zip(bottom, values, strict=True)]
        ax.set_title(t(lang, "alerts.waves_chart"))
        ax.set_ylabel(t(lang, "alerts.waves_count"))
        ax.yaxis.get_major_locator().set_params(integer=True)
        if series:
            ax.legend(loc="upper left", fontsize="small")
        else:
            ax.text(0.5, 0.5, t(lang, "alerts.waves_none"), ha="center", va="center", transform=ax.transAxes)
        figure.autofmt_xdate()
        figure.tight_layout()
        figure.savefig(out, format="png")
    finally:
        plt.close(figure)
