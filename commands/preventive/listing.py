"""What the planned maintenance lists and which occurrence a reference names — one place for the rules
that chat (``/tasks``, ``/task``) and the web pages (integrations/web) both read by."""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlmodel import Session

from commands.desk.context import Services
from commands.oncall.escalation import resolve_target
from commands.preventive.plan import TaskRef
from storage import maintenance as store
from storage.models_maintenance import CLOSED, OPEN, MaintenanceTask

SOON = timedelta(days=7)  # /tasks lists what falls due within a week
LAST_CLOSED = 10  # "all" adds this many of the last closed occurrences
SCOPES = ("due", "overdue", "all")


@dataclass(frozen=True)
class TaskList:
    due: list[MaintenanceTask]  # open, due before a week from now (the overdue ones included), earliest first
    closed: list[MaintenanceTask]  # scope "all": the last closed ones, earliest due first
    overdue: int  # how many of ``due`` are past their due instant


def task_list(session: Session, customer_id: str, now: datetime, scope: str = "due") -> TaskList:
    """The customer's occurrences for ``scope``: ``due`` (open and due within a week, or overdue),
    ``overdue`` (only those past due) or ``all`` (``due`` and the last closed ones)."""
    if scope not in SCOPES:
        raise ValueError(f"unknown scope {scope!r}")
    rows = store.of_customer(session, customer_id, states=OPEN, due_until=now + SOON)
    if scope == "overdue":
        rows = [r for r in rows if r.due_at < now]
    closed = store.of_customer(session, customer_id, states=CLOSED)[-LAST_CLOSED:] if scope == "all" else []
    return TaskList(rows, closed, sum(1 for r in rows if r.due_at < now))


def occurrence(session: Session, customer_id: str, task_id: str, seq: int | None) -> MaintenanceTask | None:
    """Occurrence ``seq`` of the customer's task; without ``seq`` its earliest open one. Another
    customer's is never found: the query is the customer's own."""
    mine = [r for r in store.of_customer(session, customer_id) if r.task_id == task_id]
    if seq is None:
        return next((r for r in mine if r.state in OPEN), None)
    return next((r for r in mine if r.seq == seq), None)


def ticked(row: MaintenanceTask) -> list[int]:
    """The checklist items ticked (1-based)."""
    return [int(n) for n in json.loads(row.checklist or "[]")]


def responsible(session: Session, services: Services, row: MaintenanceTask, ref: TaskRef) -> list[str]:
    """Who answers for the occurrence: who closed it ("backup" when the backups did), else who started
    it, else whom its ``responsible`` names at its due instant (the schedule's on-call then, overrides
    included). Empty: nobody named (the customer's engineers)."""
    if row.closed_by or row.started_by:
        return [row.closed_by or row.started_by or ""]
    return resolve_target(session, services, ref.config.responsible, row.due_at, row.customer_id)
