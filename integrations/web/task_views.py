"""What the planned-maintenance pages show for one reader: the customer's occurrences (the use case behind
``/tasks``: commands/preventive/listing.py) and one occurrence with its checklist, notes, evidence,
incidents and timeline — the data ``/task`` and the maintenance protocol read, in the reader's language
and the customer's time zone."""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import datetime

from sqlmodel import Session

from commands.desk.context import Services
from commands.domain.i18n.catalog import MESSAGES, t
from commands.domain.i18n.format import format_datetime
from commands.incidents.views import component_title
from commands.preventive.domain.config import localized
from commands.preventive.listing import occurrence, responsible, task_list, ticked
from commands.preventive.messages import ref_of, status_of
from commands.preventive.plan import TaskRef, task_ref
from storage import maintenance as store
from storage.models_maintenance import CLOSED, MaintenanceTask


@dataclass(frozen=True)
class TaskRow:
    ref: str  # config-archive#2
    url: str
    title: str
    components: str
    due: str
    state: str  # the state's word, as chat says it
    tone: str  # planned | started | done | skipped | overdue (the CSS class)
    who: str


@dataclass(frozen=True)
class TaskListView:
    rows: list[TaskRow]
    due: int
    overdue: int


@dataclass(frozen=True)
class CheckItem:
    n: int
    text: str
    ticked: bool


@dataclass(frozen=True)
class StepView:
    when: str
    what: str
    who: str
    text: str


@dataclass(frozen=True)
class TaskDetail:
    row: TaskRow
    opens: str
    checklist: list[CheckItem]
    notes: str
    evidence: list[str]
    incidents: list[tuple[str, str]]  # (control number, state word)
    steps: list[StepView]
    closed: bool  # done or skipped: its maintenance protocol exists


def url_of(task: MaintenanceTask) -> str:
    return f"/tasks/{task.customer_id}/{task.task_id}/{task.seq}"


def _who(services: Services, ids: list[str], locale: str) -> str:
    names = services.config.people
    if ids == ["backup"]:
        return t(locale, "doc.by_backups")
    return ", ".join(names[i].name if i in names else i for i in ids) or t(locale, "web.tasks.engineers")


def _row(session: Session, services: Services, task: MaintenanceTask, ref: TaskRef, locale: str,
         now: datetime) -> TaskRow:
    customer = services.config.customers[task.customer_id]
    state = status_of(task, now)
    return TaskRow(ref_of(task), url_of(task), ref.title(locale),
                   ", ".join(component_title(customer, c) for c in ref.config.components),
                   format_datetime(task.due_at, customer.tz, locale), t(locale, f"pm.state.{state}"), state,
                   _who(services, responsible(session, services, task, ref), locale))


def task_list_view(session: Session, services: Services, customer_id: str, now: datetime, locale: str,
                   scope: str) -> TaskListView:
    """The occurrences ``/tasks [scope]`` lists for the customer (occurrences of a task no longer in the
    configuration are left out, as the sweeper leaves them)."""
    found = task_list(session, customer_id, now, scope)
    rows = []
    for task in (*found.due, *found.closed):
        ref = task_ref(services, customer_id, task.task_id)
        if ref is not None:
            rows.append(_row(session, services, task, ref, locale, now))
    return TaskListView(rows, len(found.due), found.overdue)


def task_detail(session: Session, services: Services, customer_id: str, task_id: str, seq: int, now: datetime,
                locale: str) -> TaskDetail | None:
    """Occurrence ``seq`` of the customer's task; None for a task or occurrence the customer does not
    have (another customer's is not found, exactly as one that does not exist)."""
    ref = task_ref(services, customer_id, task_id)
    task = occurrence(session, customer_id, task_id, seq) if ref is not None else None
    if ref is None or task is None or task.id is None:
        return None
    tz = services.config.customers[customer_id].tz
    names = {pid: p.name for pid, p in services.config.people.items()}
    marked = set(ticked(task))
    evidence = [t(locale, "pm.evidence_item", target=e["target"], run=e["run_id"], sha=e.get("sha256") or "—",
                  when=format_datetime(datetime.fromisoformat(e["finished_at"]), tz, locale))
                for e in json.loads(task.evidence or "[]")]
    steps = []
    for ev in store.events(session, task.id):
        key = f"pm.event.{ev.kind}"
        steps.append(StepView(format_datetime(ev.at, tz, locale), t(locale, key) if key in MESSAGES else ev.kind,
                              _who(services, [ev.actor], locale) if ev.actor == "backup" else names.get(ev.actor, ev.actor),
                              _step_text(ev.kind, ev.text, ev.data)))
    return TaskDetail(
        _row(session, services, task, ref, locale, now), format_datetime(task.opens_at, tz, locale),
        [CheckItem(n, localized(item, locale), n in marked) for n, item in enumerate(ref.config.checklist, 1)],
        task.notes, evidence,
        [(inc.control_number, t(locale, f"state.{inc.state}")) for inc in store.incidents_of(session, task.id)],
        steps, task.state in CLOSED)


def has_protocol(session: Session, services: Services, customer_id: str, task_id: str, seq: int) -> bool:
    """Occurrence ``seq`` of the customer's task exists and is closed (done or skipped): it has a
    maintenance protocol."""
    task = occurrence(session, customer_id, task_id, seq) if task_ref(services, customer_id, task_id) else None
    return task is not None and task.state in CLOSED


def _step_text(kind: str, text: str, data: str) -> str:
    """A step's text; a ticking step names the items it ticked."""
    if kind == "checked" and not text:
        items = json.loads(data or "{}").get("items") or []
        return ", ".join(str(n) for n in items)
    return text
