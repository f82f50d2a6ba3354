"""deliveries: one delivery state per destination of an outbox message

Revision ID: d0001
Revises: p0001
Create Date: 2026-12-01 23:00:00

Existing outbox rows are carried over as they are: a sent message stays sent; a pending one keeps its
attempts, which count towards the attempt cap (bot/dispatcher.py), and gets per-destination states from
its next attempt on (before this revision nothing recorded which destinations a failing message had
reached, so nothing can be carried into the new table).
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
import sqlmodel.sql.sqltypes
from alembic import op

import storage.types

revision: str = "d0001"
down_revision: str | None = "p0001"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "outbox_delivery",
        sa.Column("message_id", sa.Integer(), nullable=False),
        sa.Column("destination", sqlmodel.sql.sqltypes.AutoString(length=200), nullable=False),
        sa.Column("state", sqlmodel.sql.sqltypes.AutoString(length=16), nullable=False),
        sa.Column("attempts", sa.Integer(), nullable=False),
        sa.Column("last_error", sa.Text(), nullable=True),
        sa.Column("updated_at", storage.types.UTCDateTime(), nullable=False),
        sa.ForeignKeyConstraint(["message_id"], ["outbox.id"]),
        sa.PrimaryKeyConstraint("message_id", "destination"),
    )
    op.create_index("ix_outbox_delivery_state_at", "outbox_delivery", ["state", "updated_at"], unique=False)


def downgrade() -> None:
    op.drop_index("ix_outbox_delivery_state_at", table_name="outbox_delivery")
    op.drop_table("outbox_delivery")
