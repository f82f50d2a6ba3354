"""Health checks in the running process: build the probes from the config, hand them to the desk's
commands, and schedule one APScheduler interval job per enabled check.

Wiring (bot/app.py and bot/scheduler.py)::

    runtime = wire_health(services)                          # after Services is built
    schedule_health_jobs(jobs.scheduler, services, runtime)  # with the other jobs

Jobs are kept in memory and defined from the config at start-up; each run claims its period in the
database first, so several replicas probe each check once per period between them.
"""

from __future__ import annotations

import logging
from collections.abc import Mapping
from datetime import UTC, datetime, timedelta

from apscheduler.schedulers.asyncio import AsyncIOScheduler

from commands.desk.context import Services
from commands.health.health import period_seconds, run_check
from commands.health.recovery import mark_interrupted
from commands.health.runtime import HealthRuntime, ProbeLike
from integrations.probes.factory import build_probe

log = logging.getLogger(__name__)


def default_runtime(services: Services, env: Mapping[str, str] | None = None,
                    total_timeout: float = 15.0) -> HealthRuntime:
    def build(customer_id: str, check_id: str) -> ProbeLike:
        customer = services.config.customers[customer_id]
        return build_probe(customer.checks[check_id], customer, services.calendar(customer_id), services.clock, env)

    return HealthRuntime(build=build, total_timeout=total_timeout)


def wire_health(services: Services, runtime: HealthRuntime | None = None) -> HealthRuntime:
    """Give ``/health`` its probes (the real ones unless a runtime is passed)."""
    services.health = runtime or default_runtime(services)
    return services.health


def schedule_health_jobs(scheduler: AsyncIOScheduler, services: Services, runtime: HealthRuntime) -> int:
    """One interval job per enabled check, first runs spread over the first interval; returns the count."""
    count = 0
    start = datetime.now(UTC)  # APScheduler's own trigger time, not the desk's clock
    for customer_id, customer in services.config.customers.items():
        checks = [(k, c) for k, c in customer.checks.items() if c.enabled]
        for n, (check_id, cfg) in enumerate(checks):
            seconds = period_seconds(cfg)
            offset = timedelta(seconds=seconds * n / max(1, len(checks)))

            async def job(cid: str = customer_id, chk: str = check_id) -> None:
                try:
                    await run_check(services, runtime, cid, chk)
                except Exception:
                    log.exception("health check %s/%s failed; the next run retries", cid, chk)

            scheduler.add_job(job, "interval", seconds=seconds, next_run_time=start + offset, max_instances=1,
                              coalesce=True, id=f"health:{customer_id}:{check_id}", misfire_grace_time=int(seconds))
            count += 1
    return count


async def mark_interrupted_health_runs(services: Services, runtime: HealthRuntime) -> int:
    """At start-up: record the scheduled runs a dead process claimed and never finished."""
    marked = await services.db.write(lambda s: mark_interrupted(services, runtime.total_timeout, s))
    if marked:
        log.warning("health: %d run(s) interrupted by the last process marked: %s", len(marked),
                    ", ".join(f"{c}/{k}" for c, k in marked))
    return len(marked)
