"""The register's repository: incidents, control numbers, timeline, clocks, and handled deliveries.

Every method runs inside the caller's transaction (a unit of work given to ``Database.write``).
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from datetime import datetime
from typing import Any

from sqlalchemy import bindparam, func, insert, update
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.engine import Connection, Dialect
from sqlmodel import Session, col, select

from storage.fastsql import Prepared, StatementCache, connection
from storage.models import ControlCounter, Delivery, Incident, SlaClock, SlaPause, TimelineEvent

# The report path runs these for every incident: compiled once per dialect, run on the cursor.
_INCIDENT = Incident.__table__  # type: ignore[attr-defined]
_COUNTER = ControlCounter.__table__  # type: ignore[attr-defined]
_DELIVERY = Delivery.__table__  # type: ignore[attr-defined]
_INCIDENT_COLUMNS = [c.name for c in _INCIDENT.columns if c.name != "id"]
_CLOCK_COLUMNS = [c.name for c in SlaClock.__table__.columns if c.name != "id"]  # type: ignore[attr-defined]
_EVENT_COLUMNS = [c.name for c in TimelineEvent.__table__.columns if c.name != "id"]  # type: ignore[attr-defined]


def _ensure_counter(d: Dialect) -> Prepared:
    ins = postgresql.insert(_COUNTER) if d.name == "postgresql" else sqlite.insert(_COUNTER)
    return Prepared(ins.on_conflict_do_nothing(), d, ["customer_id", "year", "last"])


_STATEMENTS = StatementCache({
    "ensure_counter": _ensure_counter,
    "bump_counter": lambda d: Prepared(
        update(_COUNTER)
        .where(_COUNTER.c.customer_id == bindparam("cid"), _COUNTER.c.year == bindparam("yr"))
        .values(last=_COUNTER.c.last + 1)
        .returning(_COUNTER.c.last), d),
    "insert_incident": lambda d: Prepared(insert(_INCIDENT).returning(_INCIDENT.c.id), d, _INCIDENT_COLUMNS),
    "insert_clock": lambda d: Prepared(insert(SlaClock.__table__), d, _CLOCK_COLUMNS),  # type: ignore[attr-defined]
    "insert_event": lambda d: Prepared(
        insert(TimelineEvent.__table__).returning(TimelineEvent.__table__.c.id), d, _EVENT_COLUMNS),  # type: ignore[attr-defined]
    "select_delivery": lambda d: Prepared(
        select(_DELIVERY.c.reply).where(
            _DELIVERY.c.transport == bindparam("transport"), _DELIVERY.c.delivery_id == bindparam("delivery_id")), d),
    "insert_delivery": lambda d: Prepared(insert(_DELIVERY), d, ["transport", "delivery_id", "at", "reply"]),
})


class Register:
    def __init__(self, session: Session) -> None:
        self.session = session
        self._connection: Connection | None = None

    @property
    def _conn(self) -> Connection:
        if self._connection is None:
            self._connection = connection(self.session)
        return self._connection

    # -- control numbers ----------------------------------------------------------------------
    def next_seq(self, customer_id: str, year: int) -> int:
        """Take the next number of the customer's year inside the current transaction.

        The UPDATE locks the counter row until commit (PostgreSQL) or runs under BEGIN IMMEDIATE
        (SQLite), so concurrent reports queue here; a rollback gives the number back: gapless.
        """
        conn = self._conn
        bumped = _STATEMENTS.get("bump_counter", conn.dialect).run(conn, {"cid": customer_id, "yr": year}).fetchone()
        if bumped is None:  # the customer's first report of the year
            _STATEMENTS.get("ensure_counter", conn.dialect).run(conn, {"customer_id": customer_id, "year": year, "last": 0})
            bumped = _STATEMENTS.get("bump_counter", conn.dialect).run(conn, {"cid": customer_id, "yr": year}).fetchone()
        return int(bumped[0])

    # -- incidents ----------------------------------------------------------------------------
    def add(self, **values: Any) -> int:
        """Insert an incident row (plain values, no ORM object: this is the hot path); returns its id."""
        conn = self._conn
        row = {c: None for c in _INCIDENT_COLUMNS} | values
        return int(_STATEMENTS.get("insert_incident", conn.dialect).run(conn, row).fetchone()[0])

    def by_number(self, control_number: str, *, lock: bool = False) -> Incident | None:
        """``lock``: for a change — on PostgreSQL the row stays locked to the end of the transaction, so a
        change made by another replica (or its sweeper) at the same moment is waited for and then seen,
        not overwritten (SQLite has one writer)."""
        q = select(Incident).where(Incident.control_number == control_number)
        if lock:
            q = q.with_for_update().execution_options(populate_existing=True)
        return self.session.exec(q).first()

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
        incident: Incident | int,
        *,
        at: datetime,
        actor: str,
        kind: str,
        channel: str,
        text: str = "",
        data: dict[str, Any] | None = None,
    ) -> int:
        """Append a timeline event; returns its id."""
        incident_id = incident if isinstance(incident, int) else incident.id
        assert incident_id is not None
        conn = self._conn
        cursor = _STATEMENTS.get("insert_event", conn.dialect).run(
            conn,
            {"incident_id": incident_id, "at": at, "actor": actor, "kind": kind, "channel": channel, "text": text,
             "data": json.dumps(data or {}, ensure_ascii=False, default=str)},
        )
        return int(cursor.fetchone()[0])

    def timeline(self, incident_id: int) -> list[TimelineEvent]:
        return list(
            self.session.exec(
                select(TimelineEvent)
                .where(TimelineEvent.incident_id == incident_id)
                .order_by(col(TimelineEvent.at), col(TimelineEvent.id))
            )
        )

    # -- clocks -------------------------------------------------------------------------------
    def add_clocks(self, rows: Sequence[dict[str, Any]]) -> None:
        if rows:
            conn = self._conn
            _STATEMENTS.get("insert_clock", conn.dialect).run_many(conn, rows)

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
        conn = self._conn
        row = _STATEMENTS.get("select_delivery", conn.dialect).run(
            conn, {"transport": transport, "delivery_id": delivery_id}).fetchone()
        return str(row[0]) if row else None

    def remember_delivery(self, transport: str, delivery_id: str, at: datetime, reply: str) -> None:
        conn = self._conn
        _STATEMENTS.get("insert_delivery", conn.dialect).run(
            conn, {"transport": transport, "delivery_id": delivery_id, "at": at, "reply": reply})

    def touch(self, incident: Incident) -> None:
        """Write the changed incident row now (inside the current transaction)."""
        self.session.add(incident)
        self.session.flush()

