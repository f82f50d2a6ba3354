"""The register for export: the monthly protocol's query (storage/reports.py) with the columns only the
export needs — where a report came from, who holds it, what was done, and why it was cancelled."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import select
from sqlmodel import Session

from storage.models import Incident, TimelineEvent
from storage.reports import RegisterRow, register_between

_I = Incident.__table__  # type: ignore[attr-defined]
_E = TimelineEvent.__table__  # type: ignore[attr-defined]


@dataclass(frozen=True, slots=True)
class ExportRow:
    row: RegisterRow
    source: str
    assignee: str | None
    received_at: datetime | None
    resolution: str | None
    cancel_reason: str | None


def _cancel_reason() -> object:
    # The reason is the text of the incident's "cancelled" timeline event (the incident row keeps only the
    # time); one per incident — a cancelled incident cannot be reopened — the newest wins if ever more.
    e = _E.alias("e_cancel")
    return (select(e.c.text).where(e.c.incident_id == _I.c.id, e.c.kind == "cancelled")
            .order_by(e.c.id.desc()).limit(1).scalar_subquery())


def export_register(session: Session, customer_id: str, start: datetime | None, end: datetime | None,
                    batch: int = 2000) -> Iterator[ExportRow]:
    """The customer's incidents first notified in [start, end), in control-number order, streamed."""
    extra = (_I.c.source, _I.c.assignee, _I.c.received_at, _I.c.resolution, _cancel_reason())
    for row, (source, assignee, received_at, resolution, reason) in register_between(
            session, customer_id, start, end, extra=extra, batch=batch):
        yield ExportRow(row, source, assignee, received_at, resolution, reason)
