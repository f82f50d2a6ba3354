"""What the operations metrics read from the database at scrape time: a few grouped counts, each served
by an existing index or a small table, so a scrape costs a handful of queries whatever the register's size."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime

from sqlalchemy import and_, case, func, or_, select
from sqlmodel import Session, col

from storage.deliveries import failed_counts
from storage.models import Incident, OutboxMessage, SlaClock
from storage.models_backup import FINISHED, BackupRun
from storage.models_health import HealthCheckState


@dataclass(frozen=True)
class HealthRow:
    customer: str
    check: str
    component: str
    state: str
    latency_ms: float | None


@dataclass(frozen=True)
class BackupLast:
    customer: str
    target: str
    status: str
    finished_at: datetime | None


@dataclass
class OpsStats:
    incidents: dict[tuple[str, str], int] = field(default_factory=dict)  # (customer, state) → count
    breaches: dict[tuple[str, str], int] = field(default_factory=dict)  # (customer, clock) → count
    outbox_pending: int = 0
    outbox_due: int = 0
    outbox_oldest_due: datetime | None = None  # created_at of the oldest unsent message that is due
    outbox_failing: int = 0  # unsent messages whose delivery failed at least once
    deliveries_failed: dict[tuple[str, str], int] = field(default_factory=dict)  # (customer, transport): given up
    health: list[HealthRow] = field(default_factory=list)
    backup_runs: dict[tuple[str, str, str], int] = field(default_factory=dict)  # (customer, target, status)
    backup_last: list[BackupLast] = field(default_factory=list)  # the latest finished run per target
    backup_last_success: dict[tuple[str, str], datetime] = field(default_factory=dict)


def read_stats(session: Session, now: datetime) -> OpsStats:
    stats = OpsStats()
    rows = session.execute(select(col(Incident.customer_id), col(Incident.state), func.count())
                           .group_by(Incident.customer_id, Incident.state))
    stats.incidents = {(c, s): n for c, s, n in rows}

    # A clock is breached when it stopped late (met = false) or its breach was announced while running.
    breached = or_(col(SlaClock.met).is_(False), and_(col(SlaClock.met).is_(None), col(SlaClock.breach_sent).is_(True)))
    rows = session.execute(select(col(Incident.customer_id), col(SlaClock.name), func.count())
                           .join(Incident, col(Incident.id) == col(SlaClock.incident_id)).where(breached)
                           .group_by(Incident.customer_id, SlaClock.name))
    stats.breaches = {(c, name): n for c, name, n in rows}

    unsent = col(OutboxMessage.sent_at).is_(None)
    failed_once = func.coalesce(func.sum(case((col(OutboxMessage.attempts) > 0, 1), else_=0)), 0)
    pending, failing = session.execute(select(func.count(), failed_once).where(unsent)).one()
    stats.outbox_pending, stats.outbox_failing = int(pending), int(failing)
    due, oldest = session.execute(select(func.count(), func.min(OutboxMessage.created_at))
                                  .where(unsent, col(OutboxMessage.next_attempt_at) <= now)).one()
    stats.outbox_due, stats.outbox_oldest_due = int(due), oldest  # min() keeps the column's UTC type
    stats.deliveries_failed = failed_counts(session)

    stats.health = [HealthRow(h.customer_id, h.check_id, h.component, h.state, h.last_latency_ms)
                    for h in session.execute(select(HealthCheckState)).scalars()]

    rows = session.execute(select(col(BackupRun.customer_id), col(BackupRun.target_id), col(BackupRun.status), func.count())
                           .group_by(BackupRun.customer_id, BackupRun.target_id, BackupRun.status))
    stats.backup_runs = {(c, tgt, st): n for c, tgt, st, n in rows}
    finished = col(BackupRun.status).in_(FINISHED)
    last_ids = select(func.max(BackupRun.id)).where(finished).group_by(BackupRun.customer_id, BackupRun.target_id)
    for run in session.execute(select(BackupRun).where(col(BackupRun.id).in_(last_ids))).scalars():
        stats.backup_last.append(BackupLast(run.customer_id, run.target_id, run.status, run.finished_at))
    rows = session.execute(select(col(BackupRun.customer_id), col(BackupRun.target_id), func.max(col(BackupRun.finished_at)))
                           .where(col(BackupRun.status) == "succeeded")
                           .group_by(BackupRun.customer_id, BackupRun.target_id))
    stats.backup_last_success = {(c, tgt): at for c, tgt, at in rows if at is not None}
    return stats
