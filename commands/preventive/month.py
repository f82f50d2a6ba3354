"""Planned maintenance and service protocols in the monthly protocol (contract IV 1.11: "the service
protocols of fixed faults, preventive maintenance done"): what was done, with dates and its protocol;
what was missed, skipped or late; each fixed fault's service protocol."""

from __future__ import annotations

import json
from collections.abc import Mapping
from datetime import datetime

from sqlmodel import Session

from commands.desk.context import Services
from commands.preventive.domain.entries import FixedFault, PreventiveEntry
from commands.preventive.messages import ref_of
from commands.preventive.plan import task_ref
from storage import maintenance as store
from storage.reports import MonthRow


def month_entries(session: Session, services: Services, customer_id: str, start: datetime, end: datetime,
                  as_of: datetime, locale: str) -> tuple[list[PreventiveEntry], list[PreventiveEntry]]:
    """(done in the month, missed: overdue at the protocol's instant, skipped or done late)."""
    done: list[PreventiveEntry] = []
    missed: list[PreventiveEntry] = []
    names = {pid: p.name for pid, p in services.config.people.items()}
    for row in store.month_rows(session, customer_id, start, end):
        ref = task_ref(services, customer_id, row.task_id)
        total = len(ref.config.checklist) if ref is not None else 0
        ticked = len(json.loads(row.checklist or "[]"))
        closed_here = row.closed_at is not None and start <= row.closed_at < end
        late = row.closed_at is not None and row.closed_at > row.due_at
        if row.state == "done":
            status = "late" if late else "done"
        elif row.state == "skipped":
            status = "skipped"
        elif row.due_at < min(end, as_of):
            status = "overdue"
        else:
            continue  # due later, still open: not this month's business
        protocol = f"maintenance-protocol-{customer_id}-{row.task_id}-{row.seq}.pdf" if row.state in ("done", "skipped") else ""
        entry = PreventiveEntry(
            ref=ref_of(row), title=ref.title(locale) if ref is not None else row.task_id, due_at=row.due_at,
            closed_at=row.closed_at, by="backup" if row.closed_by == "backup" else names.get(row.closed_by or "", row.closed_by or ""),
            checklist=f"{ticked}/{total}" if total else "", status=status, note=row.notes, protocol=protocol)
        if row.state == "done" and closed_here:
            done.append(entry)
        due_here = start <= row.due_at < end
        if status in ("late", "skipped", "overdue") and (due_here or closed_here or status == "overdue"):
            missed.append(entry)  # not done by its due time: in the month it fell due, and where it was closed
    return done, missed


def fixed_faults(session: Session, services: Services, customer_id: str, start: datetime, end: datetime,
                 locale: str, known: Mapping[str, MonthRow] | None = None) -> list[FixedFault]:
    """The month's fixed faults, each with its service protocol. ``known``: the month's register by
    control number; a fault also in it keeps that row's number and (equal) instants, not copies of its
    own (a month may fix 50,000 faults, held while the protocol is rendered)."""
    from commands.incidents.views import category_title, component_title

    customer = services.config.customers[customer_id]
    out: list[FixedFault] = []
    for i in store.fixed_between(session, customer_id, start, end):
        number, resolved, confirmed = i.control_number, i.resolved_at, i.confirmed_at
        if resolved is None:
            continue
        row = known.get(number) if known is not None else None
        if row is not None:
            number = row.control_number
            if row.resolved_at == resolved:
                resolved = row.resolved_at
            if confirmed is not None and row.confirmed_at == confirmed:
                confirmed = row.confirmed_at
        out.append(FixedFault(number, category_title(customer, i.category, locale),
                              component_title(customer, i.component), resolved, confirmed))
    return out
