"""Migration 0002 carries the register over: confirmed incidents keep their recorded outcomes; an incident
resolved but not yet confirmed gets its resolution clock stopped provisionally at its resolve instant."""

from __future__ import annotations

from datetime import datetime, timedelta

from sqlalchemy import insert, select

from storage.db import Database
from storage.migrate import upgrade
from storage.models import Incident, SlaClock
from tests.conftest import utc

T0 = utc(2026, 11, 23, 8, 0)  # 10:00 Sofia
_I = Incident.__table__  # type: ignore[attr-defined]
_C = SlaClock.__table__  # type: ignore[attr-defined]


def _incident(conn, seq: int, state: str, **times: datetime | None) -> int:  # type: ignore[no-untyped-def]
    conn.execute(insert(_I).values(
        id=seq, control_number=f"NOI-2026-{seq:05d}", customer_id="noi", year=2026, seq=seq, category="urgent",
        component="cucm", description="down", reporter="ivana", source="console:console", state=state,
        reported_at=T0, registered_at=T0, **times))
    return seq


def _clock(conn, iid: int, name: str, deadline: datetime, stopped: datetime | None = None,  # type: ignore[no-untyped-def]
           paused_since: datetime | None = None) -> None:
    margin = None if stopped is None else int((deadline - stopped).total_seconds())
    conn.execute(insert(_C).values(
        incident_id=iid, name=name, target="4h", started_at=T0, deadline=deadline, stopped_at=stopped,
        met=None if margin is None else margin >= 0, margin_seconds=margin, paused_since=paused_since, rev=0,
        warned="", breach_sent=False))


def test_recorded_outcomes_stay_and_a_waiting_fix_stops_provisionally(db_url: str) -> None:
    db = Database(db_url)
    try:
        upgrade(db.engine, "0001")
        due = T0 + timedelta(hours=4)  # 14:00
        with db.engine.begin() as conn:
            # confirmed at 15:00 (resolved 13:00) under the old rule: breached by an hour, and stays so
            done = _incident(conn, 1, "confirmed", resolved_at=T0 + timedelta(hours=3), confirmed_at=T0 + timedelta(hours=5))
            _clock(conn, done, "reaction", T0 + timedelta(minutes=30), T0 + timedelta(minutes=10))
            _clock(conn, done, "resolution", due, T0 + timedelta(hours=5))
            # resolved at 13:00, awaiting the customer
            waiting = _incident(conn, 2, "resolved", resolved_at=T0 + timedelta(hours=3))
            _clock(conn, waiting, "resolution", due)
            # resolved while paused since 12:00: its deadline has yet to move by the pause
            paused = _incident(conn, 3, "resolved", resolved_at=T0 + timedelta(hours=3))
            _clock(conn, paused, "resolution", due, paused_since=T0 + timedelta(hours=2))
            # still in progress
            working = _incident(conn, 4, "in_progress")
            _clock(conn, working, "resolution", due)
        db.upgrade()
        with db.engine.connect() as conn:
            rows = {(r.incident_id, r.name): r for r in conn.execute(select(_C))}
        assert (rows[1, "reaction"].stopped_at, rows[1, "reaction"].final_at) == (T0 + timedelta(minutes=10),) * 2
        confirmed = rows[1, "resolution"]
        assert (confirmed.stopped_at, confirmed.final_at, confirmed.met, confirmed.margin_seconds) == (
            T0 + timedelta(hours=5), T0 + timedelta(hours=5), False, -3600)
        provisional = rows[2, "resolution"]
        assert (provisional.stopped_at, provisional.final_at, provisional.met, provisional.margin_seconds) == (
            T0 + timedelta(hours=3), None, True, 3600)
        assert (rows[3, "resolution"].stopped_at, rows[3, "resolution"].final_at) == (None, None)
        assert (rows[4, "resolution"].stopped_at, rows[4, "resolution"].final_at) == (None, None)
    finally:
        db.close()
