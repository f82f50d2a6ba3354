"""reports: the run key of periodic reports; indexes for reading the register by time

Revision ID: r0001
Revises:
Create Date: 2026-11-23 12:00:00

A branch root of its own (label "reports"), applied after the register's 0001.
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
import sqlmodel.sql.sqltypes
from alembic import op

import storage.types


revision: str = "r0001"
down_revision: str | None = None
branch_labels: str | Sequence[str] | None = ("reports",)
depends_on: str | Sequence[str] | None = "0001"


def upgrade() -> None:
    op.create_table('report_run',
    sa.Column('job', sqlmodel.sql.sqltypes.AutoString(length=32), nullable=False),
    sa.Column('customer_id', sqlmodel.sql.sqltypes.AutoString(length=32), nullable=False),
    sa.Column('period', sqlmodel.sql.sqltypes.AutoString(length=32), nullable=False),
    sa.Column('claimed_at', storage.types.UTCDateTime(timezone=True), nullable=False),
    sa.Column('messages', sa.Integer(), nullable=False),
    sa.PrimaryKeyConstraint('job', 'customer_id', 'period')
    )
    op.create_index('ix_report_incident_customer_reported', 'incident', ['customer_id', 'reported_at'], unique=False)
    op.create_index('ix_report_timeline_event_at', 'timeline_event', ['at'], unique=False)


def downgrade() -> None:
    op.drop_index('ix_report_timeline_event_at', table_name='timeline_event')
    op.drop_index('ix_report_incident_customer_reported', table_name='incident')
    op.drop_table('report_run')
