"""A calendar's configuration table (``[customers.X.calendar]``, ``[desk.calendar]``): working days,
hours and the days off. Apart from the rest of the config so that the calendar (commands/domain/calendar.py)
reads it without importing the whole configuration."""

from __future__ import annotations

from datetime import date, time
from itertools import pairwise

from pydantic import Field, field_validator

from commands.domain.fields import WEEKDAYS, check_weekdays, parse_span
from commands.domain.fields import Strict as _Strict


class CalendarConfig(_Strict):
    """Working time of one customer. Holidays come from the ``holidays`` package by country."""

    country: str | None = Field(default=None, description="ISO country code for public holidays: BG, IR")
    working_days: tuple[str, ...] = ("mon", "tue", "wed", "thu", "fri")
    hours: tuple[str, ...] = ("09:00-17:30",)
    hours_by_day: dict[str, tuple[str, ...]] = Field(default_factory=dict)
    extra_days_off: tuple[date, ...] = ()
    extra_working_days: tuple[date, ...] = ()
    holidays_removed: tuple[date, ...] = ()

    @field_validator("working_days")
    @classmethod
    def _days(cls, v: tuple[str, ...]) -> tuple[str, ...]:
        check_weekdays(v)
        if not v:
            raise ValueError("at least one working day is needed")
        return v

    @field_validator("hours")
    @classmethod
    def _hours(cls, v: tuple[str, ...]) -> tuple[str, ...]:
        _check_spans(v)
        return v

    @field_validator("hours_by_day")
    @classmethod
    def _hours_by_day(cls, v: dict[str, tuple[str, ...]]) -> dict[str, tuple[str, ...]]:
        for day, spans in v.items():
            if day not in WEEKDAYS:
                raise ValueError(f"unknown weekday {day!r}; use {', '.join(WEEKDAYS)}")
            _check_spans(spans)
        return v

    @field_validator("country")
    @classmethod
    def _country(cls, v: str | None) -> str | None:
        if v is None:
            return v
        import holidays

        if v.upper() not in holidays.list_supported_countries():
            raise ValueError(f"the holidays package knows no country {v!r}")
        return v.upper()

    def weekday_numbers(self) -> frozenset[int]:
        return frozenset(WEEKDAYS.index(d) for d in self.working_days)

    def spans_for(self, weekday: int) -> tuple[tuple[time, time], ...]:
        spans = self.hours_by_day.get(WEEKDAYS[weekday], self.hours)
        return tuple(parse_span(s) for s in spans)


def _check_spans(spans: tuple[str, ...]) -> None:
    parsed = sorted(parse_span(s) for s in spans)
    for (_, end), (start, _) in pairwise(parsed):
        if start < end:
            raise ValueError(f"working hours {list(spans)} overlap")
