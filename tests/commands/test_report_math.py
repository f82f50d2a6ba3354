"""Pure report arithmetic: clock results, compliance, medians, local month bounds across DST."""

from __future__ import annotations

from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from commands.reports.domain.math import (
    ClockResult,
    ComplianceCounter,
    clock_result,
    day_bounds,
    local_instant,
    median,
    month_bounds,
    percent,
    provisional,
)

T0 = datetime(2026, 11, 2, 8, 0, tzinfo=UTC)
H = timedelta(hours=1)


def test_month_bounds_are_local_midnights_across_dst() -> None:
    start, end = month_bounds(2026, 10, ZoneInfo("Europe/Sofia"))
    assert start == datetime(2026, 9, 30, 21, 0, tzinfo=UTC)  # EEST, +03
    assert end == datetime(2026, 10, 31, 22, 0, tzinfo=UTC)  # EET, +02
    start, end = month_bounds(2026, 12, ZoneInfo("Asia/Tehran"))
    assert (start, end) == (datetime(2026, 11, 30, 20, 30, tzinfo=UTC), datetime(2026, 12, 31, 20, 30, tzinfo=UTC))


def test_clock_results() -> None:
    assert clock_result(T0, T0 + H, T0 + H / 2, True, 1800, T0) == ClockResult("met", 1800, 1800)
    assert clock_result(T0, T0 + H, T0 + 2 * H, False, -3600, T0).outcome == "breached"
    assert clock_result(T0, T0 + H, None, None, None, T0 + H / 4) == ClockResult("running", None, 2700)
    assert clock_result(T0, T0 + H, None, None, None, T0 + 3 * H) == ClockResult("breached", None, -7200)
    assert clock_result(None, None, None, None, None, T0).outcome == "waiting"
    assert clock_result(T0, T0 + H, None, None, None, T0 + 3 * H, cancelled=True).outcome == "cancelled"


def test_compliance_counts_decided_clocks_and_times() -> None:
    c = ComplianceCounter()
    for elapsed in (600, 1200, 3000):
        c.add("urgent", "reaction", clock_result(T0, T0 + timedelta(seconds=1800), T0 + timedelta(seconds=elapsed),
                                                   None, None, T0))
    c.add("urgent", "reaction", clock_result(T0, T0 + H, None, None, None, T0))  # running: not decided
    c.add("urgent", "reaction", ClockResult("cancelled"))
    (row,) = c.result(["urgent", "other"], ["reaction", "arrival"])
    assert (row.total, row.met, row.breached, row.running) == (3, 2, 1, 1)
    assert (row.percent, row.median, row.worst, row.worst_margin) == (66.7, 1200.0, 3000, -1200)
    assert percent(0, 0) is None and median([]) is None and median([1, 2, 3, 10]) == 2.5


def test_a_provisional_stop_is_shown_but_counted_only_once_final() -> None:
    fix, confirmed = T0 + 3 * H, T0 + 5 * H
    assert provisional(fix, None, T0 + 4 * H) and provisional(fix, confirmed, T0 + 4 * H)
    assert not provisional(fix, confirmed, confirmed) and not provisional(None, None, T0)
    assert not provisional(fix, None, T0 + H)  # not stopped yet at that instant
    waiting = clock_result(T0, T0 + 4 * H, fix, True, 3600, T0 + 4 * H, awaiting=True)
    assert (waiting.outcome, waiting.margin, waiting.awaiting) == ("met", 3600, True)
    assert not clock_result(T0, T0 + 4 * H, fix, True, 3600, T0, cancelled=True, awaiting=True).awaiting
    c = ComplianceCounter()
    c.add("urgent", "resolution", waiting)
    c.add("urgent", "resolution", clock_result(T0, T0 + 4 * H, T0 + 5 * H, False, -3600, T0 + 6 * H))
    (row,) = c.result(["urgent"], ["resolution"])
    assert (row.total, row.met, row.breached, row.awaiting, row.percent) == (1, 0, 1, 1, 0.0)
    assert (row.median, row.worst) == (5 * 3600.0, 5 * 3600)  # the provisional time is not in the figures


def test_local_times_in_a_dst_gap_follow_the_one_rule() -> None:
    """A daily-summary time or a midnight skipped by a DST change is the end of the gap, as
    ``calendar.local_to_utc`` says for every wall time (one rule, not one per module)."""
    sofia, havana = ZoneInfo("Europe/Sofia"), ZoneInfo("America/Havana")
    # Sofia springs forward at 03:00 → 04:00 on 2026-03-29: 03:30 does not exist, the gap ends 01:00 UTC.
    assert local_instant(date(2026, 3, 29), time(3, 30), sofia) == datetime(2026, 3, 29, 1, 0, tzinfo=UTC)
    assert local_instant(date(2026, 3, 29), time(4, 30), sofia) == datetime(2026, 3, 29, 1, 30, tzinfo=UTC)
    # Havana springs forward at midnight (2026-03-08 00:00 → 01:00 CDT): the day starts at 05:00 UTC.
    assert day_bounds(date(2026, 3, 8), havana)[0] == datetime(2026, 3, 8, 5, 0, tzinfo=UTC)
    assert day_bounds(date(2026, 3, 7), havana)[1] == datetime(2026, 3, 8, 5, 0, tzinfo=UTC)
