"""maintenance: occurrences of planned preventive tasks, their timeline, incidents filed from them

Revision ID: m0001
Revises:
Create Date: 2026-12-02 02:00:00

A branch root of its own (label "maintenance"), applied after the register's 0001 (incidents are linked).
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
import sqlmodel.sql.sqltypes
from alembic import op

import storage.types

revision: str = "m0001"
down_revision: str | None = None
branch_labels: str | Sequence[str] | None = ("maintenance",)
depends_on: str | Sequence[str] | None = "0001"


def upgrade() -> None:
    op.create_table(
        "maintenance_task",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("customer_id", sqlmodel.sql.sqltypes.AutoString(length=32), nullable=False),
        sa.Column("task_id", sqlmodel.sql.sqltypes.AutoString(length=48), nullable=False),
        sa.Column("seq", sa.Integer(), nullable=False),
        sa.Column("opens_at", storage.types.UTCDateTime(timezone=True), nullable=False),
        sa.Column("due_at", storage.types.UTCDateTime(timezone=True), nullable=False),
        sa.Column("remind_at", storage.types.UTCDateTime(timezone=True), nullable=True),
        sa.Column("state", sqlmodel.sql.sqltypes.AutoString(length=16), nullable=False),
        sa.Column("started_at", storage.types.UTCDateTime(timezone=True), nullable=True),
        sa.Column("started_by", sqlmodel.sql.sqltypes.AutoString(length=64), nullable=True),
        sa.Column("closed_at", storage.types.UTCDateTime(timezone=True), nullable=True),
        sa.Column("closed_by", sqlmodel.sql.sqltypes.AutoString(length=64), nullable=True),
        sa.Column("notes", sa.Text(), server_default="", nullable=False),
        sa.Column("checklist", sa.Text(), server_default="[]", nullable=False),
        sa.Column("evidence", sa.Text(), server_default="[]", nullable=False),
        sa.Column("reminded", sa.Boolean(), nullable=False),
        sa.Column("overdue_sent", sa.Boolean(), nullable=False),
        sa.Column("next_check_at", storage.types.UTCDateTime(timezone=True), nullable=True),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("customer_id", "task_id", "seq", name="uq_maintenance_task_occurrence"),
    )
    op.create_index("ix_maintenance_task_due", "maintenance_task", ["customer_id", "due_at"], unique=False)
    op.create_index(op.f("ix_maintenance_task_next_check_at"), "maintenance_task", ["next_check_at"], unique=False)
    op.create_table(
        "maintenance_event",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("maintenance_id", sa.Integer(), nullable=False),
        sa.Column("at", storage.types.UTCDateTime(timezone=True), nullable=False),
        sa.Column("actor", sqlmodel.sql.sqltypes.AutoString(length=64), nullable=False),
        sa.Column("kind", sqlmodel.sql.sqltypes.AutoString(length=32), nullable=False),
        sa.Column("text", sa.Text(), server_default="", nullable=False),
        sa.Column("data", sa.Text(), server_default="{}", nullable=False),
        sa.ForeignKeyConstraint(["maintenance_id"], ["maintenance_task.id"]),
        sa.PrimaryKeyConstraint("id"),
    )
    op.create_index(op.f("ix_maintenance_event_maintenance_id"), "maintenance_event", ["maintenance_id"], unique=False)
    op.create_table(
        "maintenance_incident",
        sa.Column("maintenance_id", sa.Integer(), nullable=False),
        sa.Column("incident_id", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(["incident_id"], ["incident.id"]),
        sa.ForeignKeyConstraint(["maintenance_id"], ["maintenance_task.id"]),
        sa.PrimaryKeyConstraint("maintenance_id", "incident_id"),
    )
    op.create_index(op.f("ix_maintenance_incident_incident_id"), "maintenance_incident", ["incident_id"], unique=False)


def downgrade() -> None:
    op.drop_index(op.f("ix_maintenance_incident_incident_id"), table_name="maintenance_incident")
    op.drop_table("maintenance_incident")
    op.drop_index(op.f("ix_maintenance_event_maintenance_id"), table_name="maintenance_event")
    op.drop_table("maintenance_event")
    op.drop_index(op.f("ix_maintenance_task_next_check_at"), table_name="maintenance_task")
    op.drop_index("ix_maintenance_task_due", table_name="maintenance_task")
    op.drop_table("maintenance_task")
