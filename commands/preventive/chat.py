"""/tasks and /task: the planned maintenance in chat.

* ``/tasks [overdue|all]`` — what is due (its window open, or due within a week) and overdue; ``all``
  adds the last closed ones.
* ``/task <task>[#n]`` — one occurrence: window, due, state, checklist, evidence, incidents, timeline.
  Without ``#n``: the task's earliest open occurrence.
* ``/task <ref> start [note]`` · ``note <text>`` · ``check <1,3|all>`` · ``done [notes] [--check 1,2|all]`` (an option's value runs to the next option)
  · ``skip <reason>`` · ``incident <category> <component> <description>`` (filed and linked both ways).

Every step goes on the occurrence's own timeline with its time and who.
"""

from __future__ import annotations

import json
import re
from collections.abc import Callable, Sequence
from datetime import datetime

from sqlmodel import Session

from commands.desk.context import Context, Outcome, Read, Write
from commands.desk.parse import Parsed
from commands.desk.reply import Reply
from commands.domain.i18n.format import format_datetime
from commands.incidents import incident as incident_cmd
from commands.incidents.views import component_title, excerpt
from commands.preventive.domain.config import localized
from commands.preventive.listing import occurrence, task_list, ticked
from commands.preventive.messages import line, ref_of, status_of
from commands.preventive.plan import TaskRef, tasks_of
from storage import maintenance as store
from storage.models import Incident
from storage.models_maintenance import CLOSED, MaintenanceTask

_REF = re.compile(r"^(?P<task>[a-z0-9][a-z0-9_-]{0,47})(?:#(?P<seq>\d{1,6}))?$")
_TO_ASCII = str.maketrans("۰۱۲۳۴۵۶۷۸۹٠١٢٣٤٥٦٧٨٩", "01234567890123456789")
ACTIONS = ("start", "note", "check", "done", "skip", "incident")


def list_tasks(ctx: Context, p: Parsed) -> Outcome:
    words = [w.casefold() for w in p.args.split()]
    if len(words) > 1 or (words and words[0] not in ("overdue", "all")):
        ctx.fail("error.usage", usage=ctx.t("help.tasks"))
    scope = words[0] if words else "due"
    if ctx.customer.preventive is None or not ctx.customer.preventive.tasks:
        ctx.fail("pm.error.no_plan", customer=ctx.customer.name)
    services, cid, now, loc = ctx.services, ctx.customer_id, ctx.now, ctx.locale

    def query(session: Session) -> Reply:
        found = task_list(session, cid, now, scope)
        lines = ["• " + line(services, r, loc, now) for r in (*found.due, *found.closed)]
        if not lines:
            return ctx.reply(ctx.t("pm.list.none"), kind="info")
        return ctx.reply(ctx.t("pm.list.title", count=len(found.due), overdue=found.overdue), *lines, kind="info")

    return Read(query)


def task(ctx: Context, p: Parsed) -> Outcome:
    usage = ctx.t("help.task")
    for opt in p.options:
        if opt not in ("check", "customer"):
            ctx.fail("error.bad_option", option=opt, usage=usage)
    words, rest = p.words(2)
    if not words:
        ctx.fail("error.usage", usage=usage)
    ref, seq = _parse_ref(ctx, words[0])
    action = words[1].casefold() if len(words) > 1 else "show"
    if action not in (*ACTIONS, "show"):
        ctx.fail("pm.error.bad_action", value=words[1], choices=", ".join(ACTIONS))
    if action == "show" and len(words) > 1:
        rest = ""
    limit = ctx.services.config.desk.max_description
    if len(rest) > limit and action != "incident":  # an incident's description is judged by /incident's rules
        ctx.fail("error.too_long", length=len(rest), limit=limit)
    if action == "show":
        return Read(lambda session: _show(ctx, session, ref, seq))
    if action == "note" and not rest:
        ctx.fail("pm.error.text_needed")
    if action == "skip" and not rest:
        ctx.fail("pm.error.reason_needed")
    ticks: list[int] | None = None
    if action == "check":
        ticks = _ticks(ctx, ref, rest)
    elif action == "done" and "check" in p.options:
        ticks = _ticks(ctx, ref, p.options["check"])
    if action == "incident":
        return _incident(ctx, ref, seq, rest)
    now, actor = ctx.now, ctx.actor.person_id

    def unit(session: Session) -> Reply:
        row = _load(ctx, session, ref, seq, lock=True)
        if row.state in CLOSED:
            ctx.fail("pm.error.closed", ref=ref_of(row), state=ctx.t(f"pm.state.{row.state}"))
        if action == "start":
            if row.state == "started":
                ctx.fail("pm.error.already_started", ref=ref_of(row))
            row.state, row.started_at, row.started_by = "started", now, actor
            store.add_event(session, row, now, actor, "started", rest)
        elif action == "note":
            store.add_event(session, row, now, actor, "note", rest)
        elif action == "check":
            assert ticks is not None
            row.checklist = json.dumps(sorted(set(ticked(row)) | set(ticks)))
            store.add_event(session, row, now, actor, "checked", "", {"items": ticks})
        elif action == "done":
            if ticks is not None:
                row.checklist = json.dumps(sorted(set(ticked(row)) | set(ticks)))
            row.state, row.closed_at, row.closed_by, row.notes = "done", now, actor, rest
            row.next_check_at = None
            store.add_event(session, row, now, actor, "done", rest, {"items": ticked(row)})
        else:  # skip
            row.state, row.closed_at, row.closed_by, row.notes = "skipped", now, actor, rest
            row.next_check_at = None
            store.add_event(session, row, now, actor, "skipped", rest)
        session.add(row)
        return _after(ctx, row, ref, action, now)

    return Write(unit)


def _after(ctx: Context, row: MaintenanceTask, ref: TaskRef, action: str, now: datetime) -> Reply:
    total = len(ref.config.checklist)
    lines: list[str] = []
    if action in ("check", "done") and total:
        lines.append(ctx.t("pm.checked_count", ticked=len(ticked(row)), total=total))
    if action == "done" and row.closed_at is not None and row.closed_at > row.due_at:
        lines.append(ctx.t("pm.done_late", when=format_datetime(row.due_at, ctx.customer.tz, ctx.locale)))
    if action == "done":
        lines.append(ctx.t("pm.protocol_hint", ref=ref_of(row)))
    return ctx.reply(ctx.t(f"pm.{action}.ok", ref=ref_of(row), title=ref.title(ctx.locale)), *lines)


def _parse_ref(ctx: Context, word: str) -> tuple[TaskRef, int | None]:
    refs = tasks_of(ctx.customer_id, ctx.customer)
    m = _REF.match(word.translate(_TO_ASCII).casefold())
    found = next((r for r in refs if m and r.task_id == m.group("task")), None)
    if m is None or found is None:
        ctx.fail("pm.error.unknown_task", value=excerpt(word, 60), customer=ctx.customer.name,
                 choices=", ".join(r.task_id for r in refs) or "—")
    return found, int(m.group("seq")) if m.group("seq") else None


def _load(ctx: Context, session: Session, ref: TaskRef, seq: int | None, *, lock: bool = False) -> MaintenanceTask:
    row = occurrence(session, ctx.customer_id, ref.task_id, seq)
    if row is None:
        ctx.fail("pm.error.no_occurrence", ref=f"{ref.task_id}#{seq}" if seq else ref.task_id)
    if lock and row.id is not None:
        locked = store.get(session, ctx.customer_id, row.id, lock=True)
        assert locked is not None
        return locked
    return row


def _ticks(ctx: Context, ref: TaskRef, text: str) -> list[int]:
    total = len(ref.config.checklist)
    if not total:
        ctx.fail("pm.error.no_checklist", task=ref.task_id)
    words = [w for w in re.split(r"[\s,،;]+", text.translate(_TO_ASCII).strip()) if w]
    if [w.casefold() for w in words] in (["all"], ["всички"], ["همه"]):
        return list(range(1, total + 1))
    if not words or not all(w.isdigit() and 1 <= int(w) <= total for w in words):
        ctx.fail("pm.error.bad_check", value=excerpt(text, 60), total=total)
    return sorted({int(w) for w in words})


def _show(ctx: Context, session: Session, ref: TaskRef, seq: int | None) -> Reply:
    row = _load(ctx, session, ref, seq)
    tz, loc = ctx.customer.tz, ctx.locale

    def when(at: datetime) -> str:
        return format_datetime(at, tz, loc)

    names = {pid: p.name for pid, p in ctx.services.config.people.items()}
    lines = [ctx.t("pm.show.window", opens=when(row.opens_at), due=when(row.due_at)),
             ctx.t("pm.show.state", state=ctx.t(f"pm.state.{status_of(row, ctx.now)}"),
                   who=names.get(row.closed_by or row.started_by or "", row.closed_by or row.started_by or "—"))]
    if ref.config.components:
        lines.append(ctx.t("pm.components", components=", ".join(
            component_title(ctx.customer, c) for c in ref.config.components)))
    marked = set(ticked(row))
    for n, item in enumerate(ref.config.checklist, 1):
        lines.append(f"{'☑' if n in marked else '☐'} {n}. {localized(item, loc)}")
    for e in json.loads(row.evidence or "[]"):
        lines.append(ctx.t("pm.evidence_item", target=e["target"], run=e["run_id"], sha=e.get("sha256") or "—",
                           when=when(datetime.fromisoformat(e["finished_at"]))))
    for inc in store.incidents_of(session, row.id or 0):
        lines.append(ctx.t("pm.show.incident", number=inc.control_number, state=ctx.t(f"state.{inc.state}")))
    lines.append(ctx.t("pm.show.timeline"))
    for ev in store.events(session, row.id or 0):
        who = names.get(ev.actor, ev.actor)
        text = f" — {excerpt(ev.text, 300)}" if ev.text else ""
        lines.append(f"{when(ev.at)} · {ctx.t(f'pm.event.{ev.kind}')} · {who}{text}")
    title = ctx.t("pm.show.title", ref=ref_of(row), title=ref.title(loc))
    return ctx.reply(title, *lines, kind="info")


def _incident(ctx: Context, ref: TaskRef, seq: int | None, rest: str) -> Outcome:
    """File an incident (the /incident grammar and checks) and link it to the occurrence both ways."""
    filed = incident_cmd.file_incident(ctx, Parsed(command="incident", args=rest))
    if not isinstance(filed, Write):  # pragma: no cover - /incident always writes
        return filed
    inner: Callable[[Session], Reply] = filed.unit
    now, actor, channel = ctx.now, ctx.actor.person_id, ctx.source

    def unit(session: Session) -> Reply:
        row = _load(ctx, session, ref, seq, lock=True)
        reply = inner(session)
        from sqlmodel import select

        inc = session.exec(select(Incident).where(Incident.control_number == reply.control_number)).one()
        store.link_incident(session, row, inc, now, actor, channel)
        lines: Sequence[str] = (*reply.lines, ctx.t("pm.incident.linked", ref=ref_of(row)))
        return Reply(text=reply.text, lines=tuple(lines), kind=reply.kind, buttons=reply.buttons,
                     locale=reply.locale, control_number=reply.control_number)

    return Write(unit)
