"""The register's use cases: file an incident and move it through its lifecycle."""

from __future__ import annotations

import json
from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime

from sqlmodel import Session

from commands.desk.context import Context, Outcome, Read, Write
from commands.desk.directory import NUMBER
from commands.desk.domain.roles import may_run
from commands.desk.parse import Parsed
from commands.desk.reply import Button, Reply
from commands.domain.config import Config, CustomerConfig
from commands.domain.fields import parse_duration
from commands.domain.i18n.catalog import t
from commands.domain.i18n.format import format_datetime, format_duration
from commands.domain.timeparse import TimeParseError, parse_time
from commands.incidents.domain import lifecycle
from commands.incidents.notify import IncidentFacts, announce, card_message, engineer_pages, event_line
from commands.incidents.resolution import acceptance_next, acceptance_note, move_clocks, resume_resolution
from commands.incidents.sla import (
    ClockLike,
    ClockPlan,
    clock_lines,
    plan_clocks,
    schedule_next,
    start_clocks,
)
from commands.incidents.views import (
    buttons_for,
    buttons_for_state,
    category_title,
    component_title,
    status_lines,
)
from commands.oncall import escalation
from storage.models import Incident, SlaClock
from storage.outbox import Outbox
from storage.register import Register


# -- lookups --------------------------------------------------------------------------------------
def _choices(customer: CustomerConfig, what: str, locale: str) -> str:
    if what == "category":
        return ", ".join(f"{k} ({category_title(customer, k, locale)})" if category_title(customer, k, locale) != k else k
                         for k in customer.categories)
    return ", ".join(customer.components)


def _require_number(ctx: Context, text: str) -> str:
    number = text.strip().upper()
    m = NUMBER.match(number)
    if not m:
        ctx.fail("error.bad_number", value=text.strip() or "—", example=f"{ctx.customer.prefix}-2026-00042")
    if m.group(1) != ctx.customer.prefix:  # another customer's number: same answer as a missing one
        ctx.fail("error.no_such_incident", number=number)
    return number


def number_and_text(ctx: Context, p: Parsed, command: str, text_required: str | None = None) -> tuple[str, str]:
    """``/<command> <number> [text]``: the checked control number and the text after it."""
    (words, rest) = p.words(1)
    if not words:
        ctx.fail("error.usage", usage=ctx.t(f"help.{command}"))
    number = _require_number(ctx, words[0])
    if text_required and not rest:
        ctx.fail("error.missing_text", what=ctx.t(f"what.{text_required}"), usage=ctx.t(f"help.{command}"))
    limit = ctx.services.config.desk.max_description
    if len(rest) > limit:
        ctx.fail("error.too_long", length=len(rest), limit=limit)
    return number, rest


def _load(ctx: Context, reg: Register, number: str, *, lock: bool = False) -> Incident:
    """The customer's incident by number; ``lock`` when the unit changes it (Register.by_number)."""
    inc = reg.by_number(number, lock=lock)
    if inc is None or inc.customer_id != ctx.customer_id:
        ctx.fail("error.no_such_incident", number=number)
    return inc


def _names(ctx: Context) -> dict[str, str]:
    return {pid: p.name for pid, p in ctx.services.config.people.items()}


_NUMBER_SLOT = "\x00number\x00"  # never in what people type: the desk refuses control characters


# -- /incident ------------------------------------------------------------------------------------
def file_incident(ctx: Context, p: Parsed) -> Outcome:
    customer = ctx.customer
    usage = ctx.t("help.incident")
    for opt in p.options:
        if opt not in ("reported", "customer"):
            ctx.fail("error.bad_option", option=opt, usage=usage)
    (words, description) = p.words(2)
    if len(words) < 1:
        ctx.fail("error.usage", usage=usage)
    category = customer.category_key(words[0])
    if category is None:
        ctx.fail("error.unknown_category", value=words[0], customer=customer.name,
                 choices=_choices(customer, "category", ctx.locale))
    if len(words) < 2:
        ctx.fail("error.usage", usage=usage)
    component = customer.component_key(words[1])
    if component is None:
        ctx.fail("error.unknown_component", value=words[1], customer=customer.name,
                 choices=_choices(customer, "component", ctx.locale))
    if not description:
        ctx.fail("error.missing_description")
    limit = ctx.services.config.desk.max_description
    if len(description) > limit:
        ctx.fail("error.too_long", length=len(description), limit=limit)

    now = ctx.now
    # A report kept in the journal while the register was unavailable (commands/desk/journaled.py) is registered
    # now; its first notification is when it arrived, and "--reported today 08:55" is read as of then.
    arrived = ctx.request.received_at or now
    reported_at = arrived
    if "reported" in p.options:
        reported_at = _reported_time(ctx, p.options["reported"], arrived)
    cal = ctx.services.calendar(ctx.customer_id)
    category_cfg = customer.categories[category]
    clocks = plan_clocks(category_cfg, reported_at, cal)
    next_check = start_clocks(clocks, category_cfg.warn_at, cal, now)
    paging = escalation.plan(ctx.services, customer, category, now)
    if paging is not None:
        next_check = min((x for x in (next_check, paging.first.next_at) if x is not None), default=None)
    year = arrived.astimezone(customer.tz).year
    config = ctx.services.config
    actor = ctx.actor.person_id
    # Rendered here, outside the writer (the one thread every report queues for); only the number and
    # the ids are filled in inside the transaction.
    draft = ReportDraft(
        config=config, customer_id=ctx.customer_id, prefix=customer.prefix, locale=customer.locale, year=year,
        category=category, component=component, description=description, actor=actor,
        channel=ctx.request.channel, reported_at=reported_at, now=now, next_check=next_check, clocks=clocks,
        paging=paging,
        event_data=json.dumps({"reported_at": reported_at.isoformat(), "category": category, "component": component},
                              ensure_ascii=False),
        card_event=event_line(customer, "registered", ctx.actor.name, "", now),
        reply=_registered_reply(ctx, _NUMBER_SLOT, now, reported_at, category, component, clocks),
    )
    # Every refusal above happens before the transaction; the unit itself only writes.
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


def _reported_time(ctx: Context, text: str, now: datetime) -> datetime:
    """``--reported``'s time, read as of ``now`` (when the report arrived)."""
    tz = ctx.customer.tz
    try:
        at = parse_time(text, locale=ctx.locale, tz=tz, now=now)
    except TimeParseError:
        ctx.fail("error.bad_time", value=f'"{text}"')
    if at > now:
        ctx.fail("error.future_time", when=format_datetime(at, tz, ctx.locale))
    limit = parse_duration(ctx.services.config.desk.reported_max_age)
    if now - at > limit and "admin" not in ctx.roles:
        ctx.fail("error.too_old", when=format_datetime(at, tz, ctx.locale),
                 limit=format_duration(limit, ctx.locale))
    return at


def _registered_reply(ctx: Context, number: str, registered_at: datetime, reported_at: datetime, category: str,
                      component: str, clocks: Sequence[ClockLike]) -> Reply:
    customer, locale = ctx.customer, ctx.locale
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


# -- lifecycle ------------------------------------------------------------------------------------
def _transition(ctx: Context, p: Parsed, action: str, *, text_required: str | None = None) -> Outcome:
    """Shared shape of /ack, /arrive, /resolve, /confirm, /reopen, /cancel."""
    number, rest = number_and_text(ctx, p, action, text_required)
    mode = None
    if action == "arrive":
        word = (rest.split() or ["onsite"])[0].casefold()
        mode = {"onsite": "onsite", "on-site": "onsite", "site": "onsite", "remote": "remote"}.get(word)
        if mode is None:
            ctx.fail("error.bad_mode", number=number)
        rest = ""
    now, actor, channel = ctx.now, ctx.actor.person_id, ctx.request.channel

    def unit(session: Session) -> Reply:
        reg = Register(session)
        inc = _load(ctx, reg, number, lock=True)
        if not lifecycle.can(action, inc.state):
            # only what the reader may do: a reporter is not told to /ack (issue 23)
            allowed = [f"/{a}" for a in lifecycle.allowed_actions(inc.state) if may_run(a, ctx.roles)]
            ctx.fail("error.transition", number=number, state=ctx.t(f"state.{inc.state}"), command=action,
                     allowed=", ".join(allowed) or ctx.t("error.nothing_allowed"))
        assert inc.id is not None
        clocks = reg.clocks(inc.id)
        fixed_at = inc.resolved_at  # before /confirm or /reopen changes it
        events = _apply(inc, action, now, actor, mode, rest)
        if "acknowledged" in events:
            escalation.stop(session, ctx.services, inc, actor, now)
        stops = ctx.customer.resolution_stops_for(inc.category)
        move_clocks(session, ctx.services, inc, clocks, events, now, stops=stops, fixed_at=fixed_at)
        if action == "reopen":
            resume_resolution(session, ctx.services, inc, clocks, now)
        _reschedule(ctx, inc, clocks, reg)
        reg.touch(inc)
        kind = {"ack": "acknowledged", "arrive": "arrived", "resolve": "resolved", "confirm": "confirmed",
                "reopen": "reopened", "cancel": "cancelled"}[action]
        event_id = reg.record(inc, at=now, actor=actor, kind=kind, channel=channel, text=rest,
                              data={"mode": mode} if mode else None)
        announce(session, ctx.services.config, inc, event_id=event_id, kind=kind, actor=actor, text=rest,
                 now=now)
        return _transition_reply(ctx, inc, action, clocks, mode, rest)

    return Write(unit)


def _reschedule(ctx: Context, inc: Incident, clocks: list[SlaClock], reg: Register) -> None:
    """Point ``next_check_at`` at the next warning or breach still pending (None when closed)."""
    if inc.state in ("confirmed", "cancelled"):
        inc.next_check_at = None
        return
    category = ctx.customer.categories.get(inc.category)
    warn_at = category.warn_at if category else (0.5, 0.8)
    cal = ctx.services.calendar(ctx.customer_id)
    sla_next = schedule_next(clocks, warn_at, cal, reg.pauses(inc.id or 0))
    esc_next = escalation.next_at(reg.session, inc.id or 0)
    tacit_next = acceptance_next(inc, ctx.customer, cal)
    inc.next_check_at = min((t for t in (sla_next, esc_next, tacit_next) if t is not None), default=None)


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


def _transition_reply(ctx: Context, inc: Incident, action: str, clocks: list[SlaClock], mode: str | None,
                      text: str) -> Reply:
    person = ctx.actor.name
    n = inc.control_number
    title = {
        "ack": lambda: ctx.t("acknowledged", number=n, person=person),
        "arrive": lambda: ctx.t("arrived", number=n, person=person, mode=ctx.t(f"mode.{mode}")),
        "resolve": lambda: ctx.t("resolved", number=n, person=person),
        "confirm": lambda: ctx.t("confirmed", number=n, person=person),
        "reopen": lambda: ctx.t("reopened", number=n, person=person, reason=text),
        "cancel": lambda: ctx.t("cancelled", number=n, person=person, reason=text),
    }[action]()
    lines = clock_lines(clocks, locale=ctx.locale, tz_name=ctx.customer.timezone, now=ctx.now)
    tacit = acceptance_note(inc, ctx.customer, ctx.services.calendar(ctx.customer_id), ctx.locale)
    if tacit is not None:
        lines.append(tacit)
    buttons = buttons_for(inc, ctx.locale)
    if action == "confirm":  # the paper form of the confirmation: the service protocol, signed by both sides
        buttons = (*buttons, Button(ctx.t("doc.service.button"), f"/report incident {n} pdf"))
    return ctx.reply(title, *lines, control_number=n, buttons=buttons)


def ack(ctx: Context, p: Parsed) -> Outcome:
    return _transition(ctx, p, "ack")


def arrive(ctx: Context, p: Parsed) -> Outcome:
    return _transition(ctx, p, "arrive")


def resolve(ctx: Context, p: Parsed) -> Outcome:
    return _transition(ctx, p, "resolve", text_required="resolution")


def confirm(ctx: Context, p: Parsed) -> Outcome:
    return _transition(ctx, p, "confirm")


def reopen(ctx: Context, p: Parsed) -> Outcome:
    return _transition(ctx, p, "reopen", text_required="reason")


def cancel(ctx: Context, p: Parsed) -> Outcome:
    return _transition(ctx, p, "cancel", text_required="reason")


def note(ctx: Context, p: Parsed) -> Outcome:
    number, rest = number_and_text(ctx, p, "note", "note")
    now, actor, channel = ctx.now, ctx.actor.person_id, ctx.request.channel

    def unit(session: Session) -> Reply:
        reg = Register(session)
        inc = _load(ctx, reg, number)
        event_id = reg.record(inc, at=now, actor=actor, kind="note", channel=channel, text=rest)
        announce(session, ctx.services.config, inc, event_id=event_id, kind="note",
                 actor=actor, text=rest, now=now)
        return ctx.reply(ctx.t("noted", number=number), control_number=number)

    return Write(unit)


# -- reading --------------------------------------------------------------------------------------
def status(ctx: Context, p: Parsed) -> Outcome:
    number, _rest = number_and_text(ctx, p, "status")

    def query(session: Session) -> Reply:
        reg = Register(session)
        inc = _load(ctx, reg, number)
        title, lines = status_lines(
            inc, reg.clocks(inc.id or 0), reg.timeline(inc.id or 0), customer=ctx.customer,
            locale=ctx.locale, now=ctx.now, person_name=_names(ctx),
        )
        return ctx.reply(title, *lines, kind="info", control_number=number, buttons=buttons_for(inc, ctx.locale))

    return Read(query)


def incidents(ctx: Context, p: Parsed) -> Outcome:
    words = p.args.split()
    scope, component = "open", None
    for w in words:
        if w.casefold() in ("open", "all"):
            scope = w.casefold()
            continue
        component = ctx.customer.component_key(w)
        if component is None:
            ctx.fail("error.unknown_component", value=w, customer=ctx.customer.name,
                     choices=_choices(ctx.customer, "component", ctx.locale))
    states = lifecycle.OPEN_STATES if scope == "open" else None

    def query(session: Session) -> Reply:
        reg = Register(session)
        rows = reg.list_incidents(ctx.customer_id, states=states, component=component)
        total = reg.count(ctx.customer_id, states=states, component=component)
        if not rows:
            return ctx.reply(ctx.t("list.empty"), kind="info")
        tz = ctx.customer.tz
        lines = []
        for inc in rows:
            desc = inc.description if len(inc.description) <= 60 else inc.description[:59] + "…"
            lines.append(
                f"{inc.control_number} · {ctx.t(f'state.{inc.state}')} · "
                f"{category_title(ctx.customer, inc.category, ctx.locale)} · {component_title(ctx.customer, inc.component)}"
                f" · {format_datetime(inc.reported_at, tz, ctx.locale)} · {desc}"
            )
        return ctx.reply(ctx.t("list.title", count=total, customer=ctx.customer.name), *lines, kind="info")

    return Read(query)
