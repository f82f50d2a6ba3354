"""Backups in the running process: build the drivers and the store from the config, hand them to the
desk's commands, mark what a dead process left running as interrupted, and schedule one APScheduler cron
job per target plus the stale-backup check.

Wiring (bot/app.py and bot/scheduler.py)::

    runtime = wire_backups(services)                           # after Services is built
    await recover_backups(services)                            # once at start, before the jobs run
    schedule_backup_jobs(jobs.scheduler, services, runtime)    # with the other jobs

Jobs are kept in memory and defined from the config at start-up; each scheduled run claims its period in
the database first (a unique run key), so several replicas back up each target once per period.
"""

from __future__ import annotations

import logging
from collections.abc import Mapping
from datetime import UTC, datetime, timedelta
from pathlib import Path

from apscheduler.schedulers.asyncio import AsyncIOScheduler

from bot.cron_trigger import CrontabTrigger
from bot.recovery import dead_here
from commands.backups.backup import (
    active_owners_unit,
    check_stale_unit,
    interrupt_unfinished_unit,
    run_scheduled,
)
from commands.backups.runtime import BackupRuntime, DriverLike
from commands.desk.context import Services
from commands.domain.cron import CronSchedule, cron_schedule
from integrations.backups.base import BackupFailed
from integrations.backups.factory import build_driver
from integrations.backups.store import BackupStore

log = logging.getLogger(__name__)
MISFIRE_GRACE = 3600  # a run missed by up to an hour (the desk was restarting) still runs
STALE_CHECK_SECONDS = 600


def default_runtime(services: Services, env: Mapping[str, str] | None = None,
                    root: str | Path | None = None) -> BackupRuntime:
    store = BackupStore(root if root is not None else Path(services.config.desk.data_dir) / "backups")

    def build(customer_id: str, target_id: str) -> DriverLike:
        cfg = services.config.customers[customer_id].backups[target_id]
        return build_driver(cfg, customer_id=customer_id, target_id=target_id, env=env, now=services.clock.now)

    return BackupRuntime(build=build, store=store, failures=(BackupFailed,))


def wire_backups(services: Services, runtime: BackupRuntime | None = None) -> BackupRuntime:
    """Give ``/backup`` its drivers and store (the real ones unless a runtime is passed)."""
    services.backups = runtime or default_runtime(services)
    return services.backups


async def recover_backups(services: Services, owner: str | None = None) -> list[int]:
    """At start-up: runs left queued or running by a process that died become "interrupted". With
    ``owner`` (this process, when several replicas share the database; each run records its owner):
    ``owner``'s own and those of every process of this host that no longer exists — the test the
    outbox's recovery uses (bot/recovery.py); another host's runs wait for the stale check."""
    owners: set[str] | None = None
    if owner is not None:
        found: set[str] = await services.db.read(active_owners_unit)
        owners = {owner} | {o for o in found if dead_here(o)}
    ids = await services.db.write(interrupt_unfinished_unit(services.clock.now(), owners))
    if ids:
        log.warning("backups: %d run(s) left unfinished by the last process marked interrupted: %s", len(ids), ids)
    return ids


def scheduled_period(schedule: CronSchedule, now: datetime, window: timedelta) -> datetime | None:
    """The latest fire time of ``schedule`` in (now - window, now]: the period a job run belongs to."""
    return schedule.latest(now, window)


def schedule_backup_jobs(scheduler: AsyncIOScheduler, services: Services, runtime: BackupRuntime, *,
                         stale_seconds: float = STALE_CHECK_SECONDS) -> int:
    """One cron job per enabled target with a schedule (in the customer's time zone), and the periodic
    stale-backup check; returns the number of cron jobs."""
    count = 0
    for customer_id, customer in services.config.customers.items():
        for target_id, cfg in customer.backups.items():
            if not cfg.enabled or not cfg.schedule:
                continue
            schedule = cron_schedule(cfg.schedule, customer.tz)  # crontab(5) semantics, commands/domain/cron.py

            async def job(cid: str = customer_id, tid: str = target_id, sched: CronSchedule = schedule) -> None:
                now = datetime.now(UTC)  # APScheduler's own time: the period is its fire time
                period = scheduled_period(sched, now, timedelta(seconds=MISFIRE_GRACE))
                if period is None:
                    return
                try:
                    await run_scheduled(services, runtime, cid, tid, period)
                except Exception:
                    log.exception("scheduled backup %s/%s failed", cid, tid)

            scheduler.add_job(job, CrontabTrigger(schedule), id=f"backup:{customer_id}:{target_id}", max_instances=1, coalesce=True,
                              misfire_grace_time=MISFIRE_GRACE)
            count += 1

    async def stale() -> None:
        try:
            await services.db.write(check_stale_unit(services, services.clock.now()))
        except Exception:
            log.exception("stale-backup check failed; the next tick retries")

    scheduler.add_job(stale, "interval", seconds=stale_seconds, id="backup:stale", max_instances=1, coalesce=True,
                      next_run_time=datetime.now(UTC) + timedelta(seconds=60))
    return count
