"""The "CallRec stopped recording" check: the newest row of a table must be recent during working hours."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
import sqlalchemy as sa
from aiohttp import web

from commands.domain.calendar import BusinessCalendar
from commands.domain.clock import FakeClock
from commands.domain.config import CalendarConfig
from integrations.probes.factory import calendar_active_since
from integrations.probes.freshness import FreshnessProbe, to_instant
from tests.conftest import utc
from tests.fakes.cisco import serve

SOFIA = ZoneInfo("Europe/Sofia")
QUERY = "SELECT MAX(started_at) FROM recordings"
MONDAY_1100_SOFIA = utc(2026, 11, 23, 9, 0)


@pytest.fixture
def recordings(db_url: str) -> Iterator[tuple[str, sa.Engine]]:
    """A CallRec-like table in a fresh SQLite or PostgreSQL database."""
    url = db_url
    engine = sa.create_engine(url)
    with engine.begin() as conn:
        conn.exec_driver_sql("CREATE TABLE recordings (file_name VARCHAR(64), started_at TIMESTAMP)")
    yield url, engine
    engine.dispose()


def _add(engine: sa.Engine, at: datetime) -> None:
    with engine.begin() as conn:  # CallRec stores local wall-clock time, without a zone
        conn.execute(sa.text("INSERT INTO recordings (file_name, started_at) VALUES ('rec.wav', :at)"),
                     {"at": at.astimezone(SOFIA).replace(tzinfo=None)})


def noi_calendar() -> BusinessCalendar:
    return BusinessCalendar.from_config(CalendarConfig(country="BG", hours=("09:00-17:30",)), "Europe/Sofia")


def _probe(url: str, clock: FakeClock, active: bool = True) -> FreshnessProbe:
    return FreshnessProbe(max_age=timedelta(minutes=30), sql_url=url, query=QUERY, naive_tz=SOFIA, clock=clock,
                          active_since=calendar_active_since(noi_calendar()) if active else None)


async def test_newest_row_ageing_past_the_limit(recordings: tuple[str, sa.Engine]) -> None:
    url, engine = recordings
    clock = FakeClock(MONDAY_1100_SOFIA)
    _add(engine, MONDAY_1100_SOFIA - timedelta(minutes=50))
    _add(engine, MONDAY_1100_SOFIA - timedelta(minutes=10))
    r = await _probe(url, clock).check()
    assert r.status == "up" and "10 min ago" in r.reason
    clock.advance(timedelta(minutes=21))  # newest now 31 minutes old
    r = await _probe(url, clock).check()
    assert r.status == "down" and "31 min old (limit 30 min)" in r.reason


async def test_no_alert_outside_working_hours(recordings: tuple[str, sa.Engine]) -> None:
    url, engine = recordings
    friday_evening = utc(2026, 11, 27, 15, 20)  # 17:20 Sofia
    _add(engine, friday_evening)
    clock = FakeClock(utc(2026, 11, 28, 1, 0))  # Saturday 03:00: nobody calls
    r = await _probe(url, clock).check()
    assert r.status == "up" and "not expected now" in r.reason
    # Always-on: the same silence is an outage.
    assert (await _probe(url, clock, active=False).check()).status == "down"


async def test_counted_from_the_opening_in_the_morning(recordings: tuple[str, sa.Engine]) -> None:
    url, engine = recordings
    _add(engine, utc(2026, 11, 27, 15, 20))  # Friday 17:20
    clock = FakeClock(utc(2026, 11, 30, 7, 20))  # Monday 09:20 Sofia: 20 minutes after opening
    assert (await _probe(url, clock).check()).status == "up"
    clock.advance(timedelta(minutes=11))  # 09:31: half an hour open and still nothing recorded
    r = await _probe(url, clock).check()
    assert r.status == "down" and "days old" in r.reason


async def test_empty_table_and_broken_query(recordings: tuple[str, sa.Engine]) -> None:
    url, _engine = recordings
    clock = FakeClock(MONDAY_1100_SOFIA)
    r = await _probe(url, clock).check()
    assert r.status == "down" and "no newest value at all" in r.reason
    bad = FreshnessProbe(max_age=timedelta(minutes=30), sql_url=url, query="SELECT MAX(x) FROM nowhere", clock=clock)
    r = await bad.check()
    assert r.status == "down" and "nowhere" in r.reason


async def test_http_json_timestamp() -> None:
    clock = FakeClock(MONDAY_1100_SOFIA)

    async def stats(_: web.Request) -> web.Response:
        return web.json_response({"recorder": {"last_recording": "2026-11-23T08:55:00Z"}})

    app = web.Application()
    app.router.add_get("/stats", stats)
    async with serve(app) as base:
        probe = FreshnessProbe(max_age=timedelta(minutes=30), http_url=f"{base}/stats",
                               json_path="recorder.last_recording", clock=clock)
        assert (await probe.check()).status == "up"
        clock.advance(timedelta(minutes=40))
        assert (await probe.check()).status == "down"


def test_timestamps_in_their_usual_shapes() -> None:
    utc_tz = ZoneInfo("UTC")
    assert to_instant("2026-11-23T10:00:00+02:00", utc_tz) == datetime(2026, 11, 23, 8, tzinfo=UTC)
    assert to_instant("2026-11-23 10:00:00", SOFIA) == datetime(2026, 11, 23, 8, tzinfo=UTC)
    assert to_instant(1795420800, utc_tz) == datetime.fromtimestamp(1795420800, UTC)
    assert to_instant(1795420800000, utc_tz) == datetime.fromtimestamp(1795420800, UTC)
