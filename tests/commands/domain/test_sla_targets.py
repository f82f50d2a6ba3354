"""SLA targets: parsing, canonical text, one test per clock of each contract row, pauses, warnings.

Expected instants are literal UTC values (Sofia is UTC+2 in winter, Tehran UTC+03:30).
"""

from __future__ import annotations

from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

import pytest

from commands.domain.calendar import BusinessCalendar
from commands.domain.config import CategoryConfig
from commands.incidents.domain.sla import (
    BusinessDuration,
    BusinessFromNextWorkingDay,
    CalendarDuration,
    EndOfNthWorkingDay,
    Target,
    WorkingDaysAfterEvent,
    deadline,
    describe_target,
    elapsed_fraction,
    fraction_instant,
    parse_target,
    start_event,
)

SOFIA = ZoneInfo("Europe/Sofia")
TEHRAN = ZoneInfo("Asia/Tehran")
MON_FRI = frozenset(range(5))
SAT_WED = frozenset({5, 6, 0, 1, 2})
NOI = BusinessCalendar(SOFIA, MON_FRI, {d: [(time(9), time(17, 30))] for d in MON_FRI}, "BG")
HGP = BusinessCalendar(TEHRAN, SAT_WED, {d: [(time(9, 30), time(17, 30))] for d in SAT_WED}, "IR")
H = timedelta(hours=1)
M = timedelta(minutes=1)


def z(y: int, mo: int, d: int, h: int = 0, mi: int = 0) -> datetime:
    return datetime(y, mo, d, h, mi, tzinfo=UTC)


def sofia(y: int, mo: int, d: int, h: int = 0, mi: int = 0) -> datetime:
    return datetime(y, mo, d, h, mi, tzinfo=SOFIA)


def tehran(y: int, mo: int, d: int, h: int = 0, mi: int = 0) -> datetime:
    return datetime(y, mo, d, h, mi, tzinfo=TEHRAN)


# ---- parsing and canonical text ---------------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "target", "canonical"),
    [
        ("30m", CalendarDuration(30 * M), "30m"),
        ("4h", CalendarDuration(4 * H), "4h"),
        ("1h30m", CalendarDuration(90 * M), "1h30m"),
        ("1h 30m", CalendarDuration(90 * M), "1h30m"),
        ("2d", CalendarDuration(timedelta(days=2)), "2d"),
        ("90 min", CalendarDuration(90 * M), "1h30m"),
        ("2h business", BusinessDuration(2 * H), "2h business"),
        ("  8H   Business ", BusinessDuration(8 * H), "8h business"),
        ("end of next working day", EndOfNthWorkingDay(1), "end of next working day"),
        ("End of the next working day", EndOfNthWorkingDay(1), "end of next working day"),
        ("end of the 2nd next working day", EndOfNthWorkingDay(2), "end of the 2nd next working day"),
        ("end of the next 2 working days", EndOfNthWorkingDay(2), "end of the 2nd next working day"),
        ("end of the 3rd next working day", EndOfNthWorkingDay(3), "end of the 3rd next working day"),
        ("6h from start of next working day", BusinessFromNextWorkingDay(6 * H), "6h from start of next working day"),
        (
            "6h from the start of the 2nd next working day",
            BusinessFromNextWorkingDay(6 * H, 2),
            "6h from start of the 2nd next working day",
        ),
        ("10 working days after received", WorkingDaysAfterEvent(10, "received"), "10 working days after received"),
        ("1 Working Day after delivered", WorkingDaysAfterEvent(1, "delivered"), "1 working day after delivered"),
    ],
)
def test_parse_and_describe_round_trip(text: str, target: Target, canonical: str) -> None:
    assert parse_target(text) == target
    assert describe_target(target) == canonical
    assert parse_target(canonical) == target


@pytest.mark.parametrize(
    "text", ["", "soon", "0m", "2h businesslike", "end of next day", "end of the 0th next working day", "-1h"]
)
def test_bad_targets_name_the_accepted_forms(text: str) -> None:
    with pytest.raises(ValueError) as info:
        parse_target(text)
    message = str(info.value)
    assert repr(text) in message or text.strip() in message
    if "zero" not in message and "at least" not in message:
        assert "end of next working day" in message and "working days after received" in message


def test_category_config_validates_targets_through_parse_target() -> None:
    CategoryConfig(reaction="2h business", arrival="6h from start of next working day")
    with pytest.raises(ValueError, match="not an SLA target"):
        CategoryConfig(reaction="two hours")


def test_start_event() -> None:
    assert start_event(parse_target("4h")) == "reported"
    assert start_event(parse_target("end of next working day")) == "reported"
    assert start_event(parse_target("10 working days after received")) == "received"


# ---- the contract table: one test per row and clock -------------------------------------------------

# Customer noi, reported Friday 2026-02-13 16:00 Sofia (14:00Z).
NOI_FRI = sofia(2026, 2, 13, 16)


@pytest.mark.parametrize(
    ("row", "target", "expected"),
    [
        ("urgent reaction", "30m", z(2026, 2, 13, 14, 30)),
        ("urgent arrival", "1h", z(2026, 2, 13, 15)),
        ("urgent resolution", "4h", z(2026, 2, 13, 18)),
        ("pressing reaction", "1h", z(2026, 2, 13, 15)),
        ("pressing arrival", "6h", z(2026, 2, 13, 20)),
        ("pressing resolution", "end of next working day", z(2026, 2, 16, 15, 30)),  # Mon 17:30
        ("other reaction", "2h business", z(2026, 2, 16, 7, 30)),  # 1h30 Fri + 30 min Mon → 09:30
        ("other arrival", "6h from start of next working day", z(2026, 2, 16, 13)),  # Mon 15:00
        ("other resolution", "end of the 2nd next working day", z(2026, 2, 17, 15, 30)),  # Tue 17:30
    ],
)
def test_noi_table_friday_afternoon(row: str, target: str, expected: datetime) -> None:
    assert deadline(parse_target(target), NOI_FRI, NOI) == expected, row


# Same table, reported Wednesday 2026-02-11 10:00 (08:00Z), an ordinary working morning.
@pytest.mark.parametrize(
    ("row", "target", "expected"),
    [
        ("urgent reaction", "30m", z(2026, 2, 11, 8, 30)),
        ("urgent arrival", "1h", z(2026, 2, 11, 9)),
        ("urgent resolution", "4h", z(2026, 2, 11, 12)),
        ("pressing reaction", "1h", z(2026, 2, 11, 9)),
        ("pressing arrival", "6h", z(2026, 2, 11, 14)),
        ("pressing resolution", "end of next working day", z(2026, 2, 12, 15, 30)),
        ("other reaction", "2h business", z(2026, 2, 11, 10)),
        ("other arrival", "6h from start of next working day", z(2026, 2, 12, 13)),
        ("other resolution", "end of the 2nd next working day", z(2026, 2, 13, 15, 30)),
    ],
)
def test_noi_table_working_morning(row: str, target: str, expected: datetime) -> None:
    assert deadline(parse_target(target), sofia(2026, 2, 11, 10), NOI) == expected, row


def test_noi_phones_ten_working_days_after_received() -> None:
    phones = parse_target("10 working days after received")
    # Received Wed 11 Feb: Feb 12,13,16..20,23,24,25 → closing of Wed 25 Feb.
    assert deadline(phones, sofia(2026, 2, 11, 12), NOI) == z(2026, 2, 25, 15, 30)
    # Received Fri 27 Feb: Liberation Day (Tue 3 Mar) does not count → Mon 16 Mar.
    assert deadline(phones, sofia(2026, 2, 27, 12), NOI) == z(2026, 3, 16, 15, 30)


# Customer hgp, reported Tuesday 2026-02-17 16:00 Tehran (12:30Z).
@pytest.mark.parametrize(
    ("row", "target", "expected"),
    [
        ("critical reaction", "1h business", z(2026, 2, 17, 13, 30)),  # Tue 17:00
        ("critical resolution", "8h business", z(2026, 2, 18, 12, 30)),  # 1h30 Tue + 6h30 Wed → 16:00
        ("normal reaction", "4h business", z(2026, 2, 18, 8, 30)),  # 1h30 Tue + 2h30 Wed → 12:00
        ("normal resolution", "end of the 2nd next working day", z(2026, 2, 21, 14)),  # Wed, then Sat 17:30
    ],
)
def test_hgp_table(row: str, target: str, expected: datetime) -> None:
    assert deadline(parse_target(target), tehran(2026, 2, 17, 16), HGP) == expected, row


def test_hgp_thursday_report_runs_from_saturday() -> None:
    thursday = tehran(2026, 2, 12, 10)
    assert deadline(parse_target("1h business"), thursday, HGP) == z(2026, 2, 14, 7)  # Sat 10:30
    assert deadline(parse_target("8h business"), thursday, HGP) == z(2026, 2, 14, 14)  # Sat 17:30
    assert deadline(parse_target("4h business"), thursday, HGP) == z(2026, 2, 14, 10)  # Sat 13:30
    assert deadline(parse_target("end of the 2nd next working day"), thursday, HGP) == z(2026, 2, 15, 14)
    assert deadline(parse_target("1h business"), tehran(2026, 2, 13, 15), HGP) == z(2026, 2, 14, 7)


# ---- weekends, holidays, DST, midnight --------------------------------------------------------------


def test_weekend_reports_run_from_monday_for_noi() -> None:
    for reported in (sofia(2026, 2, 14, 10), sofia(2026, 2, 15, 22)):
        assert deadline(parse_target("2h business"), reported, NOI) == z(2026, 2, 16, 9)
        assert deadline(parse_target("end of next working day"), reported, NOI) == z(2026, 2, 16, 15, 30)
        assert deadline(parse_target("6h from start of next working day"), reported, NOI) == z(2026, 2, 16, 13)
        assert deadline(parse_target("end of the 2nd next working day"), reported, NOI) == z(2026, 2, 17, 15, 30)


def test_holiday_reports_for_noi() -> None:
    liberation_day = sofia(2026, 3, 3, 10)
    assert deadline(parse_target("2h business"), liberation_day, NOI) == z(2026, 3, 4, 9)
    assert deadline(parse_target("end of next working day"), liberation_day, NOI) == z(2026, 3, 4, 15, 30)
    # Before Christmas: 24-26, the weekend and the observed Monday 28th are all off.
    assert deadline(parse_target("end of next working day"), sofia(2026, 12, 23, 11), NOI) == z(2026, 12, 29, 15, 30)
    # Unification Day fell on Sunday 6 Sep 2026; the package's observed Monday 7th is off too (summer: UTC+3).
    assert deadline(parse_target("end of next working day"), sofia(2026, 9, 4, 11), NOI) == z(2026, 9, 8, 14, 30)


def test_calendar_duration_across_dst_is_real_time() -> None:
    four = parse_target("4h")
    # 01:00 EET on 2026-03-29 + 4 real hours = 06:00 EEST (the wall clock shows 5 hours).
    assert deadline(four, sofia(2026, 3, 29, 1), NOI) == z(2026, 3, 29, 3)
    # 01:00 EEST on 2026-10-25 + 4 real hours = 04:00 EET (the wall clock shows 3 hours).
    assert deadline(four, sofia(2026, 10, 25, 1), NOI) == z(2026, 10, 25, 2)


def test_business_targets_across_dst_weekends() -> None:
    assert deadline(parse_target("2h business"), sofia(2026, 3, 27, 16, 30), NOI) == z(2026, 3, 30, 7)
    assert deadline(parse_target("end of next working day"), sofia(2026, 3, 27, 12), NOI) == z(2026, 3, 30, 14, 30)
    assert deadline(parse_target("2h business"), sofia(2026, 10, 23, 17), NOI) == z(2026, 10, 26, 8, 30)
    assert deadline(parse_target("end of next working day"), sofia(2026, 10, 23, 12), NOI) == z(2026, 10, 26, 15, 30)


def test_midnight_and_boundaries() -> None:
    midnight = sofia(2026, 2, 10)
    assert deadline(parse_target("30m"), midnight, NOI) == z(2026, 2, 9, 22, 30)
    assert deadline(parse_target("2h business"), midnight, NOI) == z(2026, 2, 10, 9)
    assert deadline(parse_target("end of next working day"), midnight, NOI) == z(2026, 2, 11, 15, 30)
    assert deadline(parse_target("2h business"), sofia(2026, 2, 10, 9), NOI) == z(2026, 2, 10, 9)
    assert deadline(parse_target("2h business"), sofia(2026, 2, 10, 17, 30), NOI) == z(2026, 2, 11, 9)
    assert deadline(parse_target("2h business"), sofia(2026, 2, 10, 18), NOI) == z(2026, 2, 11, 9)


def test_extra_working_saturday_and_removed_holiday() -> None:
    cal = BusinessCalendar(
        SOFIA,
        MON_FRI,
        {d: [(time(9), time(17, 30))] for d in MON_FRI},
        "BG",
        extra_working_days=[date(2026, 2, 14)],
        holidays_removed=[date(2026, 3, 3)],
    )
    friday_evening = sofia(2026, 2, 13, 17)
    assert deadline(parse_target("2h business"), friday_evening, cal) == z(2026, 2, 14, 8, 30)  # Sat 10:30
    assert deadline(parse_target("end of next working day"), friday_evening, cal) == z(2026, 2, 14, 15, 30)
    assert deadline(parse_target("2h business"), sofia(2026, 3, 2, 16), cal) == z(2026, 3, 3, 7, 30)


# ---- pauses -----------------------------------------------------------------------------------------


def test_business_pause_moves_the_deadline_by_paused_working_time() -> None:
    other = parse_target("2h business")
    start = sofia(2026, 2, 11, 10)
    assert deadline(other, start, NOI, [(sofia(2026, 2, 11, 10, 30), sofia(2026, 2, 11, 11))]) == z(2026, 2, 11, 10, 30)
    # Paused Wed 17:00 → Thu 10:00: 30 min + 1h of working time → deadline Wed 12:00 + 1h30.
    overnight = [(sofia(2026, 2, 11, 17), sofia(2026, 2, 12, 10))]
    assert deadline(other, start, NOI, overnight) == z(2026, 2, 11, 11, 30)
    # A pause wholly outside working hours changes nothing.
    assert deadline(other, start, NOI, [(sofia(2026, 2, 14), sofia(2026, 2, 15))]) == z(2026, 2, 11, 10)


def test_calendar_pause_counts_real_time_after_start() -> None:
    four = parse_target("4h")
    start = sofia(2026, 2, 11, 10)  # 08:00Z
    assert deadline(four, start, NOI, [(z(2026, 2, 11, 9), z(2026, 2, 11, 9, 30))]) == z(2026, 2, 11, 12, 30)
    # Only the part after the start counts; overlapping records are not counted twice.
    pauses = [(z(2026, 2, 11, 7), z(2026, 2, 11, 8, 30)), (z(2026, 2, 11, 8, 15), z(2026, 2, 11, 8, 45))]
    assert deadline(four, start, NOI, pauses) == z(2026, 2, 11, 12, 45)


def test_open_pause_needs_now() -> None:
    four = parse_target("4h")
    start = z(2026, 2, 11, 8)
    with pytest.raises(ValueError, match="now"):
        deadline(four, start, NOI, [(z(2026, 2, 11, 9), None)])
    assert deadline(four, start, NOI, [(z(2026, 2, 11, 9), None)], now=z(2026, 2, 11, 10)) == z(2026, 2, 11, 13)


def test_pause_on_working_days_after_event() -> None:
    phones = parse_target("10 working days after received")
    # One whole working day paused (Thu 12 Feb) pushes the closing by one working day.
    paused = [(sofia(2026, 2, 12), sofia(2026, 2, 13))]
    assert deadline(phones, sofia(2026, 2, 11, 12), NOI, paused) == z(2026, 2, 26, 15, 30)


# ---- warnings ---------------------------------------------------------------------------------------


def test_elapsed_fraction_and_fraction_instant_business() -> None:
    other = parse_target("2h business")
    start = sofia(2026, 2, 13, 16)  # Fri; deadline Mon 09:30
    due = deadline(other, start, NOI)
    assert elapsed_fraction(other, start, due, sofia(2026, 2, 14, 12), NOI) == 0.75
    assert elapsed_fraction(other, start, due, due, NOI) == 1.0
    assert fraction_instant(other, start, due, 0.5, NOI) == z(2026, 2, 13, 15)  # Fri 17:00
    assert fraction_instant(other, start, due, 0.8, NOI) == z(2026, 2, 16, 7, 6)  # Mon 09:06
    assert fraction_instant(other, start, due, 1.0, NOI) == due


def test_elapsed_fraction_calendar_and_pauses() -> None:
    four = parse_target("4h")
    start = z(2026, 2, 11, 8)
    due = deadline(four, start, NOI)
    assert elapsed_fraction(four, start, due, z(2026, 2, 11, 10), NOI) == 0.5
    assert elapsed_fraction(four, start, due, z(2026, 2, 11, 16), NOI) == 2.0
    assert fraction_instant(four, start, due, 0.8, NOI) == z(2026, 2, 11, 11, 12)
    pauses = [(z(2026, 2, 11, 9), z(2026, 2, 11, 10))]
    paused_due = deadline(four, start, NOI, pauses)
    assert paused_due == z(2026, 2, 11, 13)
    assert elapsed_fraction(four, start, paused_due, z(2026, 2, 11, 11), NOI, pauses) == 0.5
    # A pause still open at `at` lasts until `at` (and the deadline moved with it: 14:00Z).
    open_pause: list[tuple[datetime, datetime | None]] = [(z(2026, 2, 11, 9), None)]
    moving_due = deadline(four, start, NOI, open_pause, now=z(2026, 2, 11, 11))
    assert moving_due == z(2026, 2, 11, 14)
    assert elapsed_fraction(four, start, moving_due, z(2026, 2, 11, 11), NOI, open_pause) == 0.25
