"""The SLA clocks' use cases (``pause_clocks``, ``resume_clocks``, ``change_category``, ``device_received``:
typed values, any channel) and their chat grammar: /pause, /resume, /category, /received and /sla."""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime

from sqlmodel import Session

from commands.desk.context import Caller, Context, Outcome, Write
from commands.desk.parse import Parsed
from commands.desk.reply import Reply
from commands.desk.when import when
from commands.domain.i18n.format import format_datetime
from commands.domain.i18n.targets import describe_target
from commands.incidents.actions import category_of, check_past, load_incident, reschedule
from commands.incidents.domain import lifecycle
from commands.incidents.domain.sla import deadline, parse_target, start_event
from commands.incidents.incident import check_number, number_and_text
from commands.incidents.notify import announce
from commands.incidents.sla import (
    ClockPlan,
    clock_lines,
    pauses_for,
    plan_clocks,
    rejudge_clock,
    start_clocks,
)
from commands.incidents.views import buttons_for, category_title
from storage.models import Incident, SlaClock, SlaPause
from storage.register import Register

Body = Callable[[Session, Register, Incident, int], Reply]


def _open_incident_unit(ctx: Caller, number: str, body: Body) -> Write:
    """A unit of work on an incident that is still open; ``body`` gets its id for the queries."""

    def unit(session: Session) -> Reply:
        reg = Register(session)
        inc = load_incident(ctx, reg, number, lock=True)
        if lifecycle.is_closed(inc.state):
            ctx.fail("error.closed", number=number, state=ctx.t(f"state.{inc.state}"))
        assert inc.id is not None
        return body(session, reg, inc, inc.id)

    return Write(unit)


def pause(ctx: Context, p: Parsed) -> Outcome:
    number, reason = number_and_text(ctx, p, "pause", "reason")
    return pause_clocks(ctx, number, reason)


def pause_clocks(ctx: Caller, number: str, reason: str) -> Write:
    """Stop the clocks the category's ``pause_affects`` names until ``resume_clocks``."""
    now, actor, channel = ctx.now, ctx.actor.person_id, ctx.source

    def body(session: Session, reg: Register, inc: Incident, iid: int) -> Reply:
        if any(pz.ended_at is None for pz in reg.pauses(iid)):
            ctx.fail("error.already_paused", number=number)
        category = ctx.customer.categories.get(inc.category)
        affects = category.pause_affects if category else ("resolution",)
        session.add(SlaPause(incident_id=iid, started_at=now, reason=reason, clocks=",".join(affects)))
        clocks = reg.clocks(iid)
        for c in clocks:
            if c.name in affects and c.stopped_at is None:
                c.paused_since = now
                session.add(c)
        session.flush()
        reschedule(ctx, inc, clocks, reg)
        reg.touch(inc)
        event_id = reg.record(inc, at=now, actor=actor, kind="paused", channel=channel, text=reason,
                   data={"clocks": list(affects)})
        announce(session, ctx.services.config, inc, event_id=event_id, kind="paused", actor=actor,
                 text=reason, now=now)
        lines = clock_lines(clocks, locale=ctx.locale, tz_name=ctx.customer.timezone, now=now)
        return ctx.reply(ctx.t("paused", number=number, reason=reason), *lines, control_number=number)

    return _open_incident_unit(ctx, number, body)


def resume(ctx: Context, p: Parsed) -> Outcome:
    number, _rest = number_and_text(ctx, p, "resume")
    return resume_clocks(ctx, number)


def resume_clocks(ctx: Caller, number: str) -> Write:
    now, actor, channel = ctx.now, ctx.actor.person_id, ctx.source
    cal = ctx.services.calendar(ctx.customer_id)

    def body(session: Session, reg: Register, inc: Incident, iid: int) -> Reply:
        pauses = reg.pauses(iid)
        current = next((pz for pz in pauses if pz.ended_at is None), None)
        if current is None:
            ctx.fail("error.not_paused", number=number)
        current.ended_at = now
        session.add(current)
        clocks = reg.clocks(iid)
        for c in clocks:
            if c.paused_since is not None:
                c.paused_since = None
                if c.started_at is not None:
                    c.deadline = deadline(parse_target(c.target), c.started_at, cal, pauses_for(c, pauses), now)
                session.add(c)
        session.flush()
        reschedule(ctx, inc, clocks, reg)
        reg.touch(inc)
        event_id = reg.record(inc, at=now, actor=actor, kind="resumed", channel=channel)
        announce(session, ctx.services.config, inc, event_id=event_id, kind="resumed", actor=actor,
                 text="", now=now)
        lines = clock_lines(clocks, locale=ctx.locale, tz_name=ctx.customer.timezone, now=now)
        return ctx.reply(ctx.t("resumed", number=number), *lines, control_number=number,
                         buttons=buttons_for(inc, ctx.locale))

    return _open_incident_unit(ctx, number, body)


def recategorise(ctx: Context, p: Parsed) -> Outcome:
    (words, _rest) = p.words(2)
    if len(words) < 2:
        ctx.fail("error.usage", usage=ctx.t("help.category"))
    number = check_number(ctx, words[0])
    new = ctx.customer.category_key(words[1])
    if new is None:  # listed by key alone, as /sla does
        ctx.fail("error.unknown_category", value=words[1], customer=ctx.customer.name,
                 choices=", ".join(ctx.customer.categories))
    return change_category(ctx, number, new)


def change_category(ctx: Caller, number: str, category: str) -> Write:
    """Re-plan the clocks by another category's targets, as from the first notification."""
    customer = ctx.customer
    new = category_of(ctx, category)
    now, actor, channel = ctx.now, ctx.actor.person_id, ctx.source
    cal = ctx.services.calendar(ctx.customer_id)
    cat = customer.categories[new]

    def body(session: Session, reg: Register, inc: Incident, iid: int) -> Reply:
        old = inc.category
        if old == new:
            ctx.fail("error.same_category", number=number, category=category_title(customer, new, ctx.locale))
        existing = {c.name: c for c in reg.clocks(iid)}
        pauses = reg.pauses(iid)
        planned = {c.name: c for c in plan_clocks(cat, inc.reported_at, cal, {"received": inc.received_at})}
        start_clocks(list(planned.values()), cat.warn_at, cal, now)
        for name, c in existing.items():
            if name not in planned:  # the new category has no such target
                session.delete(c)
        clocks: list[SlaClock] = []
        for name, fresh in planned.items():
            old_clock = existing.get(name)
            if old_clock is None:
                c = SlaClock(**fresh.row(iid))
            else:
                c = old_clock
                c.target, c.started_at, c.deadline = fresh.target, fresh.started_at, fresh.deadline
                c.rev, c.warned, c.breach_sent = c.rev + 1, fresh.warned, False
                if c.started_at is not None and c.deadline is not None and pauses:
                    c.deadline = deadline(parse_target(c.target), c.started_at, cal, pauses_for(c, pauses), now)
                rejudge_clock(c)  # a stopped clock judged against its new deadline
            session.add(c)
            clocks.append(c)
        inc.category = new
        session.flush()
        reschedule(ctx, inc, clocks, reg)
        reg.touch(inc)
        event_id = reg.record(inc, at=now, actor=actor, kind="category_changed", channel=channel,
                   data={"from": old, "to": new})
        announce(session, ctx.services.config, inc, event_id=event_id, kind="category_changed", actor=actor,
                 text="", now=now)
        lines = clock_lines(clocks, locale=ctx.locale, tz_name=customer.timezone, now=now)
        return ctx.reply(ctx.t("recategorised", number=number, old=category_title(customer, old, ctx.locale),
                               new=category_title(customer, new, ctx.locale)), *lines, control_number=number)

    return _open_incident_unit(ctx, number, body)


def received(ctx: Context, p: Parsed) -> Outcome:
    """A device handed in at the service centre: starts the clocks that wait for it."""
    number, _rest = number_and_text(ctx, p, "received")
    at = when(ctx, p.options["at"]) if "at" in p.options else None
    return device_received(ctx, number, at)


def device_received(ctx: Caller, number: str, at: datetime | None = None) -> Write:
    """The device was handed in at ``at`` (default: now): the clocks waiting for it start."""
    at = check_past(ctx, at, ctx.now) if at is not None else ctx.now
    now, actor, channel = ctx.now, ctx.actor.person_id, ctx.source
    cal = ctx.services.calendar(ctx.customer_id)

    def body(session: Session, reg: Register, inc: Incident, iid: int) -> Reply:
        clocks = reg.clocks(iid)
        waiting = [c for c in clocks if c.started_at is None and start_event(parse_target(c.target)) == "received"]
        if not waiting:
            ctx.fail("error.nothing_waits", number=number)
        for c in waiting:
            c.started_at = at
            c.deadline = deadline(parse_target(c.target), at, cal)
            rejudge_clock(c)  # stopped before it could start (re-categorised after the fix): judged now
            session.add(c)
        category = ctx.customer.categories.get(inc.category)
        start_clocks(waiting, category.warn_at if category else (0.5, 0.8), cal, now)
        inc.received_at = at
        session.flush()
        reschedule(ctx, inc, clocks, reg)
        reg.touch(inc)
        event_id = reg.record(inc, at=now, actor=actor, kind="received", channel=channel, data={"at": at.isoformat()})
        announce(session, ctx.services.config, inc, event_id=event_id, kind="received", actor=actor,
                 text="", now=now)
        lines = clock_lines(clocks, locale=ctx.locale, tz_name=ctx.customer.timezone, now=now)
        return ctx.reply(ctx.t("received", number=number, when=format_datetime(at, ctx.customer.tz, ctx.locale)),
                         *lines, control_number=number)

    return _open_incident_unit(ctx, number, body)


def sla_preview(ctx: Context, p: Parsed) -> Outcome:
    """/sla <category> [--at <time>]: the deadlines the contract promises for a report now or then."""
    customer = ctx.customer
    words = p.args.split()
    if not words:
        ctx.fail("error.usage", usage=ctx.t("help.sla"))
    key = customer.category_key(words[0])
    if key is None:
        ctx.fail("error.unknown_category", value=words[0], customer=customer.name,
                 choices=", ".join(customer.categories))
    at = when(ctx, p.options["at"]) if "at" in p.options else ctx.now
    clocks = plan_clocks(customer.categories[key], at, ctx.services.calendar(ctx.customer_id))
    title = ctx.t("sla.preview", category=category_title(customer, key, ctx.locale),
                  when=format_datetime(at, customer.tz, ctx.locale, with_tz=True))
    lines = [_preview_line(ctx, c) for c in clocks]
    return ctx.reply(title, *lines, kind="info")


def _preview_line(ctx: Context, c: ClockPlan) -> str:
    label = ctx.t(f"clock.{c.name}")
    if c.deadline is None:
        return ctx.t("clock.waiting", clock=label, event=ctx.t(f"event.{start_event(parse_target(c.target))}"))
    return ctx.t("sla.preview_line", clock=label, target=describe_target(c.target, ctx.locale),
                 when=format_datetime(c.deadline, ctx.customer.tz, ctx.locale))
