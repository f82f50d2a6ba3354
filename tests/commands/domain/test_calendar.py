"""BusinessCalendar: working days, holidays, DST and business-time arithmetic, with literal instants.

Sofia is UTC+2 in winter and UTC+3 in summer (2026-03-29 03:00→04:00, 2026-10-25 04:00→03:00);
Tehran is UTC+03:30 all year. Expected values are written in UTC.
"""

from __future__ import annotations

from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

import pytest

from commands.domain.calendar import BusinessCalendar
from commands.domain.config import CalendarConfig

SOFIA = ZoneInfo("Europe/Sofia")
TEHRAN = ZoneInfo("Asia/Tehran")
MON_FRI = frozenset(range(5))
SAT_WED = frozenset({5, 6, 0, 1, 2})


def z(y: int, mo: int, d: int, h: int = 0, mi: int = 0) -> datetime:
    return datetime(y, mo, d, h, mi, tzinfo=UTC)


def sofia(y: int, mo: int, d: int, h: int = 0, mi: int = 0) -> datetime:
    return datetime(y, mo, d, h, mi, tzinfo=SOFIA)


def tehran(y: int, mo: int, d: int, h: int = 0, mi: int = 0) -> datetime:
    return datetime(y, mo, d, h, mi, tzinfo=TEHRAN)


def noi(
    extra_days_off: list[date] | None = None,
    extra_working_days: list[date] | None = None,
    holidays_removed: list[date] | None = None,
) -> BusinessCalendar:
    hours = {d: [(time(9), time(17, 30))] for d in MON_FRI}
    return BusinessCalendar(
        SOFIA, MON_FRI, hours, "BG", extra_days_off or (), extra_working_days or (), holidays_removed or ()
    )


def hgp() -> BusinessCalendar:
    return BusinessCalendar("Asia/Tehran", SAT_WED, {d: [(time(9, 30), time(17, 30))] for d in SAT_WED}, "IR")


def split() -> BusinessCalendar:
    spans = [(time(9), time(12, 30)), (time(13, 30), time(17, 30))]
    return BusinessCalendar(SOFIA, MON_FRI, {d: spans for d in MON_FRI}, "BG")


def every_day(*spans: tuple[time, time]) -> BusinessCalendar:
    return BusinessCalendar(SOFIA, frozenset(range(7)), {d: list(spans) for d in range(7)})


H = timedelta(hours=1)


# ---- working days and holidays ----------------------------------------------------------------------


def test_bg_holidays_and_observed_substitutes_are_days_off() -> None:
    cal = noi()
    assert not cal.is_working_day(date(2026, 3, 3))  # Liberation Day, a Tuesday
    assert cal.holiday_name(date(2026, 3, 3)) == "Liberation Day"
    for d in (date(2026, 12, 24), date(2026, 12, 25), date(2026, 12, 28)):
        assert not cal.is_working_day(d)
    # The package lists the Monday substitutes for holidays that fell on a Sunday.
    assert not cal.is_working_day(date(2026, 5, 25))
    assert not cal.is_working_day(date(2026, 9, 7))
    assert "observed" in (cal.holiday_name(date(2026, 9, 7)) or "")
    assert cal.is_working_day(date(2026, 3, 4))
    assert not cal.is_working_day(date(2026, 2, 14))  # a plain Saturday
    assert cal.holiday_name(date(2026, 2, 14)) is None


def test_working_week_comes_from_calendar_not_from_package() -> None:
    cal = hgp()
    assert cal.is_working_day(date(2026, 2, 14))  # Saturday
    assert cal.is_working_day(date(2026, 2, 15))  # Sunday
    assert not cal.is_working_day(date(2026, 2, 12))  # Thursday
    assert not cal.is_working_day(date(2026, 2, 13))  # Friday
    assert not cal.is_working_day(date(2026, 2, 11))  # Islamic Revolution Day, a Wednesday
    assert cal.holiday_name(date(2026, 2, 11)) == "Islamic Revolution Day"


def test_extra_day_off_extra_working_day_and_removed_holiday() -> None:
    cal = noi(
        extra_days_off=[date(2026, 2, 11)],
        extra_working_days=[date(2026, 2, 14)],
        holidays_removed=[date(2026, 3, 3)],
    )
    assert not cal.is_working_day(date(2026, 2, 11))
    assert cal.holiday_name(date(2026, 2, 11)) == "Day off"
    assert cal.is_working_day(date(2026, 2, 14))
    # No Saturday hours configured: the working Saturday is worked like a Monday, 09:00-17:30.
    assert cal.intervals(date(2026, 2, 14)) == [(z(2026, 2, 14, 7), z(2026, 2, 14, 15, 30))]
    assert cal.is_working_day(date(2026, 3, 3))
    assert cal.holiday_name(date(2026, 3, 3)) is None


def test_a_date_cannot_be_both_off_and_working() -> None:
    with pytest.raises(ValueError, match="both"):
        noi(extra_days_off=[date(2026, 2, 14)], extra_working_days=[date(2026, 2, 14)])


def test_from_config() -> None:
    cfg = CalendarConfig(
        country="BG",
        hours_by_day={"fri": ("09:00-15:00",)},
        extra_working_days=(date(2026, 2, 14),),
        holidays_removed=(date(2026, 3, 3),),
    )
    cal = BusinessCalendar.from_config(cfg, "Europe/Sofia")
    assert cal.intervals(date(2026, 2, 13)) == [(z(2026, 2, 13, 7), z(2026, 2, 13, 13))]
    # Saturday has no hours_by_day entry: the configured default hours apply.
    assert cal.intervals(date(2026, 2, 14)) == [(z(2026, 2, 14, 7), z(2026, 2, 14, 15, 30))]
    assert cal.is_working_day(date(2026, 3, 3))
    assert not cal.is_working_day(date(2026, 2, 15))


# ---- intervals, DST, nonexistent and ambiguous local times ------------------------------------------


def test_intervals_follow_the_utc_offset() -> None:
    cal = noi()
    assert cal.intervals(date(2026, 3, 27)) == [(z(2026, 3, 27, 7), z(2026, 3, 27, 15, 30))]  # EET
    assert cal.intervals(date(2026, 3, 30)) == [(z(2026, 3, 30, 6), z(2026, 3, 30, 14, 30))]  # EEST
    assert cal.intervals(date(2026, 3, 28)) == []
    assert cal.opening_of(date(2026, 10, 26)) == z(2026, 10, 26, 7)
    assert cal.closing_of(date(2026, 10, 23)) == z(2026, 10, 23, 14, 30)
    with pytest.raises(ValueError, match="not a working day"):
        cal.opening_of(date(2026, 3, 3))


def test_whole_days_on_dst_change_days_are_23_and_25_hours() -> None:
    cal = every_day((time(0), time.max))
    assert cal.intervals(date(2026, 3, 29)) == [(z(2026, 3, 28, 22), z(2026, 3, 29, 21))]
    assert cal.intervals(date(2026, 10, 25)) == [(z(2026, 10, 24, 21), z(2026, 10, 25, 22))]
    assert cal.business_between(sofia(2026, 3, 29), sofia(2026, 3, 30)) == 23 * H
    assert cal.business_between(sofia(2026, 10, 25), sofia(2026, 10, 26)) == 25 * H
    # Round the clock, business time is real time: 4h across the change is 4 real hours.
    assert cal.add_business(z(2026, 3, 28, 23), 4 * H) == z(2026, 3, 29, 3)


def test_business_hours_across_the_dst_change() -> None:
    cal = every_day((time(2), time(5)))
    # 02:00-03:00 EET then 04:00-05:00 EEST: two working hours on the short day.
    assert cal.intervals(date(2026, 3, 29)) == [(z(2026, 3, 29, 0), z(2026, 3, 29, 2))]
    # 02:00 EEST .. 05:00 EET spans the repeated hour: four working hours on the long day.
    assert cal.intervals(date(2026, 10, 25)) == [(z(2026, 10, 24, 23), z(2026, 10, 25, 3))]
    assert cal.add_business(sofia(2026, 3, 29, 2, 30), H) == z(2026, 3, 29, 1, 30)  # 04:30 EEST


def test_nonexistent_local_time_resolves_to_the_end_of_the_gap() -> None:
    cal = every_day((time(3, 30), time(6)))
    # 03:30 does not exist on 2026-03-29; the shift opens at 04:00 EEST (01:00Z).
    assert cal.intervals(date(2026, 3, 29)) == [(z(2026, 3, 29, 1), z(2026, 3, 29, 3))]
    assert cal.opening_of(date(2026, 3, 29)) == z(2026, 3, 29, 1)
    # A shift that lies wholly in the gap has no working time that day.
    gap = every_day((time(3), time(3, 59)))
    assert gap.intervals(date(2026, 3, 29)) == []
    assert not gap.is_working_day(date(2026, 3, 29))
    assert gap.next_opening(z(2026, 3, 28, 12)) == z(2026, 3, 30, 0)  # 03:00 EEST on the 30th


def test_ambiguous_local_time_is_its_first_occurrence() -> None:
    cal = every_day((time(3, 30), time(6)))
    # 03:30 happens twice on 2026-10-25; the first is 03:30 EEST (00:30Z). 06:00 EET is 04:00Z.
    assert cal.intervals(date(2026, 10, 25)) == [(z(2026, 10, 25, 0, 30), z(2026, 10, 25, 4))]
    assert cal.business_between(z(2026, 10, 25), z(2026, 10, 26)) == timedelta(hours=3, minutes=30)


def test_split_hours() -> None:
    cal = split()
    assert cal.intervals(date(2026, 2, 11)) == [
        (z(2026, 2, 11, 7), z(2026, 2, 11, 10, 30)),
        (z(2026, 2, 11, 11, 30), z(2026, 2, 11, 15, 30)),
    ]
    assert not cal.is_open(sofia(2026, 2, 11, 12, 45))
    assert cal.next_opening(sofia(2026, 2, 11, 12, 45)) == z(2026, 2, 11, 11, 30)
    assert cal.add_business(sofia(2026, 2, 11, 11, 30), 2 * H) == z(2026, 2, 11, 12, 30)  # 14:30 local
    assert cal.add_business(sofia(2026, 2, 11, 12), 5 * H) == z(2026, 2, 12, 7, 30)  # Thu 09:30
    assert cal.business_between(sofia(2026, 2, 11, 9), sofia(2026, 2, 11, 17, 30)) == timedelta(hours=7, minutes=30)
    assert cal.closing_of(date(2026, 2, 11)) == z(2026, 2, 11, 15, 30)


# ---- instants ---------------------------------------------------------------------------------------


def test_exactly_at_opening_and_at_closing() -> None:
    cal = noi()
    assert cal.is_open(sofia(2026, 2, 11, 9))
    assert cal.next_opening(sofia(2026, 2, 11, 9)) == z(2026, 2, 11, 7)
    assert cal.add_business(sofia(2026, 2, 11, 9), 2 * H) == z(2026, 2, 11, 9)
    assert not cal.is_open(sofia(2026, 2, 11, 17, 30))  # intervals are [open, close)
    assert cal.next_opening(sofia(2026, 2, 11, 17, 30)) == z(2026, 2, 12, 7)
    assert cal.add_business(sofia(2026, 2, 11, 17, 30), 2 * H) == z(2026, 2, 12, 9)
    # Using up the day exactly ends at the closing, not at the next opening.
    assert cal.add_business(sofia(2026, 2, 11, 9), timedelta(hours=8, minutes=30)) == z(2026, 2, 11, 15, 30)


def test_midnight_and_out_of_hours_starts() -> None:
    cal = noi()
    assert cal.next_opening(sofia(2026, 2, 10)) == z(2026, 2, 10, 7)
    assert cal.add_business(sofia(2026, 2, 10), 2 * H) == z(2026, 2, 10, 9)
    assert cal.add_business(sofia(2026, 2, 10, 18), 2 * H) == z(2026, 2, 11, 9)
    assert cal.add_business(sofia(2026, 2, 10, 7), H) == z(2026, 2, 10, 8)


def test_weekend_and_holiday_skips() -> None:
    cal = noi()
    assert cal.add_business(sofia(2026, 2, 14, 10), 2 * H) == z(2026, 2, 16, 9)  # Sat → Mon 11:00
    assert cal.add_business(sofia(2026, 2, 15, 23, 59), 2 * H) == z(2026, 2, 16, 9)  # Sun → Mon 11:00
    assert cal.add_business(sofia(2026, 3, 2, 16), 2 * H) == z(2026, 3, 4, 7, 30)  # over Liberation Day
    assert cal.add_business(sofia(2026, 3, 3, 10), 2 * H) == z(2026, 3, 4, 9)  # reported on it
    # Christmas 24-26, the weekend and the observed Monday 28th: Wed 17:00 + 1h → Tue 29th 09:30.
    assert cal.add_business(sofia(2026, 12, 23, 17), H) == z(2026, 12, 29, 7, 30)
    assert cal.next_working_day(date(2026, 12, 23)) == date(2026, 12, 29)
    assert cal.next_working_day(date(2026, 9, 4)) == date(2026, 9, 8)  # Fri → Tue (observed Mon 7th)
    assert cal.next_working_day(date(2026, 2, 13), 2) == date(2026, 2, 17)


def test_dst_weekend_for_noi() -> None:
    cal = noi()
    # Fri 16:30 EET + 2h: 1h on Friday, 1h from Monday 09:00 EEST.
    assert cal.add_business(sofia(2026, 3, 27, 16, 30), 2 * H) == z(2026, 3, 30, 7)
    # Fri 17:00 EEST + 2h: 30 min on Friday, 1h30 from Monday 09:00 EET.
    assert cal.add_business(sofia(2026, 10, 23, 17), 2 * H) == z(2026, 10, 26, 8, 30)
    assert cal.business_between(sofia(2026, 3, 27, 9), sofia(2026, 3, 30, 17, 30)) == 17 * H


def test_hgp_thursday_and_friday_reports_run_from_saturday() -> None:
    cal = hgp()
    assert cal.next_opening(tehran(2026, 2, 12, 10)) == z(2026, 2, 14, 6)  # Sat 09:30 +03:30
    assert cal.add_business(tehran(2026, 2, 12, 10), H) == z(2026, 2, 14, 7)
    assert cal.add_business(tehran(2026, 2, 13, 15), H) == z(2026, 2, 14, 7)
    # Tue 17:00 + 1h: 30 min on Tuesday, Wednesday is a holiday, Thu/Fri weekend → Sat 10:00.
    assert cal.add_business(tehran(2026, 2, 10, 17), H) == z(2026, 2, 14, 6, 30)


def test_business_between() -> None:
    cal = noi()
    assert cal.business_between(sofia(2026, 2, 13, 16), sofia(2026, 2, 16, 10)) == timedelta(hours=2, minutes=30)
    assert cal.business_between(sofia(2026, 2, 16, 10), sofia(2026, 2, 13, 16)) == timedelta(0)
    assert cal.business_between(sofia(2026, 2, 14), sofia(2026, 2, 15)) == timedelta(0)
    # Two weeks in February: 10 working days of 8.5h.
    assert cal.business_between(sofia(2026, 2, 9), sofia(2026, 2, 23)) == timedelta(hours=85)


def test_add_business_zero_and_local_date() -> None:
    cal = noi()
    assert cal.add_business(sofia(2026, 2, 14, 10), timedelta(0)) == z(2026, 2, 14, 8)
    assert cal.local_date(z(2026, 2, 13, 22, 30)) == date(2026, 2, 14)
    with pytest.raises(ValueError, match="negative"):
        cal.add_business(z(2026, 2, 14), -H)


def test_outputs_are_utc() -> None:
    cal = noi()
    out = cal.add_business(sofia(2026, 2, 11, 10), H)
    assert out.tzinfo is UTC
    assert cal.next_opening(sofia(2026, 2, 14)).tzinfo is UTC


def test_naive_datetimes_are_refused() -> None:
    cal = noi()
    naive = datetime(2026, 2, 11, 10)
    for call in (
        lambda: cal.is_open(naive),
        lambda: cal.next_opening(naive),
        lambda: cal.add_business(naive, H),
        lambda: cal.business_between(naive, z(2026, 2, 12)),
        lambda: cal.local_date(naive),
    ):
        with pytest.raises(ValueError, match="naive"):
            call()


def test_a_calendar_without_working_time_fails_instead_of_looping() -> None:
    cal = BusinessCalendar("UTC", frozenset(), {})
    with pytest.raises(ValueError, match="no working time"):
        cal.add_business(z(2026, 1, 1), H)
    with pytest.raises(ValueError, match="no working time"):
        cal.next_opening(z(2026, 1, 1))
    with pytest.raises(ValueError, match="no working time"):
        cal.next_working_day(date(2026, 1, 1))


def test_bad_hours_are_refused() -> None:
    with pytest.raises(ValueError, match="overlap"):
        BusinessCalendar("UTC", MON_FRI, {0: [(time(9), time(13)), (time(12), time(17))]})
    with pytest.raises(ValueError, match="closes before"):
        BusinessCalendar("UTC", MON_FRI, {0: [(time(17), time(9))]})
