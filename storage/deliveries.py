"""Per-destination delivery states of outbox messages.

A message for several destinations (every engineer's private chat, a customer's channels on two
platforms, a person's channels in paging order) records each destination's outcome as it happens, so a
retry goes only to the destinations that have not taken it, and one that refuses fails alone:

- ``sent``: it took the message; never sent there again;
- ``retry``: it failed in a way a later attempt may fix (a timeout, a 5xx); tried again with the message;
- ``failed``: given up for good (a permanent refusal, or the attempt cap); reported to the contractor.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.engine import Dialect
from sqlmodel import Session, col

from storage.fastsql import Prepared, StatementCache, connection
from storage.models import OutboxDelivery, OutboxMessage

SENT, RETRY, FAILED = "sent", "retry", "failed"


@dataclass(frozen=True)
class DeliveryState:
    state: str
    attempts: int


@dataclass(frozen=True)
class FailedDelivery:
    """A destination given up for good (for reports)."""

    at: datetime
    destination: str
    kind: str
    error: str


def _upsert(d: Dialect) -> Prepared:
    table: Any = OutboxDelivery.__table__  # type: ignore[attr-defined]
    ins: Any = postgresql.insert(table) if d.name == "postgresql" else sqlite.insert(table)
    stmt = ins.on_conflict_do_update(
        index_elements=["message_id", "destination"],
        set_={"state": ins.excluded.state, "attempts": table.c.attempts + 1, "last_error": ins.excluded.last_error,
              "updated_at": ins.excluded.updated_at})
    return Prepared(stmt, d, ["message_id", "destination", "state", "attempts", "last_error", "updated_at"])


# Every delivery attempt writes one: compiled once per dialect, run on the cursor, many rows at a time.
_STATEMENTS = StatementCache({"upsert": _upsert})


@dataclass(frozen=True)
class Outcome:
    """The outcome of one attempt at one destination, to be recorded."""

    message_id: int
    destination: str
    state: str
    at: datetime
    error: str | None = None


class Deliveries:
    def __init__(self, session: Session) -> None:
        self.session = session

    def of(self, message_id: int) -> dict[str, DeliveryState]:
        rows = self.session.execute(select(col(OutboxDelivery.destination), col(OutboxDelivery.state), col(OutboxDelivery.attempts))
                                    .where(col(OutboxDelivery.message_id) == message_id))
        return {d: DeliveryState(s, n) for d, s, n in rows}

    def record(self, message_id: int, destination: str, state: str, now: datetime, error: str | None = None) -> None:
        """The outcome of one attempt at one destination (attempts counts the attempts made)."""
        self.record_many([Outcome(message_id, destination, state, now, error)])

    def record_many(self, outcomes: Sequence[Outcome]) -> None:
        """Outcomes of attempts (of many messages: the dispatcher's bookkeeping of a batch) in one
        statement; one destination appears at most once among them."""
        if outcomes:
            conn = connection(self.session)
            _STATEMENTS.get("upsert", conn.dialect).run_many(conn, [
                {"message_id": o.message_id, "destination": o.destination[:200], "state": o.state, "attempts": 1,
                 "last_error": o.error[:2000] if o.error else None, "updated_at": o.at} for o in outcomes])

    def failed_between(self, customer_id: str, start: datetime, end: datetime) -> Sequence[FailedDelivery]:
        """Destinations given up for good in [start, end) for the customer's messages, oldest first."""
        rows = self.session.execute(
            select(col(OutboxDelivery.updated_at), col(OutboxDelivery.destination), col(OutboxMessage.kind),
                   col(OutboxDelivery.last_error))
            .join(OutboxMessage, col(OutboxMessage.id) == col(OutboxDelivery.message_id))
            .where(col(OutboxDelivery.state) == FAILED, col(OutboxDelivery.updated_at) >= start,
                   col(OutboxDelivery.updated_at) < end, col(OutboxMessage.customer_id) == customer_id)
            .order_by(col(OutboxDelivery.updated_at)))
        return [FailedDelivery(at, d, k, e or "") for at, d, k, e in rows]


def failed_counts(session: Session) -> dict[tuple[str, str], int]:
    """Destinations given up for good, by (customer, transport); grouped per destination in SQL (a handful
    of chats and people), per transport here."""
    rows = session.execute(select(col(OutboxMessage.customer_id), col(OutboxDelivery.destination), func.count())
                           .join(OutboxMessage, col(OutboxMessage.id) == col(OutboxDelivery.message_id))
                           .where(col(OutboxDelivery.state) == FAILED)
                           .group_by(OutboxMessage.customer_id, OutboxDelivery.destination))
    out: dict[tuple[str, str], int] = {}
    for customer, destination, n in rows:
        key = (customer, str(destination).partition(":")[0])
        out[key] = out.get(key, 0) + int(n)
    return out
