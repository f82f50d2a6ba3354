"""SLA clocks of an incident: planning them at registration, stopping them, and showing them."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, fields
from datetime import datetime, timedelta
from typing import Any, Protocol
from zoneinfo import ZoneInfo

from commands.domain.calendar import BusinessCalendar
from commands.domain.config import CLOCKS, CategoryConfig
from commands.domain.i18n.catalog import t
from commands.domain.i18n.format import format_datetime, format_duration, to_local
from commands.incidents.domain.sla import (
    deadline,
    elapsed_fraction,
    fraction_instant,
    parse_target,
    start_event,
)
from storage.models import SlaPause

# Which lifecycle event stops which clock (contract III: reaction = control number + actions taken,
# arrival = specialists at work on site or remotely, resolution = the fix and its tests, confirmed by the
# customer). The resolution clock's stop depends on the customer's ``resolution_stops``: "resolved" stops
# it provisionally at /resolve and /confirm makes that final; "confirmed" stops it at /confirm.
STOPPED_BY = {"reaction": "acknowledged", "arrival": "arrived", "resolution": "confirmed"}


class ClockLike(Protocol):
    """A clock's state, whether a stored ``SlaClock`` row or a ``ClockPlan`` not yet stored."""

    name: str
    target: str
    started_at: datetime | None
    deadline: datetime | None
    stopped_at: datetime | None
    met: bool | None
    margin_seconds: int | None
    final_at: datetime | None
    paused_since: datetime | None
    warned: str
    breach_sent: bool
    rev: int


@dataclass
class ClockPlan:
    """A clock computed before its incident row exists (plain data: cheap on the report path)."""

    name: str
    target: str
    started_at: datetime | None = None
    deadline: datetime | None = None
    stopped_at: datetime | None = None
    met: bool | None = None
    margin_seconds: int | None = None
    final_at: datetime | None = None
    paused_since: datetime | None = None
    warned: str = ""
    breach_sent: bool = False
    rev: int = 0

    def row(self, incident_id: int) -> dict[str, Any]:
        return {"incident_id": incident_id, **{f: getattr(self, f) for f in _PLAN_FIELDS}}


_PLAN_FIELDS = tuple(f.name for f in fields(ClockPlan))


def plan_clocks(category: CategoryConfig, reported_at: datetime, cal: BusinessCalendar,
                events: Mapping[str, datetime | None] | None = None) -> list[ClockPlan]:
    """The clocks an incident of this category gets (none for an absent target). A clock that starts on
    another event than the first notification starts at ``events[event]`` when that has happened (an
    incident re-categorised after its handset was received), else waits for it."""
    clocks = []
    for name in CLOCKS:
        text = category.target(name)
        if text is None:
            continue
        target = parse_target(text)
        event = start_event(target)
        start = reported_at if event == "reported" else (events or {}).get(event)
        if start is not None:
            clocks.append(ClockPlan(name, text, started_at=start, deadline=deadline(target, start, cal)))
        else:  # waits for its own start event (e.g. the handset received at the service centre)
            clocks.append(ClockPlan(name, text))
    return clocks


def stop_clock(clock: ClockLike, at: datetime, *, final: bool = True) -> None:
    """Stop a running clock at ``at``: met or breached by then. ``final=False``: a provisional stop (the
    fix is in place), awaiting the confirmation that makes it final (``finalise_clock``)."""
    if clock.stopped_at is not None or clock.deadline is None:
        return
    clock.stopped_at = at
    margin = clock.deadline - at
    clock.margin_seconds = int(margin.total_seconds())
    clock.met = margin >= timedelta(0)
    clock.final_at = at if final else None


def awaiting_confirmation(clock: ClockLike) -> bool:
    """Stopped provisionally: the fix is in place, the customer has not confirmed it yet."""
    return clock.stopped_at is not None and clock.final_at is None


def finalise_clock(clock: ClockLike, at: datetime) -> None:
    """The confirmation: a provisional stop becomes final at ``at`` (its outcome stays as it was)."""
    if awaiting_confirmation(clock):
        clock.final_at = at


def resume_clock(clock: ClockLike) -> None:
    """The fix did not hold: the clock runs again as if it had never stopped (its deadline is unchanged,
    so the time since the stop counts)."""
    clock.stopped_at, clock.met, clock.margin_seconds, clock.final_at = None, None, None, None


def rejudge_clock(clock: ClockLike) -> None:
    """A stopped clock judged again against a new deadline (a new category), keeping whether its stop
    is final. Without a deadline (its new target waits for a start event) it has no outcome; the stop
    stays on record and is judged when the clock starts (``/received``)."""
    if clock.stopped_at is None:
        return
    if clock.deadline is None:
        clock.met, clock.margin_seconds = None, None
        return
    at, final_at = clock.stopped_at, clock.final_at
    clock.stopped_at = None
    stop_clock(clock, at)
    clock.final_at = final_at


def settle_deadline(clock: ClockLike, cal: BusinessCalendar, pauses: Sequence[SlaPause], now: datetime) -> None:
    """Before a paused clock stops: its deadline moves by the pause so far (an open pause until ``now``)."""
    if clock.paused_since is None or clock.started_at is None or clock.stopped_at is not None:
        return
    clock.deadline = deadline(parse_target(clock.target), clock.started_at, cal, pauses_for(clock, pauses), now)


def clock_lines(
    clocks: Sequence[ClockLike], *, locale: str, tz_name: str, now: datetime, compact: bool = False
) -> list[str]:
    """One line per clock; ``compact`` gives the registration form "Reaction due 10:34"."""
    tz = ZoneInfo(tz_name)
    lines = []
    for c in clocks:
        label = t(locale, f"clock.{c.name}")
        if c.deadline is None:
            event = start_event(parse_target(c.target))
            lines.append(t(locale, "clock.waiting", clock=label, event=t(locale, f"event.{event}")))
            continue
        when = _when(c.deadline, now, tz, locale)
        if compact:
            lines.append(t(locale, "clock.due", clock=label, when=when))
        elif c.stopped_at is not None:
            margin = format_duration(abs(c.deadline - c.stopped_at), locale)
            key = "clock.met" if c.met else "clock.breached"
            line = t(locale, key, clock=label, when=_when(c.stopped_at, now, tz, locale), margin=margin)
            if c.final_at is None:
                line = t(locale, "clock.awaiting", line=line)
            elif c.final_at != c.stopped_at:  # stopped at the fix, made final by the confirmation
                line = t(locale, "clock.final", line=line, when=_when(c.final_at, now, tz, locale))
            lines.append(line)
        elif now <= c.deadline:
            lines.append(t(locale, "clock.left", clock=label, when=when, margin=format_duration(c.deadline - now, locale)))
        else:
            lines.append(t(locale, "clock.overdue", clock=label, when=when, margin=format_duration(now - c.deadline, locale)))
    return lines


def _when(at: datetime, now: datetime, tz: ZoneInfo, locale: str) -> str:
    """Time only when it is on today's local date, else date and time."""
    local = to_local(at, tz)
    return format_datetime(local, tz, locale, with_date=local.date() != to_local(now, tz).date())


# -- what the sweeper has to do and when ------------------------------------------------------------
@dataclass(frozen=True)
class ClockEvent:
    at: datetime
    kind: str  # "warning" | "breach"
    fraction: float = 1.0


def pauses_for(clock: ClockLike, pauses: Sequence[SlaPause]) -> list[tuple[datetime, datetime | None]]:
    return [(p.started_at, p.ended_at) for p in pauses if clock.name in p.clocks.split(",")]


def warn_instant(clock: ClockLike, fraction: float, cal: BusinessCalendar, pauses: Sequence[SlaPause]) -> datetime:
    """When ``fraction`` of the clock is used; with pauses, found by bisection on the used share."""
    assert clock.started_at is not None and clock.deadline is not None
    target = parse_target(clock.target)
    spans = pauses_for(clock, pauses)
    if not spans:
        return fraction_instant(target, clock.started_at, clock.deadline, fraction, cal)
    lo, hi = clock.started_at, clock.deadline
    while hi - lo > timedelta(seconds=1):
        mid = lo + (hi - lo) / 2
        if elapsed_fraction(target, clock.started_at, clock.deadline, mid, cal, spans) >= fraction:
            hi = mid
        else:
            lo = mid
    return hi.replace(microsecond=0) + (timedelta(seconds=1) if hi.microsecond else timedelta(0))


def pending_events(
    clock: ClockLike, warn_at: Sequence[float], cal: BusinessCalendar, pauses: Sequence[SlaPause]
) -> list[ClockEvent]:
    """Warnings and the breach still to be announced for a running, unpaused clock, in time order."""
    if clock.deadline is None or clock.started_at is None or clock.stopped_at is not None:
        return []
    if clock.paused_since is not None:
        return []
    warned = {float(f) for f in clock.warned.split(",") if f}
    events = [
        ClockEvent(warn_instant(clock, f, cal, pauses), "warning", f)
        for f in warn_at
        if f not in warned
    ]
    if not clock.breach_sent:
        events.append(ClockEvent(clock.deadline, "breach"))
    return sorted(events, key=lambda e: e.at)


def schedule_next(
    clocks: Sequence[ClockLike], warn_at: Sequence[float], cal: BusinessCalendar, pauses: Sequence[SlaPause]
) -> datetime | None:
    """The earliest pending event over all clocks: the incident's next ``next_check_at``."""
    instants = [e.at for c in clocks for e in pending_events(c, warn_at, cal, pauses)]
    return min(instants, default=None)


def start_clocks(clocks: Sequence[ClockLike], warn_at: Sequence[float], cal: BusinessCalendar,
                 at: datetime) -> datetime | None:
    """Clocks that start now (a new incident, a new category, a handset received): mark the warnings
    whose instant is already past at ``at`` as done — a report typed in late gets no "50% used" message
    for a moment nobody could have acted on; the breach is still announced — and return the first
    pending event. Each warning instant is computed once: this is on the report path."""
    upcoming: list[datetime] = []
    for c in clocks:
        if c.deadline is None or c.started_at is None:
            continue
        done = []
        for f in warn_at:
            instant = warn_instant(c, f, cal, ())
            if instant <= at:
                done.append(f)
            else:
                upcoming.append(instant)
        c.warned = ",".join(f"{f:g}" for f in done)
        if not c.breach_sent:
            upcoming.append(c.deadline)
    return min(upcoming, default=None)
