"""The sweeper of planned maintenance: stores the plan's next occurrences, sends each reminder before a
due day and each overdue notice exactly once, and completes an archive task from the backups.

Like the SLA sweeper (commands/incidents/sweep.py): a tick claims only occurrences with ``next_check_at <= now``
(``FOR UPDATE SKIP LOCKED`` on PostgreSQL), writes outbox rows with dedupe keys in the same transaction
and moves ``next_check_at`` on, so whatever fell due while the desk was down is sent once on the first
tick, marked late.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlmodel import Session

from commands.desk.context import Services
from commands.oncall.escalation import resolve_target
from commands.preventive.messages import auto_done_message, due_message
from commands.preventive.plan import store_plan, tasks_of
from storage import maintenance as store
from storage.models_maintenance import MaintenanceTask
from storage.outbox import Outbox

LATE_AFTER = timedelta(minutes=2)  # a reminder found this long after its instant was missed (the desk was down)


@dataclass(frozen=True)
class PreventiveSweep:
    planned: int = 0
    reminders: int = 0
    overdue: int = 0
    completed: int = 0


def preventive_sweep_unit(services: Services, now: datetime) -> Callable[[Session], PreventiveSweep]:
    """One tick, as a unit of work for the writer (``db.write`` / ``db.write_sync``)."""

    def unit(session: Session) -> PreventiveSweep:
        planned = store_plan(session, services, now)
        completed = complete_from_backups(session, services, now)
        reminders = overdue = 0
        outbox = Outbox(session)
        for task in store.due_for_sweep(session, now):
            r, o = _sweep_one(session, services, outbox, task, now)
            reminders, overdue = reminders + r, overdue + o
        session.flush()
        return PreventiveSweep(planned, reminders, overdue, completed)

    return unit


def audiences(session: Session, services: Services, customer_id: str, responsible: str, at: datetime) -> list[str]:
    """Where a task's notices go: the responsible person, whoever is on call on the schedule, or the
    customer's engineers' channel; the engineers when a schedule has nobody on call."""
    kind, _, _ = responsible.partition(":")
    if kind == "engineers":
        return [f"engineers:{customer_id}"]
    people = resolve_target(session, services, responsible, at, customer_id)
    return [f"person:{pid}" for pid in people] or [f"engineers:{customer_id}"]


def _sweep_one(session: Session, services: Services, outbox: Outbox, task: MaintenanceTask,
               now: datetime) -> tuple[int, int]:
    customer = services.config.customers.get(task.customer_id)
    ref = next((r for r in tasks_of(task.customer_id, customer) if r.task_id == task.task_id), None) if customer else None
    if customer is None or ref is None:  # the task left the configuration: nothing to remind of
        task.next_check_at = None
        session.add(task)
        return 0, 0
    reminders = overdue = 0
    if not task.reminded and task.remind_at is not None and task.remind_at <= now:
        if now < task.due_at:
            late = now - task.remind_at > LATE_AFTER
            reminders += _notify(session, services, outbox, task, ref.config.responsible, "reminder", now, late)
            store.add_event(session, task, now, "desk", "reminded")
        task.reminded = True  # past the due day the overdue notice says it instead
    if not task.overdue_sent and task.due_at < now:
        overdue += _notify(session, services, outbox, task, ref.config.responsible, "overdue", now,
                           now - task.due_at > LATE_AFTER)
        store.add_event(session, task, now, "desk", "overdue")
        task.overdue_sent = True
    pending = [at for at, done in ((task.remind_at, task.reminded), (task.due_at, task.overdue_sent))
               if at is not None and not done]
    task.next_check_at = min(pending, default=None)
    session.add(task)
    return reminders, overdue


def _notify(session: Session, services: Services, outbox: Outbox, task: MaintenanceTask, responsible: str,
            kind: str, now: datetime, late: bool) -> int:
    sent = 0
    for audience in audiences(session, services, task.customer_id, responsible, now):
        payload = due_message(services, task, kind, audience, now, late)
        sent += outbox.put(dedupe_key=f"pm:{task.id}:{kind}:{audience}", customer_id=task.customer_id,
                           kind=f"maintenance.{kind}", audience=audience, payload=payload, now=now, late=late)
    return sent


def complete_from_backups(session: Session, services: Services, now: datetime) -> int:
    """An open occurrence of a task with ``backups`` is done when every listed target has a successful run
    that finished inside its window; the runs (id, SHA-256) are its evidence."""
    completed = 0
    for cid, customer in services.config.customers.items():
        refs = {r.task_id: r for r in tasks_of(cid, customer) if r.config.backups}
        for task in store.open_in_window(session, cid, list(refs), now):
            runs = [store.last_success(session, cid, target, task.opens_at, min(now, task.due_at))
                    for target in refs[task.task_id].config.backups]
            if any(run is None for run in runs):
                continue
            evidence = [{"run_id": r.id, "target": r.target_id, "sha256": r.sha256, "finished_at": r.finished_at,
                         "location": r.location} for r in runs if r is not None]
            done_at = max(r.finished_at for r in runs if r is not None and r.finished_at is not None)
            task.state, task.closed_at, task.closed_by = "done", done_at, "backup"
            task.evidence = json.dumps(evidence, ensure_ascii=False, default=str)
            task.next_check_at = None
            store.add_event(session, task, done_at, "backup", "done", "", {"backups": evidence})
            session.add(task)
            completed += 1
            for audience in audiences(session, services, cid, refs[task.task_id].config.responsible, now):
                outbox_key = f"pm:{task.id}:auto-done:{audience}"
                Outbox(session).put(dedupe_key=outbox_key, customer_id=cid, kind="maintenance.done", audience=audience,
                                    payload=auto_done_message(services, task, evidence, audience, now), now=now)
    return completed
