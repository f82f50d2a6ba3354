"""Repository of backup runs. Every method runs in the caller's transaction."""

from __future__ import annotations

from collections.abc import Collection, Sequence
from datetime import datetime
from typing import Any

from sqlalchemy import update
from sqlalchemy.dialects import postgresql, sqlite
from sqlmodel import Session, col, select

from storage.models_backup import ACTIVE, BackupRun

_RUN = BackupRun.__table__  # type: ignore[attr-defined]
INTERRUPTED_AT_START = "the desk stopped while this run was active"
INTERRUPTED_OVERDUE = "no outcome by its deadline: the process running it is gone"


class BackupRepo:
    def __init__(self, session: Session) -> None:
        self.session = session

    @property
    def _pg(self) -> bool:
        return self.session.get_bind().dialect.name == "postgresql"

    def get(self, run_id: int) -> BackupRun | None:
        return self.session.get(BackupRun, run_id)

    def queue(self, *, customer_id: str, target_id: str, driver: str, trigger: str, requested_by: str,
              now: datetime, deadline: datetime, owner: str, run_key: str | None = None,
              attempt: int = 1) -> BackupRun | None:
        """Record a queued run. With a ``run_key`` only the first caller (replica) gets a row: the others
        get None."""
        values: dict[str, Any] = {
            "customer_id": customer_id, "target_id": target_id, "driver": driver, "trigger": trigger,
            "requested_by": requested_by, "run_key": run_key, "attempt": attempt, "status": "queued",
            "queued_at": now, "deadline_at": deadline, "owner": owner, "note": "", "pruned": False,
        }
        ins: Any = postgresql.insert(_RUN) if self._pg else sqlite.insert(_RUN)
        stmt = ins.values(**values)
        if run_key is not None:
            stmt = stmt.on_conflict_do_nothing(index_elements=["run_key"])
        result: Any = self.session.execute(stmt.returning(_RUN.c.id))
        row = result.first()
        if row is None:
            return None
        return self.get(int(row[0]))

    def active(self, customer_id: str, target_id: str) -> BackupRun | None:
        q = (select(BackupRun)
             .where(BackupRun.customer_id == customer_id, BackupRun.target_id == target_id,
                    col(BackupRun.status).in_(ACTIVE))
             .order_by(col(BackupRun.id).desc()))
        return self.session.exec(q).first()

    def start(self, run_id: int, now: datetime, deadline: datetime) -> BackupRun | None:
        """queued → running; None when the run is no longer queued (interrupted meanwhile)."""
        result: Any = self.session.execute(
            update(_RUN).where(_RUN.c.id == run_id, _RUN.c.status == "queued")
            .values(status="running", started_at=now, deadline_at=deadline))
        if result.rowcount != 1:
            return None
        run = self.get(run_id)
        if run is not None:
            self.session.refresh(run)
        return run

    def finish(self, run_id: int, now: datetime, *, status: str, size: int | None = None,
               sha256: str | None = None, location: str | None = None, note: str = "",
               changed: bool | None = None, commit: str | None = None, error: str | None = None) -> BackupRun | None:
        """running → succeeded | failed (a run already marked interrupted keeps that mark)."""
        result: Any = self.session.execute(
            update(_RUN).where(_RUN.c.id == run_id, col(_RUN.c.status).in_(ACTIVE))
            .values(status=status, finished_at=now, size=size, sha256=sha256, location=location, note=note[:2000],
                    changed=changed, commit=commit, error=None if error is None else error[:2000]))
        run = self.get(run_id)
        if run is not None:
            self.session.refresh(run)
        return run if result.rowcount == 1 else None

    def mark_pruned(self, customer_id: str, target_id: str, run_ids: Sequence[int]) -> None:
        if run_ids:
            self.session.execute(
                update(_RUN).where(_RUN.c.customer_id == customer_id, _RUN.c.target_id == target_id,
                                   col(_RUN.c.id).in_(list(run_ids))).values(pruned=True))

    def recent(self, customer_id: str, target_id: str | None = None, limit: int = 10) -> list[BackupRun]:
        q = select(BackupRun).where(BackupRun.customer_id == customer_id)
        if target_id is not None:
            q = q.where(BackupRun.target_id == target_id)
        return list(self.session.exec(q.order_by(col(BackupRun.id).desc()).limit(limit)))

    def last_success(self, customer_id: str, target_id: str) -> BackupRun | None:
        q = (select(BackupRun)
             .where(BackupRun.customer_id == customer_id, BackupRun.target_id == target_id,
                    BackupRun.status == "succeeded")
             .order_by(col(BackupRun.finished_at).desc(), col(BackupRun.id).desc()))
        return self.session.exec(q).first()

    def active_owners(self) -> set[str]:
        """The owners (``host:pid``) of the runs still queued or running."""
        return {str(o) for o in self.session.execute(
            select(_RUN.c.owner).where(col(_RUN.c.status).in_(ACTIVE)).distinct()).scalars()}

    def interrupt_unfinished(self, now: datetime, owners: Collection[str] | None = None) -> list[int]:
        """At start-up: runs left queued or running by processes that died become "interrupted" (only
        those of ``owners`` when given, for several replicas), so no run stays "running" forever."""
        cond = [col(_RUN.c.status).in_(ACTIVE)]
        if owners is not None:
            if not owners:
                return []
            cond.append(col(_RUN.c.owner).in_(sorted(owners)))
        return self._interrupt(cond, now, INTERRUPTED_AT_START)

    def interrupt_overdue(self, now: datetime) -> list[int]:
        """Runs still active past their deadline (their process is gone): "interrupted"."""
        return self._interrupt([col(_RUN.c.status).in_(ACTIVE), _RUN.c.deadline_at < now], now,
                               INTERRUPTED_OVERDUE)

    def _interrupt(self, cond: list[Any], now: datetime, why: str) -> list[int]:
        ids = [int(r[0]) for r in self.session.execute(select(_RUN.c.id).where(*cond))]
        if ids:
            self.session.execute(update(_RUN).where(col(_RUN.c.id).in_(ids), col(_RUN.c.status).in_(ACTIVE))
                                 .values(status="interrupted", finished_at=now, error=why))
        return ids
