"""mail: the attachment store and the e-mail threads of incidents

Revision ID: e0001
Revises:
Create Date: 2026-12-02 02:00:00

A branch root of its own (label "mail"), applied after the register's 0001.
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
import sqlmodel.sql.sqltypes
from alembic import op

import storage.types

revision: str = "e0001"
down_revision: str | None = None
branch_labels: str | Sequence[str] | None = ("mail",)
depends_on: str | Sequence[str] | None = "0001"

_str = sqlmodel.sql.sqltypes.AutoString


def upgrade() -> None:
    op.create_table(
        "attachment_blob",
        sa.Column("sha256", _str(length=64), primary_key=True),
        sa.Column("size", sa.Integer(), nullable=False),
        sa.Column("content", sa.LargeBinary(), nullable=False),
    )
    op.create_table(
        "attachment",
        sa.Column("id", sa.Integer(), primary_key=True),
        sa.Column("incident_id", sa.Integer(), sa.ForeignKey("incident.id"), nullable=False),
        sa.Column("filename", _str(length=255), nullable=False),
        sa.Column("content_type", _str(length=128), nullable=False),
        sa.Column("size", sa.Integer(), nullable=False),
        sa.Column("sha256", _str(length=64), sa.ForeignKey("attachment_blob.sha256"), nullable=False),
        sa.Column("source", _str(length=32), nullable=False),
        sa.Column("added_by", _str(length=64), nullable=False),
        sa.Column("added_at", storage.types.UTCDateTime(), nullable=False),
        sa.UniqueConstraint("incident_id", "sha256", "filename", name="uq_attachment_incident_file"),
    )
    op.create_index("ix_attachment_incident_id", "attachment", ["incident_id"])
    op.create_table(
        "mail_thread",
        sa.Column("id", sa.Integer(), primary_key=True),
        sa.Column("incident_id", sa.Integer(), sa.ForeignKey("incident.id"), nullable=False),
        sa.Column("address", _str(length=254), nullable=False),
        sa.Column("person", _str(length=64), nullable=False),
        sa.Column("locale", _str(length=8), nullable=False),
        sa.Column("root_message_id", _str(length=998), nullable=False),
        sa.Column("updates", sa.Boolean(), nullable=False),
        sa.Column("joined_at", storage.types.UTCDateTime(), nullable=False),
        sa.UniqueConstraint("incident_id", "address", name="uq_mail_thread_incident_address"),
    )
    op.create_index("ix_mail_thread_incident_id", "mail_thread", ["incident_id"])


def downgrade() -> None:
    op.drop_index("ix_mail_thread_incident_id", "mail_thread")
    op.drop_table("mail_thread")
    op.drop_index("ix_attachment_incident_id", "attachment")
    op.drop_table("attachment")
    op.drop_table("attachment_blob")
