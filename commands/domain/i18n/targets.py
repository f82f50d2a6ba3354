"""An SLA target of the config (``4h business``, ``end of next working day``) in the reader's language."""

from __future__ import annotations

from datetime import timedelta

from commands.domain.i18n.catalog import t
from commands.domain.i18n.format import persian_digits
from commands.incidents.domain.sla import (
    BusinessDuration,
    BusinessFromNextWorkingDay,
    CalendarDuration,
    EndOfNthWorkingDay,
    WorkingDaysAfterEvent,
    parse_target,
)


def amount(td: timedelta, locale: str) -> str:
    """``4 h``, ``1 h 30 min``, ``2 d`` / ``4 ч`` / ``۴ ساعت``: the non-zero parts only."""
    minutes = int(td.total_seconds()) // 60
    days, rest = divmod(minutes, 24 * 60)
    hours, mins = divmod(rest, 60)
    parts = [f"{n} {t(locale, f'target.unit.{u}')}" for n, u in ((days, "d"), (hours, "h"), (mins, "m")) if n]
    text = (" و " if locale == "fa" else " ").join(parts) or f"0 {t(locale, 'target.unit.m')}"
    return persian_digits(text) if locale == "fa" else text


def _number(n: int, locale: str) -> str:
    return persian_digits(str(n)) if locale == "fa" else str(n)


def describe_target(text: str, locale: str) -> str:
    """The target ``text`` as the contract means it, in ``locale``."""
    target = parse_target(text)
    match target:
        case CalendarDuration(delta=delta):
            return t(locale, "target.calendar", amount=amount(delta, locale))
        case BusinessDuration(delta=delta):
            return t(locale, "target.business", amount=amount(delta, locale))
        case EndOfNthWorkingDay(n=1):
            return t(locale, "target.end_of_next_day")
        case EndOfNthWorkingDay(n=n):
            return t(locale, "target.end_of_nth_day", n=_number(n, locale))
        case BusinessFromNextWorkingDay(delta=delta, n=1):
            return t(locale, "target.from_next_day", amount=amount(delta, locale))
        case BusinessFromNextWorkingDay(delta=delta, n=n):
            return t(locale, "target.from_nth_day", amount=amount(delta, locale), n=_number(n, locale))
        case WorkingDaysAfterEvent(n=n, event=event):
            return t(locale, "target.after_event", n=_number(n, locale), event=t(locale, f"event.{event}"))
    return text
