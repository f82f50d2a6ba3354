"""The per-destination delivery states (revision d0001) on a database that already has an outbox: sent
messages stay sent, pending ones are delivered once to each destination, and one that the old code kept
retrying for ever is given up at its next attempt and reported."""

from __future__ import annotations

import asyncio

from alembic import command
from sqlalchemy import inspect

from bot.dispatcher import Dispatcher
from commands.desk.reply import Reply
from commands.domain.config import Config
from integrations.chat.routing import Destination
from storage.db import Database
from storage.deliveries import Deliveries
from storage.migrate import alembic_config
from storage.models import OutboxMessage
from storage.outbox import Outbox
from tests.conftest import utc
from tests.harness import FakeClock

NOW = utc(2026, 11, 23, 8, 0)


class Channels:
    """Two chats for the customer: C1 takes everything, C2 is down (a timeout every time)."""

    name = "slack"

    def __init__(self) -> None:
        self.got: list[tuple[str, str]] = []

    def destinations(self, audience: str) -> list[Destination]:
        return [Destination("C1", False), Destination("C2", False)] if audience == "customer:noi" else []

    async def deliver(self, destination: Destination, reply: Reply, message: OutboxMessage) -> None:
        if destination.chat_id == "C2":
            raise TimeoutError("C2 did not answer")
        self.got.append((destination.chat_id, message.dedupe_key))


def test_existing_outbox_rows_are_carried_over(db_url: str, noi_config: Config) -> None:
    db = Database(db_url)
    try:
        db.upgrade()
        command.downgrade(alembic_config(db.engine), "p0001")  # the schema as it was before d0001
        assert "outbox_delivery" not in inspect(db.engine).get_table_names()

        def old_rows(s):  # type: ignore[no-untyped-def]
            outbox = Outbox(s)
            for key in ("sent", "pending", "forever"):
                outbox.put(dedupe_key=key, customer_id="noi", kind="info", audience="customer:noi",
                           payload=Reply(text=key).to_dict(), now=NOW)
            rows = {m.dedupe_key: m for m in outbox.all()}
            outbox.mark_sent(rows["sent"].id or 0, NOW)
            outbox.mark_failed(rows["pending"].id or 0, NOW, "TimeoutError", 1)
            outbox.mark_failed(rows["forever"].id or 0, NOW, "TimeoutError", 500)  # retried for days

        db.write_sync(old_rows)
        db.upgrade()
        assert "outbox_delivery" in inspect(db.engine).get_table_names()

        clock = FakeClock(utc(2026, 11, 23, 9, 0))
        chats = Channels()
        dispatcher = Dispatcher(db, clock, [chats], noi_config)
        result = asyncio.run(dispatcher.tick())
        assert sorted(chats.got) == [("C1", "forever"), ("C1", "pending")]  # the sent one is not sent again
        assert result.given_up == 1  # "forever" at C2: its 501st attempt is past the cap
        rows = {m.dedupe_key: m for m in db.read_sync(lambda s: Outbox(s).all())}
        assert rows["forever"].sent_at is not None and rows["pending"].sent_at is None
        states = db.read_sync(lambda s: Deliveries(s).of(rows["forever"].id or 0))
        assert {k: v.state for k, v in states.items()} == {"slack:C1": "sent", "slack:C2": "failed"}
        assert "delivery.failed" in {m.kind for m in rows.values()}
    finally:
        db.close()
