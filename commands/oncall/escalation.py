"""Escalation: page the right people, step by step, until someone acknowledges.

State lives in the ``escalation`` row of an incident; the sweeper advances it when its ``next_at`` is due
(the same ``next_check_at`` mechanism as the SLA clocks). Pages are outbox rows with a dedupe key per
incident, round, step and person, so a restart or a second replica never pages twice.
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from datetime import datetime

import sqlalchemy as sa
from sqlmodel import Session

from commands.desk.context import Services
from commands.desk.reply import Reply
from commands.domain.config import CustomerConfig
from commands.domain.i18n.catalog import t
from commands.incidents.notify import IncidentLike
from commands.incidents.views import buttons_for_state, category_title, component_title, excerpt
from commands.oncall.domain.config import EscalationConfig
from commands.oncall.domain.rotation import Override, Schedule
from storage.deferred import Deferred
from storage.fastsql import Prepared, StatementCache, connection
from storage.models import Escalation, OncallOverride
from storage.outbox import Outbox
from storage.register import Register

MONITOR = "dutydesk"  # the actor of events the desk itself causes


def policy_for(customer: CustomerConfig, category: str) -> tuple[str, EscalationConfig] | None:
    if category in customer.escalation:
        return category, customer.escalation[category]
    if "default" in customer.escalation:
        return "default", customer.escalation["default"]
    return None


_OVERRIDES = OncallOverride.__table__  # type: ignore[attr-defined]


# Both run on the report path (the first page goes out in the report's transaction).
_STATEMENTS = StatementCache({
    "overrides": lambda d: Prepared(
        sa.select(_OVERRIDES.c.person, _OVERRIDES.c.start, _OVERRIDES.c.end, _OVERRIDES.c.made_by)
        .where(_OVERRIDES.c.schedule == sa.bindparam("schedule"), _OVERRIDES.c.end > sa.bindparam("at"))
        .order_by(_OVERRIDES.c.id), d),
    "insert": lambda d: Prepared(sa.insert(Escalation.__table__), d, [  # type: ignore[attr-defined]
        "incident_id", "policy", "round", "step", "round_started_at", "next_at", "paged", "stopped_at", "stopped_by"]),
})


class Overrides:
    """The on-call overrides of schedules ending after an instant, read once per schedule for a whole
    sweep of many incidents (whose instants only grow: the sweep takes incidents in order of their
    ``next_check_at``), not once per incident. Lives for one unit of work: an override made in a later
    unit is read again."""

    def __init__(self, session: Session) -> None:
        self.session = session
        self._read: dict[str, tuple[datetime, list[Override]]] = {}  # schedule → (read for `end > at`, rows)

    def of(self, schedule: str, at: datetime) -> list[Override]:
        read = self._read.get(schedule)
        if read is None or at < read[0]:
            conn = connection(self.session)
            rows = [Override(*row) for row in _STATEMENTS.get("overrides", conn.dialect).rows(
                conn, {"schedule": schedule, "at": at})]
            self._read[schedule] = (at, rows)
            return rows
        return [o for o in read[1] if o.end > at]


def schedule_with_overrides(session: Session, services: Services, name: str, at: datetime,
                            customer_id: str, overrides: Overrides | None = None) -> Schedule:
    """The schedule as it pages for ``customer_id``: an override naming someone who may not be paged for
    that customer is ignored (the rotation's own person stays on call). Overrides are checked when they
    are made; this is the same rule again where it matters, should one ever get past it."""
    rows = (overrides or Overrides(session)).of(name, at)
    allowed = services.directory.may_be_paged_for
    return services.schedule(name).with_overrides([o for o in rows if allowed(o.person, customer_id)])


def resolve_target(session: Session, services: Services, target: str, at: datetime, customer_id: str,
                   overrides: Overrides | None = None) -> list[str]:
    """schedule:<id> → who is on call; person:<id> → that person; engineers:<customer> → all of them —
    only people who may be paged for ``customer_id`` (an engineer or admin role with it)."""
    kind, _, ident = target.partition(":")
    if kind == "person":
        people = [ident]
    elif kind == "schedule":
        who = schedule_with_overrides(session, services, ident, at, customer_id, overrides).on_call(at)
        people = [who] if who else []
    else:
        people = [pid for pid, p in services.config.people.items() if "engineer" in p.roles.get(ident, ())]
    return [pid for pid in people if services.directory.may_be_paged_for(pid, customer_id)]


@dataclass(frozen=True)
class SweepWrites:
    """What one sweep shares among its incidents: the overrides it has read, and its deferred writes
    (pages and timeline events, written together when the sweep ends)."""

    overrides: Overrides
    deferred: Deferred


@dataclass(frozen=True)
class Position:
    """Where an escalation stands: the next step to run and when (None: nothing left)."""

    round: int
    step: int
    round_started_at: datetime
    next_at: datetime | None


def _next(policy: EscalationConfig, pos: Position) -> Position:
    """The position after running ``pos``'s step: the next step, the next round, or the end."""
    if pos.step + 1 < len(policy.steps):
        return replace(pos, step=pos.step + 1, next_at=pos.round_started_at + policy.steps[pos.step + 1].offset)
    if pos.round < policy.repeat:
        begin = pos.round_started_at + policy.round_length
        return Position(pos.round + 1, 0, begin, begin + policy.steps[0].offset)
    return replace(pos, next_at=None)


@dataclass(frozen=True)
class Plan:
    policy_key: str
    policy: EscalationConfig
    first: Position


def plan(services: Services, customer: CustomerConfig, category: str, now: datetime) -> Plan | None:
    """The escalation a new incident of this category gets (pure; computed before the transaction)."""
    found = policy_for(customer, category)
    if found is None:
        return None
    key, policy = found
    begin = services.contractor_calendar().next_opening(now) if policy.working_hours_only else now
    return Plan(key, policy, Position(0, 0, begin, begin + policy.steps[0].offset))


def open_escalations(session: Session, plans: list[tuple[int, Plan]]) -> None:
    """Store new incidents' escalations (one statement for all). The first step of each is run by the
    sweeper, woken right after the report commits (``Services.wake``): the report's own transaction stays
    small, and a crash between the two loses nothing — the step is due in the database."""
    if plans:
        conn = connection(session)
        _STATEMENTS.get("insert", conn.dialect).run_many(conn, [{
            "incident_id": inc_id, "policy": p.policy_key, "round": p.first.round, "step": p.first.step,
            "round_started_at": p.first.round_started_at, "next_at": p.first.next_at, "paged": "",
            "stopped_at": None, "stopped_by": None,
        } for inc_id, p in plans])


def advance(session: Session, services: Services, esc: Escalation, inc: IncidentLike, now: datetime,
            sweep: SweepWrites | None = None) -> int:
    """Run every step of a stored escalation that is due at ``now``; returns the pages queued (with
    ``sweep``: handed over to its deferred writes, counted when they are flushed)."""
    if esc.stopped_at is not None or esc.next_at is None or esc.round_started_at is None:
        return 0
    policy = services.config.customers[inc.customer_id].escalation.get(esc.policy)
    if policy is None:  # the policy was removed from the config: stop quietly
        esc.next_at = None
        session.add(esc)
        return 0
    start = Position(esc.round, esc.step, esc.round_started_at, esc.next_at)
    pos, paged, queued = _run_due(session, services, inc, policy, start, [p for p in esc.paged.split(",") if p], now,
                                  sweep)
    esc.round, esc.step, esc.round_started_at, esc.next_at = pos.round, pos.step, pos.round_started_at, pos.next_at
    esc.paged = ",".join(paged)
    session.add(esc)
    return queued


def _run_due(session: Session, services: Services, inc: IncidentLike, policy: EscalationConfig, pos: Position,
             paged: list[str], now: datetime, sweep: SweepWrites | None) -> tuple[Position, list[str], int]:
    assert inc.id is not None
    queued = 0
    while pos.next_at is not None and pos.next_at <= now:
        people: list[str] = []
        for target in policy.steps[pos.step].notify:
            for pid in resolve_target(session, services, target, pos.next_at, inc.customer_id,
                                      sweep.overrides if sweep else None):
                if pid not in people:
                    people.append(pid)
        for pid in people:
            queued += page_person(session, services, inc, pid, f"page:{inc.id}:r{pos.round}:s{pos.step}:{pid}", now,
                                  sweep.deferred.outbox if sweep else None)
            if pid not in paged:
                paged.append(pid)
        names = ", ".join(services.directory.person_name(p) for p in people) or "—"
        data = {"round": pos.round, "step": pos.step, "people": people}
        if sweep is not None:
            sweep.deferred.event(inc.id, at=now, actor=MONITOR, kind="paged", channel="dutydesk", text=names, data=data)
        else:
            Register(session).record(inc.id, at=now, actor=MONITOR, kind="paged", channel="dutydesk", text=names,
                                     data=data)
        pos = _next(policy, pos)
    return pos, paged, queued


def stop(session: Session, services: Services, inc: IncidentLike, by: str, now: datetime) -> None:
    """Someone took the incident: no more pages, and everyone paged so far hears who took it."""
    esc = session.get(Escalation, inc.id)
    if esc is None or esc.stopped_at is not None:
        return
    esc.stopped_at, esc.stopped_by, esc.next_at = now, by, None
    session.add(esc)
    customer = services.config.customers[inc.customer_id]
    outbox = Outbox(session)
    for pid in (p for p in esc.paged.split(",") if p and p != by):
        person = services.config.people.get(pid)
        locale = (person.locale if person else None) or customer.locale
        text = t(locale, "page.taken", number=inc.control_number, person=services.directory.person_name(by))
        outbox.put(dedupe_key=f"taken:{inc.id}:{pid}", customer_id=inc.customer_id, kind="page.taken",
                   audience=f"person:{pid}", payload={**Reply(text=text, locale=locale).to_dict(),
                                                      "incident_id": inc.id}, now=now, incident_id=inc.id)


def next_at(session: Session, incident_id: int) -> datetime | None:
    esc = session.get(Escalation, incident_id)
    if esc is None or esc.stopped_at is not None:
        return None
    return esc.next_at


def page_person(session: Session, services: Services, inc: IncidentLike, pid: str, key: str, now: datetime,
                outbox: Outbox | None = None) -> int:
    if not services.directory.may_be_paged_for(pid, inc.customer_id):
        return 0  # a customer's incident reaches only people who work for that customer
    customer = services.config.customers[inc.customer_id]
    person = services.config.people.get(pid)
    locale = (person.locale if person else None) or customer.locale
    reply = Reply(
        text=t(locale, "page.new", number=inc.control_number, category=category_title(customer, inc.category, locale),
               component=component_title(customer, inc.component), customer=customer.name),
        lines=(excerpt(inc.description, 300),), locale=locale, control_number=inc.control_number, kind="info",
        buttons=buttons_for_state("registered", inc.control_number, locale),
    )
    return int((outbox or Outbox(session)).put(dedupe_key=key, customer_id=inc.customer_id, kind="page", audience=f"person:{pid}",
                                   payload={**reply.to_dict(), "incident_id": inc.id}, now=now, incident_id=inc.id))
