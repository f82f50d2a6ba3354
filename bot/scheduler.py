"""The periodic jobs of the process: the SLA sweeper and the outbox dispatcher.

APScheduler 3 keeps the jobs in memory, defined at start-up (its SQLAlchemy job store pickles jobs and
is not safe to share between processes); the state they work on lives in the database.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Mapping
from datetime import UTC, datetime

from apscheduler.schedulers.asyncio import AsyncIOScheduler

from bot.backup_jobs import schedule_backup_jobs
from bot.dispatcher import Dispatcher
from bot.health_jobs import schedule_health_jobs
from bot.report_jobs import schedule_report_jobs
from bot.settings import env_seconds
from commands.backup import BackupRuntime
from commands.context import Services
from commands.health import HealthRuntime
from commands.sweep import sweep_unit

log = logging.getLogger(__name__)
SWEEP_ENV, DISPATCH_ENV = "DUTYDESK_SWEEP_SECONDS", "DUTYDESK_DISPATCH_SECONDS"


def intervals(environ: Mapping[str, str]) -> tuple[float, float]:
    """The sweeper's and the dispatcher's intervals in seconds (default 15 and 2), from the environment:
    tests with a driven clock tick faster; a replica set may tick slower."""

    return env_seconds(environ, SWEEP_ENV, 15.0), env_seconds(environ, DISPATCH_ENV, 2.0)


class Jobs:
    def __init__(self, services: Services, dispatcher: Dispatcher, *, sweep_seconds: float = 15,
                 dispatch_seconds: float = 2, health: HealthRuntime | None = None,
                 backups: BackupRuntime | None = None) -> None:
        self.services = services
        self.dispatcher = dispatcher
        self._dispatching = asyncio.Lock()  # the final flush at shutdown waits for a tick in progress
        self.scheduler = AsyncIOScheduler(timezone=UTC)
        first = datetime.now(UTC)  # APScheduler's own trigger time, not the desk's clock
        # max_instances=1 + coalesce: a slow tick is never run twice at once, missed runs fold into one.
        self.scheduler.add_job(self.sweep, "interval", seconds=sweep_seconds, next_run_time=first,
                               max_instances=1, coalesce=True, id="sweep")
        self.scheduler.add_job(self.dispatch, "interval", seconds=dispatch_seconds, next_run_time=first,
                               max_instances=1, coalesce=True, id="dispatch")
        if health is not None:  # one interval job per enabled health check of the config
            schedule_health_jobs(self.scheduler, services, health)
        if backups is not None:  # one cron job per scheduled backup target, and the stale-backup check
            schedule_backup_jobs(self.scheduler, services, backups)
        schedule_report_jobs(self.scheduler, services)  # the daily summary per customer (once per day)

    async def sweep(self) -> None:
        try:
            result = await self.services.db.write(sweep_unit(self.services, self.services.clock.now()))
            if result.messages:
                log.info("sweep: %d incident(s) due, %d message(s) queued", result.incidents, result.messages)
        except Exception:
            log.exception("sweep failed; the next tick retries")

    async def dispatch(self) -> None:
        try:
            async with self._dispatching:
                await self.dispatcher.tick()
        except Exception:
            log.exception("dispatch failed; the next tick retries")

    async def flush(self) -> None:
        """One last dispatcher tick after ``stop``: what is due goes out while the transports still can."""
        await self.dispatch()

    def wake_sweeper(self) -> None:
        """Run the sweep now (a new incident's first page is due); a no-op before start."""
        if self.scheduler.running:
            self.scheduler.modify_job("sweep", next_run_time=datetime.now(UTC))

    def start(self) -> None:
        self.scheduler.start()
        self.services.wake = self.wake_sweeper

    def stop(self) -> None:
        self.services.wake = None
        if self.scheduler.running:
            self.scheduler.shutdown(wait=False)

    async def finish(self, timeout: float = 10.0) -> None:
        """Stop after the jobs already running have ended (a sweep mid-write, say): APScheduler's
        shutdown would cancel them. No new run starts meanwhile (paused). APScheduler runs each coroutine
        job in a task of its ``run_coroutine_job``; that is how they are found."""
        self.services.wake = None
        try:
            if self.scheduler.running:
                self.scheduler.pause()
                running = [task for task in asyncio.all_tasks() if task is not asyncio.current_task()
                           and getattr(task.get_coro(), "__qualname__", "") == "run_coroutine_job"]
                if running:
                    await asyncio.wait(running, timeout=timeout)
        finally:
            self.stop()
