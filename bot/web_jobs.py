"""The web application's housekeeping in the running process: once an hour, the sign-in links and
sessions that ended more than a week ago are deleted (storage/web_auth.py ``purge``), so the tables hold
what can still be used or asked about, not every /web ever sent.

Wiring (bot/scheduler.py, with the other jobs)::

    schedule_web_purge(jobs.scheduler, services)

With several replicas each runs it; a row deleted by one is simply not there for the other.
"""

from __future__ import annotations

import logging
from datetime import UTC, datetime, timedelta

from apscheduler.schedulers.asyncio import AsyncIOScheduler

from commands.desk.context import Services
from storage.web_auth import WebAuth

log = logging.getLogger(__name__)
PURGE_EVERY = timedelta(hours=1)


async def purge_web_sign_ins(services: Services) -> tuple[int, int]:
    """Delete ended links and sessions as of the desk's clock; returns (links, sessions) deleted."""
    now = services.clock.now()
    links, sessions = await services.db.write(lambda s: WebAuth(s).purge(now))
    if links or sessions:
        log.info("web: %d ended sign-in link(s) and %d ended session(s) deleted", links, sessions)
    return links, sessions


def schedule_web_purge(scheduler: AsyncIOScheduler, services: Services, *, first_after: float = 60.0) -> None:
    """The hourly purge, first a minute after start (not in the start's rush)."""

    async def job() -> None:
        try:
            await purge_web_sign_ins(services)
        except Exception:
            log.exception("web: purging ended sign-ins failed; the next hour retries")

    start = datetime.now(UTC)  # APScheduler's own trigger time, not the desk's clock
    scheduler.add_job(job, "interval", seconds=PURGE_EVERY.total_seconds(), id="web:purge", max_instances=1,
                      coalesce=True, next_run_time=start + timedelta(seconds=first_after))
