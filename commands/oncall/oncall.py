"""/oncall (who is on call now and next, overrides, the coming shifts, iCalendar export), /page and /handover."""

from __future__ import annotations

from datetime import datetime, timedelta

from sqlmodel import Session

from commands.desk.context import Context, Outcome, Read, Write
from commands.desk.parse import Parsed
from commands.desk.reply import Attachment, Reply
from commands.desk.when import span
from commands.domain.i18n.catalog import t
from commands.domain.i18n.format import format_datetime
from commands.incidents.actions import load_incident
from commands.incidents.domain import lifecycle
from commands.incidents.incident import number_and_text
from commands.incidents.notify import announce
from commands.oncall import escalation
from commands.oncall.domain.rotation import Override, Shift, check_override
from commands.oncall.ics import calendar_file
from storage.models import OncallOverride
from storage.outbox import Outbox
from storage.register import Register

STAFF = ("engineer", "admin")
ICS_WINDOW = timedelta(days=60)  # /oncall ics: the shifts that overlap the next 60 days, whole


def _schedules(ctx: Context) -> list[str]:
    """The customer's schedules (``Config.schedules_of``): never another customer's."""
    names = ctx.services.config.schedules_of(ctx.customer_id)
    if not names:
        ctx.fail("oncall.none")
    return names


def _person(ctx: Context, word: str) -> str:
    """A person of the command's customer; anyone else is answered exactly like nobody, and the list
    names only the customer's own people."""
    pid = word.casefold().lstrip("@")
    people = ctx.services.directory.people_of(ctx.customer_id)
    if pid not in people:
        ctx.fail("oncall.unknown_person", person=word, people=", ".join(people))
    return pid


def oncall(ctx: Context, p: Parsed) -> Outcome:
    words = p.args.split()
    sub = words[0].casefold() if words else ""
    if sub == "override":
        return _override(ctx, p)
    if sub in ("schedule", "ics"):
        return _shifts(ctx, p, sub)
    if sub:
        ctx.fail("error.usage", usage=ctx.t("help.oncall"))
    names = _schedules(ctx)
    now = ctx.now

    def query(session: Session) -> Reply:
        lines = []
        for name in names:
            sched = escalation.schedule_with_overrides(session, ctx.services, name, now, ctx.customer_id)
            shifts = sched.shifts(now, now + timedelta(days=14))
            current = shifts[0] if shifts and shifts[0].start <= now else None
            following = next((s for s in shifts if s.start > now and (current is None or s.person != current.person)),
                             None)
            lines.append(ctx.t(
                "oncall.now", schedule=name,
                person=ctx.services.directory.person_name(current.person) if current else ctx.t("word.none"),
                until=format_datetime(current.end, ctx.customer.tz, ctx.locale) if current else "—",
                next=(f"{ctx.services.directory.person_name(following.person)} "
                      f"({format_datetime(following.start, ctx.customer.tz, ctx.locale)})") if following else "—",
            ))
        return ctx.reply(ctx.t("oncall.title"), *lines, kind="info")

    return Read(query)


def _override(ctx: Context, p: Parsed) -> Outcome:
    """/oncall override <person> --from <time> --to <time> [--schedule <name>]"""
    if "engineer" not in ctx.roles and "admin" not in ctx.roles:
        ctx.fail("error.forbidden", command="oncall override", customer=ctx.customer.name,
                 roles=ctx.t("role.engineer"), have=", ".join(ctx.t(f"role.{r}") for r in ctx.roles))
    words = p.args.split()
    if len(words) < 2 or "from" not in p.options or "to" not in p.options:
        ctx.fail("error.usage", usage=ctx.t("help.oncall_override"))
    person = _person(ctx, words[1])
    names = _schedules(ctx)
    schedule = p.options.get("schedule", names[0])
    if schedule not in names:
        ctx.fail("oncall.unknown_schedule", schedule=schedule, schedules=", ".join(names))
    # Placement: whoever a schedule pages for a customer holds an engineer role with it, so an override
    # needs that of the person for every customer the schedule serves — and of whoever makes it.
    config = ctx.services.config
    served = config.schedule_users()[schedule] or [ctx.customer_id]
    if any("engineer" not in config.people[person].roles.get(cid, ()) for cid in served):
        ctx.fail("oncall.not_placeable", person=ctx.services.directory.person_name(person), schedule=schedule)
    if any(not ctx.services.directory.may_be_paged_for(ctx.actor.person_id, cid) for cid in served):
        ctx.fail("oncall.override_forbidden", schedule=schedule)
    start, end = span(ctx, p.options["from"], p.options["to"])
    problem = check_override([], Override(person, start, end), ctx.now)
    if problem:
        ctx.fail(f"oncall.{problem}")
    now, actor = ctx.now, ctx.actor.person_id
    tz, locale = ctx.customer.tz, ctx.locale

    def unit(session: Session) -> Reply:
        session.add(OncallOverride(schedule=schedule, person=person, start=start, end=end, made_by=actor, made_at=now))
        return ctx.reply(ctx.t("oncall.overridden", person=ctx.services.directory.person_name(person),
                               schedule=schedule, start=format_datetime(start, tz, locale),
                               end=format_datetime(end, tz, locale)))

    return Write(unit)


def _shifts(ctx: Context, p: Parsed, sub: str) -> Outcome:
    words = p.args.split()
    days = 7
    # isdecimal, not isdigit: "²" is a digit int() cannot read; Persian digits are decimals it can
    if len(words) > 1 and words[1].isdecimal():
        days = min(int(words[1][:6]), 90)
    who = None
    if sub == "ics" and len(words) > 1 and not words[1].isdecimal():
        who = _person(ctx, words[1])
    names = _schedules(ctx)
    now = ctx.now

    def query(session: Session) -> Reply:
        shifts: list[tuple[str, Shift]] = []
        for name in names:
            sched = escalation.schedule_with_overrides(session, ctx.services, name, now, ctx.customer_id)
            if sub == "ics":  # whole shifts, as they are: the same events at every export
                shifts += [(name, s) for s in sched.whole_shifts(now, now + ICS_WINDOW)]
            else:
                shifts += [(name, s) for s in sched.shifts(now, now + timedelta(days=days))]
        if sub == "ics":
            person = who or ctx.actor.person_id
            mine = sorted(((n, s) for n, s in shifts if s.person == person), key=lambda x: (x[1].start, x[0]))
            return ctx.reply(ctx.t("oncall.ics", person=ctx.services.directory.person_name(person), count=len(mine)),
                             kind="info", attachment=Attachment(f"oncall-{person}.ics", _ics(ctx, person, mine, now),
                                                                "text/calendar"))
        tz, locale = ctx.customer.tz, ctx.locale
        lines = [f"{name} · {format_datetime(s.start, tz, locale)} → {format_datetime(s.end, tz, locale)} · "
                 f"{ctx.services.directory.person_name(s.person)}" + (" (override)" if s.source == "override" else "")
                 for name, s in sorted(shifts, key=lambda x: (x[1].start, x[0]))]
        return ctx.reply(ctx.t("oncall.schedule", days=days), *lines, kind="info")

    return Read(query)


def _ics(ctx: Context, person: str, shifts: list[tuple[str, Shift]], now: datetime) -> bytes:
    """The person's shifts as an iCalendar file, in the asker's language (commands/oncall/ics.py)."""
    who = ctx.services.directory.person_name(person)

    def description(schedule: str, shift: Shift) -> str:
        how = ctx.t("oncall.ics.override") if shift.source == "override" else shift.source
        return ctx.t("oncall.ics.description", person=who, schedule=schedule, source=how)

    return calendar_file(shifts, now, name=ctx.t("oncall.ics.calendar", person=who),
                         summary=lambda schedule, _: ctx.t("oncall.ics.summary", schedule=schedule),
                         description=description)


def page(ctx: Context, p: Parsed) -> Outcome:
    """/page <person|schedule> <message>: page now, outside any escalation."""
    parts = p.args.split(None, 1)
    if len(parts) < 2:
        ctx.fail("error.usage", usage=ctx.t("help.page"))
    target, text = parts[0].casefold(), parts[1]
    if len(text) > ctx.services.config.desk.max_description:
        ctx.fail("error.too_long", length=len(text), limit=ctx.services.config.desk.max_description)
    config = ctx.services.config
    # Only the customer's own people and schedules: anyone else is answered like nobody.
    people_here = ctx.services.directory.people_of(ctx.customer_id)
    schedules_here = config.schedules_of(ctx.customer_id)
    if target not in people_here and target not in schedules_here:
        ctx.fail("oncall.unknown_target", target=parts[0], people=", ".join(people_here),
                 schedules=", ".join(schedules_here))
    now, actor = ctx.now, ctx.actor.person_id
    key = ctx.request.delivery_id or f"{actor}:{now.isoformat()}"

    def unit(session: Session) -> Reply:
        people = [target] if target in people_here else escalation.resolve_target(
            session, ctx.services, f"schedule:{target}", now, ctx.customer_id)
        if not people:
            ctx.fail("oncall.nobody", target=target)
        for pid in people:
            person = config.people[pid]
            locale = person.locale or ctx.customer.locale
            reply = Reply(text=t(locale, "page.manual", person=ctx.actor.name, text=text), locale=locale)
            Outbox(session).put(dedupe_key=f"manual:{key}:{pid}", customer_id=ctx.customer_id, kind="page",
                                audience=f"person:{pid}", payload=reply.to_dict(), now=now)
        return ctx.reply(ctx.t("oncall.paged", people=", ".join(ctx.services.directory.person_name(x) for x in people)))

    return Write(unit)


def handover(ctx: Context, p: Parsed) -> Outcome:
    """/handover <number> <person>: someone else takes the incident; they are paged."""
    number, rest = number_and_text(ctx, p, "handover")
    if not rest:
        ctx.fail("error.usage", usage=ctx.t("help.handover"))
    pid = _person(ctx, rest.split()[0])
    if not {"engineer", "admin"} & set(ctx.services.config.people[pid].roles.get(ctx.customer_id, ())):
        ctx.fail("oncall.not_engineer", person=ctx.services.directory.person_name(pid), customer=ctx.customer.name)
    now, actor, channel = ctx.now, ctx.actor.person_id, ctx.source

    def unit(session: Session) -> Reply:
        reg = Register(session)
        inc = load_incident(ctx, reg, number, lock=True)
        if lifecycle.is_closed(inc.state):
            ctx.fail("error.closed", number=number, state=ctx.t(f"state.{inc.state}"))
        before = inc.assignee
        inc.assignee = pid
        reg.touch(inc)
        name = ctx.services.directory.person_name(pid)
        event_id = reg.record(inc, at=now, actor=actor, kind="handover", channel=channel, text=name,
                              data={"from": before, "to": pid})
        announce(session, ctx.services.config, inc, event_id=event_id, kind="handover",
                 actor=actor, text=name, now=now)
        escalation.page_person(session, ctx.services, inc, pid, f"handover:{event_id}:{pid}", now)
        return ctx.reply(ctx.t("oncall.handed_over", number=number, person=name), control_number=number)

    return Write(unit)

