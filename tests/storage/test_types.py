"""The SQLite fast bind of UTC datetimes stores exactly what SQLAlchemy's own chain stores; PostgreSQL
sessions read instants in UTC, which the UTC columns take as they are."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta, timezone
from zoneinfo import ZoneInfo

import pytest
from hypothesis import given
from hypothesis import strategies as st
from sqlalchemy.dialects import sqlite

from storage.types import UTCDateTime, sqlite_utc_text
from tests.conftest import PG_URL

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


@pytest.mark.skipif(not PG_URL, reason="PostgreSQL not reachable")
def test_postgresql_sessions_read_instants_in_utc_also_after_a_rollback() -> None:
    from sqlalchemy import text

    from storage.db import make_engine

    engine = make_engine(PG_URL or "")
    try:
        for _ in range(2):  # the second time on the pooled connection, after the pool's rollback
            with engine.connect() as conn:
                assert conn.execute(text("SHOW TimeZone")).scalar() == "UTC"
                at = conn.execute(text("SELECT TIMESTAMPTZ '2026-11-23 12:04:05+02'")).scalar()
                assert at == datetime(2026, 11, 23, 10, 4, 5, tzinfo=UTC) and at.tzinfo is UTC
                conn.rollback()
    finally:
        engine.dispose()


def test_an_instant_in_utc_is_taken_as_it_is_and_others_converted() -> None:
    col = UTCDateTime()
    at = datetime(2026, 11, 23, 10, 4, tzinfo=UTC)
    assert col.process_result_value(at, _DIALECT) is at
    sofia = datetime(2026, 11, 23, 12, 4, tzinfo=ZoneInfo("Europe/Sofia"))
    assert col.process_result_value(sofia, _DIALECT) == at
    assert col.process_result_value(sofia, _DIALECT).tzinfo is UTC  # type: ignore[union-attr]
    assert col.process_result_value(datetime(2026, 11, 23, 10, 4), _DIALECT) == at  # naive: UTC
