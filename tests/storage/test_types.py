"""The SQLite fast bind of UTC datetimes stores exactly what SQLAlchemy's own chain stores."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta, timezone
from zoneinfo import ZoneInfo

import pytest
from hypothesis import given
from hypothesis import strategies as st
from sqlalchemy.dialects import sqlite

from storage.types import UTCDateTime, sqlite_utc_text

_DIALECT = sqlite.dialect()
_CHAIN = UTCDateTime().dialect_impl(_DIALECT).bind_processor(_DIALECT)


@given(st.datetimes(min_value=datetime(1971, 1, 2), max_value=datetime(9998, 12, 30),
                    timezones=st.sampled_from([UTC, ZoneInfo("Europe/Sofia"), ZoneInfo("Asia/Tehran"),
                                               timezone(timedelta(hours=-7, minutes=-30))])))
def test_the_fast_bind_matches_sqlalchemys_chain(value: datetime) -> None:
    assert _CHAIN is not None
    assert sqlite_utc_text(value) == _CHAIN(value)


def test_a_naive_datetime_is_refused_like_the_chain_refuses_it() -> None:
    with pytest.raises(ValueError, match="naive"):
        sqlite_utc_text(datetime(2026, 11, 23, 10, 4))
