"""Escalation: page the right people, step by step, until someone acknowledges.

State lives in the ``escalation`` row of an incident; the sweeper advances it when its ``next_at`` is due
(the same ``next_check_at`` mechanism as the SLA clocks). Pages are outbox rows with a dedupe key per
incident, round, step and person, so a restart or a second replica never pages twice.
"""

from __future__ import annotations

from datetime import datetime

from sqlmodel import Session, col, select

from commands.context import Services
from commands.domain.config import CustomerConfig
from commands.domain.i18n.catalog import t
from commands.domain.oncall_config import EscalationConfig
from commands.domain.rotation import Override, Schedule
from commands.notify import IncidentLike
from commands.reply import Reply
from commands.views import buttons_for_state, category_title, component_title
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


def schedule_with_overrides(session: Session, services: Services, name: str, at: datetime) -> Schedule:
    base = services.config.schedules[name].schedule(name)
    rows = session.exec(
        select(OncallOverride).where(OncallOverride.schedule == name, col(OncallOverride.end) > at)
        .order_by(col(OncallOverride.id))
    )
    return base.with_overrides([Override(r.person, r.start, r.end, r.made_by) for r in rows])


def resolve_target(session: Session, services: Services, target: str, at: datetime) -> list[str]:
    """schedule:<id> → who is on call; person:<id> → that person; engineers:<customer> → all of them."""
    kind, _, ident = target.partition(":")
    if kind == "person":
        return [ident]
    if kind == "schedule":
        who = schedule_with_overrides(session, services, ident, at).on_call(at)
        return [who] if who else []
    return [pid for pid, p in services.config.people.items() if "engineer" in p.roles.get(ident, ())]


def start(session: Session, services: Services, inc: IncidentLike, now: datetime) -> Escalation | None:
    """Create the escalation of a new incident and run the steps already due (usually the first)."""
    assert inc.id is not None
    customer = services.config.customers[inc.customer_id]
    found = policy_for(customer, inc.category)
    if found is None:
        return None
    key, policy = found
    begin = now
    if policy.working_hours_only:
        begin = services.contractor_calendar().next_opening(now)
    esc = Escalation(incident_id=inc.id, policy=key, round_started_at=begin,
                     next_at=begin + policy.steps[0].offset)
    session.add(esc)
    advance(session, services, esc, inc, now)
    return esc


def advance(session: Session, services: Services, esc: Escalation, inc: IncidentLike, now: datetime) -> int:
    """Run every step that is due at ``now``; returns the number of pages queued."""
    if esc.stopped_at is not None or esc.next_at is None or esc.round_started_at is None:
        return 0
    customer = services.config.customers[inc.customer_id]
    found = policy_for(customer, inc.category) or (esc.policy, customer.escalation.get(esc.policy))
    policy = found[1]
    if policy is None:  # the policy was removed from the config: stop quietly
        esc.next_at = None
        session.add(esc)
        return 0
    queued = 0
    paged = [p for p in esc.paged.split(",") if p]
    while esc.next_at is not None and esc.next_at <= now:
        step = policy.steps[esc.step]
        people: list[str] = []
        for target in step.notify:
            for pid in resolve_target(session, services, target, esc.next_at):
                if pid not in people:
                    people.append(pid)
        for pid in people:
            queued += page_person(session, services, inc, pid, f"page:{inc.id}:r{esc.round}:s{esc.step}:{pid}", now)
            if pid not in paged:
                paged.append(pid)
        names = ", ".join(services.directory.person_name(p) for p in people) or "—"
        assert inc.id is not None
        Register(session).record(inc.id, at=now, actor=MONITOR, kind="paged", channel="dutydesk",
                                 text=names, data={"round": esc.round, "step": esc.step, "people": people})
        # next step, next round, or done
        if esc.step + 1 < len(policy.steps):
            esc.step += 1
            esc.next_at = esc.round_started_at + policy.steps[esc.step].offset
        elif esc.round < policy.repeat:
            esc.round += 1
            esc.step = 0
            esc.round_started_at = esc.round_started_at + policy.round_length
            esc.next_at = esc.round_started_at + policy.steps[0].offset
        else:
            esc.next_at = None
    esc.paged = ",".join(paged)
    session.add(esc)
    return queued


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


def page_person(session: Session, services: Services, inc: IncidentLike, pid: str, key: str, now: datetime) -> int:
    customer = services.config.customers[inc.customer_id]
    person = services.config.people.get(pid)
    locale = (person.locale if person else None) or customer.locale
    reply = Reply(
        text=t(locale, "page.new", number=inc.control_number, category=category_title(customer, inc.category, locale),
               component=component_title(customer, inc.component), customer=customer.name),
        lines=(inc.description[:300],), locale=locale, control_number=inc.control_number, kind="info",
        buttons=buttons_for_state("registered", inc.control_number, locale),
    )
    return int(Outbox(session).put(dedupe_key=key, customer_id=inc.customer_id, kind="page", audience=f"person:{pid}",
                                   payload={**reply.to_dict(), "incident_id": inc.id}, now=now, incident_id=inc.id))
