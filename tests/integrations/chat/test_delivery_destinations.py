"""Each destination of an outbox message is delivered and recorded on its own: a chat that refuses fails
alone (reported to the contractor, its person reached on their next channel), the others get the message
exactly once, and nothing is retried for ever. Real PTB against the fake Bot API, the real dispatcher and
database; the SMS gateway is a real HTTP server."""

from __future__ import annotations

import json
from collections.abc import AsyncIterator
from datetime import timedelta

import pytest
from sqlmodel import col, select

from bot.dispatcher import Dispatcher
from bot.metrics import OpsMetrics
from bot.report_jobs import run_daily_summary
from commands.desk.reply import Reply
from commands.domain.config import Config
from commands.oncall.domain.config import SmsGatewayConfig
from commands.reports.report import daily_summary
from integrations.gateways.sms import SmsNotifier
from storage.deliveries import Deliveries
from storage.models import OutboxDelivery, OutboxMessage
from storage.outbox import Outbox
from tests.fakes.sms_gateway import FakeSmsGateway
from tests.fakes.telegram_api import BLOCKED, CHAT_NOT_FOUND, NEVER_STARTED
from tests.integrations.chat.telegram_rig import GEORGI, MARIA, NOI_GROUP, PETAR, Rig, telegram_rig

ALERT = "Backup of CUCM failed: host unreachable"


@pytest.fixture
async def rig(noi_config: Config, db_url: str) -> AsyncIterator[Rig]:
    async with telegram_rig(noi_config, db_url) as r:
        yield r


def queue_engineers_alert(rig: Rig, key: str = "backup-alert-1", text: str = ALERT) -> None:
    """What a failed backup queues: one message for all of noi's engineers, by private chat on Telegram
    (noi has no engineers' group there)."""
    now = rig.desk.clock.now()
    rig.desk.db.write_sync(lambda s: Outbox(s).put(dedupe_key=key, customer_id="noi", kind="backup.failed",
                                                   audience="engineers:noi", payload=Reply(text=text).to_dict(),
                                                   now=now))


def texts(rig: Rig, chat: int) -> list[str]:
    return [m.plain for m in rig.fake.chat_messages(chat)]


def outbox(rig: Rig, kind: str) -> list[OutboxMessage]:
    return rig.desk.db.read_sync(lambda s: list(s.exec(select(OutboxMessage).where(OutboxMessage.kind == kind)
                                                        .order_by(col(OutboxMessage.id)))))


async def run_for(rig: Rig, dispatcher: Dispatcher, hours: float) -> None:
    """Dispatcher ticks every 16 minutes (past the longest backoff) for ``hours``."""
    for _ in range(int(hours * 60 / 16)):
        await dispatcher.tick()
        rig.desk.advance(minutes=16)


async def test_an_engineer_who_never_started_the_bot_fails_alone_and_the_others_get_it_once(rig: Rig) -> None:
    rig.fake.refuse(GEORGI, NEVER_STARTED)  # georgi comes first among noi's engineers
    rig.fake.refuse(MARIA, BLOCKED)
    queue_engineers_alert(rig)
    dispatcher = Dispatcher(rig.desk.db, rig.desk.clock, [rig.tg], rig.config)
    await run_for(rig, dispatcher, hours=3)

    assert texts(rig, PETAR).count(ALERT) == 1  # after the refusing chats, and exactly once
    assert ALERT not in texts(rig, GEORGI) + texts(rig, MARIA)
    # refused for good at once: never asked again
    assert [ALERT in c.args["text"] for c in rig.fake.refusals(GEORGI)].count(True) == 1
    assert [ALERT in c.args["text"] for c in rig.fake.refusals(MARIA)].count(True) == 1
    [message] = outbox(rig, "backup.failed")
    assert message.sent_at is not None  # done: nothing left to retry
    states = rig.desk.db.read_sync(lambda s: Deliveries(s).of(message.id or 0))
    assert {k: v.state for k, v in states.items()} == {
        f"telegram:{GEORGI}": "failed", f"telegram:{MARIA}": "failed", f"telegram:{PETAR}": "sent"}

    # The contractor is told, once per refusing destination, by the engineers' own channel
    alerts = outbox(rig, "delivery.failed")
    assert len(alerts) == 2 and all(a.audience == "engineers:noi" and a.sent_at is not None for a in alerts)
    told = [t for t in texts(rig, PETAR) if t.startswith("⚠")]
    assert len(told) == 2
    assert any("Георги Иванов" in t and "can't initiate conversation" in t for t in told)
    assert any("Мария Димитрова" in t and "blocked by the user" in t for t in told)
    # an alert that cannot reach georgi or maria is not itself reported (no chain of alerts)
    assert len(outbox(rig, "delivery.failed")) == 2


async def test_a_refusing_private_chat_falls_through_to_the_persons_next_channel(noi_config: Config,
                                                                                 db_url: str) -> None:
    with FakeSmsGateway() as gateway:
        sms = SmsGatewayConfig(url=gateway.url, body='{"to": "{phone}", "text": "{text}"}')
        config = noi_config.model_copy(update={"desk": noi_config.desk.model_copy(update={"sms": sms})})
        async with telegram_rig(config, db_url) as rig:
            rig.fake.refuse(GEORGI, BLOCKED)
            queue_engineers_alert(rig)
            progress = {"text": "Backup #7 of gw1: running", "update_key": "backup:7", "update_seq": 1}
            now = rig.desk.clock.now()
            rig.desk.db.write_sync(lambda s: Outbox(s).put(
                dedupe_key="backup:7:running", customer_id="noi", kind="backup.progress", audience="engineers:noi",
                payload=progress, now=now))
            dispatcher = Dispatcher(rig.desk.db, rig.desk.clock, [rig.tg, SmsNotifier(config, sms, {})], config)
            await run_for(rig, dispatcher, hours=1)
            # georgi's paging order is slack, telegram, sms, email: Telegram refused, so SMS, once
            assert [s["body"]["to"] for s in gateway.sent if ALERT in s["body"]["text"]] == ["+359888000002"]
            # a progress message edited in place is not worth an SMS per state
            assert not any("Backup #7" in s["body"]["text"] for s in gateway.sent)
            assert texts(rig, PETAR).count(ALERT) == 1 and texts(rig, MARIA).count(ALERT) == 1
            told = next(t for t in texts(rig, PETAR) if t.startswith("⚠"))
            assert "Георги Иванов" in told and "sms" in told  # the alert says where it went instead


async def test_a_chat_failing_every_time_is_given_up_at_the_attempt_cap_and_reported(noi_config: Config,
                                                                                    db_url: str) -> None:
    config = noi_config.model_copy(update={"desk": noi_config.desk.model_copy(update={"delivery_attempts": 4})})
    async with telegram_rig(config, db_url) as rig:
        rig.fake.refuse(NOI_GROUP, (502, "Bad Gateway"))  # a transient error, every time
        await rig.desk.say("ivana", "/incident urgent cucm Calls fail")
        dispatcher = Dispatcher(rig.desk.db, rig.desk.clock, [rig.tg], config)
        await rig.dispatch()
        await run_for(rig, dispatcher, hours=3)

        assert len(rig.fake.refusals(NOI_GROUP)) == 4  # four attempts at the card, then no more
        [card] = outbox(rig, "incident.card")
        assert card.sent_at is not None and card.attempts == 3
        [row] = rig.desk.db.read_sync(lambda s: list(s.exec(select(OutboxDelivery)
                                                            .where(OutboxDelivery.message_id == card.id))))
        assert (row.destination, row.state, row.attempts) == (f"telegram:{NOI_GROUP}", "failed", 4)
        assert "Bad Gateway" in (row.last_error or "")
        told = [t for t in texts(rig, PETAR) if t.startswith("⚠")]
        assert len(told) == 1 and "NOI-2026-00001" in told[0] and str(NOI_GROUP) in told[0]

        # /metrics: a gauge of destinations given up, per customer and transport
        metrics = OpsMetrics(rig.desk.db, rig.desk.clock.now, ["noi"])
        text = metrics.render().decode()
        assert 'dutydesk_deliveries_failed{customer="noi",transport="telegram"} 1.0' in text

        # the daily summary names it
        now = rig.desk.clock.now()
        day = (now + timedelta(days=1)).date()
        rig.desk.clock.set(now + timedelta(days=1))
        # the daily summary names it, in the engineers' copy (the customer's does not air the contractor's
        # housekeeping)
        await run_daily_summary(rig.desk.app.services, "noi")
        copies = {m.audience: json.loads(m.payload) for m in outbox(rig, "report.daily")}
        ours, theirs = "\n".join(copies["engineers:noi"]["lines"]), "\n".join(copies["customer:noi"]["lines"])
        assert "Недоставени съобщения: 1" in ours
        assert f"telegram:{NOI_GROUP}" in ours and "Bad Gateway" in ours
        assert "Недоставени" not in theirs and str(NOI_GROUP) not in theirs
        summary = rig.desk.db.read_sync(lambda s: daily_summary(s, rig.desk.app.services, "noi", day,
                                                                 rig.desk.clock.now(), locale="en", contractor=True))
        assert "Messages not delivered: 1" in "\n".join(summary.lines)
        # asked in chat: an engineer sees it, a reporter of the customer does not
        assert "Недоставени съобщения: 1" in (await rig.desk.say("georgi", "/report daily")).as_text()
        assert "Недоставени" not in (await rig.desk.say("ivana", "/report daily")).as_text()


async def test_a_group_telegram_does_not_know_is_given_up_at_once(rig: Rig) -> None:
    rig.fake.refuse(NOI_GROUP, CHAT_NOT_FOUND)  # a wrong id in channels.telegram, or the group was deleted
    await rig.desk.say("ivana", "/incident urgent cucm Calls fail")
    first = await rig.dispatch()
    assert first.given_up == 1 and first.failed == 0
    rig.desk.advance(minutes=16)
    await rig.dispatch()
    asked = [c.args["text"] for c in rig.fake.refusals(NOI_GROUP)]
    assert len(asked) == len(set(asked)) and "NOI-2026-00001" in asked[0]  # each message asked once, never again
    told = [t for t in texts(rig, PETAR) if t.startswith("⚠")]
    assert len(told) == 1 and "chat not found" in told[0].lower()
