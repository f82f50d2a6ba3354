"""A delivery whose outcome is unknown (Slack took the post, the answer was lost, or the process died)
is looked for in the conversation before it is posted again, and adopted if it is there."""

from __future__ import annotations

from collections.abc import AsyncIterator

import pytest
from slack_sdk.errors import SlackApiError
from slack_sdk.web.async_client import AsyncWebClient

from integrations.chat.slack_lookup import outbox_metadata
from storage.chat_refs import ChatRefs
from storage.outbox import Outbox
from tests.fakes.slack_api import FakeSlack
from tests.integrations.chat import SlackRig, slack_rig

NUMBER = "NOI-2026-00001"


@pytest.fixture
async def rig(noi_config, db_url: str) -> AsyncIterator[SlackRig]:  # type: ignore[no-untyped-def]
    # no quick retries inside the call: the outbox's own retry is what is tested
    async with slack_rig(noi_config, db_url, mode="socket", start=False, retry_handlers=[]) as r:
        await r.slack.join_channels()  # what start() does: a bot reads history only where it is a member
        yield r


def unsent(rig: SlackRig) -> list[str]:
    return [m.kind for m in rig.desk.db.read_sync(lambda s: Outbox(s).all()) if m.sent_at is None]


def outbox_keys(fake: FakeSlack, conversation: str) -> list[str]:
    return [str(m["metadata"]["event_payload"]["key"]) for m in fake.conversations.get(conversation, [])]


async def test_a_card_slack_took_without_answering_is_adopted_not_posted_again(rig: SlackRig) -> None:
    await rig.desk.say("U0IVANA", "/incident urgent cucm Calls fail", transport="slack", channel="C0NOIDESK")
    rig.fake.lose_answer("C0NOIDESK")
    assert (await rig.dispatch()).failed == 1  # the card is in the channel, but the desk cannot know
    assert len(rig.fake.posts("C0NOIDESK")) == 1 and unsent(rig) == ["incident.card"]

    rig.desk.advance(seconds=10)
    assert (await rig.dispatch()).sent == 1
    [card] = rig.fake.posts("C0NOIDESK")  # still one: found by its metadata and adopted
    [lookup] = rig.fake.calls_to("conversations.history")
    assert lookup["channel"] == "C0NOIDESK" and lookup["include_all_metadata"] in ("1", "true")
    assert unsent(rig) == []
    assert rig.desk.db.read_sync(lambda s: ChatRefs(s).get(1, "slack", "C0NOIDESK")) == card["ts"]

    await rig.desk.say("U0GEORGI", f"/ack {NUMBER}", transport="slack", channel="C0NOIDESK")
    await rig.dispatch()
    [update] = rig.fake.calls_to("chat.update")
    assert update["ts"] == card["ts"]  # the adopted card is the one edited


async def test_a_page_slack_took_without_answering_is_adopted_from_the_direct_message(rig: SlackRig) -> None:
    await rig.desk.say("U0IVANA", "/incident urgent cucm Calls fail", transport="slack", channel="C0NOIDESK")
    rig.fake.lose_answer("D0PETAR")  # a DM is posted to its conversation
    await rig.dispatch()
    assert unsent(rig) == ["page"]
    rig.desk.advance(seconds=10)
    await rig.dispatch()
    assert len(rig.fake.posts("D0PETAR")) == 1 and unsent(rig) == []
    assert rig.fake.calls_to("conversations.open") == [{"users": "U0PETAR"}]  # the DM's channel, to read it
    assert outbox_keys(rig.fake, "D0PETAR") == ["page:1:r0:s0:petar"]


async def test_a_post_that_never_reached_slack_is_posted_after_looking(rig: SlackRig) -> None:
    await rig.desk.say("U0IVANA", "/incident urgent cucm Calls fail", transport="slack", channel="C0NOIDESK")
    rig.fake.fail("chat.postMessage", 500)  # refused before it was stored
    await rig.dispatch()
    assert rig.fake.posts("C0NOIDESK") == []
    rig.desk.advance(seconds=10)
    await rig.dispatch()
    assert len(rig.fake.calls_to("conversations.history")) == 1  # looked, found nothing...
    assert len(rig.fake.posts("C0NOIDESK")) == 1 and unsent(rig) == []  # ...and posted, once


async def test_a_first_message_is_posted_without_looking(rig: SlackRig) -> None:
    await rig.desk.say("U0IVANA", "/incident urgent cucm Calls fail", transport="slack", channel="C0NOIDESK")
    await rig.dispatch()
    assert rig.fake.calls_to("conversations.history") == [] and unsent(rig) == []
    [card] = rig.fake.posts("C0NOIDESK")
    assert card["metadata"] == {"event_type": "dutydesk_outbox",
                                "event_payload": {"key": "card:1", "part": "card", "card": 1}}


async def test_the_fake_reads_history_as_slack_does() -> None:
    fake = await FakeSlack().start()
    client = AsyncWebClient(token="xoxb-test", base_url=fake.base_url)
    try:
        sent = [await client.chat_postMessage(channel="C1", text=f"m{n}", metadata=outbox_metadata({"key": n}))
                for n in range(5)]  # chat:write.public: posting needs no membership...
        with pytest.raises(SlackApiError, match="not_in_channel"):  # ...reading does
            await client.conversations_history(channel="C1")
        await client.conversations_join(channel="C1")
        await client.chat_postMessage(channel="C1", thread_ts=sent[0]["ts"], text="reply")
        page = await client.conversations_history(channel="C1", oldest=sent[1]["ts"], limit=2)
        assert [m["text"] for m in page["messages"]] == ["m4", "m3"]  # newest first, after oldest
        assert "metadata" not in page["messages"][0]  # only when asked for
        assert page["has_more"]
        rest = await client.conversations_history(channel="C1", oldest=sent[1]["ts"], limit=2,
                                                  cursor=page["response_metadata"]["next_cursor"],
                                                  include_all_metadata=True)
        assert [(m["text"], m["metadata"]["event_payload"]) for m in rest["messages"]] == [("m2", {"key": 2})]
        assert not rest["has_more"]
        thread = await client.conversations_replies(channel="C1", ts=sent[0]["ts"])
        assert [m["text"] for m in thread["messages"]] == ["m0", "reply"]
    finally:
        await client.session.close() if client.session else None
        await fake.close()
