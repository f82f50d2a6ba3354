"""Pure arithmetic of reports: how a clock ended, compliance per category, medians and worst times,
and the instants that bound a customer's local month or day. No I/O."""

from __future__ import annotations

import statistics
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta
from typing import Literal
from zoneinfo import ZoneInfo

from commands.domain.calendar import local_to_utc

Outcome = Literal["met", "breached", "running", "waiting", "cancelled"]


@dataclass(frozen=True, slots=True)
class ClockResult:
    """One clock of one incident as a report shows it.

    ``elapsed``: seconds from the clock's start to its stop (None while running); ``margin``: seconds
    between deadline and stop (negative = breached by), or for a running clock between deadline and the
    report's instant (negative = overdue now). Equal results are equal values (a month's protocol keeps
    one object for each: commands/reports/report.py).
    """

    outcome: Outcome
    elapsed: int | None = None
    margin: int | None = None
    awaiting: bool = False  # stopped provisionally: the outcome holds unless the fix is reopened


def provisional(stopped: datetime | None, final: datetime | None, as_of: datetime) -> bool:
    """A stop not (yet, at ``as_of``) made final: the fix awaits the customer's confirmation."""
    return stopped is not None and stopped <= as_of and (final is None or final > as_of)


def clock_result(started: datetime | None, deadline: datetime | None, stopped: datetime | None,
                 met: bool | None, margin: int | None, as_of: datetime, *, cancelled: bool = False,
                 awaiting: bool = False) -> ClockResult:
    """``awaiting``: the stop is provisional (``provisional``): its outcome is shown, not yet counted."""
    if deadline is None:  # waits for its start event (a handset not yet received)
        return ClockResult("cancelled" if cancelled else "waiting")
    if stopped is not None:
        elapsed = int((stopped - started).total_seconds()) if started is not None else None
        if margin is None:
            margin = int((deadline - stopped).total_seconds())
        ok = met if met is not None else margin >= 0
        return ClockResult("met" if ok else "breached", elapsed, margin, awaiting and not cancelled)
    if cancelled:
        return ClockResult("cancelled")
    left = int((deadline - as_of).total_seconds())
    return ClockResult("running" if left >= 0 else "breached", None, left)


@dataclass(frozen=True, slots=True)
class Compliance:
    """SLA compliance of one clock of one category over a period."""

    category: str
    clock: str
    total: int  # clocks decided: met + breached (running ones not yet due are left out)
    met: int
    breached: int
    running: int
    awaiting: int  # stopped provisionally, awaiting confirmation: not decided yet, shown apart
    percent: float | None  # met / total * 100, one decimal; None when nothing was decided
    median: float | None  # seconds from start to stop, over the stopped clocks
    worst: int | None  # the longest of those, seconds
    worst_margin: int | None  # the most negative margin (the worst breach), seconds


def percent(part: int, whole: int) -> float | None:
    return None if whole == 0 else round(100.0 * part / whole, 1)


def median(values: Iterable[int]) -> float | None:
    vals = list(values)
    return float(statistics.median(vals)) if vals else None


@dataclass
class _Acc:
    met: int = 0
    breached: int = 0
    running: int = 0
    awaiting: int = 0
    times: list[int] = field(default_factory=list)
    worst_margin: int | None = None


class ComplianceCounter:
    """Accumulates clock results per (category, clock), keeping only counts and the elapsed seconds."""

    def __init__(self) -> None:
        self._acc: dict[tuple[str, str], _Acc] = {}

    def add(self, category: str, clock: str, r: ClockResult) -> None:
        if r.outcome in ("waiting", "cancelled"):
            return
        acc = self._acc.get((category, clock))
        if acc is None:
            acc = self._acc[(category, clock)] = _Acc()
        if r.awaiting:  # compliance counts final stops only
            acc.awaiting += 1
            return
        if r.outcome == "met":
            acc.met += 1
        elif r.outcome == "breached":
            acc.breached += 1
            if r.margin is not None and (acc.worst_margin is None or r.margin < acc.worst_margin):
                acc.worst_margin = r.margin
        else:
            acc.running += 1
        if r.elapsed is not None:
            acc.times.append(r.elapsed)

    def result(self, categories: Iterable[str], clocks: Iterable[str]) -> list[Compliance]:
        """One row per (category, clock) that had any clock, in the configured order."""
        out = []
        clock_order = list(clocks)
        for cat in categories:
            for clk in clock_order:
                acc = self._acc.get((cat, clk))
                if acc is None:
                    continue
                total = acc.met + acc.breached
                out.append(Compliance(cat, clk, total, acc.met, acc.breached, acc.running, acc.awaiting,
                                      percent(acc.met, total),
                                      median(acc.times), max(acc.times) if acc.times else None, acc.worst_margin))
        return out


def overall(rows: Iterable[Compliance]) -> tuple[int, int, float | None]:
    """(decided, met, percent) over all categories and clocks."""
    total = met = 0
    for r in rows:
        total += r.total
        met += r.met
    return total, met, percent(met, total)


def month_bounds(year: int, month: int, tz: ZoneInfo) -> tuple[datetime, datetime]:
    """The UTC instants of the first local midnight of the month and of the next month."""
    if not 1 <= month <= 12:
        raise ValueError(f"month {month} out of range")
    return local_instant(date(year, month, 1), time(0), tz), local_instant(date(year + (month == 12), month % 12 + 1, 1),
                                                                           time(0), tz)


def day_bounds(d: date, tz: ZoneInfo) -> tuple[datetime, datetime]:
    """The UTC instants of local midnight of ``d`` and of the next day."""
    return local_instant(d, time(0), tz), local_instant(d + timedelta(days=1), time(0), tz)


def local_instant(d: date, at: time, tz: ZoneInfo) -> datetime:
    """``at`` on local date ``d`` as a UTC instant (a time skipped by a DST change: the end of the gap)."""
    return local_to_utc(datetime.combine(d, at), tz)


def days_of_month(year: int, month: int) -> list[date]:
    first = date(year, month, 1)
    nxt = date(year + (month == 12), month % 12 + 1, 1)
    return [first + timedelta(days=n) for n in range((nxt - first).days)]
