"""How dates, times and durations are shown: literal expected strings per locale."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest

from commands.domain.i18n.format import (
    format_date,
    format_datetime,
    format_duration,
    format_time,
    persian_digits,
    to_local,
)

SOFIA = ZoneInfo("Europe/Sofia")
TEHRAN = ZoneInfo("Asia/Tehran")
AT = datetime(2026, 11, 23, 8, 4, tzinfo=UTC)  # 10:04 Sofia, 11:34 Tehran; Jalali 1405-09-02


def test_persian_digits() -> None:
    assert persian_digits("10:34 on 2026-11-23") == "۱۰:۳۴ on ۲۰۲۶-۱۱-۲۳"
    assert persian_digits("no digits") == "no digits"


def test_to_local() -> None:
    local = to_local(AT, SOFIA)
    assert (local.hour, local.minute, local.tzinfo) == (10, 4, SOFIA)
    assert local == AT
    with pytest.raises(ValueError):
        to_local(datetime(2026, 11, 23, 8, 4), SOFIA)


@pytest.mark.parametrize(
    ("dt", "tz", "locale", "kwargs", "expected"),
    [
        (AT, SOFIA, "en", {}, "2026-11-23 10:04"),
        (AT, SOFIA, "bg", {}, "2026-11-23 10:04"),
        (AT, SOFIA, "en", {"with_tz": True}, "2026-11-23 10:04 (Europe/Sofia)"),
        (AT, SOFIA, "bg", {"with_date": False}, "10:04"),
        (AT, SOFIA, "bg", {"with_date": False, "with_tz": True}, "10:04 (Europe/Sofia)"),
        (AT, TEHRAN, "fa", {}, "۱۴۰۵/۰۹/۰۲ ۱۱:۳۴"),
        (datetime(2026, 11, 23, 6, 34, tzinfo=UTC), TEHRAN, "fa", {}, "۱۴۰۵/۰۹/۰۲ ۱۰:۰۴"),
        (AT, TEHRAN, "fa", {"with_tz": True}, "۱۴۰۵/۰۹/۰۲ ۱۱:۳۴ (Asia/Tehran)"),
        (AT, TEHRAN, "fa", {"with_date": False}, "۱۱:۳۴"),
        (AT, TEHRAN, "en", {}, "2026-11-23 11:34"),  # zone and locale are independent
        # the day is the local day: 21:00 UTC is already tomorrow in Tehran, still today in Sofia
        (datetime(2026, 11, 23, 21, 0, tzinfo=UTC), TEHRAN, "fa", {}, "۱۴۰۵/۰۹/۰۳ ۰۰:۳۰"),
        (datetime(2026, 11, 23, 21, 0, tzinfo=UTC), SOFIA, "bg", {}, "2026-11-23 23:00"),
        # Nowruz: the Jalali year turns on 21 March 2026
        (datetime(2026, 3, 20, 12, 0, tzinfo=UTC), TEHRAN, "fa", {}, "۱۴۰۴/۱۲/۲۹ ۱۵:۳۰"),
        (datetime(2026, 3, 21, 12, 0, tzinfo=UTC), TEHRAN, "fa", {}, "۱۴۰۵/۰۱/۰۱ ۱۵:۳۰"),
        # both occurrences of the ambiguous 03:30 on 2026-10-25 in Sofia (EEST, then EET)
        (datetime(2026, 10, 25, 0, 30, tzinfo=UTC), SOFIA, "en", {}, "2026-10-25 03:30"),
        (datetime(2026, 10, 25, 1, 30, tzinfo=UTC), SOFIA, "en", {}, "2026-10-25 03:30"),
        # an input in another zone is converted, not re-labelled
        (AT.astimezone(TEHRAN), SOFIA, "en", {}, "2026-11-23 10:04"),
    ],
)
def test_format_datetime(
    dt: datetime, tz: ZoneInfo, locale: str, kwargs: dict[str, bool], expected: str
) -> None:
    assert format_datetime(dt, tz, locale, **kwargs) == expected


def test_format_datetime_refuses_naive() -> None:
    with pytest.raises(ValueError):
        format_datetime(datetime(2026, 11, 23, 10, 4), SOFIA, "en")


@pytest.mark.parametrize(
    ("dt", "tz", "locale", "expected"),
    [
        (datetime(2026, 11, 23, 8, 34, tzinfo=UTC), SOFIA, "en", "10:34"),
        (datetime(2026, 11, 23, 8, 34, tzinfo=UTC), SOFIA, "bg", "10:34"),
        (datetime(2026, 11, 23, 7, 4, tzinfo=UTC), TEHRAN, "fa", "۱۰:۳۴"),
        (datetime(2026, 11, 23, 22, 5, tzinfo=UTC), SOFIA, "en", "00:05"),
    ],
)
def test_format_time(dt: datetime, tz: ZoneInfo, locale: str, expected: str) -> None:
    assert format_time(dt, tz, locale) == expected


@pytest.mark.parametrize(
    ("d", "locale", "expected"),
    [
        (date(2026, 11, 23), "en", "2026-11-23"),
        (date(2026, 11, 23), "bg", "2026-11-23"),
        (date(2026, 11, 23), "fa", "۱۴۰۵/۰۹/۰۲"),
        (date(2026, 3, 20), "fa", "۱۴۰۴/۱۲/۲۹"),
        (date(2025, 3, 20), "fa", "۱۴۰۳/۱۲/۳۰"),  # 1403 is a leap year
        (date(2026, 4, 9), "fa", "۱۴۰۵/۰۱/۲۰"),
    ],
)
def test_format_date(d: date, locale: str, expected: str) -> None:
    assert format_date(d, locale) == expected


def test_format_date_refuses_datetime() -> None:
    with pytest.raises(TypeError):
        format_date(AT, "en")


@pytest.mark.parametrize(
    ("td", "locale", "expected"),
    [
        (timedelta(hours=1, minutes=5), "en", "1 h 05 min"),
        (timedelta(hours=1, minutes=5), "bg", "1 ч 05 мин"),
        (timedelta(hours=1, minutes=5), "fa", "۱ ساعت و ۵ دقیقه"),
        (timedelta(minutes=45), "en", "45 min"),
        (timedelta(minutes=45), "bg", "45 мин"),
        (timedelta(minutes=45), "fa", "۴۵ دقیقه"),
        (timedelta(hours=1), "en", "1 h 00 min"),
        (timedelta(hours=1), "fa", "۱ ساعت"),
        (timedelta(hours=23, minutes=59, seconds=59), "en", "23 h 59 min"),
        (timedelta(days=2, hours=3, minutes=10), "en", "2 d 3 h"),
        (timedelta(days=2, hours=3, minutes=10), "bg", "2 д 3 ч"),
        (timedelta(days=2, hours=3, minutes=10), "fa", "۲ روز و ۳ ساعت"),
        (timedelta(days=1), "en", "1 d 0 h"),
        (timedelta(days=2), "fa", "۲ روز"),
        (timedelta(days=12, hours=11), "fa", "۱۲ روز و ۱۱ ساعت"),
        (timedelta(0), "en", "0 min"),
        (timedelta(seconds=59), "bg", "0 мин"),
        (timedelta(0), "fa", "۰ دقیقه"),
    ],
)
def test_format_duration(td: timedelta, locale: str, expected: str) -> None:
    assert format_duration(td, locale) == expected


def test_format_duration_refuses_negative() -> None:
    with pytest.raises(ValueError):
        format_duration(timedelta(minutes=-5), "en")
