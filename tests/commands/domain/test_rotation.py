"""Rotation math: hand-offs, layers, overrides, and DST."""

from __future__ import annotations

from datetime import UTC, date, datetime, time
from zoneinfo import ZoneInfo

from commands.oncall.domain.rotation import Layer, Override, Schedule, check_override

SOFIA = ZoneInfo("Europe/Sofia")


def utc(*a: int) -> datetime:
    return datetime(*a, tzinfo=UTC)  # type: ignore[misc]


WEEKLY = Layer("24x7", ("georgi", "maria", "petar"), rotation="weekly", handoff=time(9, 0), start=date(2026, 11, 2))
DAILY = Layer("days", ("ana", "boris"), rotation="daily", handoff=time(9, 0), start=date(2026, 11, 2))
BUSINESS = Layer("business", ("desk",), rotation="weekly", start=date(2026, 11, 2),
                 days=frozenset(range(5)), hours=(time(9, 0), time(17, 30)))


def test_weekly_rotation_hands_off_at_local_0900() -> None:
    s = Schedule("primary", SOFIA, (WEEKLY,))
    assert s.on_call(utc(2026, 11, 2, 6, 59)) is None  # before the first hand-off (09:00 Sofia = 07:00 UTC)
    assert s.on_call(utc(2026, 11, 2, 7, 0)) == "georgi"
    assert s.on_call(utc(2026, 11, 9, 6, 59)) == "georgi"
    assert s.on_call(utc(2026, 11, 9, 7, 0)) == "maria"
    assert s.on_call(utc(2026, 11, 16, 7, 0)) == "petar"
    assert s.on_call(utc(2026, 11, 23, 7, 0)) == "georgi"  # wraps around


def test_daily_rotation_across_the_autumn_dst_change() -> None:
    s = Schedule("days", SOFIA, (Layer("d", ("ana", "boris"), rotation="daily", start=date(2026, 10, 24)),))
    # 2026-10-25: Sofia goes from +03:00 to +02:00; 09:00 local is 06:00 UTC before, 07:00 UTC after.
    assert s.on_call(utc(2026, 10, 24, 6, 0)) == "ana"
    assert s.on_call(utc(2026, 10, 25, 6, 59)) == "ana"
    assert s.on_call(utc(2026, 10, 25, 7, 0)) == "boris"
    assert s.on_call(utc(2026, 10, 26, 7, 0)) == "ana"


def test_a_handoff_in_the_spring_gap_happens_when_the_gap_ends() -> None:
    s = Schedule("night", SOFIA, (Layer("n", ("ana", "boris"), rotation="daily", handoff=time(3, 30),
                                        start=date(2026, 3, 28)),))
    # 2026-03-29 03:30 does not exist in Sofia (03:00 → 04:00 = 01:00 UTC)
    assert s.on_call(utc(2026, 3, 29, 0, 59)) == "ana"
    assert s.on_call(utc(2026, 3, 29, 1, 0)) == "boris"


def test_a_business_hours_layer_wins_over_the_24x7_layer() -> None:
    s = Schedule("primary", SOFIA, (WEEKLY, BUSINESS))
    assert s.on_call(utc(2026, 11, 23, 8, 0)) == "desk"  # Monday 10:00 Sofia
    assert s.on_call(utc(2026, 11, 23, 16, 0)) == "georgi"  # Monday 18:00: back to the 24x7 layer
    assert s.on_call(utc(2026, 11, 28, 8, 0)) == "georgi"  # Saturday


def test_overrides_win_and_the_newest_of_overlapping_ones_wins() -> None:
    o1 = Override("ana", utc(2026, 11, 23, 16, 0), utc(2026, 11, 24, 7, 0))
    o2 = Override("boris", utc(2026, 11, 23, 20, 0), utc(2026, 11, 23, 22, 0))
    s = Schedule("primary", SOFIA, (WEEKLY,), (o1, o2))
    assert s.on_call(utc(2026, 11, 23, 15, 59)) == "georgi"
    assert s.on_call(utc(2026, 11, 23, 16, 0)) == "ana"
    assert s.on_call(utc(2026, 11, 23, 21, 0)) == "boris"
    assert s.on_call(utc(2026, 11, 23, 22, 0)) == "ana"
    assert s.on_call(utc(2026, 11, 24, 7, 0)) == "georgi"


def test_shifts_over_a_period_are_merged_stretches() -> None:
    s = Schedule("primary", SOFIA, (WEEKLY,), (Override("ana", utc(2026, 11, 23, 16, 0), utc(2026, 11, 24, 7, 0)),))
    shifts = s.shifts(utc(2026, 11, 23, 0, 0), utc(2026, 11, 25, 0, 0))
    assert [(x.person, x.start, x.end, x.source) for x in shifts] == [
        ("petar", utc(2026, 11, 23, 0, 0), utc(2026, 11, 23, 7, 0), "24x7"),
        ("georgi", utc(2026, 11, 23, 7, 0), utc(2026, 11, 23, 16, 0), "24x7"),
        ("ana", utc(2026, 11, 23, 16, 0), utc(2026, 11, 24, 7, 0), "override"),
        ("georgi", utc(2026, 11, 24, 7, 0), utc(2026, 11, 25, 0, 0), "24x7"),
    ]


def test_an_override_in_the_past_or_backwards_is_refused() -> None:
    now = utc(2026, 11, 23, 12, 0)
    assert check_override([], Override("ana", utc(2026, 11, 22, 0, 0), utc(2026, 11, 23, 0, 0)), now) == "in_the_past"
    assert check_override([], Override("ana", utc(2026, 11, 24, 0, 0), utc(2026, 11, 23, 0, 0)), now) == "end_before_start"
    assert check_override([], Override("ana", utc(2026, 11, 23, 18, 0), utc(2026, 11, 24, 7, 0)), now) is None


def test_whole_shifts_keep_their_real_start_and_end_whenever_asked() -> None:
    """For calendar exports (issue 16 §3): the shifts overlapping a window, not cut to it; the start found
    however far back it lies (down to the layer's start), the end up to ``reach`` ahead."""
    from datetime import UTC, date, datetime, time, timedelta
    from zoneinfo import ZoneInfo

    from commands.oncall.domain.rotation import Layer, Schedule, Shift

    tz = ZoneInfo("Europe/Sofia")
    weekly = Schedule("primary", tz, (Layer("24x7", ("georgi", "petar"), "weekly", time(9, 0), date(2026, 11, 2)),))
    for asked in (datetime(2026, 11, 23, 10, 4, tzinfo=tz), datetime(2026, 11, 27, 23, 0, tzinfo=tz)):
        first, *_, last = weekly.whole_shifts(asked, asked + timedelta(days=60))
        assert first == Shift("petar", datetime(2026, 11, 23, 9, 0, tzinfo=tz), datetime(2026, 11, 30, 9, 0, tzinfo=tz),
                              "24x7")
        assert last.end.astimezone(tz).time() == time(9, 0) and last.end > asked + timedelta(days=60)
    alone = Schedule("alone", tz, (Layer("24x7", ("maria",), "weekly", time(9, 0), date(2025, 1, 6)),))
    now = datetime(2026, 11, 23, 8, 4, tzinfo=UTC)
    [forever] = alone.whole_shifts(now, now + timedelta(days=60))
    assert forever.start == datetime(2025, 1, 6, 9, 0, tzinfo=tz)  # two years back: where the layer starts
    assert forever.end == now + timedelta(days=60 + 366)  # never handed off: cut a year past the window
    assert alone.whole_shifts(now, now) == []
