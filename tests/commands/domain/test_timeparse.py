"""parse_time: natural-language report times in en, bg and fa, read against a fixed "now".

Every expected value is the literal UTC instant. "now" is Monday 2026-11-23 08:04 UTC, which is
10:04 in Europe/Sofia (EET, +02:00) and 11:34 in Asia/Tehran (+03:30).
"""

from __future__ import annotations

import time as _time
from datetime import UTC, datetime
from zoneinfo import ZoneInfo

import pytest

from commands.domain.calendar import local_to_utc
from commands.domain.timeparse import TimeParseError, parse_time

SOFIA = ZoneInfo("Europe/Sofia")
TEHRAN = ZoneInfo("Asia/Tehran")
NOW = datetime(2026, 11, 23, 8, 4, tzinfo=UTC)  # Mon 10:04 Sofia, 11:34 Tehran


def utc(year: int, month: int, day: int, hour: int = 0, minute: int = 0) -> datetime:
    return datetime(year, month, day, hour, minute, tzinfo=UTC)


EN = [
    ("today 08:55 by phone", utc(2026, 11, 23, 6, 55)),
    ("2 hours ago", utc(2026, 11, 23, 6, 4)),
    ("2h ago", utc(2026, 11, 23, 6, 4)),
    ("half an hour ago", utc(2026, 11, 23, 7, 34)),
    ("an hour and a half ago", utc(2026, 11, 23, 6, 34)),
    ("3 days ago", utc(2026, 11, 20, 8, 4)),  # days keep the wall-clock time of day
    ("1 week ago", utc(2026, 11, 16, 8, 4)),
    ("yesterday at 14:30", utc(2026, 11, 22, 12, 30)),
    ("tomorrow 9am", utc(2026, 11, 24, 7, 0)),
    ("tonight 18:00", utc(2026, 11, 23, 16, 0)),  # on-call overrides name evenings like this
    ("the day before yesterday 23:00", utc(2026, 11, 21, 21, 0)),
    ("friday", utc(2026, 11, 19, 22, 0)),  # the most recent Friday, midnight local
    ("last friday", utc(2026, 11, 19, 22, 0)),
    ("last monday", utc(2026, 11, 15, 22, 0)),  # today is Monday: "last" is a week ago
    ("monday", utc(2026, 11, 22, 22, 0)),  # plain weekday: today counts
    ("next monday", utc(2026, 11, 29, 22, 0)),
    ("friday 14:30", utc(2026, 11, 20, 12, 30)),
    ("sat 14:00 by phone", utc(2026, 11, 21, 12, 0)),
    ("9am", utc(2026, 11, 23, 7, 0)),
    ("at 9", utc(2026, 11, 23, 7, 0)),
    ("9:30 pm yesterday", utc(2026, 11, 22, 19, 30)),
    ("14:00", utc(2026, 11, 22, 12, 0)),  # a time alone is its most recent past occurrence
    ("10:15", utc(2026, 11, 23, 8, 15)),  # ... unless it is at most 15 minutes ahead
    ("now", utc(2026, 11, 23, 8, 4)),
    ("2026-11-23T10:00:00+05:30", utc(2026, 11, 23, 4, 30)),  # an offset passes through exactly
    ("2026-11-23T07:15:00Z", utc(2026, 11, 23, 7, 15)),
    ("2026-11-23 10:00", utc(2026, 11, 23, 8, 0)),  # naive ISO is local
    ("2026-11-20", utc(2026, 11, 19, 22, 0)),
    ("04.05.2026 10:00", utc(2026, 5, 4, 7, 0)),  # dotted dates are day-first (EEST in May)
    ("Nov 20 14:00", utc(2026, 11, 20, 12, 0)),
    ("Nov 20 at 9 by email", utc(2026, 11, 20, 7, 0)),
    ("10:00 UTC", utc(2026, 11, 23, 10, 0)),
    ("yesterday 10:00 +03:00", utc(2026, 11, 22, 7, 0)),
]

BG = [
    ("утре в 09:00", utc(2026, 11, 24, 7, 0)),
    ("довечера в 18:00", utc(2026, 11, 23, 16, 0)),
    ("тази вечер 18:00", utc(2026, 11, 23, 16, 0)),
    ("в петък", utc(2026, 11, 19, 22, 0)),
    ("следващия понеделник", utc(2026, 11, 29, 22, 0)),
    ("миналия петък", utc(2026, 11, 19, 22, 0)),
    ("миналата сряда в 16:00", utc(2026, 11, 18, 14, 0)),
    ("във вторник в 9 ч", utc(2026, 11, 17, 7, 0)),
    ("04.05.2026", utc(2026, 5, 3, 21, 0)),  # 4 May, not 5 April
    ("04.05.2026 10:00", utc(2026, 5, 4, 7, 0)),
    ("23.11.2026 в 09:15", utc(2026, 11, 23, 7, 15)),
    ("20.11 9:30", utc(2026, 11, 20, 7, 30)),
    ("вчера 14:30 по телефона", utc(2026, 11, 22, 12, 30)),
    ("днес в 8:55", utc(2026, 11, 23, 6, 55)),
    ("завчера", utc(2026, 11, 21, 8, 4)),
    ("преди 2 часа", utc(2026, 11, 23, 6, 4)),
    ("преди час", utc(2026, 11, 23, 7, 4)),
    ("преди половин час", utc(2026, 11, 23, 7, 34)),
    ("преди 15 мин", utc(2026, 11, 23, 7, 49)),
    ("преди два часа", utc(2026, 11, 23, 6, 4)),
    ("преди 3 дни", utc(2026, 11, 20, 8, 4)),
    ("в 10.05 ч", utc(2026, 11, 23, 8, 5)),
    ("в 9 сутринта", utc(2026, 11, 23, 7, 0)),
    ("23 ноември 14:00", utc(2026, 11, 23, 12, 0)),  # later today, not a year ago
    ("20 ноември в 9 ч по телефона", utc(2026, 11, 20, 7, 0)),
    ("сега", utc(2026, 11, 23, 8, 4)),
]

FA = [
    ("دو ساعت پیش", utc(2026, 11, 23, 6, 4)),
    ("۲ ساعت پیش", utc(2026, 11, 23, 6, 4)),
    ("یه ساعت پیش", utc(2026, 11, 23, 7, 4)),
    ("یک ساعت و نیم پیش", utc(2026, 11, 23, 6, 34)),
    ("نیم ساعت پیش", utc(2026, 11, 23, 7, 34)),
    ("یک ربع پیش", utc(2026, 11, 23, 7, 49)),
    ("بیست و پنج دقیقه پیش", utc(2026, 11, 23, 7, 39)),
    ("۳ روز قبل", utc(2026, 11, 20, 8, 4)),
    ("پس فردا", utc(2026, 11, 25, 8, 4)),
    ("پس\u200cفردا", utc(2026, 11, 25, 8, 4)),  # with a zero-width non-joiner
    ("پریروز", utc(2026, 11, 21, 8, 4)),
    ("فردا ساعت ۹", utc(2026, 11, 24, 5, 30)),
    ("امشب ساعت ۱۸", utc(2026, 11, 23, 14, 30)),
    ("امروز ساعت ۸", utc(2026, 11, 23, 4, 30)),
    ("دیروز ساعت ۱۴:۳۰ تلفنی", utc(2026, 11, 22, 11, 0)),
    ("دیروز ساعت ٢ بعد از ظهر", utc(2026, 11, 22, 10, 30)),  # Arabic-Indic digit
    ("ساعت ۹ صبح", utc(2026, 11, 23, 5, 30)),
    ("ساعت ۱۰:۰۰", utc(2026, 11, 23, 6, 30)),
    ("جمعه", utc(2026, 11, 19, 20, 30)),
    ("شنبه گذشته", utc(2026, 11, 20, 20, 30)),
    ("شنبه گذشته ساعت ۱۰", utc(2026, 11, 21, 6, 30)),
    ("سه\u200cشنبه", utc(2026, 11, 16, 20, 30)),
    ("دوشنبه آینده", utc(2026, 11, 29, 20, 30)),
    ("۱۴۰۵/۰۱/۲۰", utc(2026, 4, 8, 20, 30)),  # Jalali 1405-01-20 = 2026-04-09
    ("۱۴۰۵/۰۱/۲۰ ۱۰:۳۰", utc(2026, 4, 9, 7, 0)),
    ("1405-09-01 ساعت ۱۶", utc(2026, 11, 22, 12, 30)),
    ("۲۰ آبان ساعت ۱۰", utc(2026, 11, 11, 6, 30)),  # Jalali month name, current Jalali year
    ("الان", utc(2026, 11, 23, 8, 4)),
]


@pytest.mark.parametrize(("text", "expected"), EN)
def test_english(text: str, expected: datetime) -> None:
    assert parse_time(text, locale="en", tz=SOFIA, now=NOW) == expected


@pytest.mark.parametrize(("text", "expected"), BG)
def test_bulgarian(text: str, expected: datetime) -> None:
    assert parse_time(text, locale="bg", tz=SOFIA, now=NOW) == expected


@pytest.mark.parametrize(("text", "expected"), FA)
def test_persian(text: str, expected: datetime) -> None:
    assert parse_time(text, locale="fa", tz=TEHRAN, now=NOW) == expected


def test_tables_are_big_enough() -> None:
    assert len(EN) >= 12 and len(BG) >= 12 and len(FA) >= 12


def test_result_is_aware_utc() -> None:
    got = parse_time("вчера 14:30", locale="bg", tz=SOFIA, now=NOW)
    assert got.tzinfo is UTC


# --- DST ------------------------------------------------------------------------------------------
# Europe/Sofia 2026: summer time starts 29 March 03:00 EET -> 04:00 EEST (01:00 UTC) and ends
# 25 October 04:00 EEST -> 03:00 EET (01:00 UTC).

DST = [
    # now 2026-10-25 05:00 EET (03:00 UTC): 2 hours ago is two real hours, not 03:00 wall clock
    ("en", "2 hours ago", utc(2026, 10, 25, 3, 0), utc(2026, 10, 25, 1, 0)),
    ("bg", "преди 2 часа", utc(2026, 10, 25, 3, 0), utc(2026, 10, 25, 1, 0)),
    ("fa", "دو ساعت پیش", utc(2026, 10, 25, 3, 0), utc(2026, 10, 25, 1, 0)),
    # now 2026-03-29 05:00 EEST (02:00 UTC): 2 hours ago = 02:00 EET, not the nonexistent 03:00
    ("en", "2 hours ago", utc(2026, 3, 29, 2, 0), utc(2026, 3, 29, 0, 0)),
    # days keep the wall-clock time across the change: 2026-10-26 10:00 EET -> 2026-10-23 10:00 EEST
    ("en", "3 days ago", utc(2026, 10, 26, 8, 0), utc(2026, 10, 23, 7, 0)),
    ("bg", "преди 2 дни", utc(2026, 10, 26, 8, 0), utc(2026, 10, 24, 7, 0)),
    # nonexistent local time -> the first instant after the gap (04:00 EEST)
    ("en", "2026-03-29 03:30", utc(2026, 3, 29, 12, 0), utc(2026, 3, 29, 1, 0)),
    ("bg", "29.03.2026 03:30", utc(2026, 3, 29, 12, 0), utc(2026, 3, 29, 1, 0)),
    ("en", "yesterday 03:30", utc(2026, 3, 30, 8, 0), utc(2026, 3, 29, 1, 0)),
    # ambiguous local time -> the first occurrence (still EEST, fold=0)
    ("en", "2026-10-25 03:30", utc(2026, 10, 25, 12, 0), utc(2026, 10, 25, 0, 30)),
    ("bg", "днес в 03:30", utc(2026, 10, 25, 12, 0), utc(2026, 10, 25, 0, 30)),
    # an explicit offset picks the second occurrence exactly
    ("en", "2026-10-25T03:30:00+02:00", utc(2026, 10, 25, 12, 0), utc(2026, 10, 25, 1, 30)),
]


@pytest.mark.parametrize(("locale", "text", "now", "expected"), DST)
def test_dst(locale: str, text: str, now: datetime, expected: datetime) -> None:
    assert parse_time(text, locale=locale, tz=SOFIA, now=now) == expected


def test_local_to_utc_gap_and_overlap() -> None:
    assert local_to_utc(datetime(2026, 3, 29, 3, 30), SOFIA) == utc(2026, 3, 29, 1, 0)
    assert local_to_utc(datetime(2026, 3, 29, 3, 0), SOFIA) == utc(2026, 3, 29, 1, 0)
    assert local_to_utc(datetime(2026, 3, 29, 4, 0), SOFIA) == utc(2026, 3, 29, 1, 0)
    assert local_to_utc(datetime(2026, 3, 29, 2, 59), SOFIA) == utc(2026, 3, 29, 0, 59)
    assert local_to_utc(datetime(2026, 10, 25, 3, 30), SOFIA) == utc(2026, 10, 25, 0, 30)
    assert local_to_utc(datetime(2026, 10, 25, 3, 30, fold=1), SOFIA) == utc(2026, 10, 25, 0, 30)
    assert local_to_utc(datetime(2026, 10, 25, 4, 0), SOFIA) == utc(2026, 10, 25, 2, 0)
    # America/New_York has a gap too (2026-03-08 02:00 -> 03:00)
    assert local_to_utc(datetime(2026, 3, 8, 2, 30), ZoneInfo("America/New_York")) == utc(2026, 3, 8, 7, 0)


# --- errors ---------------------------------------------------------------------------------------


@pytest.mark.parametrize("text", ["", "   ", "\u200c"])
def test_empty(text: str) -> None:
    with pytest.raises(TimeParseError) as info:
        parse_time(text, locale="en", tz=SOFIA, now=NOW)
    assert info.value.code == "empty"


@pytest.mark.parametrize(
    ("locale", "text"),
    [
        ("en", "garbage text"),
        ("en", "Calls fail on the primary trunk"),
        ("en", "5"),
        ("en", "sun is shining"),  # an abbreviated weekday followed by words is not a date
        ("en", "32.13.2026"),
        ("en", "2026-13-45"),
        ("bg", "не знам"),
        ("bg", "вчера 25:00"),
        ("fa", "نمی\u200cدانم"),
        ("fa", "۱۴۰۵/۱۳/۴۰"),
    ],
)
def test_unparseable(locale: str, text: str) -> None:
    tz = TEHRAN if locale == "fa" else SOFIA
    with pytest.raises(TimeParseError) as info:
        parse_time(text, locale=locale, tz=tz, now=NOW)
    assert info.value.code == "unparseable"
    assert isinstance(info.value, ValueError)


def test_now_must_be_aware() -> None:
    with pytest.raises(ValueError):
        parse_time("2 hours ago", locale="en", tz=SOFIA, now=datetime(2026, 11, 23, 8, 4))


def test_now_in_another_zone_is_the_same_instant() -> None:
    now_sofia = NOW.astimezone(SOFIA)
    assert parse_time("вчера 14:30", locale="bg", tz=SOFIA, now=now_sofia) == utc(2026, 11, 22, 12, 30)


def test_typical_phrases_are_fast() -> None:
    phrases = [("en", "today 08:55 by phone"), ("bg", "преди 2 часа"), ("fa", "دیروز ساعت ۱۴:۳۰ تلفنی")]
    for locale, text in phrases:  # warm up
        parse_time(text, locale=locale, tz=SOFIA, now=NOW)
    start = _time.perf_counter()
    for _ in range(100):
        for locale, text in phrases:
            parse_time(text, locale=locale, tz=SOFIA, now=NOW)
    per_call = (_time.perf_counter() - start) / 300
    assert per_call < 0.005  # generous bound; typically ~0.05 ms
