"""resolution stops at the fix: provisional and final stops of a clock; the tacit acceptance reminder

Revision ID: 0002
Revises: 0001
Create Date: 2026-12-01 23:00:00

Existing incidents are carried over so that no recorded outcome changes:

* every clock already stopped gets ``final_at = stopped_at`` — its stop was final (reaction and arrival
  stopped by /ack and /arrive; resolution stopped by the customer's /confirm). Confirmed incidents keep
  the outcome they were judged with, measured to the confirmation.
* an incident resolved but not yet confirmed, whose resolution clock still runs, gets the default
  reading (``resolution_stops = "resolved"``): its resolution clock stops **provisionally at its resolve
  instant** (met/breached by then), awaiting the confirmation that makes it final. A clock that was
  paused before the fix and is still paused is left running: its deadline moves by working time, which
  needs the customer's calendar; /confirm stops it at the resolve instant with the pause counted
  (commands/incidents/incident.py). For a customer configured ``resolution_stops = "confirmed"`` the confirmation
  re-stops the clock at the confirmation instant, as before the upgrade.
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

import storage.types

revision: str = "0002"
down_revision: str | None = "0001"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

_UTC = storage.types.UTCDateTime()
_CLOCK = sa.table("sla_clock", sa.column("id", sa.Integer()), sa.column("incident_id", sa.Integer()),
                  sa.column("name", sa.String()), sa.column("deadline", _UTC), sa.column("stopped_at", _UTC),
                  sa.column("met", sa.Boolean()), sa.column("margin_seconds", sa.Integer()),
                  sa.column("paused_since", _UTC), sa.column("final_at", _UTC))
_INCIDENT = sa.table("incident", sa.column("id", sa.Integer()), sa.column("state", sa.String()),
                     sa.column("resolved_at", _UTC))


def upgrade() -> None:
    with op.batch_alter_table("sla_clock") as batch:
        batch.add_column(sa.Column("final_at", storage.types.UTCDateTime(), nullable=True))
    with op.batch_alter_table("incident") as batch:
        batch.add_column(sa.Column("confirm_reminded_at", storage.types.UTCDateTime(), nullable=True))
    conn = op.get_bind()
    conn.execute(_CLOCK.update().where(_CLOCK.c.stopped_at.is_not(None)).values(final_at=_CLOCK.c.stopped_at))
    waiting = conn.execute(
        sa.select(_CLOCK.c.id, _CLOCK.c.deadline, _CLOCK.c.paused_since, _INCIDENT.c.resolved_at)
        .select_from(_CLOCK.join(_INCIDENT, _INCIDENT.c.id == _CLOCK.c.incident_id))
        .where(_CLOCK.c.name == "resolution", _INCIDENT.c.state == "resolved", _INCIDENT.c.resolved_at.is_not(None),
               _CLOCK.c.stopped_at.is_(None), _CLOCK.c.deadline.is_not(None))
    ).all()
    for clock_id, deadline, paused_since, resolved_at in waiting:
        if paused_since is not None and paused_since < resolved_at:
            continue  # its deadline still has to move by the pause: settled by /confirm
        margin = int((deadline - resolved_at).total_seconds())
        conn.execute(_CLOCK.update().where(_CLOCK.c.id == clock_id)
                     .values(stopped_at=resolved_at, met=margin >= 0, margin_seconds=margin, final_at=None))


def downgrade() -> None:
    conn = op.get_bind()
    # A provisional stop did not exist before: the clock runs again until the confirmation.
    conn.execute(_CLOCK.update().where(_CLOCK.c.stopped_at.is_not(None), _CLOCK.c.final_at.is_(None))
                 .values(stopped_at=None, met=None, margin_seconds=None))
    with op.batch_alter_table("incident") as batch:
        batch.drop_column("confirm_reminded_at")
    with op.batch_alter_table("sla_clock") as batch:
        batch.drop_column("final_at")
