"""replicas: the outbox's delivery lease and in-doubt marker; the card's first-post marker

Revision ID: p0001
Revises:
Create Date: 2026-11-23 13:00:00

A branch root of its own (label "replicas"), applied after the register's 0001.
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
import sqlmodel.sql.sqltypes
from alembic import op

import storage.types

revision: str = "p0001"
down_revision: str | None = None
branch_labels: str | Sequence[str] | None = ("replicas",)
depends_on: str | Sequence[str] | None = "0001"


def upgrade() -> None:
    with op.batch_alter_table("outbox") as batch:
        batch.add_column(sa.Column("claimed_by", sqlmodel.sql.sqltypes.AutoString(length=128), nullable=True))
        batch.add_column(sa.Column("lease_until", storage.types.UTCDateTime(), nullable=True))
        batch.add_column(sa.Column("attempt_started_at", storage.types.UTCDateTime(), nullable=True))
    with op.batch_alter_table("chat_message") as batch:
        batch.add_column(sa.Column("posting_by", sqlmodel.sql.sqltypes.AutoString(length=128), nullable=True))
        batch.add_column(sa.Column("posting_since", storage.types.UTCDateTime(), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("chat_message") as batch:
        batch.drop_column("posting_since")
        batch.drop_column("posting_by")
    with op.batch_alter_table("outbox") as batch:
        batch.drop_column("attempt_started_at")
        batch.drop_column("lease_until")
        batch.drop_column("claimed_by")
