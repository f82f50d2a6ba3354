"""Tables of preventive maintenance: one row per occurrence of a planned task, its timeline, and the
incidents filed from it. Like the register, rows are only inserted or moved forward, never deleted."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import Column, ForeignKey, Index, Integer, Text, UniqueConstraint
from sqlmodel import Field, SQLModel

from storage.types import UTCDateTime

OPEN = ("planned", "started")
CLOSED = ("done", "skipped")


class MaintenanceTask(SQLModel, table=True):
    """Occurrence ``seq`` of task ``task_id`` of a customer's plan: its window, its state, its outcome.

    ``next_check_at`` is the sweeper's: the reminder or the overdue notice still to be sent (NULL: none).
    ``evidence`` is JSON: the backup runs that completed it (id, target, SHA-256, finish time).
    """

    __tablename__ = "maintenance_task"
    __table_args__ = (
        UniqueConstraint("customer_id", "task_id", "seq", name="uq_maintenance_task_occurrence"),
        Index("ix_maintenance_task_due", "customer_id", "due_at"),
    )
    id: int | None = Field(default=None, primary_key=True)
    customer_id: str = Field(max_length=32)
    task_id: str = Field(max_length=48)
    seq: int
    opens_at: datetime = Field(sa_column=Column(UTCDateTime(), nullable=False))
    due_at: datetime = Field(sa_column=Column(UTCDateTime(), nullable=False))
    remind_at: datetime | None = Field(default=None, sa_column=Column(UTCDateTime(), nullable=True))
    state: str = Field(default="planned", max_length=16)  # planned | started | done | skipped
    started_at: datetime | None = Field(default=None, sa_column=Column(UTCDateTime(), nullable=True))
    started_by: str | None = Field(default=None, max_length=64)
    closed_at: datetime | None = Field(default=None, sa_column=Column(UTCDateTime(), nullable=True))
    closed_by: str | None = Field(default=None, max_length=64)  # a person's id, or "backup"
    notes: str = Field(default="", sa_column=Column(Text, nullable=False, server_default=""))
    checklist: str = Field(default="[]", sa_column=Column(Text, nullable=False, server_default="[]"))  # ticked, 1-based
    evidence: str = Field(default="[]", sa_column=Column(Text, nullable=False, server_default="[]"))
    reminded: bool = False
    overdue_sent: bool = False
    next_check_at: datetime | None = Field(default=None, sa_column=Column(UTCDateTime(), nullable=True, index=True))


class MaintenanceEvent(SQLModel, table=True):
    """Append-only timeline of an occurrence: planned, reminded, started, note, done, skipped, overdue,
    incident filed — with who and when."""

    __tablename__ = "maintenance_event"
    id: int | None = Field(default=None, primary_key=True)
    maintenance_id: int = Field(sa_column=Column(Integer, ForeignKey("maintenance_task.id"), nullable=False,
                                                 index=True))
    at: datetime = Field(sa_column=Column(UTCDateTime(), nullable=False))
    actor: str = Field(max_length=64)
    kind: str = Field(max_length=32)
    text: str = Field(default="", sa_column=Column(Text, nullable=False, server_default=""))
    data: str = Field(default="{}", sa_column=Column(Text, nullable=False, server_default="{}"))


class MaintenanceIncident(SQLModel, table=True):
    """An incident filed from a maintenance task (the incident's timeline names the task too)."""

    __tablename__ = "maintenance_incident"
    maintenance_id: int = Field(sa_column=Column(Integer, ForeignKey("maintenance_task.id"), primary_key=True))
    incident_id: int = Field(sa_column=Column(Integer, ForeignKey("incident.id"), primary_key=True, index=True))
