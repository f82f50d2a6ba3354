"""Reading and writing the occurrences of planned maintenance tasks (storage/models_maintenance.py)."""

from __future__ import annotations

import json
from collections.abc import Iterable, Iterator, Sequence
from datetime import UTC, datetime
from typing import Any, NamedTuple

from sqlalchemy import func
from sqlalchemy import select as sa_select
from sqlalchemy.dialects import postgresql, sqlite
from sqlmodel import Session, col, select

from storage.models import Incident, TimelineEvent
from storage.models_backup import BackupRun
from storage.models_maintenance import OPEN, MaintenanceEvent, MaintenanceIncident, MaintenanceTask

Planned = tuple[int, datetime, datetime, datetime | None]  # seq, opens_at, due_at, remind_at


def planned_up_to(session: Session) -> dict[tuple[str, str], tuple[int, datetime]]:
    """(customer, task) → the highest occurrence stored and the latest due instant: one query for the
    whole plan (the next occurrence's window opens at that due instant)."""
    rows = session.exec(select(MaintenanceTask.customer_id, MaintenanceTask.task_id, func.max(MaintenanceTask.seq),
                               func.max(MaintenanceTask.due_at))
                        .group_by(col(MaintenanceTask.customer_id), col(MaintenanceTask.task_id)))
    return {(cid, task): (int(seq), _aware(due)) for cid, task, seq, due in rows}


def _aware(at: datetime) -> datetime:
    """An aggregate comes back without the column's type on SQLite (a naive text): it is UTC."""
    if isinstance(at, str):
        at = datetime.fromisoformat(at)
    return at if at.tzinfo is not None else at.replace(tzinfo=UTC)


def insert_planned(session: Session, customer_id: str, task_id: str, planned: Iterable[Planned]) -> int:
    """Store occurrences not stored yet (another replica's insert of the same one is a no-op)."""
    rows = [{"customer_id": customer_id, "task_id": task_id, "seq": seq, "opens_at": opens, "due_at": due,
             "remind_at": remind, "state": "planned", "notes": "", "checklist": "[]", "evidence": "[]",
             "reminded": False, "overdue_sent": False, "next_check_at": remind if remind is not None else due}
            for seq, opens, due, remind in planned]
    if not rows:
        return 0
    table = MaintenanceTask.__table__  # type: ignore[attr-defined]
    dialect = session.get_bind().dialect.name
    ins: Any = postgresql.insert(table) if dialect == "postgresql" else sqlite.insert(table)
    stmt = ins.on_conflict_do_nothing(index_elements=["customer_id", "task_id", "seq"]).returning(table.c.id)
    added = 0
    for row in rows:  # one at a time: a tick stores a handful; RETURNING tells what was new on every driver
        added += len(session.execute(stmt, row).all())
    return added


def due_for_sweep(session: Session, now: datetime, limit: int = 200) -> list[MaintenanceTask]:
    q = (select(MaintenanceTask)
         .where(col(MaintenanceTask.next_check_at).is_not(None), col(MaintenanceTask.next_check_at) <= now,
                col(MaintenanceTask.state).in_(OPEN))
         .order_by(col(MaintenanceTask.next_check_at)).limit(limit))
    if session.get_bind().dialect.name == "postgresql":
        q = q.with_for_update(skip_locked=True)
    return list(session.exec(q))


def open_in_window(session: Session, customer_id: str, task_ids: Sequence[str], now: datetime) -> list[MaintenanceTask]:
    """Open occurrences of these tasks whose window has begun and not yet ended."""
    if not task_ids:
        return []
    q = (select(MaintenanceTask)
         .where(MaintenanceTask.customer_id == customer_id, col(MaintenanceTask.task_id).in_(task_ids),
                col(MaintenanceTask.state).in_(OPEN), col(MaintenanceTask.opens_at) <= now,
                col(MaintenanceTask.due_at) >= now))
    if session.get_bind().dialect.name == "postgresql":
        q = q.with_for_update(skip_locked=True)
    return list(session.exec(q))


def last_success(session: Session, customer_id: str, target_id: str, after: datetime,
                 until: datetime) -> BackupRun | None:
    """The newest successful run of a backup target that finished in ``(after, until]``."""
    return session.exec(
        select(BackupRun)
        .where(BackupRun.customer_id == customer_id, BackupRun.target_id == target_id,
               BackupRun.status == "succeeded", col(BackupRun.finished_at) > after, col(BackupRun.finished_at) <= until)
        .order_by(col(BackupRun.finished_at).desc()).limit(1)).first()


def add_event(session: Session, task: MaintenanceTask, at: datetime, actor: str, kind: str, text: str = "",
              data: dict[str, Any] | None = None) -> MaintenanceEvent:
    assert task.id is not None
    event = MaintenanceEvent(maintenance_id=task.id, at=at, actor=actor, kind=kind, text=text,
                             data=json.dumps(data or {}, ensure_ascii=False, default=str))
    session.add(event)
    return event


def events(session: Session, maintenance_id: int) -> list[MaintenanceEvent]:
    return list(session.exec(select(MaintenanceEvent).where(MaintenanceEvent.maintenance_id == maintenance_id)
                             .order_by(col(MaintenanceEvent.at), col(MaintenanceEvent.id))))


def get(session: Session, customer_id: str, maintenance_id: int, *, lock: bool = False) -> MaintenanceTask | None:
    q = select(MaintenanceTask).where(MaintenanceTask.id == maintenance_id, MaintenanceTask.customer_id == customer_id)
    if lock and session.get_bind().dialect.name == "postgresql":
        q = q.with_for_update()
    return session.exec(q).first()


def of_customer(session: Session, customer_id: str, *, states: Sequence[str] | None = None,
                due_from: datetime | None = None, due_until: datetime | None = None,
                opened_by: datetime | None = None) -> list[MaintenanceTask]:
    q = select(MaintenanceTask).where(MaintenanceTask.customer_id == customer_id)
    if states is not None:
        q = q.where(col(MaintenanceTask.state).in_(states))
    if due_from is not None:
        q = q.where(col(MaintenanceTask.due_at) >= due_from)
    if due_until is not None:
        q = q.where(col(MaintenanceTask.due_at) < due_until)
    if opened_by is not None:
        q = q.where(col(MaintenanceTask.opens_at) <= opened_by)
    return list(session.exec(q.order_by(col(MaintenanceTask.due_at), col(MaintenanceTask.task_id))))


def link_incident(session: Session, task: MaintenanceTask, incident: Incident, at: datetime, actor: str,
                  channel: str) -> None:
    """Both ways: the task's timeline and the incident's timeline name each other."""
    assert task.id is not None and incident.id is not None
    session.add(MaintenanceIncident(maintenance_id=task.id, incident_id=incident.id))
    add_event(session, task, at, actor, "incident", incident.control_number, {"incident_id": incident.id})
    session.add(TimelineEvent(incident_id=incident.id, at=at, actor=actor, kind="maintenance", channel=channel,
                              text=f"{task.task_id} #{task.seq}",
                              data=json.dumps({"maintenance_id": task.id, "task": task.task_id, "seq": task.seq})))


def incidents_of(session: Session, maintenance_id: int) -> list[Incident]:
    return list(session.exec(select(Incident).join(MaintenanceIncident, col(MaintenanceIncident.incident_id) == Incident.id)
                             .where(MaintenanceIncident.maintenance_id == maintenance_id).order_by(col(Incident.id))))


def task_of_incident(session: Session, incident_id: int) -> MaintenanceTask | None:
    return session.exec(select(MaintenanceTask).join(MaintenanceIncident,
                                                     col(MaintenanceIncident.maintenance_id) == MaintenanceTask.id)
                        .where(MaintenanceIncident.incident_id == incident_id)).first()


def month_rows(session: Session, customer_id: str, start: datetime, end: datetime) -> list[MaintenanceTask]:
    """Occurrences a month's protocol speaks of: closed in ``[start, end)``, or due before ``end`` and
    still open (overdue), or due in the month whatever became of them."""
    q = select(MaintenanceTask).where(MaintenanceTask.customer_id == customer_id).where(
        ((col(MaintenanceTask.closed_at) >= start) & (col(MaintenanceTask.closed_at) < end))
        | ((col(MaintenanceTask.due_at) < end) & col(MaintenanceTask.state).in_(OPEN))
        | ((col(MaintenanceTask.due_at) >= start) & (col(MaintenanceTask.due_at) < end)))
    return list(session.exec(q.order_by(col(MaintenanceTask.due_at), col(MaintenanceTask.task_id))))


class Fixed(NamedTuple):
    control_number: str
    category: str
    component: str
    resolved_at: datetime
    confirmed_at: datetime | None


def fixed_between(session: Session, customer_id: str, start: datetime, end: datetime) -> Iterator[Fixed]:
    """Incidents whose fault was fixed in ``[start, end)`` (resolved, confirmed or not yet): each has a
    service protocol. Plain rows of the five columns shown, not ORM objects, streamed: a month may have
    50,000, and the caller keeps what it makes of them, not the rows too."""
    i = Incident.__table__.c  # type: ignore[attr-defined]
    rows = session.connection().execute(
        sa_select(i.control_number, i.category, i.component, i.resolved_at, i.confirmed_at)
        .where(i.customer_id == customer_id, i.resolved_at >= start, i.resolved_at < end,
               i.state.in_(("resolved", "confirmed")))
        .order_by(i.resolved_at))
    for r in rows:
        yield Fixed(*r)
