"""How dates, times and durations are shown to people.

en and bg: ISO-like ``2026-11-23 10:04`` (24-hour clock, no locale month names, so columns line up and
nothing is misread as month-first). fa: the Jalali calendar with Persian digits, ``۱۴۰۵/۰۹/۰۲ ۱۰:۰۴``.
A time zone name, when asked for, stays in Latin letters: ``(Europe/Sofia)``, ``(Asia/Tehran)``.

Instants are aware datetimes; they are converted to the customer's zone here, never before. A naive
datetime is refused, since its zone would be a guess. Any locale other than ``fa`` and ``bg`` is shown
as ``en``.
"""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from functools import lru_cache
from zoneinfo import ZoneInfo

import jdatetime

__all__ = ["format_date", "format_datetime", "format_duration", "format_time", "persian_digits", "to_local"]

_TO_PERSIAN = str.maketrans("0123456789", "۰۱۲۳۴۵۶۷۸۹")


def to_local(dt: datetime, tz: ZoneInfo) -> datetime:
    """``dt`` (aware) as a wall-clock datetime in ``tz``."""
    if dt.tzinfo is None or dt.utcoffset() is None:
        raise ValueError("to_local needs an aware datetime")
    return dt.astimezone(tz)


def persian_digits(text: str) -> str:
    """ASCII digits → Persian digits (۰–۹); everything else unchanged."""
    return text.translate(_TO_PERSIAN)


def _tz_name(tz: ZoneInfo) -> str:
    return tz.key if tz.key else str(tz)


@lru_cache(maxsize=4096)  # a report prints tens of thousands of instants on some thirty days
def _date_text(d: date, locale: str) -> str:
    if locale == "fa":
        j = jdatetime.date.fromgregorian(date=d)
        return persian_digits(f"{j.year:04d}/{j.month:02d}/{j.day:02d}")
    return f"{d.year:04d}-{d.month:02d}-{d.day:02d}"


def format_datetime(
    dt: datetime, tz: ZoneInfo, locale: str, *, with_date: bool = True, with_tz: bool = False
) -> str:
    """``2026-11-23 10:04`` / fa ``۱۴۰۵/۰۹/۰۲ ۱۰:۰۴``; ``with_tz`` adds `` (Europe/Sofia)``."""
    local = dt.astimezone(tz) if dt.tzinfo is UTC else to_local(dt, tz)  # UTC: the register's, and aware
    clock = f"{local.hour:02d}:{local.minute:02d}"
    if locale == "fa":
        clock = persian_digits(clock)
    text = f"{_date_text(local.date(), locale)} {clock}" if with_date else clock
    if with_tz:
        text += f" ({_tz_name(tz)})"
    return text


def format_time(dt: datetime, tz: ZoneInfo, locale: str) -> str:
    """The local time of day: ``10:34``; fa ``۱۰:۳۴``."""
    return format_datetime(dt, tz, locale, with_date=False)


def format_date(d: date, locale: str) -> str:
    """A calendar date: ``2026-11-23``; fa (Jalali) ``۱۴۰۵/۰۹/۰۲``.

    Takes a ``date``, not a ``datetime``: for an instant, pass ``to_local(dt, tz).date()`` so the day is
    the customer's day.
    """
    if isinstance(d, datetime):
        raise TypeError("format_date takes a date; use to_local(dt, tz).date() for an instant")
    return _date_text(d, locale)


_UNITS = {
    "en": ("d", "h", "min"),
    "bg": ("д", "ч", "мин"),
}


def format_duration(td: timedelta, locale: str) -> str:
    """A non-negative duration, cut down to whole minutes.

    en ``45 min``, ``1 h 05 min``, ``2 d 3 h`` (from one day on, minutes are left out);
    bg ``45 мин``, ``1 ч 05 мин``, ``2 д 3 ч``;
    fa ``۴۵ دقیقه``, ``۱ ساعت و ۵ دقیقه``, ``۲ روز و ۳ ساعت`` (zero parts left out: ``۱ ساعت``).
    """
    if td < timedelta(0):
        raise ValueError("format_duration takes a non-negative duration (pass abs(td))")
    minutes_total = int(td.total_seconds()) // 60
    days, rest = divmod(minutes_total, 24 * 60)
    hours, minutes = divmod(rest, 60)
    if locale == "fa":
        if days:
            parts = [(days, "روز"), (hours, "ساعت")]
        elif hours:
            parts = [(hours, "ساعت"), (minutes, "دقیقه")]
        else:
            parts = [(minutes, "دقیقه")]
        shown = [f"{n} {unit}" for n, unit in parts if n] or [f"0 {parts[-1][1]}"]
        return persian_digits(" و ".join(shown))
    d, h, m = _UNITS.get(locale, _UNITS["en"])
    if days:
        return f"{days} {d} {hours} {h}"
    if hours:
        return f"{hours} {h} {minutes:02d} {m}"
    return f"{minutes} {m}"
