"""Pages fall through the person's channels: SMS through an HTTP gateway, then e-mail over SMTP."""

from __future__ import annotations

from collections.abc import Iterator
from email import message_from_bytes, policy
from typing import Any

import pytest
from aiosmtpd.controller import Controller
from sqlmodel import select

from bot.dispatcher import Dispatcher
from commands.desk.reply import Reply
from commands.incidents.sweep import sweep_unit
from commands.oncall.domain.config import SmsGatewayConfig, SmtpConfig
from integrations.gateways.email import EmailNotifier
from integrations.gateways.sms import SmsNotifier
from storage.models import OutboxMessage, TimelineEvent
from tests.conftest import utc
from tests.fakes.sms_gateway import FakeSmsGateway
from tests.harness import DeskHarness


class Inbox:
    def __init__(self) -> None:
        self.messages: list[Any] = []

    async def handle_DATA(self, server: Any, session: Any, envelope: Any) -> str:
        self.messages.append(message_from_bytes(envelope.content, policy=policy.default))
        return "250 OK"


@pytest.fixture
def smtp() -> Iterator[tuple[Inbox, int]]:
    import socket

    with socket.socket() as probe:  # aiosmtpd checks its own port on start, so it needs a real one
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    inbox = Inbox()
    controller = Controller(inbox, hostname="127.0.0.1", port=port)
    controller.start()
    try:
        yield inbox, port
    finally:
        controller.stop()


async def test_sms_failing_falls_through_to_email(noi_config, db_url: str, smtp: tuple[Inbox, int]) -> None:  # type: ignore[no-untyped-def]
    inbox, port = smtp
    with FakeSmsGateway() as gateway:
        sms = SmsGatewayConfig(url=gateway.url, body='{"to": "{phone}", "text": "{text}"}', auth_header_env="SMS_AUTH")
        mail = SmtpConfig(host="127.0.0.1", port=port, sender="dutydesk@contractor.example")
        config = noi_config.model_copy(update={"desk": noi_config.desk.model_copy(update={"sms": sms, "smtp": mail})})
        h = DeskHarness(config, db_url, utc(2026, 11, 23, 8, 4))
        try:
            notifiers = [SmsNotifier(config, sms, {"SMS_AUTH": "Bearer s3cret"}), EmailNotifier(config, mail, {})]
            dispatcher = Dispatcher(h.db, h.clock, notifiers, config)
            n = (await h.say("ivana", '/incident urgent cucm Calls "fail" for all')).control_number
            h.db.write_sync(sweep_unit(h.app.services, h.clock.now()))  # the escalation's first page

            gateway.fail_with = 503
            await dispatcher.tick()
            assert gateway.sent == []
            assert len(inbox.messages) == 1  # petar (primary on call) got it by e-mail
            assert inbox.messages[0]["To"] == "petar@contractor.example"
            assert n in inbox.messages[0]["Subject"]

            gateway.fail_with = None
            await h.say("georgi", "/page petar CallRec stopped recording at 10:00")
            await dispatcher.tick()
            assert [s["body"]["to"] for s in gateway.sent] == ["+359888000004"]
            assert "CallRec stopped recording" in gateway.sent[0]["body"]["text"]
            assert gateway.sent[0]["auth"] == "Bearer s3cret"
            assert len(inbox.messages) == 1  # the SMS went through: no e-mail this time

            attempts = h.db.read_sync(lambda s: [e.text for e in s.exec(
                select(TimelineEvent).where(TimelineEvent.kind == "page_attempt").order_by(TimelineEvent.id))])
            assert attempts[0].startswith("petar · sms · failed: SmsError: SMS gateway answered HTTP 503")
            assert attempts[1] == "petar · email · ok"
            pages = h.db.read_sync(lambda s: list(s.exec(select(OutboxMessage).where(OutboxMessage.kind == "page"))))
            assert all(m.sent_at is not None for m in pages)
        finally:
            h.close()


async def test_a_gateway_refusing_the_request_is_permanent_and_a_busy_one_is_not(noi_config) -> None:  # type: ignore[no-untyped-def]
    from integrations.chat.base import PermanentDeliveryError
    from integrations.chat.routing import Destination
    from integrations.gateways.sms import SmsError

    with FakeSmsGateway() as gateway:
        sms = SmsGatewayConfig(url=gateway.url, body='{"to": "{phone}", "text": "{text}"}')
        notifier = SmsNotifier(noi_config, sms, {})
        [petar] = notifier.destinations("person:petar")
        assert petar == Destination("+359888000004", True, "petar")
        message = OutboxMessage(id=1, dedupe_key="p", customer_id="noi", kind="page", audience="person:petar",
                                payload="{}", created_at=utc(2026, 11, 23, 8, 4), next_attempt_at=utc(2026, 11, 23, 8, 4))
        try:
            for status in (400, 401, 404, 422):  # RFC 9110 §15.5: the request as it is will not do
                gateway.fail_with = status
                with pytest.raises(PermanentDeliveryError, match=str(status)):
                    await notifier.deliver(petar, Reply(text="CUCM down"), message)
            for status in (429, 503):  # later may work: tried again with backoff
                gateway.fail_with = status
                with pytest.raises(SmsError) as caught:
                    await notifier.deliver(petar, Reply(text="CUCM down"), message)
                assert not isinstance(caught.value, PermanentDeliveryError)
        finally:
            await notifier.close()
