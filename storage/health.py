"""Repository of the health tables. Every method runs in the caller's transaction."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from typing import Any

from sqlalchemy import or_, update
from sqlalchemy.dialects import postgresql, sqlite
from sqlmodel import Session, col, select

from storage.models_health import HealthCheckState, HealthEvent, MaintenanceWindow

_STATE = HealthCheckState.__table__  # type: ignore[attr-defined]


class HealthRepo:
    def __init__(self, session: Session) -> None:
        self.session = session

    @property
    def _pg(self) -> bool:
        return self.session.get_bind().dialect.name == "postgresql"

    # -- check state --------------------------------------------------------------------------------
    def ensure(self, customer_id: str, check_id: str, component: str) -> None:
        ins: Any = postgresql.insert(_STATE) if self._pg else sqlite.insert(_STATE)
        self.session.execute(ins.values(customer_id=customer_id, check_id=check_id, component=component)
                             .on_conflict_do_nothing())

    def state(self, customer_id: str, check_id: str, *, lock: bool = False) -> HealthCheckState | None:
        q = select(HealthCheckState).where(HealthCheckState.customer_id == customer_id,
                                           HealthCheckState.check_id == check_id)
        if lock and self._pg:
            q = q.with_for_update()
        return self.session.exec(q).first()

    def load(self, customer_id: str, check_id: str, component: str) -> HealthCheckState:
        """The check's row, created on first use, locked for this transaction on PostgreSQL."""
        self.ensure(customer_id, check_id, component)
        row = self.state(customer_id, check_id, lock=True)
        assert row is not None
        return row

    def claim_slot(self, customer_id: str, check_id: str, component: str, slot: int) -> bool:
        """Claim the scheduled run of period ``slot``: True for exactly one caller (replica) per period."""
        self.ensure(customer_id, check_id, component)
        result: Any = self.session.execute(
            update(_STATE)
            .where(_STATE.c.customer_id == customer_id, _STATE.c.check_id == check_id, _STATE.c.run_slot < slot)
            .values(run_slot=slot)
        )
        return bool(result.rowcount == 1)

    def states(self, customer_id: str) -> list[HealthCheckState]:
        q = select(HealthCheckState).where(HealthCheckState.customer_id == customer_id)
        return list(self.session.exec(q))

    # -- history ------------------------------------------------------------------------------------
    def record(self, *, customer_id: str, check_id: str, component: str, at: datetime, kind: str,
               from_state: str | None = None, to_state: str | None = None, reason: str = "",
               latency_ms: float | None = None) -> None:
        self.session.add(HealthEvent(customer_id=customer_id, check_id=check_id, component=component, at=at,
                                     kind=kind, from_state=from_state, to_state=to_state, reason=reason[:2000],
                                     latency_ms=latency_ms))

    def has_event(self, customer_id: str, check_id: str, kind: str, at: datetime) -> bool:
        q = select(HealthEvent.id).where(HealthEvent.customer_id == customer_id, HealthEvent.check_id == check_id,
                                         HealthEvent.kind == kind, HealthEvent.at == at)
        return self.session.exec(q).first() is not None

    def history(self, customer_id: str, component: str | None = None, *, limit: int = 20,
                kinds: Sequence[str] | None = None) -> list[HealthEvent]:
        q = select(HealthEvent).where(HealthEvent.customer_id == customer_id)
        if component is not None:
            q = q.where(HealthEvent.component == component)
        if kinds is not None:
            q = q.where(col(HealthEvent.kind).in_(list(kinds)))
        q = q.order_by(col(HealthEvent.at).desc(), col(HealthEvent.id).desc()).limit(limit)
        return list(self.session.exec(q))

    # -- maintenance --------------------------------------------------------------------------------
    def add_window(self, **values: Any) -> MaintenanceWindow:
        row = MaintenanceWindow(**values)
        self.session.add(row)
        self.session.flush()
        return row

    def windows(self, customer_id: str, now: datetime, component: str | None = None) -> list[MaintenanceWindow]:
        """Windows not cancelled that may still matter at or after ``now`` (recurring ones always)."""
        q = select(MaintenanceWindow).where(
            MaintenanceWindow.customer_id == customer_id, col(MaintenanceWindow.cancelled_at).is_(None),
            or_(col(MaintenanceWindow.every).is_not(None), col(MaintenanceWindow.ends_at) > now),
        )
        if component is not None:
            q = q.where(MaintenanceWindow.component == component)
        return list(self.session.exec(q.order_by(col(MaintenanceWindow.starts_at))))

    def cancel_window(self, customer_id: str, window_id: int, now: datetime) -> MaintenanceWindow | None:
        row = self.session.get(MaintenanceWindow, window_id)
        if row is None or row.customer_id != customer_id or row.cancelled_at is not None:
            return None
        row.cancelled_at = now
        self.session.add(row)
        return row
