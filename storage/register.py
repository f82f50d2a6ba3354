"""The register's repository: incidents, control numbers, timeline, clocks, and handled deliveries.

Every method runs inside the caller's transaction (a unit of work given to ``Database.write``).
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from datetime import datetime
from typing import Any

from sqlalchemy import bindparam, func, insert, text, update
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.engine import Connection, Dialect
from sqlmodel import Session, col, select

from storage.fastsql import Prepared, StatementCache, connection
from storage.models import ControlCounter, Delivery, Incident, SlaClock, SlaPause, TimelineEvent

# The report path runs these for every incident: compiled once per dialect, run on the cursor.
_INCIDENT = Incident.__table__  # type: ignore[attr-defined]
_COUNTER = ControlCounter.__table__  # type: ignore[attr-defined]
_DELIVERY = Delivery.__table__  # type: ignore[attr-defined]
_EVENT = TimelineEvent.__table__  # type: ignore[attr-defined]
_INCIDENT_COLUMNS = [c.name for c in _INCIDENT.columns if c.name != "id"]
_CLOCK_COLUMNS = [c.name for c in SlaClock.__table__.columns if c.name != "id"]  # type: ignore[attr-defined]
_EVENT_COLUMNS = [c.name for c in _EVENT.columns if c.name != "id"]


def _ids_statement(d: Dialect, table: str) -> Prepared:
    """Ids for rows about to be inserted: the sequence's next values (PostgreSQL), or the ones after the
    largest (SQLite, whose only writer is this process's writer thread inside BEGIN IMMEDIATE)."""
    if d.name == "postgresql":
        return Prepared(text(f"SELECT nextval(pg_get_serial_sequence('{table}', 'id'))"
                             " FROM generate_series(1, :count)"), d)
    return Prepared(text(f"SELECT coalesce(max(id), 0) FROM {table}"), d)


def _ensure_counter(d: Dialect) -> Prepared:
    ins = postgresql.insert(_COUNTER) if d.name == "postgresql" else sqlite.insert(_COUNTER)
    return Prepared(ins.on_conflict_do_nothing(), d, ["customer_id", "year", "last"])


_STATEMENTS = StatementCache({
    "ensure_counter": _ensure_counter,
    "bump_counter": lambda d: Prepared(
        update(_COUNTER)
        .where(_COUNTER.c.customer_id == bindparam("cid"), _COUNTER.c.year == bindparam("yr"))
        .values(last=_COUNTER.c.last + bindparam("count"))
        .returning(_COUNTER.c.last), d),
    "incident_ids": lambda d: _ids_statement(d, "incident"),
    "event_ids": lambda d: _ids_statement(d, "timeline_event"),
    "insert_incident": lambda d: Prepared(insert(_INCIDENT), d, ["id", *_INCIDENT_COLUMNS]),
    "insert_clock": lambda d: Prepared(insert(SlaClock.__table__), d, _CLOCK_COLUMNS),  # type: ignore[attr-defined]
    "insert_event": lambda d: Prepared(insert(_EVENT).returning(_EVENT.c.id), d, _EVENT_COLUMNS),
    "insert_events": lambda d: Prepared(insert(_EVENT), d, ["id", *_EVENT_COLUMNS]),
    "select_delivery": lambda d: Prepared(
        select(_DELIVERY.c.reply).where(
            _DELIVERY.c.transport == bindparam("transport"), _DELIVERY.c.delivery_id == bindparam("delivery_id")), d),
    "insert_delivery": lambda d: Prepared(insert(_DELIVERY), d, ["transport", "delivery_id", "at", "reply"]),
})


def event_row(incident_id: int, *, at: datetime, actor: str, kind: str, channel: str, text: str = "",
              data: dict[str, Any] | None = None) -> dict[str, Any]:
    """A timeline event as ``Register.record`` appends it, for ``record_many``."""
    return {"incident_id": incident_id, "at": at, "actor": actor, "kind": kind, "channel": channel, "text": text,
            "data": json.dumps(data or {}, ensure_ascii=False, default=str)}


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
    def next_seqs(self, customer_id: str, year: int, count: int = 1) -> range:
        """Take the next ``count`` numbers of the customer's year inside the current transaction.

        The UPDATE locks the counter row until commit (PostgreSQL) or runs under BEGIN IMMEDIATE
        (SQLite), so concurrent reports queue here; a rollback gives the numbers back: gapless.
        """
        conn = self._conn
        bump = _STATEMENTS.get("bump_counter", conn.dialect)
        params = {"cid": customer_id, "yr": year, "count": count}
        bumped = bump.run(conn, params).fetchone()
        if bumped is None:  # the customer's first report of the year
            _STATEMENTS.get("ensure_counter", conn.dialect).run(conn, {"customer_id": customer_id, "year": year, "last": 0})
            bumped = bump.run(conn, params).fetchone()
        last = int(bumped[0])
        return range(last - count + 1, last + 1)

    # -- incidents ----------------------------------------------------------------------------
    def add_many(self, rows: Sequence[dict[str, Any]]) -> list[int]:
        """Insert incident rows (plain values, no ORM objects: this is the report path) in one
        statement; returns their ids, in order."""
        conn = self._conn
        ids = self._new_ids("incident_ids", len(rows))
        empty = dict.fromkeys(_INCIDENT_COLUMNS)
        _STATEMENTS.get("insert_incident", conn.dialect).run_many(
            conn, [empty | row | {"id": iid} for row, iid in zip(rows, ids, strict=True)])
        return ids

    def _new_ids(self, statement: str, count: int) -> list[int]:
        conn = self._conn
        found = _STATEMENTS.get(statement, conn.dialect).run(conn, {"count": count}).fetchall()
        if conn.dialect.name == "postgresql":
            return sorted(int(r[0]) for r in found)
        return list(range(int(found[0][0]) + 1, int(found[0][0]) + 1 + count))

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
            conn, event_row(incident_id, at=at, actor=actor, kind=kind, channel=channel, text=text, data=data))
        return int(cursor.fetchone()[0])

    def record_many(self, rows: Sequence[dict[str, Any]]) -> list[int]:
        """Append timeline events given as full rows (``data`` already JSON); returns their ids, in order."""
        conn = self._conn
        ids = self._new_ids("event_ids", len(rows))
        _STATEMENTS.get("insert_events", conn.dialect).run_many(
            conn, [row | {"id": eid} for row, eid in zip(rows, ids, strict=True)])
        return ids

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

    def clocks_of(self, incident_ids: Sequence[int]) -> dict[int, list[SlaClock]]:
        """The clocks of many incidents in one query (the sweeper's tick), each incident's in order."""
        out: dict[int, list[SlaClock]] = {i: [] for i in incident_ids}
        if incident_ids:
            for clock in self.session.exec(select(SlaClock).where(col(SlaClock.incident_id).in_(incident_ids))
                                           .order_by(col(SlaClock.id))):
                out[clock.incident_id].append(clock)
        return out

    def pauses_of(self, incident_ids: Sequence[int]) -> dict[int, list[SlaPause]]:
        """The pauses of many incidents in one query, each incident's in order."""
        out: dict[int, list[SlaPause]] = {i: [] for i in incident_ids}
        if incident_ids:
            for pause in self.session.exec(select(SlaPause).where(col(SlaPause.incident_id).in_(incident_ids))
                                           .order_by(col(SlaPause.id))):
                out[pause.incident_id].append(pause)
        return out

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
        self.remember_deliveries([{"transport": transport, "delivery_id": delivery_id, "at": at, "reply": reply}])

    def remember_deliveries(self, rows: Sequence[dict[str, Any]]) -> None:
        """Record handled deliveries (transport, delivery_id, at, reply as JSON); a repeated one violates
        the table's unique key."""
        if rows:
            conn = self._conn
            _STATEMENTS.get("insert_delivery", conn.dialect).run_many(conn, rows)

    def touch(self, incident: Incident) -> None:
        """Write the changed incident row now (inside the current transaction)."""
        self.session.add(incident)
        self.session.flush()

