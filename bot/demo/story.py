"""The demo's story, told on the demo's own clock (Monday 30 November 2026 from 10:00 in Sofia, the week
examples/noi.toml puts georgi on call as primary).

Every demo minute the desk runs the health checks due (each at its ``interval``), then its sweeper and
dispatcher;
the story's events happen at their minute:

- 10:00 last night's backup of gateway 1 (the version later changes are compared with);
- 10:01 CallRec stops recording; its freshness check (max age 5 min, two bad results) finds the newest
  recording too old at 10:07 and at 10:08 says CallRec is down, opens an urgent incident reported at
  the first failure, and the escalation pages the on-call engineer;
- 10:02 gateway 2 stops answering SIP: down after two unanswered OPTIONS (flap damping), 10:05 it
  answers again and is announced recovered after two good answers;
- 10:10 an engineer changes gateway 1's configuration; 10:15 its scheduled backup runs and posts the diff;
- 10:20 the daily summary goes out (``daily_at`` of examples/demo.toml).
"""

from __future__ import annotations

import asyncio
import contextlib
import time
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import TextIO

from bot.demo.systems import SimulatedSystems
from bot.report_jobs import run_daily_summary
from bot.scheduler import Jobs
from commands.backups.backup import run_scheduled
from commands.backups.runtime import BackupRuntime
from commands.desk.context import Services
from commands.domain.i18n.catalog import t
from commands.domain.i18n.format import format_time
from commands.health.health import period_seconds, run_check
from commands.health.runtime import HealthRuntime

START = datetime(2026, 11, 30, 8, 0, tzinfo=UTC)  # Monday 10:00 in Sofia
CUSTOMER = "noi"
END_MINUTE = 21
CHANGED_LINES = ("dial-peer voice 300 voip\n destination-pattern 3...\n session protocol sipv2\n"
                 " session target ipv4:10.10.1.11\n!\n")


class DemoClock:
    """The demo's time: ``START`` plus real time times ``speed`` plus what the story skipped ahead.
    ``speed = 0`` (``--fast``): time moves only when the story moves it."""

    def __init__(self, start: datetime = START, speed: float = 1.0) -> None:
        self.start, self.speed = start, speed
        self._real0 = time.monotonic()
        self._skipped = timedelta(0)

    def now(self) -> datetime:
        return self.start + timedelta(seconds=(time.monotonic() - self._real0) * self.speed) + self._skipped

    def skip_to(self, when: datetime) -> None:
        ahead = when - self.now()
        if ahead > timedelta(0):
            self._skipped += ahead


@dataclass
class Story:
    services: Services
    systems: SimulatedSystems
    health: HealthRuntime
    backups: BackupRuntime
    jobs: Jobs
    clock: DemoClock
    out: TextIO
    locale: str
    events: dict[int, list[Callable[[], Awaitable[None]]]] = field(default_factory=dict)
    stopping: asyncio.Event = field(default_factory=asyncio.Event)  # set: end after the minute under way

    def __post_init__(self) -> None:
        self.events = {0: [self._first_backup], 1: [self._callrec_stops], 2: [self._gw2_silent],
                       5: [self._gw2_back], 10: [self._gw1_changed], 15: [self._scheduled_backup],
                       20: [self._daily_summary]}

    def at(self, minute: int) -> datetime:
        return self.clock.start + timedelta(minutes=minute)

    def say(self, msgid: str, **params: object) -> None:
        tz = self.services.config.customers[CUSTOMER].tz
        self.out.write(f"── {t(self.locale, msgid, when=format_time(self.clock.now(), tz, self.locale), **params)}\n")
        self.out.flush()

    async def minute(self, minute: int) -> None:
        """One demo minute: the story's events, the checks due (each every ``interval``), the sweeper and
        the dispatcher."""
        for event in self.events.get(minute, []):
            await event()
        checks = [cid for cid, c in self.services.config.customers[CUSTOMER].checks.items()
                  if c.enabled and minute % max(1, round(period_seconds(c) / 60)) == 0]  # each at its interval
        await asyncio.gather(*(run_check(self.services, self.health, CUSTOMER, c, claim=False) for c in checks))
        await self.jobs.sweep()
        await self.jobs.dispatch()

    async def tell(self, *, fast: bool, keep_watching: bool) -> None:
        """The story from minute 0; ``fast``: skip the clock from minute to minute at once; otherwise wait
        for each minute on the running clock. With ``keep_watching`` the checks go on after the story."""
        minute = 0
        while (minute <= END_MINUTE or keep_watching) and not self.stopping.is_set():
            if fast:
                self.clock.skip_to(self.at(minute))
            else:
                while (wait := (self.at(minute) - self.clock.now()).total_seconds()) > 0:
                    with contextlib.suppress(TimeoutError):
                        await asyncio.wait_for(self.stopping.wait(), min(wait / max(self.clock.speed, 1e-9), 1.0))
                    if self.stopping.is_set():
                        return
            await self.minute(minute)
            if minute == END_MINUTE:
                self.say("demo.end_fast" if not keep_watching else "demo.end")
            minute += 1

    # --- the events --------------------------------------------------------------------------------
    async def _first_backup(self) -> None:
        self.say("demo.backup_first")
        await run_scheduled(self.services, self.backups, CUSTOMER, "gw1", self.clock.now() - timedelta(hours=8))

    async def _callrec_stops(self) -> None:
        self.say("demo.callrec_stops")
        assert self.systems.callrec is not None
        self.systems.callrec.stop_recording()

    async def _gw2_silent(self) -> None:
        self.say("demo.gw_silent")
        self.systems.gw2_sip.silent = True

    async def _gw2_back(self) -> None:
        self.say("demo.gw_back")
        self.systems.gw2_sip.silent = False

    async def _gw1_changed(self) -> None:
        self.say("demo.gw_changed")
        device = self.systems.gw1
        device.running_config = (device.running_config.replace("snmp-server community n0iPublic RO",
                                                                "snmp-server community n0iPriv8te RO")
                                 .replace("line vty 0 4\n", CHANGED_LINES + "line vty 0 4\n"))

    async def _scheduled_backup(self) -> None:
        self.say("demo.backup_scheduled")
        await run_scheduled(self.services, self.backups, CUSTOMER, "gw1", self.clock.now())

    async def _daily_summary(self) -> None:
        self.say("demo.daily")
        await run_daily_summary(self.services, CUSTOMER)
