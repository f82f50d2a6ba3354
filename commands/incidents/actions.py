"""The incidents' use cases, with typed values: report an incident, and move it through its lifecycle.

Every channel comes here: the chat grammar (commands/incidents/incident.py) turns what a person typed or
filled in into these values, and so do the e-mail and web channels (through the desk, with a ``Form``);
the health monitor calls ``report_incident`` itself. A use case knows the caller (who, which customer,
which language, by which channel: ``Caller``), never the chat. A refusal is a ``DeskError`` (a message id
and its parameters), raised before anything is written where it can be.

What is allowed from which state is the one transition table, commands/incidents/domain/lifecycle.py.
"""

from __future__ import annotations

import json
from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Literal

from sqlmodel import Session

from commands.desk.context import Caller, Write
from commands.desk.domain.roles import may_run
from commands.desk.reply import Button, Reply
from commands.domain.config import Config
from commands.domain.fields import parse_duration
from commands.domain.i18n.catalog import t
from commands.domain.i18n.format import format_datetime, format_duration
from commands.incidents.domain import lifecycle
from commands.incidents.notify import IncidentFacts, announce, card_message, engineer_pages, event_line
from commands.incidents.resolution import acceptance_next, acceptance_note, move_clocks, resume_resolution
from commands.incidents.sla import ClockLike, ClockPlan, clock_lines, plan_clocks, schedule_next, start_clocks
from commands.incidents.views import buttons_for, buttons_for_state, category_title, component_title
from commands.oncall import escalation
from storage.models import Incident, SlaClock
from storage.outbox import Outbox
from storage.register import Register

ArrivalMode = Literal["onsite", "remote"]


# -- the values a report is made of -----------------------------------------------------------------
@dataclass(frozen=True, slots=True)
class IncidentReport:
    """A new incident as any channel hands it in. The customer, the reporter and the channel are the
    caller's (``Caller.customer_id``, ``.actor``, ``.source``)."""

    category: str  # the category's key or one of its names in the customer's config
    component: str  # the component's key or one of its names
    description: str
    first_notification: datetime | None = None  # when the customer first told us; None: when it arrived
    arrived: datetime | None = None  # when it reached the desk (a report kept in the journal: earlier); None: now


def category_of(caller: Caller, text: str) -> str:
    """The customer's category ``text`` names (its key), or the refusal that lists the categories."""
    customer = caller.customer
    key = customer.category_key(text)
    if key is None:
        caller.fail("error.unknown_category", value=text, customer=customer.name,
                    choices=choices(caller, "category"))
    return key


def component_of(caller: Caller, text: str) -> str:
    customer = caller.customer
    key = customer.component_key(text)
    if key is None:
        caller.fail("error.unknown_component", value=text, customer=customer.name,
                    choices=choices(caller, "component"))
    return key


def choices(caller: Caller, what: Literal["category", "component"]) -> str:
    customer, locale = caller.customer, caller.locale
    if what == "category":
        return ", ".join(f"{k} ({category_title(customer, k, locale)})" if category_title(customer, k, locale) != k else k
                         for k in customer.categories)
    return ", ".join(customer.components)


def check_text(caller: Caller, text: str) -> None:
    """A description, a reason or a note is at most ``desk.max_description`` characters."""
    limit = caller.services.config.desk.max_description
    if len(text) > limit:
        caller.fail("error.too_long", length=len(text), limit=limit)


def check_past(caller: Caller, at: datetime, as_of: datetime) -> datetime:
    """An instant a person gave for something that happened (a first notification, a device handed in):
    not after ``as_of``, and not older than ``desk.reported_max_age`` unless an admin says so."""
    tz = caller.customer.tz
    if at > as_of:
        caller.fail("error.future_time", when=format_datetime(at, tz, caller.locale))
    limit = parse_duration(caller.services.config.desk.reported_max_age)
    if as_of - at > limit and "admin" not in caller.roles:
        caller.fail("error.too_old", when=format_datetime(at, tz, caller.locale),
                    limit=format_duration(limit, caller.locale))
    return at


def load_incident(caller: Caller, reg: Register, number: str, *, lock: bool = False) -> Incident:
    """The caller's customer's incident by number; ``lock`` when the unit changes it (Register.by_number).
    Another customer's incident is answered as a missing one."""
    inc = reg.by_number(number, lock=lock)
    if inc is None or inc.customer_id != caller.customer_id:
        caller.fail("error.no_such_incident", number=number)
    return inc


def reschedule(caller: Caller, inc: Incident, clocks: list[SlaClock], reg: Register) -> None:
    """Point ``next_check_at`` at the next warning, breach, escalation step or tacit acceptance still
    pending (None when closed)."""
    if lifecycle.is_closed(inc.state):
        inc.next_check_at = None
        return
    category = caller.customer.categories.get(inc.category)
    warn_at = category.warn_at if category else (0.5, 0.8)
    cal = caller.services.calendar(caller.customer_id)
    sla_next = schedule_next(clocks, warn_at, cal, reg.pauses(inc.id or 0))
    esc_next = escalation.next_at(reg.session, inc.id or 0)
    tacit_next = acceptance_next(inc, caller.customer, cal)
    inc.next_check_at = min((x for x in (sla_next, esc_next, tacit_next) if x is not None), default=None)


# -- reporting -------------------------------------------------------------------------------------
_NUMBER_SLOT = "\x00number\x00"  # never in what people type: the desk refuses control characters


def report_incident(caller: Caller, report: IncidentReport) -> Write:
    """Register a new incident: checked entirely here, before the transaction; the unit only writes (and
    the writer may register a batch of reports in one go: ``register_reports``)."""
    customer = caller.customer
    category = category_of(caller, report.category)
    component = component_of(caller, report.component)
    description = report.description
    if not description:
        caller.fail("error.missing_description")
    check_text(caller, description)
    now = caller.now
    arrived = report.arrived or now
    reported_at = arrived
    if report.first_notification is not None:
        reported_at = check_past(caller, report.first_notification, arrived)
    cal = caller.services.calendar(caller.customer_id)
    category_cfg = customer.categories[category]
    clocks = plan_clocks(category_cfg, reported_at, cal)
    next_check = start_clocks(clocks, category_cfg.warn_at, cal, now)
    paging = escalation.plan(caller.services, customer, category, now)
    if paging is not None:
        next_check = min((x for x in (next_check, paging.first.next_at) if x is not None), default=None)
    year = arrived.astimezone(customer.tz).year
    config = caller.services.config
    actor = caller.actor.person_id
    # Rendered here, outside the writer (the one thread every report queues for); only the number and
    # the ids are filled in inside the transaction.
    draft = ReportDraft(
        config=config, customer_id=caller.customer_id, prefix=customer.prefix, locale=customer.locale, year=year,
        category=category, component=component, description=description, actor=actor,
        channel=caller.source, reported_at=reported_at, now=now, next_check=next_check, clocks=clocks,
        paging=paging,
        event_data=json.dumps({"reported_at": reported_at.isoformat(), "category": category, "component": component},
                              ensure_ascii=False),
        card_event=event_line(customer, "registered", caller.actor.name, "", now),
        reply=_registered_reply(caller, _NUMBER_SLOT, now, reported_at, category, component, clocks),
    )
    return Write(lambda session: register_reports(session, [draft])[0], savepoint=False,
                 bulk=(register_reports, draft))


@dataclass(frozen=True)
class ReportDraft:
    """Everything about a new incident except its number and ids, prepared before the transaction."""

    config: Config
    customer_id: str
    prefix: str
    locale: str  # the customer's: its card is in the customer's language
    year: int
    category: str
    component: str
    description: str
    actor: str
    channel: str
    reported_at: datetime
    now: datetime
    next_check: datetime | None
    clocks: Sequence[ClockPlan]
    paging: escalation.Plan | None
    event_data: str  # the "registered" event's data, as JSON
    card_event: str  # the event's line under the customer's card
    reply: Reply  # with _NUMBER_SLOT where the number goes


def register_reports(session: Session, drafts: Sequence[ReportDraft]) -> list[Reply]:
    """Register new incidents in the current transaction: numbers, rows, clocks, the "registered" events,
    the customer's card, and the first page or escalation; returns their replies, in order.

    One statement per table for all of them: the writer hands over every report of its batch at once.
    """
    reg = Register(session)
    wanted = Counter((d.customer_id, d.year) for d in drafts)
    seqs = {key: iter(reg.next_seqs(key[0], key[1], count)) for key, count in wanted.items()}
    numbered = [(d, next(seqs[(d.customer_id, d.year)])) for d in drafts]
    numbers = [f"{d.prefix}-{d.year}-{seq:05d}" for d, seq in numbered]
    ids = reg.add_many([{
        "control_number": number, "customer_id": d.customer_id, "year": d.year, "seq": seq,
        "category": d.category, "component": d.component, "description": d.description, "reporter": d.actor,
        "source": d.channel, "state": "registered", "reported_at": d.reported_at, "registered_at": d.now,
        "next_check_at": d.next_check,
    } for (d, seq), number in zip(numbered, numbers, strict=True)])
    reg.add_clocks([c.row(iid) for d, iid in zip(drafts, ids, strict=True) for c in d.clocks])
    event_ids = reg.record_many([{
        "incident_id": iid, "at": d.now, "actor": d.actor, "kind": "registered", "channel": d.channel,
        "text": d.description, "data": d.event_data,
    } for d, iid in zip(drafts, ids, strict=True)])
    messages = []
    for d, number, iid, event_id in zip(drafts, numbers, ids, event_ids, strict=True):
        messages.append(card_message(d.customer_id, d.locale, number, iid, event_id=event_id, kind="registered",
                                     event=d.card_event, now=d.now))
        if d.paging is None:  # no escalation policy: every engineer of the customer is paged once
            facts = IncidentFacts(iid, number, d.customer_id, "registered", d.category, d.component, d.description)
            messages.extend(engineer_pages(d.config, facts, d.now))
    Outbox(session).put_many(messages)
    escalation.open_escalations(session, [(iid, d.paging) for d, iid in zip(drafts, ids, strict=True)
                                          if d.paging is not None])
    return [d.reply.filled(_NUMBER_SLOT, number) for d, number in zip(drafts, numbers, strict=True)]


def _registered_reply(caller: Caller, number: str, registered_at: datetime, reported_at: datetime, category: str,
                      component: str, clocks: Sequence[ClockLike]) -> Reply:
    customer, locale = caller.customer, caller.locale
    title = t(
        locale, "registered", number=number,
        when=format_datetime(registered_at, customer.tz, locale, with_tz=True),
        category=category_title(customer, category, locale), component=component_title(customer, component),
    )
    lines = []
    if reported_at != registered_at:
        lines.append(t(locale, "reported_at", when=format_datetime(reported_at, customer.tz, locale)))
    compact = clock_lines(clocks, locale=locale, tz_name=customer.timezone, now=registered_at, compact=True)
    if compact:
        lines.append(" · ".join(compact))
    return Reply(text=title, lines=tuple(lines), locale=locale, control_number=number,
                 buttons=buttons_for_state("registered", number, locale))


# -- the lifecycle ---------------------------------------------------------------------------------
def acknowledge(caller: Caller, number: str) -> Write:
    return transition(caller, number, "ack")


def arrive(caller: Caller, number: str, mode: ArrivalMode) -> Write:
    return transition(caller, number, "arrive", mode=mode)


def resolve(caller: Caller, number: str, resolution: str) -> Write:
    return transition(caller, number, "resolve", text=resolution)


def confirm(caller: Caller, number: str) -> Write:
    return transition(caller, number, "confirm")


def reopen(caller: Caller, number: str, reason: str) -> Write:
    return transition(caller, number, "reopen", text=reason)


def cancel(caller: Caller, number: str, reason: str) -> Write:
    return transition(caller, number, "cancel", text=reason)


def transition(caller: Caller, number: str, action: str, *, text: str = "", mode: ArrivalMode | None = None) -> Write:
    """Take ``action`` (a state-changing action of the transition table) on the incident ``number``."""
    step = lifecycle.TRANSITIONS[action]
    assert step.to is not None, f"{action} changes no state: add_note"
    _check_needed(caller, action, text)
    now, actor, channel = caller.now, caller.actor.person_id, caller.source

    def unit(session: Session) -> Reply:
        reg = Register(session)
        inc = load_incident(caller, reg, number, lock=True)
        if not lifecycle.can(action, inc.state):
            # only what the reader may do: a reporter is not told to /ack (issue 23)
            allowed = [f"/{a}" for a in lifecycle.allowed_actions(inc.state) if may_run(a, caller.roles)]
            caller.fail("error.transition", number=number, state=caller.t(f"state.{inc.state}"), command=action,
                        allowed=", ".join(allowed) or caller.t("error.nothing_allowed"))
        assert inc.id is not None
        clocks = reg.clocks(inc.id)
        fixed_at = inc.resolved_at  # before /confirm or /reopen changes it
        events = _apply(inc, action, now, actor, mode, text)
        if "acknowledged" in events:
            escalation.stop(session, caller.services, inc, actor, now)
        stops = caller.customer.resolution_stops_for(inc.category)
        move_clocks(session, caller.services, inc, clocks, events, now, stops=stops, fixed_at=fixed_at)
        if action == "reopen":
            resume_resolution(session, caller.services, inc, clocks, now)
        reschedule(caller, inc, clocks, reg)
        reg.touch(inc)
        event_id = reg.record(inc, at=now, actor=actor, kind=step.event, channel=channel, text=text,
                              data={"mode": mode} if mode else None)
        announce(session, caller.services.config, inc, event_id=event_id, kind=step.event, actor=actor, text=text,
                 now=now)
        return _transition_reply(caller, inc, step.event, clocks, mode, text)

    return Write(unit)


def _check_needed(caller: Caller, action: str, text: str) -> None:
    needs = lifecycle.TRANSITIONS[action].needs
    if needs and not text:
        caller.fail("error.missing_text", what=caller.t(f"what.{needs}"), usage=caller.t(f"help.{action}"))
    check_text(caller, text)


def _apply(inc: Incident, action: str, now: datetime, actor: str, mode: str | None, text: str) -> list[str]:
    """Move the incident; returns the lifecycle events that happened (for the clocks)."""
    events: list[str] = []
    if action in ("ack", "arrive") and inc.acknowledged_at is None:
        inc.acknowledged_at = now
        inc.assignee = inc.assignee or actor
        events.append("acknowledged")
    if action == "arrive":
        inc.arrived_at, inc.arrival_mode = now, mode
        events.append("arrived")
    elif action == "resolve":
        inc.resolved_at, inc.resolution, inc.confirm_reminded_at = now, text, None
        events.append("resolved")
    elif action == "confirm":
        inc.confirmed_at = now
        events.append("confirmed")
    elif action == "reopen":
        inc.resolved_at, inc.confirmed_at, inc.confirm_reminded_at = None, None, None
    elif action == "cancel":
        inc.cancelled_at = now
        inc.next_check_at = None
    inc.state = lifecycle.next_state(action, inc.state)
    return events


def _transition_reply(caller: Caller, inc: Incident, event: str, clocks: list[SlaClock], mode: str | None,
                      text: str) -> Reply:
    """The answer: the event's sentence (its message id is the event's name), the clocks, what is next."""
    params: dict[str, object] = {"number": inc.control_number, "person": caller.actor.name}
    if mode is not None:
        params["mode"] = caller.t(f"mode.{mode}")
    if event in ("reopened", "cancelled"):
        params["reason"] = text
    lines = clock_lines(clocks, locale=caller.locale, tz_name=caller.customer.timezone, now=caller.now)
    tacit = acceptance_note(inc, caller.customer, caller.services.calendar(caller.customer_id), caller.locale)
    if tacit is not None:
        lines.append(tacit)
    buttons = buttons_for(inc, caller.locale)
    if event == "confirmed":  # the paper form of the confirmation: the service protocol both sides sign
        buttons = (*buttons, Button(caller.t("doc.service.button"), f"/report incident {inc.control_number} pdf"))
    return caller.reply(caller.t(event, **params), *lines, control_number=inc.control_number, buttons=buttons)


def add_note(caller: Caller, number: str, text: str) -> Write:
    """A note on the incident's timeline, in any state; the card's thread shows it."""
    _check_needed(caller, "note", text)
    now, actor, channel = caller.now, caller.actor.person_id, caller.source

    def unit(session: Session) -> Reply:
        reg = Register(session)
        inc = load_incident(caller, reg, number)
        event_id = reg.record(inc, at=now, actor=actor, kind="note", channel=channel, text=text)
        announce(session, caller.services.config, inc, event_id=event_id, kind="note",
                 actor=actor, text=text, now=now)
        return caller.reply(caller.t("noted", number=number), control_number=number)

    return Write(unit)
