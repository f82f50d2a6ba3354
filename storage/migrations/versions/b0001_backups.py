"""backups: the record of every backup run

Revision ID: b0001
Revises:
Create Date: 2026-11-23 12:00:00

A branch root of its own (label "backups"), applied after the register's 0001.
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
import sqlmodel.sql.sqltypes
from alembic import op

import storage.types


revision: str = "b0001"
down_revision: str | None = None
branch_labels: str | Sequence[str] | None = ("backups",)
depends_on: str | Sequence[str] | None = "0001"


def upgrade() -> None:
    op.create_table('backup_run',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('customer_id', sqlmodel.sql.sqltypes.AutoString(length=32), nullable=False),
    sa.Column('target_id', sqlmodel.sql.sqltypes.AutoString(length=48), nullable=False),
    sa.Column('driver', sqlmodel.sql.sqltypes.AutoString(length=16), nullable=False),
    sa.Column('trigger', sqlmodel.sql.sqltypes.AutoString(length=16), nullable=False),
    sa.Column('requested_by', sqlmodel.sql.sqltypes.AutoString(length=64), nullable=False),
    sa.Column('run_key', sqlmodel.sql.sqltypes.AutoString(length=200), nullable=True),
    sa.Column('attempt', sa.Integer(), nullable=False),
    sa.Column('status', sqlmodel.sql.sqltypes.AutoString(length=16), nullable=False),
    sa.Column('queued_at', storage.types.UTCDateTime(timezone=True), nullable=False),
    sa.Column('started_at', storage.types.UTCDateTime(timezone=True), nullable=True),
    sa.Column('finished_at', storage.types.UTCDateTime(timezone=True), nullable=True),
    sa.Column('deadline_at', storage.types.UTCDateTime(timezone=True), nullable=True),
    sa.Column('owner', sqlmodel.sql.sqltypes.AutoString(length=128), nullable=False),
    sa.Column('size', sa.BigInteger(), nullable=True),
    sa.Column('sha256', sqlmodel.sql.sqltypes.AutoString(length=64), nullable=True),
    sa.Column('location', sa.Text(), nullable=True),
    sa.Column('note', sa.Text(), server_default='', nullable=False),
    sa.Column('changed', sa.Boolean(), nullable=True),
    sa.Column('commit', sqlmodel.sql.sqltypes.AutoString(length=40), nullable=True),
    sa.Column('pruned', sa.Boolean(), nullable=False),
    sa.Column('error', sa.Text(), nullable=True),
    sa.PrimaryKeyConstraint('id'),
    sa.UniqueConstraint('run_key', name='uq_backup_run_key')
    )
    op.create_index('ix_backup_run_target', 'backup_run', ['customer_id', 'target_id', 'id'], unique=False)
    op.create_index('ix_backup_run_status', 'backup_run', ['status'], unique=False)


def downgrade() -> None:
    op.drop_index('ix_backup_run_status', table_name='backup_run')
    op.drop_index('ix_backup_run_target', table_name='backup_run')
    op.drop_table('backup_run')
