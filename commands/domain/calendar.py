"""Business calendar of one customer: working days, working hours, public holidays.

Pure arithmetic, no I/O. Every public method takes aware datetimes (naive ones raise ``ValueError``)
and returns aware datetimes in UTC; elapsed time is always computed in UTC so DST never stretches or
shrinks a duration.

Local wall times become instants through ``zoneinfo`` with two explicit rules, written once in
``local_to_utc`` here and used by every module that turns a wall time into an instant:

* an **ambiguous** local time (the repeated hour when clocks fall back) is its *first* occurrence
  (``fold=0``);
* a **nonexistent** local time (inside the gap when clocks spring forward) is the first instant after
  the gap, i.e. the transition itself: a shift "03:30-..." on the Sofia spring-forward day opens at
  04:00 EEST.

A day is a working day when it has working hours and either is listed in ``extra_working_days`` or
(its weekday is a working weekday and it is not a holiday). Holidays are the ``holidays`` package's
dates for ``country`` (observed substitute days included, as the package lists them), minus
``holidays_removed``, plus ``extra_days_off``. Only the dates are taken from the package; the
working week always comes from this calendar (the package's Iranian weekend is Friday only, while a
customer may work Saturday to Wednesday).

An extra working day uses the hours of its own weekday when the calendar has some for it, else the
hours of the lowest-numbered working weekday (Monday's when Monday is worked), as in a Bulgarian
"working Saturday" that is worked like a Monday.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from datetime import UTC, date, datetime, time, timedelta
from itertools import pairwise
from zoneinfo import ZoneInfo

from commands.domain.calendar_config import CalendarConfig

Span = tuple[time, time]
Interval = tuple[datetime, datetime]

_ONE_DAY = timedelta(days=1)
_ZERO = timedelta(0)
# A calendar with no working time for this many consecutive days is broken; stop instead of looping.
_MAX_IDLE_DAYS = 3 * 366


def to_utc(at: datetime) -> datetime:
    """``at`` as a UTC datetime; naive datetimes are refused rather than guessed."""
    if at.tzinfo is UTC:  # the usual case (the clock's and the database's instants): nothing to do
        return at
    if at.tzinfo is None or at.utcoffset() is None:
        raise ValueError(f"{at!r} is a naive datetime; the business calendar needs aware datetimes")
    return at.astimezone(UTC)


def local_to_utc(wall: datetime, tz: ZoneInfo) -> datetime:
    """The UTC instant of the wall-clock time ``wall`` (its tzinfo and fold are ignored) in ``tz``.

    Nonexistent (DST gap) → the first instant after the gap; ambiguous (DST overlap) → first occurrence.
    """
    naive = wall.replace(tzinfo=None, fold=0)
    first = naive.replace(tzinfo=tz).astimezone(UTC)
    if first.astimezone(tz).replace(tzinfo=None) == naive:
        return first  # exists; fold=0 is the earlier reading when it is ambiguous
    # Inside a gap. fold=0 reads it with the offset from before the gap, fold=1 with the one after; the
    # transition instant lies between the two readings. Find it to the second.
    second = naive.replace(tzinfo=tz, fold=1).astimezone(UTC)
    lo, hi = sorted((first, second))
    after = hi.astimezone(tz).utcoffset()
    lo_s, hi_s = int(lo.timestamp()), int(hi.timestamp())
    while hi_s - lo_s > 1:
        mid = (lo_s + hi_s) // 2
        if datetime.fromtimestamp(mid, UTC).astimezone(tz).utcoffset() == after:
            hi_s = mid
        else:
            lo_s = mid
    return datetime.fromtimestamp(hi_s, UTC)


class BusinessCalendar:
    """Working time of one customer in its own time zone."""

    def __init__(
        self,
        tz: str | ZoneInfo,
        working_days: frozenset[int],
        hours: Mapping[int, Sequence[Span]],
        country: str | None = None,
        extra_days_off: Iterable[date] = (),
        extra_working_days: Iterable[date] = (),
        holidays_removed: Iterable[date] = (),
    ) -> None:
        self.tz = tz if isinstance(tz, ZoneInfo) else ZoneInfo(tz)
        bad_days = [d for d in working_days if not 0 <= d <= 6]
        if bad_days:
            raise ValueError(f"weekdays are 0 (Monday) .. 6 (Sunday), not {bad_days}")
        self.working_days = frozenset(working_days)
        self.hours: dict[int, tuple[Span, ...]] = {}
        for weekday, spans in hours.items():
            ordered = tuple(sorted(spans))
            for start, end in ordered:
                if end <= start:
                    raise ValueError(f"weekday {weekday}: span {start}-{end} closes before it opens")
            for (_, end), (start, _) in pairwise(ordered):
                if start < end:
                    raise ValueError(f"weekday {weekday}: working hours overlap")
            self.hours[weekday] = ordered
        self.country = country.upper() if country else None
        self.extra_days_off = frozenset(extra_days_off)
        self.extra_working_days = frozenset(extra_working_days)
        self.holidays_removed = frozenset(holidays_removed)
        clash = self.extra_days_off & self.extra_working_days
        if clash:
            raise ValueError(f"dates both extra days off and extra working days: {sorted(clash)}")
        worked = sorted(d for d in self.working_days if self.hours.get(d))
        self._fallback_spans: tuple[Span, ...] = self.hours[worked[0]] if worked else ()
        # Caches: the holidays package is slow to expand a year, and add_business revisits days.
        self._holiday_cache: dict[int, dict[date, str]] = {}
        self._day_cache: dict[date, tuple[tuple[Interval, ...], timedelta]] = {}

    @classmethod
    def from_config(cls, cfg: CalendarConfig, tz: str) -> BusinessCalendar:
        # Hours for all seven weekdays, so an extra working Saturday gets Saturday's (or the default) hours.
        return cls(
            tz,
            cfg.weekday_numbers(),
            {weekday: cfg.spans_for(weekday) for weekday in range(7)},
            country=cfg.country,
            extra_days_off=cfg.extra_days_off,
            extra_working_days=cfg.extra_working_days,
            holidays_removed=cfg.holidays_removed,
        )

    # ---- days -------------------------------------------------------------------------------------

    def _holidays(self, year: int) -> dict[date, str]:
        cached = self._holiday_cache.get(year)
        if cached is None:
            cached = {}
            if self.country:
                import holidays

                # Neighbouring years too: an observed substitute day may spill over New Year.
                table = holidays.country_holidays(self.country, years=range(year - 1, year + 2))
                cached = {d: str(name) for d, name in table.items() if d.year == year}
            self._holiday_cache[year] = cached
        return cached

    def holiday_name(self, d: date) -> str | None:
        """Why ``d`` is a day off, if a holiday makes it one (``None`` for weekends and worked days)."""
        if d in self.extra_working_days:
            return None
        if d not in self.holidays_removed:
            name = self._holidays(d.year).get(d)
            if name is not None:
                return name
        if d in self.extra_days_off:
            return "Day off"
        return None

    def _spans_of(self, d: date) -> tuple[Span, ...]:
        if d in self.extra_days_off:
            return ()
        weekday = d.weekday()
        if d in self.extra_working_days:
            return self.hours.get(weekday) or self._fallback_spans
        if weekday not in self.working_days:
            return ()
        if d in self._holidays(d.year) and d not in self.holidays_removed:
            return ()
        return self.hours.get(weekday, ())

    def _day(self, d: date) -> tuple[tuple[Interval, ...], timedelta]:
        """Working intervals of local date ``d`` in UTC and their total length (cached)."""
        cached = self._day_cache.get(d)
        if cached is None:
            intervals: list[Interval] = []
            for start, end in self._spans_of(d):
                opens, closes = self._instant(d, start), self._instant(d, end)
                if closes <= opens:  # a span swallowed by a DST gap
                    continue
                if intervals and opens <= intervals[-1][1]:  # touching after DST resolution: merge
                    intervals[-1] = (intervals[-1][0], max(closes, intervals[-1][1]))
                else:
                    intervals.append((opens, closes))
            total = sum((c - o for o, c in intervals), _ZERO)
            cached = (tuple(intervals), total)
            self._day_cache[d] = cached
        return cached

    def _instant(self, d: date, t: time) -> datetime:
        """Local wall time → UTC instant; ``time.max`` means 24:00 (next local midnight)."""
        local = datetime.combine(d + _ONE_DAY, time(0)) if t == time.max else datetime.combine(d, t)
        return local_to_utc(local, self.tz)

    def is_working_day(self, d: date) -> bool:
        return bool(self._day(d)[0])

    def intervals(self, d: date) -> list[tuple[datetime, datetime]]:
        """Working intervals ``[open, close)`` of local date ``d`` as UTC instants; ``[]`` on days off."""
        return list(self._day(d)[0])

    def local_date(self, at: datetime) -> date:
        return to_utc(at).astimezone(self.tz).date()

    def next_working_day(self, d: date, n: int = 1) -> date:
        """The ``n``-th working day strictly after local date ``d``."""
        if n < 1:
            raise ValueError(f"n must be at least 1, not {n}")
        idle = 0
        while n:
            d += _ONE_DAY
            if self._day(d)[0]:
                n -= 1
                idle = 0
            else:
                idle = self._idle(idle)
        return d

    def opening_of(self, d: date) -> datetime:
        """First opening instant of working day ``d`` (UTC)."""
        intervals = self._day(d)[0]
        if not intervals:
            raise ValueError(f"{d} is not a working day")
        return intervals[0][0]

    def closing_of(self, d: date) -> datetime:
        """Last closing instant of working day ``d`` (UTC)."""
        intervals = self._day(d)[0]
        if not intervals:
            raise ValueError(f"{d} is not a working day")
        return intervals[-1][1]

    @staticmethod
    def _idle(idle: int) -> int:
        idle += 1
        if idle > _MAX_IDLE_DAYS:
            raise ValueError("the calendar has no working time within 3 years")
        return idle

    # ---- instants ---------------------------------------------------------------------------------

    def is_open(self, at: datetime) -> bool:
        at = to_utc(at)
        return any(o <= at < c for o, c in self._day(self.local_date(at))[0])

    def next_opening(self, at: datetime) -> datetime:
        """``at`` itself when open at ``at``, else the next opening instant (a closing instant is closed)."""
        at = to_utc(at)
        d = self.local_date(at)
        idle = 0
        while True:
            intervals = self._day(d)[0]
            for opens, closes in intervals:
                if at < closes:
                    return max(opens, at)
            idle = 0 if intervals else self._idle(idle)
            d += _ONE_DAY

    def add_business(self, start: datetime, delta: timedelta) -> datetime:
        """The instant at which ``delta`` of working time has passed since ``start``.

        ``delta == 0`` gives ``start`` itself; a sum that uses up a day's hours exactly ends at that
        day's closing (not the next opening), so ``add_business(add_business(s, a), b) ==
        add_business(s, a + b)``.
        """
        at = to_utc(start)
        if delta < _ZERO:
            raise ValueError(f"business durations cannot be negative: {delta}")
        if not delta:
            return at
        remaining = delta
        d = self.local_date(at)
        idle = 0
        while True:
            intervals, total = self._day(d)
            if not intervals:
                idle = self._idle(idle)
            elif at <= intervals[0][0] and total < remaining:
                remaining -= total  # the whole day fits: skip it in one step
                idle = 0
            else:
                for opens, closes in intervals:
                    if closes <= at:
                        continue
                    opens = max(opens, at)
                    span = closes - opens
                    if span >= remaining:
                        return opens + remaining
                    remaining -= span
                idle = 0
            d += _ONE_DAY

    def business_between(self, a: datetime, b: datetime) -> timedelta:
        """Working time in ``[a, b)``; zero when ``b <= a``."""
        a, b = to_utc(a), to_utc(b)
        if b <= a:
            return _ZERO
        total = _ZERO
        d, last = self.local_date(a), self.local_date(b)
        while d <= last:
            intervals, day_total = self._day(d)
            if intervals:
                if a <= intervals[0][0] and intervals[-1][1] <= b:
                    total += day_total
                else:
                    for opens, closes in intervals:
                        lo, hi = max(opens, a), min(closes, b)
                        if hi > lo:
                            total += hi - lo
            d += _ONE_DAY
        return total
