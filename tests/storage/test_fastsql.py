"""The report path's statements: many rows in one call."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta

from sqlmodel import Session, col, select

from storage.db import Database
from storage.models import OutboxMessage
from storage.outbox import Outbox, message_row


def test_many_rows_in_one_call_are_all_stored_and_a_repeated_key_is_skipped(db: Database) -> None:
    start = datetime(2026, 11, 23, 8, 4, tzinfo=UTC)
    rows = [message_row(dedupe_key=f"k{i}", customer_id="noi", kind="page", audience=f"person:p{i}",
                        payload=json.dumps({"n": i}), now=start + timedelta(seconds=i)) for i in range(250)]
    rows.append(message_row(dedupe_key="k7", customer_id="noi", kind="page", audience="person:again",
                            payload="{}", now=start))

    def put(session: Session) -> None:
        Outbox(session).put_many(rows)

    db.write_sync(put)
    stored = db.read_sync(lambda s: list(s.exec(select(OutboxMessage).order_by(col(OutboxMessage.id)))))
    assert [m.dedupe_key for m in stored] == [f"k{i}" for i in range(250)]
    assert [json.loads(m.payload)["n"] for m in stored] == list(range(250))
    assert [m.created_at for m in stored] == [start + timedelta(seconds=i) for i in range(250)]
    assert stored[7].audience == "person:p7"  # the first of a repeated key stays
