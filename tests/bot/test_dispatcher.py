"""The outbox dispatcher: delivers each message once, keeps and retries what could not be sent."""

from __future__ import annotations

from datetime import timedelta

from sqlmodel import select

from bot.dispatcher import Dispatcher
from commands.desk.reply import Reply
from commands.incidents.sweep import sweep_unit
from integrations.chat.routing import Destination
from storage.models import OutboxMessage
from tests.conftest import utc
from tests.harness import DeskHarness


class Recorder:
    name = "slack"

    def __init__(self, audiences: set[str], fail_times: int = 0) -> None:
        self.audiences = audiences
        self.fail_times = fail_times
        self.got: list[tuple[str, str]] = []

    def destinations(self, audience: str) -> list[Destination]:
        return [Destination(audience, False)] if audience in self.audiences else []

    async def deliver(self, destination: Destination, reply: Reply, message: OutboxMessage) -> None:
        if self.fail_times:
            self.fail_times -= 1
            raise ConnectionError("chat service unavailable")
        self.got.append((message.audience, reply.text))


async def test_a_failed_delivery_is_retried_with_backoff_and_sent_once(noi_config, db_url: str) -> None:  # type: ignore[no-untyped-def]
    h = DeskHarness(noi_config, db_url, utc(2026, 11, 23, 8, 4))
    try:
        n = (await h.say("ivana", "/incident urgent cucm Down")).control_number
        h.db.write_sync(sweep_unit(h.app.services, h.clock.now()))  # the first page of the escalation
        customer = Recorder({"customer:noi"}, fail_times=1)
        dispatcher = Dispatcher(h.db, h.clock, [customer], noi_config)
        first = await dispatcher.tick()  # the card fails; nobody reaches the on-call engineer's page here
        assert (first.sent, first.failed, first.unroutable) == (0, 1, 1)
        assert customer.got == []
        again = await dispatcher.tick()  # backoff: nothing is due yet
        assert (again.sent, again.failed) == (0, 0)
        h.advance(seconds=10)
        third = await dispatcher.tick()
        assert third.sent == 1
        assert customer.got == [("customer:noi", f"{n} · регистриран · спешен · CUCM")]
        h.advance(minutes=1)
        await dispatcher.tick()
        assert len(customer.got) == 1  # sent once
        rows = h.db.read_sync(lambda s: list(s.exec(select(OutboxMessage).order_by(OutboxMessage.id))))
        assert [(m.kind, m.audience) for m in rows] == [("incident.card", "customer:noi"), ("page", "person:petar")]
        card, page = rows[0], rows[1]
        assert card.sent_at is not None and card.attempts == 1
        assert page.sent_at is None  # kept for a transport that reaches georgi
        assert "no transport reaches person:petar" in (page.last_error or "")
        assert page.next_attempt_at > h.clock.now() - timedelta(minutes=2)
    finally:
        h.close()


async def test_a_sign_in_link_is_forgotten_by_the_outbox_once_sent(noi_config, db_url: str) -> None:  # type: ignore[no-untyped-def]
    h = DeskHarness(noi_config, db_url, utc(2026, 11, 23, 8, 4))
    h.app.services.web_url = "https://desk.example"
    try:
        assert not (await h.say("ivana", "/web")).is_error
        dm = Recorder({"person:ivana"}, fail_times=1)
        dispatcher = Dispatcher(h.db, h.clock, [dm], noi_config)

        def link_row() -> OutboxMessage:
            [row] = h.db.read_sync(lambda s: list(s.exec(select(OutboxMessage).where(OutboxMessage.kind == "web.link"))))
            return row

        await dispatcher.tick()  # the first try fails: the link stays to be tried again
        assert "https://desk.example/signin/" in link_row().payload
        h.advance(seconds=10)
        await dispatcher.tick()
        [(audience, _)] = dm.got
        assert audience == "person:ivana"
        row = link_row()
        assert row.sent_at is not None and "/signin/" not in row.payload and "one-time" in row.payload
    finally:
        h.close()
