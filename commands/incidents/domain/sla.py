"""SLA targets: parsing the contract's wording and computing deadlines on a business calendar.

Accepted target forms (case- and space-insensitive), with ``<dur>`` like ``30m``, ``4h``, ``1h30m``,
``2d`` (units ``d``, ``h``, ``m``, ``s``, also spelled ``min``, ``hours``, ``days``...):

* ``<dur>`` — elapsed real time (24/7), e.g. ``4h``;
* ``<dur> business`` — working time counted from the next opening, e.g. ``2h business``;
* ``end of next working day``, ``end of the 2nd next working day``, ``end of the next 2 working days``;
* ``<dur> from start of next working day``, ``<dur> from start of the 2nd next working day``;
* ``<n> working days after <event>`` — the end of the n-th working day after the event, e.g.
  ``10 working days after received``; the clock starts at the event, not at the first notification.

Pauses (waiting for the customer) do not count: the deadline moves by the paused time, measured in
real time for plain durations and in working time for every other kind.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from functools import lru_cache

from commands.domain.calendar import BusinessCalendar, to_utc

Pause = tuple[datetime, datetime | None]

_ZERO = timedelta(0)
REPORTED = "reported"


@dataclass(frozen=True)
class CalendarDuration:
    """Elapsed real time from the start: ``4h`` → start + 4 hours (UTC arithmetic, DST-proof)."""

    delta: timedelta


@dataclass(frozen=True)
class BusinessDuration:
    """Working time from the next opening at or after the start: ``2h business``."""

    delta: timedelta


@dataclass(frozen=True)
class EndOfNthWorkingDay:
    """Closing of the n-th working day after the start's local date: ``end of next working day``."""

    n: int


@dataclass(frozen=True)
class BusinessFromNextWorkingDay:
    """Working time counted from the opening of the n-th next working day: ``6h from start of next working day``."""

    delta: timedelta
    n: int = 1


@dataclass(frozen=True)
class WorkingDaysAfterEvent:
    """Closing of the n-th working day after an event's local date: ``10 working days after received``."""

    n: int
    event: str


Target = (
    CalendarDuration
    | BusinessDuration
    | EndOfNthWorkingDay
    | BusinessFromNextWorkingDay
    | WorkingDaysAfterEvent
)

# ---- parsing ----------------------------------------------------------------------------------------

_UNITS: dict[str, int] = {}
for _seconds, _names in (
    (86400, ("d", "day", "days")),
    (3600, ("h", "hr", "hrs", "hour", "hours")),
    (60, ("m", "min", "mins", "minute", "minutes")),
    (1, ("s", "sec", "secs", "second", "seconds")),
):
    for _name in _names:
        _UNITS[_name] = _seconds
_UNIT_RE = "|".join(sorted(_UNITS, key=len, reverse=True))
_DUR = rf"(?:\d+\s*(?:{_UNIT_RE})\s*)+"
_DUR_PART = re.compile(rf"(\d+)\s*({_UNIT_RE})")
_ORD = r"(?:the\s+)?(?:next|(?P<ord>\d+)(?:st|nd|rd|th)\s+next|next\s+(?P<count>\d+))"

_CALENDAR = re.compile(rf"^(?P<dur>{_DUR})$")
_BUSINESS = re.compile(rf"^(?P<dur>{_DUR})\s*business(?:\s+time)?$")
_END_OF = re.compile(rf"^(?:by\s+)?(?:the\s+)?end\s+of\s+{_ORD}\s+working\s+days?$")
_FROM_START = re.compile(rf"^(?P<dur>{_DUR})\s*from\s+(?:the\s+)?start\s+of\s+{_ORD}\s+working\s+days?$")
_AFTER = re.compile(r"^(?P<n>\d+)\s+working\s+days?\s+after\s+(?P<event>[a-z][a-z_-]*)$")

FORMS = (
    "'30m', '4h', '1h30m', '2d' (real time)",
    "'2h business' (working time)",
    "'end of next working day', 'end of the 2nd next working day'",
    "'6h from start of next working day'",
    "'10 working days after received'",
)


def _duration(text: str) -> timedelta:
    seconds = sum(int(n) * _UNITS[unit] for n, unit in _DUR_PART.findall(text))
    if seconds <= 0:
        raise ValueError(f"{text.strip()!r}: an SLA duration must be longer than zero")
    return timedelta(seconds=seconds)


def _nth(m: re.Match[str]) -> int:
    raw = m.group("ord") or m.group("count") or "1"
    n = int(raw)
    if n < 1:
        raise ValueError(f"{m.string!r}: the working day count must be at least 1")
    return n


@lru_cache(maxsize=256)  # a config has a handful of targets; every report and tick parses them
def parse_target(text: str) -> Target:
    """Parse an SLA target as written in the config; ``ValueError`` lists the accepted forms."""
    norm = " ".join(text.lower().split())
    if m := _CALENDAR.match(norm):
        return CalendarDuration(_duration(m.group("dur")))
    if m := _BUSINESS.match(norm):
        return BusinessDuration(_duration(m.group("dur")))
    if m := _END_OF.match(norm):
        return EndOfNthWorkingDay(_nth(m))
    if m := _FROM_START.match(norm):
        return BusinessFromNextWorkingDay(_duration(m.group("dur")), _nth(m))
    if m := _AFTER.match(norm):
        n = int(m.group("n"))
        if n < 1:
            raise ValueError(f"{text!r}: the working day count must be at least 1")
        return WorkingDaysAfterEvent(n, m.group("event"))
    raise ValueError(f"{text!r} is not an SLA target; use one of: {'; '.join(FORMS)}")


def _format_duration(delta: timedelta) -> str:
    seconds = int(delta.total_seconds())
    parts = []
    for unit, size in (("d", 86400), ("h", 3600), ("m", 60), ("s", 1)):
        if seconds >= size:
            parts.append(f"{seconds // size}{unit}")
            seconds %= size
    return "".join(parts) or "0s"


def _ordinal(n: int) -> str:
    if 10 <= n % 100 <= 20:
        return f"{n}th"
    return f"{n}{ {1: 'st', 2: 'nd', 3: 'rd'}.get(n % 10, 'th') }"


def _next_nth(n: int) -> str:
    return "next working day" if n == 1 else f"the {_ordinal(n)} next working day"


def describe_target(t: Target) -> str:
    """Canonical English text of a target; ``parse_target(describe_target(t)) == t``."""
    match t:
        case CalendarDuration(delta):
            return _format_duration(delta)
        case BusinessDuration(delta):
            return f"{_format_duration(delta)} business"
        case EndOfNthWorkingDay(n):
            return f"end of {_next_nth(n)}"
        case BusinessFromNextWorkingDay(delta, n):
            return f"{_format_duration(delta)} from start of {_next_nth(n)}"
        case WorkingDaysAfterEvent(n, event):
            return f"{n} working day{'s' if n != 1 else ''} after {event}"
    raise TypeError(f"not an SLA target: {t!r}")


def start_event(t: Target) -> str:
    """The event whose time starts the clock: ``reported`` (first notification) unless the target names one."""
    return t.event if isinstance(t, WorkingDaysAfterEvent) else REPORTED


# ---- deadlines --------------------------------------------------------------------------------------


def _base_deadline(t: Target, start: datetime, cal: BusinessCalendar) -> datetime:
    match t:
        case CalendarDuration(delta):
            return to_utc(start) + delta
        case BusinessDuration(delta):
            return cal.add_business(cal.next_opening(start), delta)
        case EndOfNthWorkingDay(n):
            return cal.closing_of(cal.next_working_day(cal.local_date(start), n))
        case BusinessFromNextWorkingDay(delta, n):
            return cal.add_business(cal.opening_of(cal.next_working_day(cal.local_date(start), n)), delta)
        case WorkingDaysAfterEvent(n, _):
            return cal.closing_of(cal.next_working_day(cal.local_date(start), n))
    raise TypeError(f"not an SLA target: {t!r}")


def _merged_pauses(
    pauses: Sequence[Pause], start: datetime, until: datetime | None, now: datetime | None
) -> list[tuple[datetime, datetime]]:
    """Pauses clipped to ``[start, until)`` and merged, so overlapping records are not counted twice."""
    spans: list[tuple[datetime, datetime]] = []
    for p_start, p_end in pauses:
        if p_end is None:
            if now is None:
                raise ValueError("an open pause (no end) needs `now`")
            p_end = now
        lo, hi = max(to_utc(p_start), to_utc(start)), to_utc(p_end)
        if until is not None:
            hi = min(hi, to_utc(until))
        if hi > lo:
            spans.append((lo, hi))
    spans.sort()
    merged: list[tuple[datetime, datetime]] = []
    for lo, hi in spans:
        if merged and lo <= merged[-1][1]:
            merged[-1] = (merged[-1][0], max(hi, merged[-1][1]))
        else:
            merged.append((lo, hi))
    return merged


def _paused(
    t: Target,
    pauses: Sequence[Pause],
    start: datetime,
    until: datetime | None,
    now: datetime | None,
    cal: BusinessCalendar,
) -> timedelta:
    spans = _merged_pauses(pauses, start, until, now)
    if isinstance(t, CalendarDuration):
        return sum((hi - lo for lo, hi in spans), _ZERO)
    return sum((cal.business_between(lo, hi) for lo, hi in spans), _ZERO)


def deadline(
    t: Target,
    start: datetime,
    cal: BusinessCalendar,
    pauses: Sequence[Pause] = (),
    now: datetime | None = None,
) -> datetime:
    """When the clock of target ``t`` runs out (UTC).

    ``start`` is the time of ``start_event(t)``: the first notification, or the named event. Paused
    time after ``start`` (an open pause lasts until ``now``) pushes the deadline: by real time for
    ``CalendarDuration``, by working time for the other kinds.
    """
    base = _base_deadline(t, start, cal)
    if not pauses:
        return base
    paused = _paused(t, pauses, start, None, now, cal)
    if isinstance(t, CalendarDuration):
        return base + paused
    return cal.add_business(base, paused)


def _consumed(t: Target, start: datetime, at: datetime, cal: BusinessCalendar) -> timedelta:
    if isinstance(t, CalendarDuration):
        return max(to_utc(at) - to_utc(start), _ZERO)
    return cal.business_between(start, at)


def elapsed_fraction(
    t: Target,
    start: datetime,
    deadline_at: datetime,
    at: datetime,
    cal: BusinessCalendar,
    pauses: Sequence[Pause] = (),
) -> float:
    """Share of the clock consumed at ``at`` (0 → 1 at the deadline, above 1 when breached).

    Real time for ``CalendarDuration``, working time otherwise; paused time is left out of both the
    consumed and the whole budget, so ``deadline_at`` must be the deadline computed with the same
    pauses. A pause still open at ``at`` counts as lasting until ``at``.
    """
    total = _consumed(t, start, deadline_at, cal) - _paused(t, pauses, start, deadline_at, at, cal)
    used = _consumed(t, start, at, cal) - _paused(t, pauses, start, at, at, cal)
    if total <= _ZERO:
        return 1.0 if at >= deadline_at else 0.0
    return max(used, _ZERO) / total


def fraction_instant(
    t: Target, start: datetime, deadline_at: datetime, fraction: float, cal: BusinessCalendar
) -> datetime:
    """The instant at which ``fraction`` of the clock is consumed, ignoring pauses (for warnings)."""
    if fraction < 0:
        raise ValueError(f"fraction must not be negative: {fraction}")
    if isinstance(t, CalendarDuration):
        start_utc = to_utc(start)
        return start_utc + (to_utc(deadline_at) - start_utc) * fraction
    return cal.add_business(start, cal.business_between(start, deadline_at) * fraction)
