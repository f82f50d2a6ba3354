"""The register's repository: incidents, control numbers, timeline, clocks, and handled deliveries.

Every method runs inside the caller's transaction (a unit of work given to ``Database.write``).
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from datetime import datetime
from typing import Any

from sqlalchemy import func, insert, update
from sqlalchemy.dialects import postgresql, sqlite
from sqlmodel import Session, col, select

from storage.models import ControlCounter, Delivery, Incident, SlaClock, SlaPause, TimelineEvent


class Register:
    def __init__(self, session: Session) -> None:
        self.session = session

    # -- control numbers ----------------------------------------------------------------------
    def next_seq(self, customer_id: str, year: int) -> int:
        """Take the next number of the customer's year inside the current transaction.

        The UPDATE locks the counter row until commit (PostgreSQL) or runs under BEGIN IMMEDIATE
        (SQLite), so concurrent reports queue here; a rollback gives the number back: gapless.
        """
        dialect = self.session.get_bind().dialect.name
        ins: Any
        if dialect == "postgresql":
            ins = postgresql.insert(ControlCounter)
        elif dialect == "sqlite":
            ins = sqlite.insert(ControlCounter)
        else:  # pragma: no cover - only the two supported databases
            raise RuntimeError(f"unsupported database {dialect}")
        self.session.execute(
            ins.values(customer_id=customer_id, year=year, last=0).on_conflict_do_nothing()
        )
        stmt = (
            update(ControlCounter)
            .where(col(ControlCounter.customer_id) == customer_id, col(ControlCounter.year) == year)
            .values(last=col(ControlCounter.last) + 1)
            .returning(col(ControlCounter.last))
        )
        return int(self.session.execute(stmt).scalar_one())

    # -- incidents ----------------------------------------------------------------------------
    def add(self, incident: Incident) -> Incident:
        self.session.add(incident)
        self.session.flush()
        return incident

    def by_number(self, control_number: str) -> Incident | None:
        return self.session.exec(
            select(Incident).where(Incident.control_number == control_number)
        ).first()

    def by_id(self, incident_id: int) -> Incident | None:
        return self.session.get(Incident, incident_id)

    def list_incidents(
        self,
        customer_id: str,
        *,
        states: Sequence[str] | None = None,
        component: str | None = None,
        limit: int = 50,
    ) -> list[Incident]:
        q = select(Incident).where(Incident.customer_id == customer_id)
        if states is not None:
            q = q.where(col(Incident.state).in_(list(states)))
        if component is not None:
            q = q.where(Incident.component == component)
        q = q.order_by(col(Incident.id).desc()).limit(limit)
        return list(self.session.exec(q))

    def count(self, customer_id: str, *, states: Sequence[str] | None = None, component: str | None = None) -> int:
        q = select(func.count()).select_from(Incident).where(Incident.customer_id == customer_id)
        if states is not None:
            q = q.where(col(Incident.state).in_(list(states)))
        if component is not None:
            q = q.where(Incident.component == component)
        return int(self.session.exec(q).one())

    # -- timeline -----------------------------------------------------------------------------
    def record(
        self,
        incident: Incident,
        *,
        at: datetime,
        actor: str,
        kind: str,
        channel: str,
        text: str = "",
        data: dict[str, Any] | None = None,
    ) -> None:
        assert incident.id is not None
        self.session.execute(
            insert(TimelineEvent).values(
                incident_id=incident.id,
                at=at,
                actor=actor,
                kind=kind,
                channel=channel,
                text=text,
                data=json.dumps(data or {}, ensure_ascii=False, default=str),
            )
        )

    def timeline(self, incident_id: int) -> list[TimelineEvent]:
        return list(
            self.session.exec(
                select(TimelineEvent)
                .where(TimelineEvent.incident_id == incident_id)
                .order_by(col(TimelineEvent.at), col(TimelineEvent.id))
            )
        )

    # -- clocks -------------------------------------------------------------------------------
    def add_clocks(self, clocks: Sequence[SlaClock]) -> None:
        if clocks:
            self.session.execute(
                insert(SlaClock), [c.model_dump(exclude={"id"}) for c in clocks]
            )

    def clocks(self, incident_id: int) -> list[SlaClock]:
        return list(
            self.session.exec(select(SlaClock).where(SlaClock.incident_id == incident_id).order_by(col(SlaClock.id)))
        )

    def pauses(self, incident_id: int) -> list[SlaPause]:
        return list(
            self.session.exec(
                select(SlaPause).where(SlaPause.incident_id == incident_id).order_by(col(SlaPause.id))
            )
        )

    # -- deliveries ---------------------------------------------------------------------------
    def delivered(self, transport: str, delivery_id: str) -> str | None:
        row = self.session.get(Delivery, (transport, delivery_id))
        return row.reply if row else None

    def remember_delivery(self, transport: str, delivery_id: str, at: datetime, reply: str) -> None:
        self.session.execute(
            insert(Delivery).values(transport=transport, delivery_id=delivery_id, at=at, reply=reply)
        )

    def touch(self, incident: Incident) -> None:
        """Write the changed incident row now (inside the current transaction)."""
        self.session.add(incident)
        self.session.flush()


def update_incident(session: Session, incident_id: int, **values: Any) -> None:
    session.execute(update(Incident).where(col(Incident.id) == incident_id).values(**values))
