"""Crontab lines as cron means them: the one parser of every schedule in dutydesk.

A schedule is written as a crontab line (crontab(5) of Vixie/ISC cron, the ``cron`` of Debian; cronie
reads it the same way): five fields ``minute hour day-of-month month day-of-week``, each ``*``, a
number, a range ``a-b``, a list ``a,b,c`` and a step ``*/n`` or ``a-b/n`` (``a/n`` is ``a-<max>/n``),
with month names ``jan``–``dec`` and weekday names ``sun``–``sat`` (any case, in ranges and lists too:
``MON-FRI``), or one of ``@yearly``, ``@annually``, ``@monthly``, ``@weekly``, ``@daily``,
``@midnight``, ``@hourly``. What cron means by it, and so dutydesk:

- day of week ``0`` and ``7`` are Sunday, ``1`` Monday … ``6`` Saturday (``1-5`` is Monday to Friday);
- when both day fields are restricted (neither starts with ``*``), a day matches if **either** does
  (``0 2 1 * mon``: the 1st of each month and every Monday); when one starts with ``*`` (``*/2``
  included) both must match;
- the time is the wall clock of the schedule's time zone. Across DST changes cron(8) treats a job at a
  fixed time (neither minute nor hour starts with ``*``) apart from a wildcard job: a fixed-time job
  whose time falls in the hour that is skipped runs at the first instant after the gap (``30 3 * * *``
  in Europe/Sofia on the last Sunday of March runs at 04:00), and in the hour that is repeated it runs
  once, at the first occurrence; a wildcard job (``*/15 * * * *``, ``30 * * * *``, ``@hourly``) runs by
  the new time: not in the skipped hour, twice in the repeated one.

Ranges go from low to high (``fri-mon`` is refused: write ``fri-sun,mon``; ``sun`` ending a range is
7, so ``mon-sun`` is the whole week), and a
line whose days never occur (``0 0 30 2 *``) is refused rather than scheduled never to run.
"""

from __future__ import annotations

import re
from bisect import bisect_right
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from functools import lru_cache
from zoneinfo import ZoneInfo

from commands.domain.calendar import local_to_utc

_MONTHS = ("jan", "feb", "mar", "apr", "may", "jun", "jul", "aug", "sep", "oct", "nov", "dec")
_WEEKDAYS = ("sun", "mon", "tue", "wed", "thu", "fri", "sat")
NICKNAMES = {
    "@yearly": "0 0 1 1 *", "@annually": "0 0 1 1 *", "@monthly": "0 0 1 * *", "@weekly": "0 0 * * 0",
    "@daily": "0 0 * * *", "@midnight": "0 0 * * *", "@hourly": "0 * * * *",
}
# (name, lowest, highest, names for lowest + i)
_FIELDS: tuple[tuple[str, int, int, tuple[str, ...]], ...] = (
    ("minute", 0, 59, ()),
    ("hour", 0, 23, ()),
    ("day of month", 1, 31, ()),
    ("month", 1, 12, _MONTHS),
    ("day of week", 0, 7, _WEEKDAYS),
)
_LONGEST_MONTH = {1: 31, 2: 29, 3: 31, 4: 30, 5: 31, 6: 30, 7: 31, 8: 31, 9: 30, 10: 31, 11: 30, 12: 31}
_PART = re.compile(r"^(?P<range>\*|[a-z0-9]+(?:-[a-z0-9]+)?)(?:/(?P<step>[0-9]+))?$")
_MAX_TEXT = 200
# A line that can fire fires within 8 years (29 February; 2100 is no leap year): a bound on the search.
_SEARCH_DAYS = 8 * 366 + 2


class CronError(ValueError):
    """A line that is not a crontab schedule; the message says what is wrong, for the config's reader."""


@dataclass(frozen=True)
class Crontab:
    """A parsed crontab line: the sets of values each field allows, and how cron combines them."""

    text: str
    minutes: frozenset[int]
    hours: frozenset[int]
    days: frozenset[int]
    months: frozenset[int]
    weekdays: frozenset[int]  # 0 = Sunday … 6 = Saturday (7 is folded into 0)
    days_star: bool  # the day-of-month field starts with "*"
    weekdays_star: bool  # the day-of-week field starts with "*"
    wildcard_time: bool  # the minute or the hour field starts with "*": not a fixed-time job

    def matches_day(self, day: date) -> bool:
        if day.month not in self.months:
            return False
        in_month, in_week = day.day in self.days, day.isoweekday() % 7 in self.weekdays
        if self.days_star or self.weekdays_star:
            return in_month and in_week
        return in_month or in_week

    def times(self) -> list[time]:
        return [time(h, m) for h in sorted(self.hours) for m in sorted(self.minutes)]


def parse_crontab(text: str) -> Crontab:
    """The crontab line ``text`` (five fields or an @nickname); raises CronError saying what is wrong."""
    if len(text) > _MAX_TEXT:
        raise CronError(f"a crontab line has at most {_MAX_TEXT} characters")
    line = text.strip().lower()
    if line.startswith("@"):
        if line not in NICKNAMES:
            raise CronError(f"{text.strip()!r} is not a crontab line; the @ forms are {', '.join(NICKNAMES)}")
        line = NICKNAMES[line]
    fields = line.split()
    if len(fields) != 5:
        raise CronError(f"{text.strip()!r} has {len(fields)} field(s); a crontab line has five: "
                        "minute hour day-of-month month day-of-week, e.g. '30 2 * * 1-5'")
    sets = [_field(value, *spec) for value, spec in zip(fields, _FIELDS, strict=True)]
    weekdays = frozenset(d % 7 for d in sets[4])
    tab = Crontab(text=text.strip(), minutes=sets[0], hours=sets[1], days=sets[2], months=sets[3],
                  weekdays=weekdays, days_star=fields[2].startswith("*"), weekdays_star=fields[4].startswith("*"),
                  wildcard_time=fields[0].startswith("*") or fields[1].startswith("*"))
    if not _can_fire(tab):
        raise CronError(f"{text.strip()!r} never runs: no month it names has that day")
    return tab


def _field(value: str, name: str, low: int, high: int, names: tuple[str, ...]) -> frozenset[int]:
    found: set[int] = set()
    for part in value.split(","):
        m = _PART.match(part)
        if m is None:
            raise CronError(f"{name} {value!r}: {part!r} is not *, a number, a range a-b or a step */n")
        # the week's "*" and "a/n" end on Saturday: 7 is only another name of Sunday
        end = 6 if name == "day of week" else high
        if m.group("range") == "*":
            first, last = low, end
        else:
            bounds = m.group("range").split("-")
            first = _number(bounds[0], name, low, high, names)
            last = _number(bounds[1], name, low, high, names) if len(bounds) == 2 else first
            if len(bounds) == 2 and name == "day of week" and bounds[1] == "sun":
                last = 7  # "mon-sun": to the end of the week
            if len(bounds) == 1 and m.group("step") is not None:
                last = end  # "a/n": from a to the field's end
            if first > last:
                raise CronError(f"{name} {value!r}: the range {m.group('range')} goes backwards; "
                                "write it from low to high (or as two ranges)")
        step = 1
        if m.group("step") is not None:
            step = int(m.group("step"))
            if not 1 <= step <= high - low + 1:
                raise CronError(f"{name} {value!r}: the step /{step} is not between 1 and {high - low + 1}")
        found.update(range(first, last + 1, step))
    return frozenset(found)


def _number(word: str, name: str, low: int, high: int, names: tuple[str, ...]) -> int:
    if word.isdecimal() and word.isascii():
        n = int(word)
        if low <= n <= high:
            return n
        extra = " (0 and 7 are Sunday)" if name == "day of week" else ""
        raise CronError(f"{name} {word} is out of range {low}-{high}{extra}")
    if word in names:
        return low + names.index(word) if name != "day of week" else names.index(word)
    hint = f"; names: {', '.join(names)}" if names else ""
    raise CronError(f"{name} {word!r} is not a number{hint}")


def _can_fire(tab: Crontab) -> bool:
    if not tab.days_star and not tab.weekdays_star:
        return True  # either field may match: every weekday occurs in every month
    if tab.weekdays_star and tab.days_star:
        return True
    if tab.days_star:  # weekdays restricted, day of month "*…" with both to match: some date has both
        return any(_a_date_matches(tab, month) for month in tab.months)
    return any(d <= _LONGEST_MONTH[month] for month in tab.months for d in tab.days)


def _a_date_matches(tab: Crontab, month: int) -> bool:
    for year in range(2024, 2024 + 28):  # the calendar repeats every 28 years (leap years included)
        for d in tab.days:
            try:
                if tab.matches_day(date(year, month, d)):
                    return True
            except ValueError:
                continue
    return False


@dataclass(frozen=True)
class CronSchedule:
    """A crontab line in a time zone: the instants (UTC) it fires at."""

    crontab: Crontab
    tz: ZoneInfo

    @property
    def text(self) -> str:
        return self.crontab.text

    def fire_times(self, after: datetime) -> Iterator[datetime]:
        """Every fire time strictly after ``after`` (aware), ascending, as UTC instants."""
        if after.tzinfo is None:
            raise ValueError("after must be timezone-aware")
        after = after.astimezone(UTC)
        day = after.astimezone(self.tz).date() - timedelta(days=1)  # a gap may push a time past midnight
        idle = 0
        while idle <= _SEARCH_DAYS:
            instants = _day_instants(self.crontab, self.tz, day)
            found = instants[bisect_right(instants, after):]
            idle = 0 if found else idle + 1
            if found:
                yield from found
                after = found[-1]  # strictly increasing, even where a gap pushed a time into the next day
            day += timedelta(days=1)

    def next_after(self, after: datetime) -> datetime | None:
        return next(self.fire_times(after), None)

    def latest(self, now: datetime, window: timedelta) -> datetime | None:
        """The latest fire time in (now - window, now]: the period a run at ``now`` belongs to."""
        last = None
        for at in self.fire_times(now - window):
            if at > now:
                break
            last = at
        return last



@lru_cache(maxsize=4096)
def _day_instants(tab: Crontab, tz: ZoneInfo, day: date) -> tuple[datetime, ...]:
    """The instants (UTC, ascending) the line fires at on the local date ``day``, by cron(8)'s DST rules."""
    if not tab.matches_day(day):
        return ()
    midnight = datetime.combine(day, time()).replace(tzinfo=tz)
    offset = midnight.utcoffset()
    if offset is not None and offset == (midnight + timedelta(days=1)).utcoffset() == datetime.combine(
            day, time(23, 59)).replace(tzinfo=tz).utcoffset():  # no change of offset today: plain arithmetic
        return tuple(datetime.combine(day, tod).replace(tzinfo=UTC) - offset for tod in tab.times())
    out: set[datetime] = set()
    for tod in tab.times():
        wall = datetime.combine(day, tod)
        first = wall.replace(tzinfo=tz, fold=0).astimezone(UTC)
        second = wall.replace(tzinfo=tz, fold=1).astimezone(UTC)
        if first == second:
            out.add(first)
        elif first.astimezone(tz).replace(tzinfo=None) == wall:  # repeated (fall back)
            out.update((first, second) if tab.wildcard_time else (first,))
        elif not tab.wildcard_time:  # skipped (spring forward): at the end of the gap
            out.add(local_to_utc(wall, tz))
    return tuple(sorted(out))


def cron_schedule(text: str, tz: ZoneInfo | str) -> CronSchedule:
    """The one way a schedule is read: the crontab line ``text`` in the time zone ``tz``."""
    return CronSchedule(parse_crontab(text), tz if isinstance(tz, ZoneInfo) else ZoneInfo(tz))


def daily_line(at: time) -> str:
    """The crontab line of "every day at ``at``" (the daily summary's ``daily_at``)."""
    return f"{at.minute} {at.hour} * * *"
