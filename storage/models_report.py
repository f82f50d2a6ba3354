"""Tables of reports: the run key that lets one replica, once, send each periodic report.

Also indexes on the register's tables that the reports read by time: the month's incidents of a customer
(by first notification), the month's fixed faults (by resolution) and the day's changes (timeline events
by time). They are declared here, beside the migrations that create them (r0001, r0002), so the
register's own models stay untouched.
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import Column, Index
from sqlmodel import Field, SQLModel

from storage.models import Incident, TimelineEvent
from storage.types import UTCDateTime


class ReportRun(SQLModel, table=True):
    """One periodic report of one customer for one period (``daily`` / ``2026-11-23``): the primary key is
    the run key, so a second replica's (or a restarted process's) insert of the same period does nothing."""

    __tablename__ = "report_run"
    job: str = Field(primary_key=True, max_length=32)
    customer_id: str = Field(primary_key=True, max_length=32)
    period: str = Field(primary_key=True, max_length=32)
    claimed_at: datetime = Field(sa_column=Column(UTCDateTime(), nullable=False))
    messages: int = 0  # outbox messages queued by the run


_incident = Incident.__table__  # type: ignore[attr-defined]
_timeline = TimelineEvent.__table__  # type: ignore[attr-defined]
Index("ix_report_incident_customer_reported", _incident.c.customer_id, _incident.c.reported_at)
Index("ix_report_incident_customer_resolved", _incident.c.customer_id, _incident.c.resolved_at)
Index("ix_report_timeline_event_at", _timeline.c.at)
