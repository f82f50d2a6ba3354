"""The outbox: messages written in the same transaction as their cause, delivered later, exactly once
per dedupe key (a second write of the same key is a no-op)."""

from __future__ import annotations

import json
from collections.abc import Sequence
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import update
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.engine import Dialect
from sqlmodel import Session, col, select

from storage.fastsql import Prepared, StatementCache, connection
from storage.models import OutboxMessage


def _put(d: Dialect) -> Prepared:
    table = OutboxMessage.__table__  # type: ignore[attr-defined]
    ins: Any = postgresql.insert(table) if d.name == "postgresql" else sqlite.insert(table)
    columns = [c.name for c in table.columns if c.name != "id"]
    return Prepared(ins.on_conflict_do_nothing(index_elements=["dedupe_key"]), d, columns)


# Queued on the report path (cards, pages): compiled once per dialect, run on the cursor.
_STATEMENTS = StatementCache({"put": _put})


class Outbox:
    def __init__(self, session: Session) -> None:
        self.session = session

    def put(
        self,
        *,
        dedupe_key: str,
        customer_id: str,
        kind: str,
        audience: str,
        payload: dict[str, Any],
        now: datetime,
        incident_id: int | None = None,
        late: bool = False,
    ) -> bool:
        """Queue a message; returns False if a message with this key was queued before."""
        conn = connection(self.session)
        cursor = _STATEMENTS.get("put", conn.dialect).run(conn, {
            "dedupe_key": dedupe_key, "customer_id": customer_id, "incident_id": incident_id, "kind": kind,
            "audience": audience, "payload": json.dumps(payload, ensure_ascii=False, default=str),
            "created_at": now, "next_attempt_at": now, "attempts": 0, "late": late,
            "sent_at": None, "last_error": None,
        })
        return bool(cursor.rowcount)

    def claim_due(self, now: datetime, limit: int = 100, lease: timedelta = timedelta(seconds=60)) -> list[OutboxMessage]:
        """Take due unsent messages for delivery; others skip rows locked by another dispatcher.

        Claiming moves ``next_attempt_at`` forward by the lease, so a dispatcher that dies mid-delivery
        leaves its messages to be retried after the lease, not lost.
        """
        q = (
            select(OutboxMessage)
            .where(col(OutboxMessage.sent_at).is_(None), col(OutboxMessage.next_attempt_at) <= now)
            .order_by(col(OutboxMessage.next_attempt_at), col(OutboxMessage.id))
            .limit(limit)
        )
        if self.session.get_bind().dialect.name == "postgresql":
            q = q.with_for_update(skip_locked=True)
        rows = list(self.session.exec(q))
        if rows:
            self.session.execute(
                update(OutboxMessage)
                .where(col(OutboxMessage.id).in_([r.id for r in rows]))
                .values(next_attempt_at=now + lease)
            )
        return rows

    def mark_sent(self, message_id: int, now: datetime) -> None:
        self.session.execute(
            update(OutboxMessage).where(col(OutboxMessage.id) == message_id).values(sent_at=now)
        )

    def mark_failed(self, message_id: int, now: datetime, error: str, attempts: int) -> None:
        backoff = min(timedelta(seconds=5 * 2**attempts), timedelta(minutes=15))
        self.session.execute(
            update(OutboxMessage)
            .where(col(OutboxMessage.id) == message_id)
            .values(attempts=attempts + 1, last_error=error[:2000], next_attempt_at=now + backoff)
        )

    def all(self, *, kind: str | None = None) -> Sequence[OutboxMessage]:
        q = select(OutboxMessage).order_by(col(OutboxMessage.id))
        if kind is not None:
            q = q.where(OutboxMessage.kind == kind)
        return list(self.session.exec(q))
