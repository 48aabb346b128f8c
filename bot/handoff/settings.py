"""The desk's tunables, each read once from the environment (README's settings table)."""

from __future__ import annotations

import datetime as dt
import os
import re
from dataclasses import dataclass

from actions.settings import LANGUAGES


def _env_int(name: str, default: int) -> int:
    try:
        return int(os.environ.get(name, default))
    except ValueError:
        return default


def _env_time(name: str, default: dt.time) -> dt.time:
    value = os.environ.get(name, "")
    m = re.match(r"^(\d{1,2}):(\d{2})$", value.strip())
    if m and int(m.group(1)) < 24 and int(m.group(2)) < 60:
        return dt.time(int(m.group(1)), int(m.group(2)))
    return default


@dataclass(frozen=True)
class DeskSettings:
    """The desk's tunables; each read once from the environment."""

    # An open ticket nobody took within this time is posted to the group again, once.
    remind_minutes: int = 30
    # The wait a citizen is told when there is no answered ticket to learn from.
    default_wait_minutes: int = 60
    # Tickets open longer than this appear in the daily summary.
    stale_hours: int = 24
    # When the daily summary is posted, in `timezone`.
    summary_time: dt.time = dt.time(9, 0)
    timezone: str = "Asia/Ulaanbaatar"
    # Language of everything the bot writes in the volunteer group.
    group_language: str = "mn"

    @classmethod
    def from_env(cls) -> DeskSettings:
        lang = os.environ.get("VOLUNTEER_LANGUAGE", cls.group_language)
        return cls(
            remind_minutes=max(1, _env_int("TICKET_REMIND_MINUTES", cls.remind_minutes)),
            default_wait_minutes=max(1, _env_int("TICKET_DEFAULT_WAIT_MINUTES", cls.default_wait_minutes)),
            stale_hours=max(1, _env_int("TICKET_STALE_HOURS", cls.stale_hours)),
            summary_time=_env_time("TICKET_SUMMARY_TIME", cls.summary_time),
            timezone=os.environ.get("TICKET_TIMEZONE", cls.timezone),
            group_language=lang if lang in LANGUAGES else cls.group_language,
        )
