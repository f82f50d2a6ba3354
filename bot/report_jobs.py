"""Reports in the running process: one APScheduler cron job per customer for the daily summary, at the
customer's configured local time (``[customers.<id>.reports] daily_at``, default 08:30).

Wiring (bot/scheduler.py, with the other jobs)::

    schedule_report_jobs(jobs.scheduler, services)

The job reads the summary, then takes the run key (daily, customer, local date) and queues the messages
in the outbox in one transaction: with several replicas, or after a restart, each customer gets one
summary a day. A catch-up run shortly after start sends today's summary if its time has passed while the
desk was down (the run key makes it a no-op when it was sent already).
"""

from __future__ import annotations

import logging
from datetime import UTC, datetime, timedelta

from apscheduler.schedulers.asyncio import AsyncIOScheduler

from bot.cron_trigger import CrontabTrigger
from commands.desk.context import Services
from commands.domain.cron import cron_schedule, daily_line
from commands.reports.report import daily_summary, due_day, queue_daily_summary

log = logging.getLogger(__name__)


async def run_daily_summary(services: Services, customer_id: str) -> bool:
    """Send today's summary of the customer if it is due and nobody sent it yet; True if this call did."""
    now = services.clock.now()
    day = due_day(services, customer_id, now)
    if day is None:
        return False
    summary = await services.db.read(lambda s: daily_summary(s, services, customer_id, day, now))
    ours = None  # the engineers' copy also lists the messages the desk could not deliver
    if "engineers" in services.config.customers[customer_id].reports.daily_to:
        ours = await services.db.read(lambda s: daily_summary(s, services, customer_id, day, now, contractor=True))
    sent: bool = await services.db.write(
        lambda s: queue_daily_summary(s, services, customer_id, day, now, summary, ours))
    if sent:
        log.info("daily summary of %s for %s queued", customer_id, day)
    return sent


def schedule_report_jobs(scheduler: AsyncIOScheduler, services: Services, *, catch_up_after: float = 5.0) -> int:
    """A cron job per customer with daily summaries, plus one catch-up run after start; returns the count."""
    count = 0
    start = datetime.now(UTC)  # APScheduler's own trigger time, not the desk's clock
    for customer_id, customer in services.config.customers.items():
        cfg = customer.reports
        if not cfg.daily:
            continue

        async def job(cid: str = customer_id) -> None:
            try:
                await run_daily_summary(services, cid)
            except Exception:
                log.exception("daily summary of %s failed; the catch-up or the next day retries", cid)

        # "every day at daily_at" read as the crontab line it is, so DST nights follow cron's rules
        trigger = CrontabTrigger(cron_schedule(daily_line(cfg.daily_time), customer.tz))
        scheduler.add_job(job, trigger,
                          id=f"report:daily:{customer_id}", max_instances=1, coalesce=True, misfire_grace_time=3600)
        scheduler.add_job(job, "date", run_date=start + timedelta(seconds=catch_up_after),
                          id=f"report:daily:{customer_id}:catch-up")
        count += 1
    return count
