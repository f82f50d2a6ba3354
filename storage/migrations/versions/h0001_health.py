"""health checks: check state, history of changes and alerts, maintenance windows

Revision ID: h0001
Revises:
Create Date: 2026-11-23 12:00:00

A branch root of its own (label "health"), applied after the register's 0001.
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
import sqlmodel.sql.sqltypes
from alembic import op

import storage.types


revision: str = "h0001"
down_revision: str | None = None
branch_labels: str | Sequence[str] | None = ("health",)
depends_on: str | Sequence[str] | None = "0001"


def upgrade() -> None:
    op.create_table('health_check_state',
    sa.Column('customer_id', sqlmodel.sql.sqltypes.AutoString(length=32), nullable=False),
    sa.Column('check_id', sqlmodel.sql.sqltypes.AutoString(length=48), nullable=False),
    sa.Column('component', sqlmodel.sql.sqltypes.AutoString(length=32), nullable=False),
    sa.Column('state', sqlmodel.sql.sqltypes.AutoString(length=16), nullable=False),
    sa.Column('announced', sqlmodel.sql.sqltypes.AutoString(length=16), nullable=False),
    sa.Column('good_streak', sa.Integer(), nullable=False),
    sa.Column('bad_streak', sa.Integer(), nullable=False),
    sa.Column('down_streak', sa.Integer(), nullable=False),
    sa.Column('soft_streak', sa.Integer(), nullable=False),
    sa.Column('failing_since', storage.types.UTCDateTime(timezone=True), nullable=True),
    sa.Column('changed_at', storage.types.UTCDateTime(timezone=True), nullable=True),
    sa.Column('alerted_at', storage.types.UTCDateTime(timezone=True), nullable=True),
    sa.Column('outage', sa.Integer(), nullable=False),
    sa.Column('reminders', sa.Integer(), nullable=False),
    sa.Column('last_status', sqlmodel.sql.sqltypes.AutoString(length=16), nullable=True),
    sa.Column('last_reason', sa.Text(), server_default='', nullable=False),
    sa.Column('last_latency_ms', sa.Float(), nullable=True),
    sa.Column('last_result_at', storage.types.UTCDateTime(timezone=True), nullable=True),
    sa.Column('run_slot', sa.Integer(), nullable=False),
    sa.Column('incident_id', sa.Integer(), nullable=True),
    sa.PrimaryKeyConstraint('customer_id', 'check_id')
    )
    op.create_table('health_event',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('customer_id', sqlmodel.sql.sqltypes.AutoString(length=32), nullable=False),
    sa.Column('check_id', sqlmodel.sql.sqltypes.AutoString(length=48), nullable=False),
    sa.Column('component', sqlmodel.sql.sqltypes.AutoString(length=32), nullable=False),
    sa.Column('at', storage.types.UTCDateTime(timezone=True), nullable=False),
    sa.Column('kind', sqlmodel.sql.sqltypes.AutoString(length=16), nullable=False),
    sa.Column('from_state', sqlmodel.sql.sqltypes.AutoString(length=16), nullable=True),
    sa.Column('to_state', sqlmodel.sql.sqltypes.AutoString(length=16), nullable=True),
    sa.Column('reason', sa.Text(), server_default='', nullable=False),
    sa.Column('latency_ms', sa.Float(), nullable=True),
    sa.PrimaryKeyConstraint('id')
    )
    op.create_index('ix_health_event_customer_component_at', 'health_event', ['customer_id', 'component', 'at'], unique=False)
    op.create_table('maintenance_window',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('customer_id', sqlmodel.sql.sqltypes.AutoString(length=32), nullable=False),
    sa.Column('component', sqlmodel.sql.sqltypes.AutoString(length=32), nullable=False),
    sa.Column('starts_at', storage.types.UTCDateTime(timezone=True), nullable=False),
    sa.Column('ends_at', storage.types.UTCDateTime(timezone=True), nullable=False),
    sa.Column('every', sqlmodel.sql.sqltypes.AutoString(length=8), nullable=True),
    sa.Column('reason', sa.Text(), server_default='', nullable=False),
    sa.Column('created_by', sqlmodel.sql.sqltypes.AutoString(length=64), nullable=False),
    sa.Column('created_at', storage.types.UTCDateTime(timezone=True), nullable=False),
    sa.Column('cancelled_at', storage.types.UTCDateTime(timezone=True), nullable=True),
    sa.PrimaryKeyConstraint('id')
    )
    op.create_index('ix_maintenance_window_customer_component', 'maintenance_window', ['customer_id', 'component'], unique=False)


def downgrade() -> None:
    op.drop_index('ix_maintenance_window_customer_component', table_name='maintenance_window')
    op.drop_table('maintenance_window')
    op.drop_index('ix_health_event_customer_component_at', table_name='health_event')
    op.drop_table('health_event')
    op.drop_table('health_check_state')
