"""Column types shared by the tables."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from sqlalchemy import DateTime
from sqlalchemy.engine import Dialect
from sqlalchemy.types import TypeDecorator


class UTCDateTime(TypeDecorator[datetime]):
    """Aware UTC datetimes in, aware UTC datetimes out, on SQLite and PostgreSQL alike.

    SQLite has no time zones, so values are stored as naive UTC; a naive value given to us is a bug.
    """

    impl = DateTime(timezone=True)
    cache_ok = True

    def load_dialect_impl(self, dialect: Dialect) -> Any:
        if dialect.name == "sqlite":
            return dialect.type_descriptor(DateTime(timezone=False))
        return dialect.type_descriptor(DateTime(timezone=True))

    def process_bind_param(self, value: datetime | None, dialect: Dialect) -> datetime | None:
        if value is None:
            return None
        if value.tzinfo is None:
            raise ValueError("naive datetime given to a UTC column")
        value = value.astimezone(UTC)
        return value.replace(tzinfo=None) if dialect.name == "sqlite" else value

    def process_result_value(self, value: datetime | None, dialect: Dialect) -> datetime | None:
        if value is None or value.tzinfo is UTC:  # PostgreSQL's, in the session's zone UTC (storage/db.py)
            return value
        if value.tzinfo is None:
            return value.replace(tzinfo=UTC)
        return value.astimezone(UTC)

    def result_processor(self, dialect: Dialect, coltype: Any) -> Any:
        """On SQLite, SQLAlchemy's text → naive datetime → ``replace(tzinfo=UTC)`` in one C call instead
        of three steps: a ninth of the cost, which counts when a monthly protocol reads a million values
        (docs/performance.md). Text in another shape takes the usual way."""
        usual = super().result_processor(dialect, coltype)
        if dialect.name != "sqlite" or usual is None:
            return usual

        def process(value: Any) -> datetime | None:
            if value is None:
                return None
            try:
                return _fromisoformat(value + "+00:00")  # the stored text is naive UTC: read as such
            except (TypeError, ValueError):
                result: datetime | None = usual(value)
                return result

        return process


_fromisoformat = datetime.fromisoformat


def sqlite_utc_text(value: datetime) -> str:
    """``UTCDateTime``'s SQLite bind in one step: the text SQLAlchemy's chain (aware → naive UTC →
    DATETIME's format) would store, at a third of its cost — a report binds about fifteen of these,
    most of them the same instant (its registration time), so recent ones are remembered."""
    text = _RECENT.get(value)
    if text is None:
        if len(_RECENT) >= 4096:
            _RECENT.clear()
        text = _RECENT[value] = _utc_text(value)
    return text


# datetime → its text; equal instants in other zones are equal keys and have the same UTC text
_RECENT: dict[datetime, str] = {}


def _utc_text(value: datetime) -> str:
    if value.tzinfo is not UTC:
        if value.tzinfo is None:
            raise ValueError("naive datetime given to a UTC column")
        value = value.astimezone(UTC)
    return "%04d-%02d-%02d %02d:%02d:%02d.%06d" % (  # noqa: UP031 - the fastest spelling here
        value.year, value.month, value.day, value.hour, value.minute, value.second, value.microsecond)
