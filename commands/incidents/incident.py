"""The chat grammar of the incidents: ``/incident``, ``/ack`` … ``/note``, ``/status``, ``/incidents``.

Each handler reads what a person typed (or a form's fields) into typed values and calls the use case in
commands/incidents/actions.py; the refusals of the grammar (usage, a malformed number, a time that does
not parse) are here, the rules of the register are there.
"""

from __future__ import annotations

from sqlmodel import Session

from commands.desk.context import Context, Outcome, Read
from commands.desk.directory import NUMBER
from commands.desk.parse import Parsed
from commands.desk.reply import Reply
from commands.desk.when import when
from commands.domain.i18n.format import format_datetime
from commands.incidents import actions
from commands.incidents.actions import (
    IncidentReport,
    category_of,
    check_text,
    component_of,
    load_incident,
)
from commands.incidents.domain import lifecycle
from commands.incidents.views import buttons_for, category_title, component_title, status_lines
from storage.register import Register


# -- numbers and texts ------------------------------------------------------------------------------
def check_number(ctx: Context, text: str) -> str:
    """A control number as typed: well formed and of this customer (another's: as a missing one)."""
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
    number = check_number(ctx, words[0])
    if text_required and not rest:
        ctx.fail("error.missing_text", what=ctx.t(f"what.{text_required}"), usage=ctx.t(f"help.{command}"))
    check_text(ctx, rest)
    return number, rest


def _names(ctx: Context) -> dict[str, str]:
    return {pid: p.name for pid, p in ctx.services.config.people.items()}


# -- /incident ------------------------------------------------------------------------------------
def file_incident(ctx: Context, p: Parsed) -> Outcome:
    """``/incident <category> <component> <description> [--reported <time>]``."""
    usage = ctx.t("help.incident")
    for opt in p.options:
        if opt not in ("reported", "customer"):
            ctx.fail("error.bad_option", option=opt, usage=usage)
    (words, description) = p.words(2)
    if len(words) < 1:
        ctx.fail("error.usage", usage=usage)
    category = category_of(ctx, words[0])
    if len(words) < 2:
        ctx.fail("error.usage", usage=usage)
    component = component_of(ctx, words[1])
    if not description:
        ctx.fail("error.missing_description")
    check_text(ctx, description)
    # A report kept in the journal while the register was unavailable (commands/desk/journaled.py) is
    # registered now; its first notification is when it arrived, and "--reported today 08:55" is read as of then.
    arrived = ctx.request.received_at or ctx.now
    first = when(ctx, p.options["reported"], as_of=arrived) if "reported" in p.options else None
    return actions.report_incident(ctx, IncidentReport(category, component, description, first, arrived))


# -- lifecycle ------------------------------------------------------------------------------------
_MODES: dict[str, actions.ArrivalMode] = {"onsite": "onsite", "on-site": "onsite", "site": "onsite",
                                          "remote": "remote"}


def _transition(ctx: Context, p: Parsed, action: str) -> Outcome:
    """Shared grammar of /ack, /arrive, /resolve, /confirm, /reopen, /cancel: a number, then a text."""
    number, rest = number_and_text(ctx, p, action, lifecycle.TRANSITIONS[action].needs)
    if action == "arrive":
        mode = _MODES.get((rest.split() or ["onsite"])[0].casefold())
        if mode is None:
            ctx.fail("error.bad_mode", number=number)
        return actions.arrive(ctx, number, mode)
    return actions.transition(ctx, number, action, text=rest)


def ack(ctx: Context, p: Parsed) -> Outcome:
    return _transition(ctx, p, "ack")


def arrive(ctx: Context, p: Parsed) -> Outcome:
    return _transition(ctx, p, "arrive")


def resolve(ctx: Context, p: Parsed) -> Outcome:
    return _transition(ctx, p, "resolve")


def confirm(ctx: Context, p: Parsed) -> Outcome:
    return _transition(ctx, p, "confirm")


def reopen(ctx: Context, p: Parsed) -> Outcome:
    return _transition(ctx, p, "reopen")


def cancel(ctx: Context, p: Parsed) -> Outcome:
    return _transition(ctx, p, "cancel")


def note(ctx: Context, p: Parsed) -> Outcome:
    number, rest = number_and_text(ctx, p, "note", "note")
    return actions.add_note(ctx, number, rest)


# -- reading --------------------------------------------------------------------------------------
def status(ctx: Context, p: Parsed) -> Outcome:
    number, _rest = number_and_text(ctx, p, "status")

    def query(session: Session) -> Reply:
        reg = Register(session)
        inc = load_incident(ctx, reg, number)
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
        component = component_of(ctx, w)
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
