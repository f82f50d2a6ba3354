"""The sweeper: the one periodic job that finds incidents needing attention and queues what to say.

Each open incident stores ``next_check_at`` — the earliest pending warning or breach of its running
clocks, escalation step, or tacit acceptance step of a fix awaiting confirmation (its reminder, its
acceptance: commands/incidents/resolution.py); a clock stopped provisionally at the fix has nothing pending. A tick claims only rows with ``next_check_at <= now`` (indexed; ``FOR UPDATE SKIP LOCKED`` on
PostgreSQL so replicas share the work), writes outbox rows with dedupe keys in the same transaction,
and moves ``next_check_at`` on. A tick's cost follows the number of due incidents, not of open ones.
Whatever fell due while the bot was down is found on the first tick after start and sent once, marked
late.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlmodel import Session, col, select

from commands.desk.context import Services
from commands.desk.log_context import INCIDENT
from commands.incidents.clock_messages import queue_clock_message
from commands.incidents.domain import lifecycle
from commands.incidents.resolution import acceptance_next, sweep_acceptance
from commands.incidents.sla import pending_events, schedule_next
from commands.oncall import escalation
from storage.deferred import Deferred
from storage.models import Escalation, Incident, SlaClock, SlaPause
from storage.register import Register

# A warning or breach found more than this after its instant was missed (the bot was down).
LATE_AFTER = timedelta(minutes=2)


@dataclass(frozen=True)
class SweepResult:
    incidents: int
    messages: int
    next_at: datetime | None = None  # the earliest ``next_check_at`` after this tick (None: nothing pending)


def sweep_unit(services: Services, now: datetime, limit: int = 500) -> Callable[[Session], SweepResult]:
    """One tick, as a unit of work for the writer (run it with ``db.write`` or ``db.write_sync``)."""

    def unit(session: Session) -> SweepResult:
        q = (
            select(Incident)
            .where(col(Incident.next_check_at).is_not(None), col(Incident.next_check_at) <= now)
            .order_by(col(Incident.next_check_at))
            .limit(limit)
        )
        if session.get_bind().dialect.name == "postgresql":
            q = q.with_for_update(skip_locked=True)
        due = list(session.exec(q))
        # What the incidents need is read for all of them at once, and what they queue is written
        # together at the end: a tick's round trips to the database do not grow with its incidents.
        ids = [inc.id for inc in due if inc.id is not None]
        reg = Register(session)
        batch = _Batch(reg.clocks_of(ids), reg.pauses_of(ids), _escalations(session, ids),
                       escalation.SweepWrites(escalation.Overrides(session), Deferred(session)))
        messages = 0
        try:
            for inc in due:
                INCIDENT.set(inc.control_number)  # runs in the writer thread: its own context
                messages += _sweep_one(session, services, batch, inc, now)
        finally:
            INCIDENT.set(None)
        messages += batch.writes.deferred.flush()
        session.flush()
        upcoming = session.exec(select(Incident.next_check_at).where(col(Incident.next_check_at).is_not(None))
                                .order_by(col(Incident.next_check_at)).limit(1)).first()
        return SweepResult(incidents=len(due), messages=messages, next_at=upcoming)

    return unit


@dataclass(frozen=True)
class _Batch:
    """One tick's incidents' clocks, pauses and escalations, read together, and its deferred writes."""

    clocks: dict[int, list[SlaClock]]
    pauses: dict[int, list[SlaPause]]
    escalations: dict[int, Escalation]
    writes: escalation.SweepWrites


def _escalations(session: Session, ids: list[int]) -> dict[int, Escalation]:
    if not ids:
        return {}
    return {e.incident_id: e for e in session.exec(select(Escalation).where(col(Escalation.incident_id).in_(ids)))}


def _sweep_one(session: Session, services: Services, batch: _Batch, inc: Incident, now: datetime) -> int:
    """Queue what is due for one incident and move its ``next_check_at`` on. Warnings, breaches and pages
    go to the batch's deferred writes (counted when they are flushed); a resolved incident's tacit
    acceptance writes at once: returns the messages it queued."""
    queued = 0
    outbox = batch.writes.deferred.outbox
    customer = services.config.customers.get(inc.customer_id)
    if customer is None:  # customer removed from the config: nothing to schedule
        inc.next_check_at = None
        session.add(inc)
        return 0
    cal = services.calendar(inc.customer_id)
    category = customer.categories.get(inc.category)
    clocks = batch.clocks.get(inc.id or 0, [])
    pauses = batch.pauses.get(inc.id or 0, [])
    warn_at = category.warn_at if category else (0.5, 0.8)
    for clock in clocks:
        for event in pending_events(clock, warn_at, cal, pauses):
            if event.at > now:
                continue
            # Late only if the desk should have said it earlier: not for an instant that
            # passed before the report was even registered (a report typed in late).
            late = now - event.at > LATE_AFTER and event.at >= inc.registered_at
            queue_clock_message(outbox, inc, customer, clock.name, event.kind, event.fraction,
                               clock.deadline, clock.rev, event.at, now, late)
            if event.kind == "warning":
                clock.warned = ",".join(sorted({*filter(None, clock.warned.split(",")), f"{event.fraction:g}"}))
            else:
                clock.breach_sent = True
            session.add(clock)
    esc = batch.escalations.get(inc.id or 0)
    if esc is not None and inc.state in ("registered",):
        escalation.advance(session, services, esc, inc, now, batch.writes)
    if inc.state == "resolved":  # tacit acceptance of the fix: its reminder, then the acceptance
        queued += sweep_acceptance(session, services, inc, now)
    if lifecycle.is_closed(inc.state):
        inc.next_check_at = None
    else:
        esc_next = esc.next_at if esc is not None and esc.stopped_at is None else None
        tacit_next = acceptance_next(inc, customer, cal)
        inc.next_check_at = min(
            (t for t in (schedule_next(clocks, warn_at, cal, pauses), esc_next, tacit_next) if t is not None),
            default=None)
    session.add(inc)
    return queued
