"""The outbox: messages written in the same transaction as their cause, delivered later, exactly once
per dedupe key (a second write of the same key is a no-op).

Several dispatchers (replicas) share it through a lease. ``claim_due`` takes due rows with
``FOR UPDATE SKIP LOCKED`` (a row another dispatcher is claiming right now is skipped, not waited for)
and stamps them ``claimed_by`` + ``lease_until``. The lease is measured in real time from the
database's ``clock_timestamp()`` — not from the desk's clock, which decides only *when a message is
due*: a desk clock that jumps (a test's fake clock, a corrected system clock) must not hand a message
being delivered to a second replica, and one clock for all replicas means their own clocks' skew does
not matter either. A dispatcher that dies mid-delivery leaves its messages to be claimed again when the
lease runs out; ``attempt_started_at`` (the first attempt's start, kept until the message is sent) tells
the next one that the message may already be in the chat, so the transport looks before posting again.
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from datetime import UTC, datetime, timedelta
from typing import Any

from sqlalchemy import bindparam, func, literal, null, or_, update
from sqlalchemy import select as sa_select
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.engine import Dialect
from sqlmodel import Session, col, select

from storage.db import note_queued
from storage.fastsql import Prepared, StatementCache, connection
from storage.models import OutboxMessage
from storage.types import UTCDateTime

_LEASE_COLUMNS = ("claimed_by", "lease_until", "attempt_started_at")
# Kinds whose payload is a one-time secret (the web sign-in link, commands/desk/web_link.py): once the
# message is sent or refused the row keeps only what it was, so a copy of the database holds no live link.
SECRET_KINDS = frozenset({"web.link"})
SECRET_GONE = json.dumps({"text": "(a one-time sign-in link: removed from the outbox once sent)", "lines": [],
                          "kind": "info"})
# Long enough for a whole claimed batch, with the transports' timeouts and one retry each, to be
# delivered by one dispatcher; short enough that a dead replica's messages go out within minutes.
LEASE = timedelta(minutes=5)


def database_now(session: Session) -> datetime:
    """Real time by the database's clock (PostgreSQL), the same for every replica; SQLite serves one
    process, whose own clock is the database's."""
    if session.get_bind().dialect.name == "postgresql":
        at: datetime = session.execute(sa_select(func.clock_timestamp())).scalar_one()
        return at.astimezone(UTC)
    return datetime.now(UTC)


def in_doubt_since(message: OutboxMessage) -> datetime | None:
    """When an earlier, unconfirmed delivery attempt of this claimed message began (None: this is the
    first attempt). The message may be in the chat since then."""
    return message.attempt_started_at


def _put(d: Dialect) -> Prepared:
    table = OutboxMessage.__table__  # type: ignore[attr-defined]
    ins: Any = postgresql.insert(table) if d.name == "postgresql" else sqlite.insert(table)
    columns = [c.name for c in table.columns if c.name not in ("id", *_LEASE_COLUMNS)]  # those start NULL
    return Prepared(ins.on_conflict_do_nothing(index_elements=["dedupe_key"]), d, columns)


# Queued on the report path (cards, pages): compiled once per dialect, run on the cursor.
_TABLE = OutboxMessage.__table__  # type: ignore[attr-defined]
_STATEMENTS = StatementCache({
    "put": _put,
    "sent": lambda d: Prepared(update(_TABLE).where(_TABLE.c.id == bindparam("message_id"))
                               .values(sent_at=bindparam("sent_at"), lease_until=null()), d),
})


def message_row(*, dedupe_key: str, customer_id: str, kind: str, audience: str, payload: str, now: datetime,
                incident_id: int | None = None, late: bool = False) -> dict[str, Any]:
    """A new outbox row; ``payload`` is the message's JSON."""
    return {
        "dedupe_key": dedupe_key, "customer_id": customer_id, "incident_id": incident_id, "kind": kind,
        "audience": audience, "payload": payload, "created_at": now, "next_attempt_at": now, "attempts": 0,
        "late": late, "sent_at": None, "last_error": None,
    }


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
        cursor = _STATEMENTS.get("put", conn.dialect).run(conn, message_row(
            dedupe_key=dedupe_key, customer_id=customer_id, kind=kind, audience=audience,
            payload=json.dumps(payload, ensure_ascii=False, default=str), now=now, incident_id=incident_id,
            late=late))
        if cursor.rowcount:
            note_queued(self.session)
        return bool(cursor.rowcount)

    def put_many(self, rows: Sequence[dict[str, Any]]) -> int:
        """Queue messages given as ``message_row``s in one statement (a key queued before is skipped);
        returns how many were new."""
        if not rows:
            return 0
        conn = connection(self.session)
        added = max(0, int(_STATEMENTS.get("put", conn.dialect).run_many(conn, rows).rowcount))
        if added:
            note_queued(self.session)
        return added

    def claim_due(self, now: datetime, limit: int = 100, *, owner: str = "", lease: timedelta = LEASE
                  ) -> list[OutboxMessage]:
        """Take messages due by the desk's clock (``now``) whose lease is free, for ``owner``.

        The rows come back as they were before this claim: a non-NULL ``attempt_started_at`` means an
        earlier attempt's outcome is unknown (``in_doubt_since``).
        """
        real_now = database_now(self.session)
        q = (
            select(OutboxMessage)
            .where(col(OutboxMessage.sent_at).is_(None), col(OutboxMessage.next_attempt_at) <= now,
                   or_(col(OutboxMessage.lease_until).is_(None), col(OutboxMessage.lease_until) <= real_now))
            .order_by(col(OutboxMessage.next_attempt_at), col(OutboxMessage.id))
            .limit(limit)
        )
        if self.session.get_bind().dialect.name == "postgresql":
            q = q.with_for_update(skip_locked=True)
        rows = list(self.session.exec(q))
        if rows:
            # Committed (with the claim) before any network call: the attempt's start is on record.
            self.session.execute(
                update(OutboxMessage)
                .where(col(OutboxMessage.id).in_([r.id for r in rows]))
                .values(claimed_by=owner[:128], lease_until=real_now + lease,
                        attempt_started_at=func.coalesce(col(OutboxMessage.attempt_started_at),
                                                         literal(real_now, UTCDateTime()))),
                execution_options={"synchronize_session": False},  # attempt_started_at: as it was
            )
            for row in rows:  # detached, so these reflect the claim without being written again
                self.session.expunge(row)
                row.claimed_by, row.lease_until = owner[:128], real_now + lease
        return rows

    def mark_sent(self, message_id: int, now: datetime) -> None:
        self.mark_sent_many([(message_id, now)])

    def mark_sent_many(self, sent: Sequence[tuple[int, datetime]]) -> None:
        """Messages (id, when) done, in one statement."""
        if sent:
            conn = connection(self.session)
            _STATEMENTS.get("sent", conn.dialect).run_many(conn, [{"message_id": i, "sent_at": at} for i, at in sent])

    def mark_refused(self, message_id: int, now: datetime, reason: str) -> None:
        """Done without delivery, for good: the reason stays on the row (``last_error``)."""
        self.session.execute(
            update(OutboxMessage).where(col(OutboxMessage.id) == message_id)
            .values(sent_at=now, lease_until=None, last_error=f"refused: {reason}"[:2000])
        )
        self.forget_secrets([message_id])

    def forget_secrets(self, message_ids: Sequence[int]) -> None:
        """The payload of those of these messages that carry a one-time secret (``SECRET_KINDS``) is
        replaced by a note that it was there; call it once they are done."""
        if message_ids:
            self.session.execute(
                update(OutboxMessage)
                .where(col(OutboxMessage.id).in_(list(message_ids)), col(OutboxMessage.kind).in_(SECRET_KINDS))
                .values(payload=SECRET_GONE))

    def mark_failed(self, message_id: int, now: datetime, error: str, attempts: int) -> None:
        # 5 s doubling up to 15 min (2**8 * 5 s is past it: the exponent stops there, so a message failing
        # for hours does not overflow timedelta)
        backoff = min(timedelta(seconds=5 * 2 ** min(attempts, 8)), timedelta(minutes=15))
        self.session.execute(
            update(OutboxMessage)
            .where(col(OutboxMessage.id) == message_id)
            # the lease ends with the attempt; attempt_started_at stays: a failure may have posted
            .values(attempts=attempts + 1, last_error=error[:2000], next_attempt_at=now + backoff, lease_until=None)
        )

    def all(self, *, kind: str | None = None) -> Sequence[OutboxMessage]:
        q = select(OutboxMessage).order_by(col(OutboxMessage.id))
        if kind is not None:
            q = q.where(OutboxMessage.kind == kind)
        return list(self.session.exec(q))

    def is_latest_card(self, message: OutboxMessage) -> bool:
        """Whether ``message`` is its incident's newest card for its audience: an older card delivered
        late (after a retry) must not overwrite a newer state."""
        q = select(func.max(col(OutboxMessage.id))).where(
            OutboxMessage.incident_id == message.incident_id, OutboxMessage.kind == "incident.card",
            OutboxMessage.audience == message.audience)
        latest = self.session.exec(q).one()
        return latest is None or (message.id or 0) >= latest

class DeferredOutbox(Outbox):
    """An outbox for a unit that queues many messages and reads none of them back (the sweeper): ``put``
    only collects the row, and ``flush`` writes them all in one statement — one round trip to the
    database instead of one per message. The same dedupe keys: a key queued before is skipped at
    ``flush``, so ``put`` returning True means only "handed over"; ``flush`` returns how many were new."""

    def __init__(self, session: Session) -> None:
        super().__init__(session)
        self.rows: list[dict[str, Any]] = []

    def put(self, *, dedupe_key: str, customer_id: str, kind: str, audience: str, payload: dict[str, Any],
            now: datetime, incident_id: int | None = None, late: bool = False) -> bool:
        self.rows.append(message_row(
            dedupe_key=dedupe_key, customer_id=customer_id, kind=kind, audience=audience,
            payload=json.dumps(payload, ensure_ascii=False, default=str), now=now, incident_id=incident_id,
            late=late))
        return True

    def flush(self) -> int:
        rows, self.rows = self.rows, []
        return self.put_many(rows)
