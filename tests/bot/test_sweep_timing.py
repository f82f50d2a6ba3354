"""The sweeper's sleep (bot/scheduler.py): until the earliest ``next_check_at`` by the desk's clock, never
longer than its period, and at most a second under the file clock, whose time jumps when a test moves it."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path

from sqlmodel import col, select

from bot.dispatcher import Dispatcher
from bot.file_clock import FileClock, write_clock_file
from bot.scheduler import FILE_CLOCK_LOOK, Jobs
from commands.domain.config import Config
from storage.models import Incident
from tests.harness import DeskHarness

MONDAY_10_SOFIA = datetime(2026, 11, 23, 8, 0, tzinfo=UTC)


def _next_check(h: DeskHarness) -> datetime:
    found = h.db.read_sync(lambda s: s.exec(select(Incident.next_check_at).where(col(Incident.next_check_at).is_not(None))
                                             .order_by(col(Incident.next_check_at))).first())
    assert found is not None
    return found


async def test_the_sweeper_sleeps_until_the_earliest_check_within_its_period(noi_config: Config, db_url: str) -> None:
    h = DeskHarness(noi_config, db_url, MONDAY_10_SOFIA)
    try:
        services = h.app.services
        long = Jobs(services, Dispatcher(h.db, h.clock, [], noi_config), sweep_seconds=3600)
        short = Jobs(services, Dispatcher(h.db, h.clock, [], noi_config), sweep_seconds=60)
        await long.sweep()
        assert long.sweep_delay() == 3600  # nothing open: the period
        reply = await h.say("ivana", "/incident urgent cucm Inbound calls fail")
        assert not reply.is_error
        await long.sweep()  # the first escalation step (due now) is queued; the next check moves on
        await short.sweep()
        until = (_next_check(h) - h.clock.now()).total_seconds()
        assert 60 < until < 3600  # the next step or warning is minutes away (examples/noi.toml)
        assert long.sweep_delay() == until
        assert short.sweep_delay() == 60
        h.advance(seconds=until - 5)
        assert long.sweep_delay() == 5
    finally:
        h.close()


async def test_under_the_file_clock_the_sweeper_looks_each_second(noi_config: Config, db_url: str,
                                                                   tmp_path: Path) -> None:
    path = tmp_path / "clock"
    write_clock_file(path, MONDAY_10_SOFIA)
    h = DeskHarness(noi_config, db_url, MONDAY_10_SOFIA)
    try:
        services = h.app.services
        services.clock = FileClock(path)
        jobs = Jobs(services, Dispatcher(h.db, services.clock, [], noi_config), sweep_seconds=3600)
        await h.say("ivana", "/incident urgent cucm Inbound calls fail")
        await jobs.sweep()
        assert jobs.sweep_delay() == FILE_CLOCK_LOOK
    finally:
        h.close()
