"""Tables of the health checks: the state of each check, the history of its changes and alerts, and the
maintenance windows set in chat."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import Column, Index, Text
from sqlmodel import Field, SQLModel

from storage.types import UTCDateTime


def _utc(nullable: bool = True) -> object:
    return Field(default=None, sa_column=Column(UTCDateTime(), nullable=nullable))


class HealthCheckState(SQLModel, table=True):
    """One row per configured check: the damped state and the last result."""

    __tablename__ = "health_check_state"
    customer_id: str = Field(primary_key=True, max_length=32)
    check_id: str = Field(primary_key=True, max_length=48)
    component: str = Field(max_length=32)
    state: str = Field(default="pending", max_length=16)
    announced: str = Field(default="up", max_length=16)
    good_streak: int = 0
    bad_streak: int = 0
    down_streak: int = 0
    soft_streak: int = 0
    failing_since: datetime | None = _utc()  # type: ignore[assignment]
    changed_at: datetime | None = _utc()  # type: ignore[assignment]
    alerted_at: datetime | None = _utc()  # type: ignore[assignment]
    outage: int = 0
    reminders: int = 0
    last_status: str | None = Field(default=None, max_length=16)
    last_reason: str = Field(default="", sa_column=Column(Text, nullable=False, server_default=""))
    last_latency_ms: float | None = None
    last_result_at: datetime | None = _utc()  # type: ignore[assignment]
    # The scheduled run that last claimed this check (epoch seconds // interval): one replica per period.
    run_slot: int = 0
    incident_id: int | None = None  # the incident opened automatically for the current outage


class HealthEvent(SQLModel, table=True):
    """Append-only history: state changes, alerts, reminders, what was silenced and why."""

    __tablename__ = "health_event"
    __table_args__ = (Index("ix_health_event_customer_component_at", "customer_id", "component", "at"),)
    id: int | None = Field(default=None, primary_key=True)
    customer_id: str = Field(max_length=32)
    check_id: str = Field(max_length=48)
    component: str = Field(max_length=32)
    at: datetime = Field(sa_column=Column(UTCDateTime(), nullable=False))
    kind: str = Field(max_length=16)  # change | alert | reminder | silenced | incident | maintenance
    from_state: str | None = Field(default=None, max_length=16)
    to_state: str | None = Field(default=None, max_length=16)
    reason: str = Field(default="", sa_column=Column(Text, nullable=False, server_default=""))
    latency_ms: float | None = None


class MaintenanceWindow(SQLModel, table=True):
    """A window in which a component's alerts are silenced (``/maintenance``); ``every`` repeats it."""

    __tablename__ = "maintenance_window"
    __table_args__ = (Index("ix_maintenance_window_customer_component", "customer_id", "component"),)
    id: int | None = Field(default=None, primary_key=True)
    customer_id: str = Field(max_length=32)
    component: str = Field(max_length=32)
    starts_at: datetime = Field(sa_column=Column(UTCDateTime(), nullable=False))
    ends_at: datetime = Field(sa_column=Column(UTCDateTime(), nullable=False))
    every: str | None = Field(default=None, max_length=8)  # None | "day" | "week"
    reason: str = Field(default="", sa_column=Column(Text, nullable=False, server_default=""))
    created_by: str = Field(max_length=64)
    created_at: datetime = Field(sa_column=Column(UTCDateTime(), nullable=False))
    cancelled_at: datetime | None = _utc()  # type: ignore[assignment]
