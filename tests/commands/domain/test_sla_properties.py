"""Properties of the calendar arithmetic over random instants, durations and calendars."""

from __future__ import annotations

from datetime import UTC, datetime, time, timedelta

from hypothesis import given, settings
from hypothesis import strategies as st

from commands.domain.calendar import BusinessCalendar
from commands.incidents.domain.sla import Target, deadline, elapsed_fraction, fraction_instant, parse_target

MON_FRI = frozenset(range(5))
SAT_WED = frozenset({5, 6, 0, 1, 2})
CALENDARS = {
    "noi": BusinessCalendar("Europe/Sofia", MON_FRI, {d: [(time(9), time(17, 30))] for d in MON_FRI}, "BG"),
    "hgp": BusinessCalendar("Asia/Tehran", SAT_WED, {d: [(time(9, 30), time(17, 30))] for d in SAT_WED}, "IR"),
    "split": BusinessCalendar(
        "Europe/Sofia", MON_FRI, {d: [(time(9), time(12, 30)), (time(13, 30), time(17, 30))] for d in MON_FRI}, "BG"
    ),
    # Hours that straddle both DST changes, every day: exercises gap and fold resolution.
    "night": BusinessCalendar("Europe/Sofia", frozenset(range(7)), {d: [(time(2), time(5))] for d in range(7)}),
    "always": BusinessCalendar("Europe/Sofia", frozenset(range(7)), {d: [(time(0), time.max)] for d in range(7)}),
}
TARGETS = [
    parse_target(t)
    for t in (
        "30m",
        "4h",
        "1h business",
        "2h business",
        "8h business",
        "end of next working day",
        "end of the 2nd next working day",
        "6h from start of next working day",
        "10 working days after received",
    )
]

calendars = st.sampled_from(sorted(CALENDARS)).map(CALENDARS.__getitem__)
instants = st.datetimes(
    min_value=datetime(2025, 12, 1), max_value=datetime(2027, 1, 31), timezones=st.just(UTC)
).map(lambda d: d.replace(microsecond=0))
durations = st.integers(min_value=0, max_value=300 * 60).map(lambda m: timedelta(minutes=m))
# No example database: the tree is shared and the tests must stay fast and stateless.
FAST = settings(max_examples=200, deadline=None, database=None)


@FAST
@given(cal=calendars, start=instants, a=durations, b=durations)
def test_add_business_is_associative(cal: BusinessCalendar, start: datetime, a: timedelta, b: timedelta) -> None:
    assert cal.add_business(cal.add_business(start, a), b) == cal.add_business(start, a + b)


@FAST
@given(cal=calendars, start=instants, d=durations)
def test_business_between_inverts_add_business(cal: BusinessCalendar, start: datetime, d: timedelta) -> None:
    end = cal.add_business(start, d)
    assert end >= start
    assert cal.business_between(cal.next_opening(start), end) == d
    assert cal.business_between(start, end) == d


@FAST
@given(cal=calendars, start=instants)
def test_next_opening_is_open_and_nothing_is_skipped(cal: BusinessCalendar, start: datetime) -> None:
    opening = cal.next_opening(start)
    assert opening >= start
    assert cal.is_open(opening)
    assert cal.business_between(start, opening) == timedelta(0)


@FAST
@given(
    cal=calendars,
    start=instants,
    target=st.sampled_from(TARGETS),
    pause_offset=durations,
    pause_length=durations,
)
def test_deadline_never_before_start(
    cal: BusinessCalendar, start: datetime, target: Target, pause_offset: timedelta, pause_length: timedelta
) -> None:
    due = deadline(target, start, cal)
    assert due >= start
    pause_start = start + pause_offset
    assert deadline(target, start, cal, [(pause_start, pause_start + pause_length)]) >= due
    assert fraction_instant(target, start, due, 1.0, cal) == due
    assert elapsed_fraction(target, start, due, due, cal) == 1.0
