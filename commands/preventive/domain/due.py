"""Preventive maintenance: when each planned task falls due, on the customer's business calendar.

Pure arithmetic, no I/O.

* **First due** — an SLA target (``commands.incidents.domain.sla``'s grammar) counted from the contract start:
  ``10 working days after contract start`` is the close of the 10th working day after the start date
  (the start date itself does not count, as ``10 working days after received`` for a handset); ``end of
  the 2nd next working day`` or ``5d`` work too. The clock starts at local midnight of the start date.
* **Recurrence** — ``every 3 months``, ``every month``, ``every 2 weeks``, ``every 10 days``, ``every
  year``: the due date moves by that much from the first due date (a month's 31st becomes the month's
  last day), and a date that is not a working day moves to the next working day; ``every month on the
  2nd working day`` / ``every 3 months on the last working day``: the close of that working day of each
  month, from the month after the first due date. No ``every``: the task is done once. ``Jalali`` before
  ``month``/``year`` counts in months of the Solar Hijri calendar, as an Iranian customer plans its work
  (``every Jalali month on the 1st working day``: the first working day of Farvardin, Ordibehesht, …).
* **Window** — occurrence 1 is open from the contract start, occurrence k from the due instant of k-1;
  it is due at the close of its due day. Evidence (a backup run) inside the window counts for it.
* **Reminder** — ``remind_before = "3 working days"``: at the opening of the working day that many
  working days before the due day (``0 working days``: the due day's opening; ``none``: no reminder).
"""

from __future__ import annotations

import calendar as _cal
import re
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from itertools import takewhile

import jdatetime

from commands.domain.calendar import BusinessCalendar, to_utc
from commands.incidents.domain.sla import (
    Target,
    WorkingDaysAfterEvent,
    deadline,
    describe_target,
    parse_target,
)

CONTRACT_START = "contract_start"
_MAX_OCCURRENCES = 10_000  # a plan of daily tasks over 27 years; beyond it the plan is surely a typo

_ORDINAL = r"(?P<nth>\d+)(?:st|nd|rd|th)|(?P<last>last)|(?P<first>first)"
_JALALI = r"(?:(?P<jalali>jalali|solar\s+hijri|shamsi)\s+)?"  # months of the Iranian calendar
_INTERVAL = re.compile(rf"^every\s+(?:(?P<n>\d+)\s+)?(?:(?P<unit>day|week)|{_JALALI}(?P<cunit>month|year))s?$")
_NTH_WORKING = re.compile(
    rf"^every\s+(?:(?P<n>\d+)\s+)?{_JALALI}months?\s+on\s+the\s+(?:{_ORDINAL})\s+working\s+day$")
_REMIND = re.compile(r"^(?P<n>\d+)\s+working\s+days?(?:\s+before)?$")

RECURRENCE_FORMS = ("'every 3 months'", "'every month'", "'every 2 weeks'", "'every year'",
                    "'every month on the 2nd working day'", "'every 3 months on the last working day'",
                    "'every Jalali month on the 1st working day'")


@dataclass(frozen=True)
class Interval:
    """``every <n> <unit>``: the due date moves by n units from the first due date."""

    n: int
    unit: str  # day | week | month | year
    jalali: bool = False  # months and years of the Solar Hijri calendar


@dataclass(frozen=True)
class NthWorkingDayOfMonth:
    """``every <n> months on the <k>th working day``; ``k = -1`` is the last working day."""

    n: int
    k: int
    jalali: bool = False


Recurrence = Interval | NthWorkingDayOfMonth


def parse_first_due(text: str) -> Target:
    """The first due date's rule: an SLA target counted from the contract start.

    ``<n> working days after contract start`` is the target form ``<n> working days after <event>``
    with the event ``contract_start`` (spelled with a space or an underscore); other events are refused.
    """
    norm = " ".join(text.lower().split()).replace("contract start", CONTRACT_START)
    norm = norm.replace("contract-start", CONTRACT_START)
    try:
        target = parse_target(norm)
    except ValueError:
        raise ValueError(f"{text!r} is not a first due date; write e.g. '10 working days after contract start' "
                         "or another SLA target such as 'end of the 2nd next working day'") from None
    if isinstance(target, WorkingDaysAfterEvent) and target.event != CONTRACT_START:
        raise ValueError(f"{text!r}: the first due date is counted after the contract start, "
                         f"not after {target.event!r}")
    return target


def describe_first_due(target: Target) -> str:
    return describe_target(target).replace(CONTRACT_START, "contract start")


def parse_recurrence(text: str) -> Recurrence:
    norm = " ".join(text.lower().split())
    if m := _INTERVAL.match(norm):
        n = int(m.group("n") or 1)
        if n < 1:
            raise ValueError(f"{text!r}: the interval must be at least 1")
        return Interval(n, m.group("unit") or m.group("cunit"), jalali=bool(m.group("jalali")))
    if m := _NTH_WORKING.match(norm):
        n = int(m.group("n") or 1)
        if m.group("last"):
            k = -1
        elif m.group("first"):
            k = 1
        else:
            k = int(m.group("nth"))
        if n < 1 or k == 0 or k > 23:
            raise ValueError(f"{text!r}: every 1 or more months, on the 1st to 23rd (or last) working day")
        return NthWorkingDayOfMonth(n, k, jalali=bool(m.group("jalali")))
    raise ValueError(f"{text!r} is not a recurrence; use one of: {', '.join(RECURRENCE_FORMS)}")


def parse_remind_before(text: str) -> int | None:
    """``"3 working days"`` (or ``"... before"``) → 3; ``"none"`` → None (no reminder)."""
    norm = " ".join(text.lower().split())
    if norm in ("none", "no", "off"):
        return None
    m = _REMIND.match(norm)
    if not m:
        raise ValueError(f"{text!r} is not a reminder such as '3 working days' (or 'none')")
    return int(m.group("n"))


# ---- calendar helpers -------------------------------------------------------------------------------


def start_instant(start: date, cal: BusinessCalendar) -> datetime:
    """Local midnight of the contract start date, as a UTC instant."""
    return to_utc(datetime.combine(start, time(0), tzinfo=cal.tz))


def working_day_on_or_after(d: date, cal: BusinessCalendar) -> date:
    return d if cal.is_working_day(d) else cal.next_working_day(d)


def previous_working_day(d: date, cal: BusinessCalendar, n: int = 1) -> date:
    """The ``n``-th working day strictly before local date ``d``."""
    if n < 1:
        raise ValueError(f"n must be at least 1, not {n}")
    for _ in range(3 * 366 * n):
        d -= timedelta(days=1)
        if cal.is_working_day(d):
            n -= 1
            if not n:
                return d
    raise ValueError("the calendar has no working time within 3 years")


def add_months(d: date, months: int, jalali: bool = False) -> date:
    """``d`` moved by whole months (of the Solar Hijri calendar when ``jalali``); a day past the month's
    end becomes its last day (the 31st of Shahrivar, 1 month on: the 30th of Mehr)."""
    if jalali:
        j = jdatetime.date.fromgregorian(date=d)
        y, m = divmod(j.month - 1 + months, 12)
        year, month = j.year + y, m + 1
        moved: date = jdatetime.date(year, month, min(j.day, _jalali_days(year, month))).togregorian()
        return moved
    y, m = divmod(d.month - 1 + months, 12)
    year, month = d.year + y, m + 1
    return date(year, month, min(d.day, _cal.monthrange(year, month)[1]))


def month_days(d: date, jalali: bool = False) -> list[date]:
    """Every day of the month ``d`` is in (its Solar Hijri month when ``jalali``), as Gregorian dates."""
    if jalali:
        j = jdatetime.date.fromgregorian(date=d)
        first: date = jdatetime.date(j.year, j.month, 1).togregorian()
        return [first + timedelta(days=i) for i in range(_jalali_days(j.year, j.month))]
    return [date(d.year, d.month, n) for n in range(1, _cal.monthrange(d.year, d.month)[1] + 1)]


def _jalali_days(year: int, month: int) -> int:
    """Days of a Solar Hijri month: 31 in the first six, 30 in the next five, Esfand 29 (30 in a leap year)."""
    if month <= 6:
        return 31
    if month <= 11:
        return 30
    return 30 if jdatetime.date(year, 1, 1).isleap() else 29


def nth_working_day_of_month(day: date, k: int, cal: BusinessCalendar, jalali: bool = False) -> date:
    """The ``k``-th working day (``-1``: the last) of the month ``day`` is in (its Solar Hijri month when
    ``jalali``); ``ValueError`` when it has fewer."""
    worked = [d for d in month_days(day, jalali) if cal.is_working_day(d)]
    if k == -1 and worked:
        return worked[-1]
    if 1 <= k <= len(worked):
        return worked[k - 1]
    raise ValueError(f"the month of {day.isoformat()} has only {len(worked)} working days, not {k}")


# ---- the plan -----------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Occurrence:
    """One time a task is due: number ``seq`` (1 = the first), its window and its reminder."""

    seq: int
    opens_at: datetime
    due_at: datetime
    remind_at: datetime | None


def first_due(rule: Target, contract_start: date, cal: BusinessCalendar) -> datetime:
    return deadline(rule, start_instant(contract_start, cal), cal)


def _due_day(rec: Recurrence, first: date, k: int, cal: BusinessCalendar) -> datetime:
    """The due instant of the ``k``-th repetition (k >= 1) after the first due date ``first``."""
    if isinstance(rec, Interval):
        if rec.unit == "day":
            d = first + timedelta(days=rec.n * k)
        elif rec.unit == "week":
            d = first + timedelta(weeks=rec.n * k)
        elif rec.unit == "month":
            d = add_months(first, rec.n * k, rec.jalali)
        else:
            d = add_months(first, 12 * rec.n * k, rec.jalali)
        return cal.closing_of(working_day_on_or_after(d, cal))
    month_start = add_months(month_days(first, rec.jalali)[0], rec.n * k, rec.jalali)
    return cal.closing_of(nth_working_day_of_month(month_start, rec.k, cal, rec.jalali))


def remind_instant(due_at: datetime, before: int | None, cal: BusinessCalendar) -> datetime | None:
    if before is None:
        return None
    day = cal.local_date(due_at)
    if before:
        day = previous_working_day(day, cal, before)
    return cal.opening_of(day)


def iter_occurrences(rule: Target, rec: Recurrence | None, contract_start: date, cal: BusinessCalendar,
                     remind_before: int | None) -> Iterator[Occurrence]:
    """The occurrences of a task in order, without end for a recurring task (at most 10,000)."""
    opens = start_instant(contract_start, cal)
    due = first_due(rule, contract_start, cal)
    first_day = cal.local_date(due)
    seq = 1
    while True:
        yield Occurrence(seq, opens, due, remind_instant(due, remind_before, cal))
        if rec is None or seq >= _MAX_OCCURRENCES:
            return
        nxt = _due_day(rec, first_day, seq, cal)
        if nxt <= due:  # two repetitions on one working day (every 1 day over a holiday): the next one
            nxt = cal.closing_of(cal.next_working_day(cal.local_date(due)))
        opens, due, seq = due, nxt, seq + 1


def occurrences(rule: Target, rec: Recurrence | None, contract_start: date, cal: BusinessCalendar,
                until: datetime, remind_before: int | None) -> list[Occurrence]:
    """Every occurrence whose window opens at or before ``until``, in order."""
    return list(takewhile(lambda o: o.opens_at <= until,
                          iter_occurrences(rule, rec, contract_start, cal, remind_before)))


@dataclass(frozen=True)
class TaskPlan:
    """A task's rules, parsed once: what the sweeper, the summary and check-config compute with."""

    first_due: Target
    every: Recurrence | None
    contract_start: date
    remind_before: int | None

    def iter(self, cal: BusinessCalendar) -> Iterator[Occurrence]:
        return iter_occurrences(self.first_due, self.every, self.contract_start, cal, self.remind_before)

    def until(self, cal: BusinessCalendar, at: datetime) -> list[Occurrence]:
        return occurrences(self.first_due, self.every, self.contract_start, cal, at, self.remind_before)


def task_plan(first_due_text: str, every_text: str | None, contract_start: date, remind_text: str) -> TaskPlan:
    return TaskPlan(parse_first_due(first_due_text), parse_recurrence(every_text) if every_text else None,
                    contract_start, parse_remind_before(remind_text))
