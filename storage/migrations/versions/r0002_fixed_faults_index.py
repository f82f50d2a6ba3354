"""reports: an index for the faults fixed in a month (the protocol's service-protocols table)

Revision ID: r0002
Revises: r0001
Create Date: 2026-12-02 06:00:00

Without it the month's fixed faults are found by scanning every incident of the customer: 0.5 s for a
customer with 1,000,000 incidents in its history (docs/performance.md, "The monthly protocol").
"""

from __future__ import annotations

from collections.abc import Sequence

from alembic import op

revision: str = "r0002"
down_revision: str | None = "r0001"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_index('ix_report_incident_customer_resolved', 'incident', ['customer_id', 'resolved_at'], unique=False)


def downgrade() -> None:
    op.drop_index('ix_report_incident_customer_resolved', table_name='incident')
