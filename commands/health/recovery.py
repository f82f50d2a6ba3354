"""Health runs a crash cut off, found at start-up and put on the check's history.

A scheduled run first claims its period (``HealthCheckState.run_slot``), then probes, then stores the
result (``last_result_at``). A claimed period whose result never came, once long enough has passed for
any replica's probe to have finished, was interrupted: the process died mid-probe. It is recorded once
as an ``interrupted`` event at the period's start (``/health history`` shows it); the check itself simply
runs again in its next period.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from sqlmodel import Session

from commands.desk.context import Services
from commands.health.health import period_seconds
from storage.health import HealthRepo

REASON = "the process running it stopped before the probe finished"


def mark_interrupted(services: Services, probe_timeout: float, session: Session) -> list[tuple[str, str]]:
    """Record an ``interrupted`` event for every claimed period without a result; returns their checks."""
    now = services.clock.now()
    grace = timedelta(seconds=probe_timeout + 60)  # another replica's probe of that period is over by then
    repo = HealthRepo(session)
    marked: list[tuple[str, str]] = []
    for customer_id, customer in services.config.customers.items():
        for check_id, cfg in customer.checks.items():
            row = repo.state(customer_id, check_id)
            if row is None or row.run_slot <= 0:
                continue
            started = datetime.fromtimestamp(row.run_slot * period_seconds(cfg), UTC)
            finished = row.last_result_at is not None and row.last_result_at >= started
            if finished or now - started < grace or repo.has_event(customer_id, check_id, "interrupted", started):
                continue
            repo.record(customer_id=customer_id, check_id=check_id, component=row.component, at=started,
                        kind="interrupted", reason=REASON)
            marked.append((customer_id, check_id))
    return marked
