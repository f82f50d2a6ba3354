"""chat_migration: chats that changed their id (a Telegram group upgraded to a supergroup)

Revision ID: c0001
Revises:
Create Date: 2026-12-01 23:00:00

A branch root of its own (label "chat_migration"), applied after the register's 0001.
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
import sqlmodel.sql.sqltypes
from alembic import op

import storage.types

revision: str = "c0001"
down_revision: str | None = None
branch_labels: str | Sequence[str] | None = ("chat_migration",)
depends_on: str | Sequence[str] | None = "0001"


def upgrade() -> None:
    op.create_table(
        "chat_migration",
        sa.Column("transport", sqlmodel.sql.sqltypes.AutoString(length=16), nullable=False),
        sa.Column("old_chat_id", sqlmodel.sql.sqltypes.AutoString(length=64), nullable=False),
        sa.Column("new_chat_id", sqlmodel.sql.sqltypes.AutoString(length=64), nullable=False),
        sa.Column("customer_id", sqlmodel.sql.sqltypes.AutoString(length=32), nullable=False),
        sa.Column("migrated_at", storage.types.UTCDateTime(), nullable=False),
        sa.Column("noticed_by", sqlmodel.sql.sqltypes.AutoString(length=32), nullable=False),
        sa.PrimaryKeyConstraint("transport", "old_chat_id"),
    )


def downgrade() -> None:
    op.drop_table("chat_migration")
