"""The jobs of the process: the SLA sweeper, the outbox dispatcher, and the scheduled checks.

The dispatcher runs when a commit puts messages in the outbox (the writer tells it:
``Database.on_queued``), and at least every ``DUTYDESK_DISPATCH_SECONDS`` as a safety net (messages
waiting for a retry, ones another process queued). The sweeper sleeps until the earliest
``next_check_at`` of the register, at most ``DUTYDESK_SWEEP_SECONDS``, and a command that changes an
incident wakes it at once (``Services.wake``); under the file clock (a test's ``DUTYDESK_CLOCK_FILE``)
the desk's time can jump, so it looks at least once a second. How they claim is unchanged: one lane per
incident in the dispatcher, ``SKIP LOCKED`` in the sweeper, the same dedupe keys and leases.

APScheduler 3 keeps the other jobs in memory, defined at start-up (its SQLAlchemy job store pickles jobs
and is not safe to share between processes); the state they work on lives in the database.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import Callable, Mapping
from datetime import UTC, datetime

from apscheduler.schedulers.asyncio import AsyncIOScheduler

from bot.backup_jobs import schedule_backup_jobs
from bot.dispatcher import Dispatcher, DispatchResult
from bot.file_clock import FileClock
from bot.health_jobs import schedule_health_jobs
from bot.report_jobs import schedule_report_jobs
from bot.settings import env_seconds
from bot.web_jobs import schedule_web_purge
from commands.backups.runtime import BackupRuntime
from commands.desk.context import Services
from commands.health.runtime import HealthRuntime
from commands.incidents.sweep import sweep_unit
from commands.preventive.sweep import preventive_sweep_unit
from storage.outbox_notify import OutboxListener

log = logging.getLogger(__name__)
SWEEP_ENV, DISPATCH_ENV = "DUTYDESK_SWEEP_SECONDS", "DUTYDESK_DISPATCH_SECONDS"
FILE_CLOCK_LOOK = 1.0  # under the file clock the desk's "now" may jump: the sweeper sweeps this often
FILE_CLOCK_POLL = 0.05  # and reads the clock this often, sweeping at once when it reached the next check
DISPATCH_LIMIT = 100  # messages one dispatcher tick claims (Dispatcher.tick's default)
IDLE_FLOOR = 0.05  # a due incident another replica holds (SKIP LOCKED): do not spin while it commits


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
        self.sweep_seconds, self.dispatch_seconds = sweep_seconds, dispatch_seconds
        self._sweep_cap = min(sweep_seconds, FILE_CLOCK_LOOK) if isinstance(services.clock, FileClock) else sweep_seconds
        self._dispatching = asyncio.Lock()  # the final flush at shutdown waits for a tick in progress
        self._sweep_due, self._dispatch_due = asyncio.Event(), asyncio.Event()
        self._next_check: datetime | None = None  # the earliest next_check_at the last sweep saw
        self._swept = 0  # incidents the last sweep handled
        self._loop: asyncio.AbstractEventLoop | None = None
        self._tasks: list[asyncio.Task[None]] = []
        self._stopping = False
        self._unlisten: Callable[[], None] | None = None
        self._listener: OutboxListener | None = None  # PostgreSQL: other replicas' commits wake us too
        self.scheduler = AsyncIOScheduler(timezone=UTC)
        if health is not None:  # one interval job per enabled health check of the config
            schedule_health_jobs(self.scheduler, services, health)
        if backups is not None:  # one cron job per scheduled backup target, and the stale-backup check
            schedule_backup_jobs(self.scheduler, services, backups)
        schedule_report_jobs(self.scheduler, services)  # the daily summary per customer (once per day)
        schedule_web_purge(self.scheduler, services)  # ended web sign-in links and sessions, hourly

    async def sweep(self) -> None:
        try:
            result = await self.services.db.write(sweep_unit(self.services, self.services.clock.now()))
            self._next_check, self._swept = result.next_at, result.incidents
            if result.messages:
                log.info("sweep: %d incident(s) due, %d message(s) queued", result.incidents, result.messages)
        except Exception:
            self._next_check, self._swept = None, 0  # the period, not a spin on a failing database
            log.exception("sweep failed; the next tick retries")
        try:  # planned maintenance: its plan, reminders, overdue notices, archive tasks done by backups
            pm = await self.services.db.write(preventive_sweep_unit(self.services, self.services.clock.now()))
            if pm.reminders or pm.overdue or pm.completed:
                log.info("preventive sweep: %d reminder(s), %d overdue, %d done by backups",
                         pm.reminders, pm.overdue, pm.completed)
        except Exception:
            log.exception("preventive sweep failed; the next tick retries")

    async def dispatch(self) -> None:
        """Claim what is due and deliver it, waiting until it is done (the last flush at shutdown)."""
        try:
            async with self._dispatching:
                await self.dispatcher.tick()
        except Exception:
            log.exception("dispatch failed; the next tick retries")

    async def _pump(self) -> DispatchResult | None:
        """Claim what is due into the dispatcher's lanes, without waiting for its delivery: the
        messages a slow lane holds do not hold up those queued after them."""
        try:
            async with self._dispatching:
                return await self.dispatcher.pump(DISPATCH_LIMIT)
        except Exception:
            log.exception("dispatch failed; the next tick retries")
            return None

    def sweep_delay(self) -> float:
        """Seconds until the earliest ``next_check_at`` by the desk's clock, within [0, the period]."""
        if self._next_check is None:
            return self._sweep_cap
        delay = (self._next_check - self.services.clock.now()).total_seconds()
        return min(max(delay, 0.0 if self._swept else IDLE_FLOOR), self._sweep_cap)

    async def _sweep_loop(self) -> None:
        while not self._stopping:
            self._sweep_due.clear()  # a wake during the sweep below makes the next wait return at once
            await self.sweep()
            if isinstance(self.services.clock, FileClock):
                await self._wait_for_file_clock(self.sweep_delay())
            else:
                await _wait(self._sweep_due, self.sweep_delay())

    async def _wait_for_file_clock(self, delay: float) -> None:
        """Under the file clock (tests, benchmarks) the desk's time jumps when the file is written: the
        wait also ends as soon as the clock read from the file reaches the next check, so a deadline's
        message leaves within a poll of the instant, not a sweep period later."""
        end, was = asyncio.get_running_loop().time() + delay, self.services.clock.now()
        while not self._sweep_due.is_set():
            left, now = end - asyncio.get_running_loop().time(), self.services.clock.now()
            if left <= 0 or (now != was and self._next_check is not None and now >= self._next_check):
                return
            await _wait(self._sweep_due, min(left, FILE_CLOCK_POLL))

    async def _dispatch_loop(self) -> None:
        while not self._stopping:
            self._dispatch_due.clear()
            # the lanes hold as many claimed messages as they may: claim again when a share is done
            await self.dispatcher.wait_for_room(min(DISPATCH_LIMIT, self.dispatcher.max_in_flight) // 4 or 1)
            room = min(self.dispatcher.room, DISPATCH_LIMIT)
            result = await self._pump()
            if result is not None and result.claimed >= room:  # more may be waiting
                continue
            await _wait(self._dispatch_due, self.dispatch_seconds)

    def wake_dispatcher(self) -> None:
        """Dispatch now; safe from any thread (the writer calls it after a commit that queued messages)."""
        loop = self._loop
        if loop is not None:
            with contextlib.suppress(RuntimeError):  # the loop has closed: nobody to wake
                loop.call_soon_threadsafe(self._dispatch_due.set)

    async def flush(self) -> None:
        """One last dispatcher tick after ``stop``: what is due goes out while the transports still can."""
        await self.dispatch()

    def wake_sweeper(self) -> None:
        """Run the sweep now (a new incident's first page is due, a deadline came closer); a no-op
        before start; safe from any thread."""
        loop = self._loop
        if loop is not None:
            with contextlib.suppress(RuntimeError):
                loop.call_soon_threadsafe(self._sweep_due.set)

    def start(self) -> None:
        """Start the jobs on the running event loop."""
        self._loop = asyncio.get_running_loop()
        self._stopping = False
        self._unlisten = self.services.db.on_queued(self.wake_dispatcher)
        if self.services.db.dialect == "postgresql":
            self._listener = OutboxListener(self.services.db.engine.url, self.wake_dispatcher)
            self._listener.start()
        self.scheduler.start()
        self._tasks = [self._loop.create_task(self._sweep_loop(), name="dutydesk-sweep"),
                       self._loop.create_task(self._dispatch_loop(), name="dutydesk-dispatch")]
        self.services.wake = self.wake_sweeper

    def stop(self) -> None:
        self.services.wake = None
        self._stopping = True
        if self._unlisten is not None:
            self._unlisten()
            self._unlisten = None
        if self._listener is not None:
            self._listener.stop()
            self._listener = None
        for task in self._tasks:
            task.cancel()
        self._tasks = []
        if self.scheduler.running:
            self.scheduler.shutdown(wait=False)

    async def finish(self, timeout: float = 10.0) -> None:
        """Stop after the jobs already running have ended (a sweep mid-write, say): APScheduler's
        shutdown would cancel them. No new run starts meanwhile (paused). APScheduler runs each coroutine
        job in a task of its ``run_coroutine_job``; that is how they are found."""
        self.services.wake = None
        self._stopping = True  # the sweep and dispatch loops end after the run in progress
        self._sweep_due.set()
        self._dispatch_due.set()
        deadline = asyncio.get_running_loop().time() + timeout
        try:
            running = [task for task in self._tasks if not task.done()]
            if self.scheduler.running:
                self.scheduler.pause()
                running += [task for task in asyncio.all_tasks() if task is not asyncio.current_task()
                            and getattr(task.get_coro(), "__qualname__", "") == "run_coroutine_job"]
            if running:
                await asyncio.wait(running, timeout=timeout)
            # the messages the dispatch loop handed to its lanes are delivered before the last flush
            await asyncio.wait_for(self.dispatcher.drain(), timeout=max(deadline - asyncio.get_running_loop().time(), 0.1))
        except TimeoutError:
            log.warning("shutdown: %d claimed message(s) still being delivered; their leases hand them back",
                        self.dispatcher.in_flight)
        finally:
            self.stop()


async def _wait(event: asyncio.Event, timeout: float) -> None:
    """Until ``event`` is set or ``timeout`` seconds have passed."""
    with contextlib.suppress(TimeoutError):
        await asyncio.wait_for(event.wait(), timeout)
