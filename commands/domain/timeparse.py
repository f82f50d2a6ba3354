"""Natural-language "when did it happen" times in English, Bulgarian and Persian.

``parse_time`` turns what a customer types after ``--reported`` into an aware UTC instant. dateparser is
the base, but a thin, deterministic layer in front of it handles the phrasings that dateparser (1.5) gets
wrong or not at all for our locales. The stages, first match wins:

1. normalisation: Persian/Arabic-Indic digits to ASCII, Arabic letter variants to Persian ones, ZWNJ to a
   space, case folding, commas (not between digits) to spaces;
2. "now" words (``now``, ``сега``, ``الان``);
3. "N units ago": ``2 hours ago``, ``преди 2 часа``, ``преди час``, ``دو ساعت پیش``, ``۳ روز قبل``,
   ``نیم ساعت پیش``, ``یک ربع پیش``. Seconds, minutes and hours are real elapsed time (UTC arithmetic);
   whole days and weeks keep the wall-clock time of day in the customer's time zone;
4. explicit dates: ISO 8601 (an offset is kept exactly; a naive value is local to ``tz``), Jalali dates
   (year 13xx/14xx, ``۱۴۰۵/۰۱/۲۰``, ``20-01-1405``, ``۲۰ فروردین ۱۴۰۵``) via jdatetime, and day-first
   numeric dates (``04.05.2026``; with ``/`` or ``-`` too for bg and fa), each with an optional time;
5. day words (today, yesterday, tomorrow, the day before/after; ``днес``, ``вчера``, ``утре``,
   ``завчера``, ``вдругиден``; ``امروز``, ``دیروز``, ``فردا``, ``پس فردا``, ``پریروز``) and weekday
   names (``friday``, ``last friday``, ``в петък``, ``миналия петък``, ``следващия понеделник``,
   ``جمعه``, ``شنبه گذشته``), each with an optional time before or after (``at 9``, ``9am``,
   ``в 09:00``, ``ساعت ۹``, ``ساعت ۱۴:۳۰``). A day word without a time keeps the current time of day (as
   dateparser does for "yesterday"); a weekday without a time means midnight of that day. A plain weekday
   is the most recent such day, today included; "last" is the most recent one before today; "next" is
   the first one after today;
6. a time alone (``08:55``, ``9am``, ``в 9 ч``, ``ساعت ۹``): the most recent past occurrence of that
   time of day, except that a time at most ``TIME_ONLY_GRACE`` ahead of now stays today (a clock that is
   a little fast must not turn "10:05" into yesterday; the caller's "future" policy decides);
7. dateparser with the customer's language (``languages=[locale, "en"]``, no autodetection), DMY order
   for bg/fa, dates preferred from the past, ``RELATIVE_BASE`` = local now; first on the whole text,
   then on the longest prefix of words that it can parse (a cut prefix must start or end with a number,
   and a time dateparser does not read after a date, "20 ноември в 9", is read here and combined).
   A time in the text that dateparser silently dropped ("вчера 25:00") makes its answer count as none.

Trailing words after a recognised expression are ignored ("today 08:55 by phone"), unless the first
ignored word looks like a time, a number or a time zone: then the text is not silently cut and a later
stage (or an error) decides. An abbreviated English weekday ("sun", "sat") followed by other words is not
taken as a weekday ("sun is shining").

Local wall times are turned into instants by ``calendar.local_to_utc`` (the one DST rule: a time in a
spring-forward gap is the end of the gap, an ambiguous time its first occurrence).

Policy (future times, times too far in the past) is the caller's business, not this module's.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from functools import lru_cache
from typing import Any
from zoneinfo import ZoneInfo

import jdatetime
from dateparser.conf import Settings
from dateparser.conf import settings as _dateparser_defaults
from dateparser.date import DateDataParser

from commands.domain.calendar import local_to_utc

__all__ = ["TIME_ONLY_GRACE", "TimeParseError", "normalize", "parse_time"]

TIME_ONLY_GRACE = timedelta(minutes=15)
MAX_DISTANCE = timedelta(days=100 * 366)  # a time further from now than a century is a typo
_MAX_PREFIX_WORDS = 8  # dateparser is tried on prefixes of at most this many words
_MAX_TEXT = 200  # longer input is not a time expression


class TimeParseError(ValueError):
    """The text is not a time. ``code`` is ``"empty"``, ``"unparseable"`` or ``"out_of_range"`` (more
    than a century from now)."""

    code: str
    text: str

    def __init__(self, code: str, text: str = "") -> None:
        self.code = code
        self.text = text
        super().__init__("no time given" if code == "empty" else f"cannot read a plausible date or time from {text!r}")


# --------------------------------------------------------------------------------------------------
# Normalisation

_CHAR_MAP = str.maketrans(
    {
        **{chr(0x06F0 + i): str(i) for i in range(10)},  # Persian digits
        **{chr(0x0660 + i): str(i) for i in range(10)},  # Arabic-Indic digits
        "\u066b": ".",  # Arabic decimal separator
        "\u066c": "",  # Arabic thousands separator
        "\u064a": "\u06cc",  # Arabic yeh -> Persian yeh
        "\u0649": "\u06cc",  # alef maksura -> Persian yeh
        "\u0643": "\u06a9",  # Arabic kaf -> Persian keheh
        "\u0654": "",  # hamza above (ezafe: جمعهٔ)
        "\u0640": "",  # tatweel
        "\u200c": " ",  # ZWNJ (پس‌فردا, سه‌شنبه)
        "\u200f": "",  # RLM
        "\u200e": "",  # LRM
        "\u00a0": " ",
        "\u202f": " ",
        "\u060c": ",",  # Arabic comma
        "\u061b": ";",  # Arabic semicolon
        "\u2013": "-",
        "\u2014": "-",
    }
)
_SEPARATORS = re.compile(r"(?<!\d)[,;]|[,;](?!\d)")
_SPACES = re.compile(r"\s+")


def normalize(text: str) -> str:
    """ASCII digits, Persian letter forms, lower case, single spaces."""
    out = text.translate(_CHAR_MAP).casefold()
    out = _SEPARATORS.sub(" ", out)
    return _SPACES.sub(" ", out).strip()


# --------------------------------------------------------------------------------------------------
# Building blocks of the grammar (all patterns work on normalised text)

_END = r"(?![\w:]|\.\d)"  # a token ends here: not inside a word or a number


def _alt(words: Any) -> str:
    """A regex alternation of ``words``, longest first; spaces match any run of spaces."""
    return "|".join(re.escape(w).replace(r"\ ", r"\s+") for w in sorted(words, key=len, reverse=True))


_NUMBER_WORDS: dict[str, float] = {
    # en
    "a": 1, "an": 1, "one": 1, "two": 2, "three": 3, "four": 4, "five": 5, "six": 6, "seven": 7,
    "eight": 8, "nine": 9, "ten": 10, "eleven": 11, "twelve": 12, "fifteen": 15, "twenty": 20,
    "thirty": 30, "forty": 40, "forty-five": 45, "half a": 0.5, "half an": 0.5, "a couple of": 2,
    # bg
    "един": 1, "една": 1, "едно": 1, "два": 2, "две": 2, "три": 3, "четири": 4, "пет": 5, "шест": 6,
    "седем": 7, "осем": 8, "девет": 9, "десет": 10, "единадесет": 11, "единайсет": 11,
    "дванадесет": 12, "дванайсет": 12, "петнадесет": 15, "петнайсет": 15, "двадесет": 20,
    "двайсет": 20, "тридесет": 30, "трийсет": 30, "четиридесет": 40, "четирийсет": 40,
    "половин": 0.5, "четвърт": 0.25, "няколко": 3,
    # fa
    "یک": 1, "یه": 1, "دو": 2, "سه": 3, "چهار": 4, "پنج": 5, "شش": 6, "شیش": 6, "هفت": 7, "هشت": 8,
    "نه": 9, "ده": 10, "یازده": 11, "دوازده": 12, "سیزده": 13, "چهارده": 14, "پانزده": 15,
    "پونزده": 15, "شانزده": 16, "هفده": 17, "هجده": 18, "نوزده": 19, "بیست": 20, "سی": 30,
    "چهل": 40, "پنجاه": 50, "شصت": 60, "نیم": 0.5,
}  # fmt: skip
_FA_TENS = ("بیست", "سی", "چهل", "پنجاه")
_FA_UNITS = ("یک", "دو", "سه", "چهار", "پنج", "شش", "هفت", "هشت", "نه")
_NUM = (
    r"\d+(?:[.,]\d+)?"
    rf"|(?:{_alt(_FA_TENS)})\s+و\s+(?:{_alt(_FA_UNITS)})"
    rf"|{_alt(_NUMBER_WORDS)}"
)

_SECOND, _MINUTE, _HOUR, _DAY, _WEEK, _QUARTER = "s", "min", "h", "d", "w", "q"
_UNITS: dict[str, str] = {
    # en
    "s": _SECOND, "sec": _SECOND, "secs": _SECOND, "second": _SECOND, "seconds": _SECOND,
    "m": _MINUTE, "min": _MINUTE, "mins": _MINUTE, "minute": _MINUTE, "minutes": _MINUTE,
    "h": _HOUR, "hr": _HOUR, "hrs": _HOUR, "hour": _HOUR, "hours": _HOUR,
    "d": _DAY, "day": _DAY, "days": _DAY, "w": _WEEK, "wk": _WEEK, "wks": _WEEK, "week": _WEEK,
    "weeks": _WEEK,
    # bg
    "секунда": _SECOND, "секунди": _SECOND, "сек": _SECOND, "минута": _MINUTE, "минути": _MINUTE,
    "минутки": _MINUTE, "мин": _MINUTE, "час": _HOUR, "часа": _HOUR, "часове": _HOUR, "ч": _HOUR,
    "ден": _DAY, "дни": _DAY, "дена": _DAY, "денонощие": _DAY, "денонощия": _DAY,
    "седмица": _WEEK, "седмици": _WEEK,
    # fa
    "ثانیه": _SECOND, "دقیقه": _MINUTE, "ساعت": _HOUR, "روز": _DAY, "هفته": _WEEK, "ربع": _QUARTER,
}  # fmt: skip
_EN_UNITS = [u for u in _UNITS if u.isascii()]
_BG_UNITS = [u for u in _UNITS if "\u0400" <= u[0] <= "\u04ff"]
_FA_UNIT_WORDS = [u for u in _UNITS if "\u0600" <= u[0] <= "\u06ff"]

_AGO_PATTERNS = (
    # en: "2 hours ago", "an hour ago", "half an hour ago", "2h ago", "an hour and a half ago"
    re.compile(
        rf"(?:about\s+|around\s+|~\s*)?(?P<n>{_NUM})\s*(?P<u>{_alt(_EN_UNITS)})"
        rf"(?P<half>\s+and\s+a\s+half)?\s+ago{_END}"
    ),
    # bg: "преди 2 часа", "преди час", "преди половин час", "преди час и половина"
    re.compile(
        rf"преди\s+(?:около\s+|към\s+|~\s*)?(?:(?P<n>{_NUM})\s*)?(?P<u>{_alt(_BG_UNITS)})\.?"
        rf"(?P<half>\s+и\s+половина)?{_END}"
    ),
    # fa: "دو ساعت پیش", "۳ روز قبل", "نیم ساعت پیش", "یک ساعت و نیم پیش", "یک ربع پیش"
    re.compile(
        rf"(?:حدود\s+|تقریبا\s+|حدودا\s+)?(?P<n>{_NUM})\s*(?P<u>{_alt(_FA_UNIT_WORDS)})"
        rf"(?P<half>\s+و\s+نیم)?\s+(?:پیش|قبل){_END}"
    ),
)

_NOW = re.compile(
    rf"(?:{_alt(['now', 'right now', 'just now', 'сега', 'току що', 'току-що', 'в момента', 'الان', 'همین الان', 'همین حالا', 'اکنون', 'هم اکنون'])}){_END}"
)

_TIME = re.compile(
    r"(?:(?P<pre>at|@|around|about|във|в|около|към|ساعت|حدود\s+ساعت|حوالی\s+ساعت|حدود|حوالی)\s*)?"
    r"(?P<h>\d{1,2})(?:(?P<sep>[:.])(?P<m>\d{2})(?::(?P<s>\d{2}))?)?"
    r"(?:\s*(?P<suf>a\.?m\.?|p\.?m\.?|o'clock|h|ч\.?|часа|час"
    r"|сутринта|сутрин|следобед|вечерта|вечер|през\s+нощта|нощта"
    r"|صبح|بعد\s*از\s*ظهر|ظهر|عصر|شب|بامداد|سحر))?" + _END
)
_AM = frozenset({"am", "сутринта", "сутрин", "صبح", "بامداد", "سحر"})
_PM = frozenset({"pm", "следобед", "вечерта", "вечер", "عصر", "بعدازظهر"})
_NIGHT = frozenset({"презнощта", "нощта", "شب"})
_NOON = "ظهر"

_DAY_WORDS: dict[str, int] = {
    "today": 0, "tonight": 0, "this evening": 0, "yesterday": -1, "tomorrow": 1, "day before yesterday": -2,
    "the day before yesterday": -2, "day after tomorrow": 2, "the day after tomorrow": 2,
    "днес": 0, "довечера": 0, "тази вечер": 0, "вчера": -1, "утре": 1, "завчера": -2, "онзи ден": -2, "вдругиден": 2,
    "امروز": 0, "امشب": 0, "دیروز": -1, "فردا": 1, "پس فردا": 2, "پسفردا": 2, "پریروز": -2,
}  # fmt: skip
_DAY_WORD = re.compile(rf"(?:{_alt(_DAY_WORDS)}){_END}")

_WEEKDAYS: dict[str, int] = {
    "monday": 0, "mon": 0, "tuesday": 1, "tue": 1, "tues": 1, "wednesday": 2, "wed": 2,
    "thursday": 3, "thu": 3, "thur": 3, "thurs": 3, "friday": 4, "fri": 4, "saturday": 5, "sat": 5,
    "sunday": 6, "sun": 6,
    "понеделник": 0, "вторник": 1, "сряда": 2, "четвъртък": 3, "петък": 4, "събота": 5, "неделя": 6,
    "دوشنبه": 0, "سهشنبه": 1, "چهارشنبه": 2, "پنجشنبه": 3, "جمعه": 4, "شنبه": 5, "یکشنبه": 6,
}  # fmt: skip
_WEEKDAY_ABBREVIATIONS = frozenset({"mon", "tue", "tues", "wed", "thu", "thur", "thurs", "fri", "sat", "sun"})
_LAST, _NEXT, _PLAIN = "last", "next", "plain"
_WEEKDAY_PATTERNS = (
    re.compile(
        r"(?:on\s+)?(?:(?P<mod>last|past|previous|prev|next|coming|this)\s+)?"
        rf"(?P<wd>{_alt(w for w in _WEEKDAYS if w.isascii())}){_END}"
    ),
    re.compile(
        r"(?:(?:във|в)\s+)?(?:(?P<mod>миналия|миналата|предния|предната|предишния|предишната"
        r"|следващия|следващата|идния|идната|този|тази)\s+)?"
        r"(?P<wd>понеделник|вторник|сряда|четвъртък|петък|събота|неделя)" + _END
    ),
    re.compile(
        r"(?:(?:روز|این)\s+)?(?P<wd>(?:یک|دو|سه|چهار|پنج)\s?شنبه|شنبه|جمعه)(?:\s+ی)?"
        r"(?:\s+(?P<mod>(?:هفته\s+)?(?:گذشته|قبل|پیش|آینده|بعد|بعدی|دیگر|دیگه)))?" + _END
    ),
)
_MOD_KIND = {
    **dict.fromkeys(("last", "past", "previous", "prev", "миналия", "миналата", "предния", "предната",
                     "предишния", "предишната", "گذشته", "قبل", "پیش"), _LAST),
    **dict.fromkeys(("next", "coming", "следващия", "следващата", "идния", "идната", "آینده", "بعد",
                     "بعدی", "دیگر", "دیگه"), _NEXT),
}  # fmt: skip

_ISO = re.compile(
    r"(?P<iso>\d{4}-\d{2}-\d{2}(?:[t ]\d{2}:\d{2}(?::\d{2}(?:\.\d{1,6})?)?"
    r"(?:\s?(?:z|[+-]\d{2}(?::?\d{2})?))?)?)" + _END
)
_JALALI_MONTHS = {
    "فروردین": 1, "اردیبهشت": 2, "خرداد": 3, "تیر": 4, "مرداد": 5, "امرداد": 5, "شهریور": 6,
    "مهر": 7, "آبان": 8, "آذر": 9, "دی": 10, "بهمن": 11, "اسفند": 12,
}  # fmt: skip
_JALALI_YMD = re.compile(r"(?P<y>1[34]\d\d)(?P<s>[/.-])(?P<mo>\d{1,2})(?P=s)(?P<d>\d{1,2})" + _END)
_JALALI_DMY = re.compile(r"(?P<d>\d{1,2})(?P<s>[/.-])(?P<mo>\d{1,2})(?P=s)(?P<y>1[34]\d\d)" + _END)
_JALALI_NAMED = re.compile(
    rf"(?P<d>\d{{1,2}})\s*(?P<mon>{_alt(_JALALI_MONTHS)})(?:\s+ماه)?(?:\s+(?P<y>1[34]\d\d))?{_END}"
)
_DMY_DOTS = re.compile(r"(?P<d>\d{1,2})\.(?P<mo>\d{1,2})(?:\.(?P<y>\d{4}|\d{2}))?\.?" + _END)
_DMY_SLASH = re.compile(r"(?P<d>\d{1,2})(?P<s>[/-])(?P<mo>\d{1,2})(?P=s)(?P<y>(?:19|20)\d\d)" + _END)
_DMY_LOCALES = frozenset({"bg", "fa"})

_CLOCK = re.compile(r"\d:\d")

# Connectors that dateparser does not know before a time ("23.11.2026 в 09:15", "... ساعت ۱۰").
_CONNECTOR = re.compile(r"(?:^|(?<=\s))(?:във|в|около|към|ساعت|حدود|حوالی)\s+(?=\d)")


# --------------------------------------------------------------------------------------------------
# Matching helpers


@dataclass(frozen=True)
class _Context:
    tz: ZoneInfo
    now: datetime  # aware UTC
    local_now: datetime  # naive wall clock in tz
    locale: str

    @property
    def today(self) -> date:
        return self.local_now.date()

    def at(self, day: date, tod: time | None) -> datetime:
        wall = datetime.combine(day, tod if tod is not None else self.local_now.time())
        return local_to_utc(wall, self.tz)


def _skip_spaces(s: str, pos: int) -> int:
    while pos < len(s) and s[pos] == " ":
        pos += 1
    return pos


def _match_time(s: str, pos: int) -> tuple[time, int] | None:
    m = _TIME.match(s, pos)
    if m is None:
        return None
    pre, sep, suf = m.group("pre"), m.group("sep"), m.group("suf")
    if not pre and not suf and not m.group("m"):
        return None  # a bare number is not a time
    if sep == "." and not pre and not suf:
        return None  # "20.11" is a date, not 20:11
    hour, minute, second = int(m.group("h")), int(m.group("m") or 0), int(m.group("s") or 0)
    if suf:
        suf = suf.replace(".", "").replace(" ", "")
        if suf in _AM:
            if not 1 <= hour <= 12:
                return None
            hour = 0 if hour == 12 else hour
        elif suf in _PM:
            if not 1 <= hour <= 12:
                return None
            hour = hour if hour == 12 else hour + 12
        elif suf == _NOON:  # noon: ۱۲ ظهر = 12:00, ۱ ظهر = 13:00
            if 1 <= hour <= 5:
                hour += 12
        elif suf in _NIGHT:
            if hour == 12:
                hour = 0
            elif 6 <= hour <= 11:
                hour += 12
    if hour > 23 or minute > 59 or second > 59:
        return None
    return time(hour, minute, second), m.end()


# A zone after a time ("10:00 utc", "10:00 +03:00") must not be dropped as noise; dateparser reads it.
_ZONE = re.compile(
    r"(?:[+-]\d|(?:utc|gmt|z|eet|eest|cet|cest|wet|west|bst|irst|irdt|msk|est|edt|cst|cdt|mst|mdt|pst|pdt)"
    + _END
    + r"|[a-z_]+/[a-z_])"
)


def _rest_ok(s: str, pos: int) -> bool:
    """Whatever follows a match may be ignored, unless it looks like a time, a number or a zone."""
    pos = _skip_spaces(s, pos)
    if pos >= len(s):
        return True
    if s[pos].isdigit() or _ZONE.match(s, pos):
        return False
    return _match_time(s, pos) is None


def _number(text: str) -> float | None:
    text = _SPACES.sub(" ", text.strip())
    if text[0].isdigit():
        return float(text.replace(",", "."))
    if " و " in text:
        tens, units = text.split(" و ", 1)
        return _NUMBER_WORDS[tens] + _NUMBER_WORDS[units]
    return _NUMBER_WORDS.get(text)


def _try_now(s: str, ctx: _Context) -> tuple[datetime, int] | None:
    m = _NOW.match(s)
    return (ctx.now, m.end()) if m else None


def _try_ago(s: str, ctx: _Context) -> tuple[datetime, int] | None:
    for pattern in _AGO_PATTERNS:
        m = pattern.match(s)
        if m is None:
            continue
        raw = m.group("n")
        amount = 1.0 if raw is None else _number(raw)
        if amount is None:
            continue
        if m.group("half"):
            amount += 0.5
        unit = _UNITS[_SPACES.sub(" ", m.group("u"))]
        if unit in (_DAY, _WEEK) and amount == int(amount):
            # Calendar days keep the wall-clock time of day, across DST changes too.
            days = int(amount) * (7 if unit == _WEEK else 1)
            return ctx.at(ctx.today - timedelta(days=days), ctx.local_now.time()), m.end()
        seconds = {_SECOND: 1, _MINUTE: 60, _QUARTER: 900, _HOUR: 3600, _DAY: 86400, _WEEK: 604800}[unit]
        return ctx.now - timedelta(seconds=amount * seconds), m.end()
    return None


def _date_then_time(s: str, end: int, day: date, ctx: _Context) -> tuple[datetime, int]:
    """A date followed by an optional time; the date alone means its midnight."""
    pos = _skip_spaces(s, end)
    tm = _match_time(s, pos) if pos < len(s) else None
    if tm is None:
        return local_to_utc(datetime.combine(day, time()), ctx.tz), end
    return local_to_utc(datetime.combine(day, tm[0]), ctx.tz), tm[1]


def _try_iso(s: str, ctx: _Context) -> tuple[datetime, int] | None:
    m = _ISO.match(s)
    if m is None:
        return None
    raw = m.group("iso").upper().replace(" +", "+").replace(" -", "-").replace(" Z", "Z")
    try:
        value = datetime.fromisoformat(raw)
    except ValueError:
        return None
    if value.tzinfo is not None:
        return value.astimezone(UTC), m.end()
    if len(raw) == 10:  # date only: a time may follow ("2026-11-23 в 10:00")
        return _date_then_time(s, m.end(), value.date(), ctx)
    return local_to_utc(value, ctx.tz), m.end()


def _jalali(year: int, month: int, day: int) -> date | None:
    try:
        gregorian: date = jdatetime.date(year, month, day).togregorian()
        return gregorian
    except ValueError:
        return None


def _try_jalali(s: str, ctx: _Context) -> tuple[datetime, int] | None:
    for pattern in (_JALALI_YMD, _JALALI_DMY):
        m = pattern.match(s)
        if m:
            day = _jalali(int(m.group("y")), int(m.group("mo")), int(m.group("d")))
            return None if day is None else _date_then_time(s, m.end(), day, ctx)
    m = _JALALI_NAMED.match(s)
    if m is None:
        return None
    month, dom = _JALALI_MONTHS[_SPACES.sub(" ", m.group("mon"))], int(m.group("d"))
    if m.group("y"):
        day = _jalali(int(m.group("y")), month, dom)
    else:  # no year: the most recent such date, today included
        this_year = jdatetime.date.fromgregorian(date=ctx.today).year
        day = _jalali(this_year, month, dom)
        if day is not None and day > ctx.today:
            day = _jalali(this_year - 1, month, dom)
    return None if day is None else _date_then_time(s, m.end(), day, ctx)


def _try_dmy(s: str, ctx: _Context) -> tuple[datetime, int] | None:
    m = _DMY_DOTS.match(s)
    if m is not None and m.group("y") is None and _match_time(s, 0) is not None:
        return None  # "10.05 ч" is a time, not the 10th of May
    if m is None and ctx.locale in _DMY_LOCALES:
        m = _DMY_SLASH.match(s)
    if m is None:
        return None
    dom, month, raw_year = int(m.group("d")), int(m.group("mo")), m.group("y")
    try:
        if raw_year:
            year = int(raw_year) + (2000 if len(raw_year) == 2 else 0)
            day = date(year, month, dom)
        else:  # no year: the most recent such date, today included
            day = date(ctx.today.year, month, dom)
            if day > ctx.today:
                day = date(ctx.today.year - 1, month, dom)
    except ValueError:
        return None
    return _date_then_time(s, m.end(), day, ctx)


def _weekday_day(weekday: int, kind: str, today: date) -> date:
    back = (today.weekday() - weekday) % 7
    if kind == _NEXT:
        ahead = (weekday - today.weekday()) % 7 or 7
        return today + timedelta(days=ahead)
    if kind == _LAST and back == 0:
        back = 7
    return today - timedelta(days=back)


@dataclass(frozen=True)
class _Day:
    day: date
    is_day_word: bool  # today/yesterday/...: no time means the current time of day
    bare_abbreviation: bool  # "sun", "sat", "wed" alone: only a time or nothing may follow
    end: int


def _match_day(s: str, pos: int, ctx: _Context) -> _Day | None:
    """A day word or a weekday at ``pos``."""
    m = _DAY_WORD.match(s, pos)
    if m:
        offset = _DAY_WORDS[_SPACES.sub(" ", m.group(0))]
        return _Day(ctx.today + timedelta(days=offset), True, False, m.end())
    for pattern in _WEEKDAY_PATTERNS:
        m = pattern.match(s, pos)
        if m:
            wd = m.group("wd").replace(" ", "")
            mod = m.group("mod")
            kind = _MOD_KIND.get(mod.split(" ")[-1], _PLAIN) if mod else _PLAIN
            bare = wd in _WEEKDAY_ABBREVIATIONS and m.group(0) == m.group("wd")
            return _Day(_weekday_day(_WEEKDAYS[wd], kind, ctx.today), False, bare, m.end())
    return None


def _try_day(s: str, ctx: _Context) -> tuple[datetime, int] | None:
    """[time] (day word | weekday) [time]."""
    before = _match_time(s, 0)
    pos = _skip_spaces(s, before[1]) if before else 0
    found = _match_day(s, pos, ctx)
    if found is None:
        return None
    end = found.end
    tod = before[0] if before else None
    if tod is None:
        after = _match_time(s, _skip_spaces(s, end))
        if after:
            tod, end = after
        elif found.bare_abbreviation and _skip_spaces(s, end) < len(s):
            return None  # "sun is shining", "sat down with ..." are not weekdays
    if tod is None and not found.is_day_word:
        tod = time()  # a weekday alone is that day's midnight
    return ctx.at(found.day, tod), end


def _try_time_only(s: str, ctx: _Context) -> tuple[datetime, int] | None:
    tm = _match_time(s, 0)
    if tm is None:
        return None
    today = ctx.at(ctx.today, tm[0])
    if today <= ctx.now + TIME_ONLY_GRACE:
        return today, tm[1]
    return ctx.at(ctx.today - timedelta(days=1), tm[0]), tm[1]


_STAGES: tuple[Callable[[str, _Context], tuple[datetime, int] | None], ...] = (
    _try_now,
    _try_ago,
    _try_jalali,
    _try_iso,
    _try_dmy,
    _try_day,
    _try_time_only,
)


# --------------------------------------------------------------------------------------------------
# dateparser


@lru_cache(maxsize=16)
def _base_settings(locale: str, tz_key: str) -> Settings:
    """dateparser settings for one customer, built once; only RELATIVE_BASE changes per call."""
    options: dict[str, Any] = {
        "PREFER_DATES_FROM": "past",
        "PARSERS": ["relative-time", "custom-formats", "absolute-time"],  # no timestamps
        "TIMEZONE": tz_key,
    }
    if locale in _DMY_LOCALES:
        options["DATE_ORDER"] = "DMY"
    # mod_settings marks these as the caller's, so DATE_ORDER is not overridden by the locale's order
    # and survives the per-call replace(RELATIVE_BASE=...).
    return _dateparser_defaults.replace(mod_settings=options, **options)


@lru_cache(maxsize=16)
def _languages(locale: str) -> tuple[str, ...]:
    return (locale,) if locale == "en" else (locale, "en")


def _dateparser(
    text: str, tod: time | None, settings: Settings, languages: tuple[str, ...], ctx: _Context
) -> datetime | None:
    """dateparser's reading of ``text``; with ``tod``, ``text`` must be a date only and gets that time."""
    parser = DateDataParser(languages=list(languages), settings=settings, use_given_order=True)
    data = parser.get_date_data(_CONNECTOR.sub("", text))
    value: datetime | None = data["date_obj"]
    if value is None or value.year < 1900:  # a year like 1405 is a Jalali year read as Gregorian
        return None
    parts = data["parts"] or ()
    if "time" not in parts and _CLOCK.search(text):
        return None  # dateparser dropped a time it could not read ("вчера 25:00")
    if tod is not None:
        if value.tzinfo is not None or "time" in parts:
            return None
        value = datetime.combine(value.date(), tod)
    if value.tzinfo is not None:
        return value.astimezone(UTC)
    if "year" not in parts and value.year < ctx.today.year:
        # PREFER_DATES_FROM=past moves a later hour of today a year back ("23 ноември 14:00" at 10:04 on
        # 23 November); today's date is meant, and the caller's "future" policy decides about it.
        try:
            moved = value.replace(year=value.year + 1)
        except ValueError:
            moved = value
        if moved.date() == ctx.today:
            value = moved
    return local_to_utc(value, ctx.tz)


def _try_dateparser(s: str, ctx: _Context) -> datetime | None:
    """dateparser on the whole text, then on the longest prefix of words it can read.

    A prefix is only accepted if it starts or ends with a number and what follows it is not a number, or is
    a time that dateparser did not understand there ("20 ноември в 9"): then the prefix must be a date
    and gets that time.
    """
    settings = _base_settings(ctx.locale, ctx.tz.key).replace(RELATIVE_BASE=ctx.local_now)
    languages = _languages(ctx.locale)
    words = s.split(" ")
    for n in range(min(len(words), _MAX_PREFIX_WORDS), 0, -1):
        if n == 1 and words[0].isdigit():
            continue  # a lone number ("5", "42") is not a date
        tod: time | None = None
        if n < len(words):
            rest = " ".join(words[n:])
            tm = _match_time(rest, 0)
            if tm is not None and _rest_ok(rest, tm[1]):
                tod = tm[0]
            elif not _rest_ok(rest, 0):
                continue  # never cut a number or a time off
            elif not any(c.isdigit() for c in words[n - 1]) and not any(c.isdigit() for c in words[0]):
                continue  # a cut-off prefix must carry a number: "sun is shining" is not a Sunday
        value = _dateparser(" ".join(words[:n]), tod, settings, languages, ctx)
        if value is not None:
            return value
    return None


# --------------------------------------------------------------------------------------------------


def time_of_day(text: str) -> time | None:
    """The time of day when ``text`` is a time alone (``23:00``, ``11pm``, ``в 23 ч``, ``ساعت ۲۳``), else
    None: for commands that read such a time against another instant than now (a window's end after its
    start), where ``parse_time``'s "most recent past occurrence" is not what was meant."""
    s = normalize(text)
    found = _match_time(s, 0)
    return found[0] if found is not None and _skip_spaces(s, found[1]) >= len(s) else None


def parse_time(text: str, *, locale: str, tz: ZoneInfo, now: datetime) -> datetime:
    """The instant (aware, UTC) that ``text`` names, read in ``locale`` and the time zone ``tz``.

    ``now`` is the current instant (aware). Raises ``TimeParseError`` with ``code`` ``"empty"``,
    ``"unparseable"`` or ``"out_of_range"`` (more than a century away). Does not judge whether the instant
    is plausible for its use (future, too old): the commands do.
    """
    if now.tzinfo is None:
        raise ValueError("now must be timezone-aware")
    s = normalize(text)
    if not s:
        raise TimeParseError("empty", text)
    if len(s) > _MAX_TEXT:
        raise TimeParseError("unparseable", text)
    now_utc = now.astimezone(UTC)
    ctx = _Context(tz=tz, now=now_utc, local_now=now_utc.astimezone(tz).replace(tzinfo=None), locale=locale)
    try:
        value = _parse(s, ctx)
    except OverflowError:  # "0001-01-01" in a zone east of UTC, "99999999 hours ago"
        raise TimeParseError("out_of_range", text) from None
    if value is None:
        raise TimeParseError("unparseable", text)
    if abs(value - now_utc) > MAX_DISTANCE:  # deadlines computed from it must not overflow year 9999
        raise TimeParseError("out_of_range", text)
    return value


def _parse(s: str, ctx: _Context) -> datetime | None:
    for stage in _STAGES:
        found = stage(s, ctx)
        if found is not None and _rest_ok(s, found[1]):
            return found[0]
    return _try_dateparser(s, ctx)
