"""The plan of a customer's planned tasks as stored occurrences (``maintenance_task`` rows).

An occurrence is stored once its window opens within ``HORIZON`` (so the reminder before its due day and
"due this week" in the daily summary find it); the grammar and the arithmetic are the domain's
(commands/preventive/domain/due.py), on the customer's business calendar.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlmodel import Session

from commands.desk.context import Services
from commands.domain.config import CustomerConfig
from commands.preventive.domain.config import PreventiveTaskConfig, localized
from commands.preventive.domain.due import Occurrence, TaskPlan, task_plan
from storage import maintenance as store

HORIZON = timedelta(days=14)


@dataclass(frozen=True)
class TaskRef:
    customer_id: str
    task_id: str
    config: PreventiveTaskConfig
    plan: TaskPlan

    def title(self, locale: str) -> str:
        return localized(self.config.title, locale)


def tasks_of(customer_id: str, customer: CustomerConfig) -> list[TaskRef]:
    table = customer.preventive
    if table is None:
        return []
    return [TaskRef(customer_id, key, task, task_plan(task.first_due, task.every, table.contract_start,
                                                      table.remind_for(task)))
            for key, task in table.tasks.items()]


def task_ref(services: Services, customer_id: str, task_id: str) -> TaskRef | None:
    customer = services.config.customers.get(customer_id)
    if customer is None:
        return None
    return next((ref for ref in tasks_of(customer_id, customer) if ref.task_id == task_id), None)


def title_of(services: Services, customer_id: str, task_id: str, locale: str) -> str:
    ref = task_ref(services, customer_id, task_id)
    return ref.title(locale) if ref is not None else task_id


def store_plan(session: Session, services: Services, now: datetime) -> int:
    """Store every occurrence whose window opens by ``now + HORIZON`` and is not stored yet."""
    stored = store.planned_up_to(session)
    added = 0
    for cid, customer in services.config.customers.items():
        cal = None
        for ref in tasks_of(cid, customer):
            up_to, last_due = stored.get((cid, ref.task_id), (0, None))
            if up_to and (ref.plan.every is None or (last_due is not None and last_due > now + HORIZON)):
                continue  # the next occurrence's window opens at the last due instant: not yet within reach
            cal = cal or services.calendar(cid)
            new: list[Occurrence] = [o for o in ref.plan.until(cal, now + HORIZON) if o.seq > up_to]
            added += store.insert_planned(session, cid, ref.task_id,
                                          [(o.seq, o.opens_at, o.due_at, o.remind_at) for o in new])
    return added
