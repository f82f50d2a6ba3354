"""The small readers every config table uses (durations, spans of hours, weekdays, time zones) and the
strict model base: the capability configs (health, on-call, backups, reports) and the central Config
(commands/domain/config.py) import them from here, so none of them imports another."""

from __future__ import annotations

import re
from datetime import time, timedelta
from functools import cache
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from pydantic import BaseModel, ConfigDict

# A chat platform's name as the config spells it (channels.<transport>, engineers_<transport>).
TRANSPORT_NAME = re.compile(r"[a-z][a-z0-9]{1,30}")
WEEKDAYS = ("mon", "tue", "wed", "thu", "fri", "sat", "sun")
_SPAN = re.compile(r"^(\d{1,2}):(\d{2})\s*-\s*(\d{1,2}):(\d{2})$")
_DURATION = re.compile(r"^\s*(\d+)\s*([smhdw])\s*$")


class Strict(BaseModel):
    """A config table: unknown keys are refused, values are frozen."""

    model_config = ConfigDict(extra="forbid", frozen=True)


@cache  # the config's few duration strings are read on every report
def parse_duration(text: str) -> timedelta:
    """``30m``, ``4h``, ``7d``, ``2w`` → timedelta (config durations; not SLA targets)."""
    m = _DURATION.match(text)
    if not m:
        raise ValueError(f"{text!r} is not a duration like 30m, 4h or 7d")
    n, unit = int(m.group(1)), m.group(2)
    return timedelta(seconds=n * {"s": 1, "m": 60, "h": 3600, "d": 86400, "w": 604800}[unit])


def check_timezone(name: str) -> str:
    """A validator's body for an IANA time zone name."""
    try:
        ZoneInfo(name)
    except (ZoneInfoNotFoundError, ValueError):
        raise ValueError(f"{name!r} is not an IANA time zone such as Europe/Sofia") from None
    return name


def check_weekdays(days: tuple[str, ...]) -> tuple[str, ...]:
    """A validator's body for a list of weekday names (mon … sun)."""
    bad = [d for d in days if d not in WEEKDAYS]
    if bad:
        raise ValueError(f"unknown weekday(s) {bad}; use {', '.join(WEEKDAYS)}")
    return days


def parse_span(text: str) -> tuple[time, time]:
    m = _SPAN.match(text.strip())
    if not m:
        raise ValueError(f"{text!r} is not a span of working hours like 09:00-17:30")
    h1, m1, h2, m2 = (int(g) for g in m.groups())
    if h2 == 24 and m2 == 0:
        end = time.max
    else:
        if not (0 <= h2 < 24 and 0 <= m2 < 60):
            raise ValueError(f"{text!r}: bad closing time")
        end = time(h2, m2)
    if not (0 <= h1 < 24 and 0 <= m1 < 60):
        raise ValueError(f"{text!r}: bad opening time")
    start = time(h1, m1)
    if end <= start:
        raise ValueError(f"{text!r}: closing time must be after opening time")
    return start, end
