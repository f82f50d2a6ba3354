"""What the outbox sends to Slack: through rate limits and server errors, once, and in order."""

from __future__ import annotations

import json
from collections.abc import AsyncIterator

import pytest

from storage.outbox import Outbox
from tests.integrations.chat import SlackRig, slack_rig

NUMBER = "NOI-2026-00001"


@pytest.fixture
async def rig(noi_config, db_url: str) -> AsyncIterator[SlackRig]:  # type: ignore[no-untyped-def]
    async with slack_rig(noi_config, db_url, mode="socket", start=False) as r:  # outbound only
        yield r


def unsent(rig: SlackRig) -> list[tuple[str, str | None]]:
    rows = rig.desk.db.read_sync(lambda s: Outbox(s).all())
    return [(m.kind, m.last_error) for m in rows if m.sent_at is None]


async def test_a_rate_limited_message_waits_retry_after_and_is_delivered_once(rig: SlackRig) -> None:
    await rig.desk.say("U0IVANA", "/incident urgent cucm Calls fail", transport="slack", channel="C0NOIDESK")
    rig.fake.fail("chat.postMessage", 429, retry_after=1)
    result = await rig.dispatch()
    assert (result.failed, result.unroutable) == (0, 0)
    assert len(rig.fake.calls_to("chat.postMessage!429")) == 1
    assert len(rig.fake.posts("C0NOIDESK")) == 1  # the card, once, after the wait
    assert unsent(rig) == []


async def test_a_message_slack_could_not_take_stays_in_the_outbox_and_goes_out_later(rig: SlackRig) -> None:
    await rig.desk.say("U0IVANA", "/incident urgent cucm Calls fail", transport="slack", channel="C0NOIDESK")
    rig.fake.fail("chat.postMessage", 500)  # no quick retry of a post: Slack may have taken it
    first = await rig.dispatch()
    assert first.failed == 1
    [(kind, error)] = unsent(rig)
    assert kind == "incident.card" and error and "internal_error" in error
    assert rig.fake.posts("C0NOIDESK") == []

    assert (await rig.dispatch()).sent == 0  # backing off
    rig.desk.advance(seconds=10)
    assert (await rig.dispatch()).sent == 1
    assert len(rig.fake.posts("C0NOIDESK")) == 1 and unsent(rig) == []


async def test_a_card_delivered_late_does_not_overwrite_a_newer_state(rig: SlackRig) -> None:
    await rig.desk.say("U0IVANA", "/incident urgent cucm Calls fail", transport="slack", channel="C0NOIDESK")
    await rig.desk.say("U0GEORGI", f"/ack {NUMBER}", transport="slack", channel="C0NOIDESK")
    rig.fake.fail("chat.postMessage", 500)  # the "registered" card fails; the "acknowledged" one goes
    await rig.dispatch()
    [card] = [p for p in rig.fake.posts("C0NOIDESK") if not p.get("thread_ts")]
    assert "/ack" not in str(card["blocks"])  # posted in the acknowledged state

    rig.desk.advance(seconds=10)
    await rig.dispatch()
    assert rig.fake.calls_to("chat.update") == []  # the older state did not replace the newer
    thread = [p["text"] for p in rig.fake.posts("C0NOIDESK") if p.get("thread_ts") == card["ts"]]
    assert len(thread) == 2 and unsent(rig) == []


async def test_a_deleted_card_is_posted_again(rig: SlackRig) -> None:
    await rig.desk.say("U0IVANA", "/incident urgent cucm Calls fail", transport="slack", channel="C0NOIDESK")
    await rig.dispatch()
    await rig.desk.say("U0GEORGI", f"/ack {NUMBER}", transport="slack", channel="C0NOIDESK")
    rig.fake.answer_error("chat.update", "message_not_found")
    await rig.dispatch()
    cards = [p for p in rig.fake.posts("C0NOIDESK") if not p.get("thread_ts")]
    assert len(cards) == 2 and unsent(rig) == []


async def test_an_archived_channel_is_refused_for_good_at_once_and_the_engineers_are_told(rig: SlackRig) -> None:
    rig.fake.archive("C0NOIDESK")
    await rig.desk.say("U0IVANA", "/incident urgent cucm Calls fail", transport="slack", channel="C0NOIDESK")
    first = await rig.dispatch()
    assert first.given_up == 1 and first.failed == 0  # the card: is_archived is not worth a retry
    assert [p["channel"] for p in rig.fake.posts()] == ["C0NOIDESK", "D0PETAR"]  # the page still went out
    await rig.dispatch()  # the alert to the engineers' channel
    [told] = [p for p in rig.fake.posts("C0NOIENG") if p["text"].startswith("⚠")]
    assert NUMBER in told["text"] and "C0NOIDESK" in told["text"] and "is_archived" in told["text"]
    await rig.desk.say("U0PETAR", f"/ack {NUMBER}", transport="slack", channel="C0NOIENG")
    for _ in range(5):
        rig.desk.advance(minutes=16)
        await rig.dispatch()
    # each message (cards, SLA warnings) tried the channel once; one alert per incident and channel;
    # nothing left to retry
    keys = [json.dumps(p["metadata"]["event_payload"]) for p in rig.fake.posts("C0NOIDESK")]
    assert len(keys) >= 3 and len(keys) == len(set(keys))
    assert len([p for p in rig.fake.posts("C0NOIENG") if p["text"].startswith("⚠")]) == 1
    assert unsent(rig) == []


async def test_a_page_does_not_wait_behind_a_card_that_waits_out_a_rate_limit(rig: SlackRig) -> None:
    await rig.desk.say("U0IVANA", "/incident urgent cucm Calls fail", transport="slack", channel="C0NOIDESK")
    rig.fake.fail("chat.postMessage", 429, retry_after=1)  # the card, posted first, waits out Retry-After
    result = await rig.dispatch()
    assert (result.sent, result.failed) == (2, 0)
    # the page, to another audience, went meanwhile (without the wait the card goes first: see above)
    assert [p["channel"] for p in rig.fake.posts()] == ["D0PETAR", "C0NOIDESK"]
    assert unsent(rig) == []
