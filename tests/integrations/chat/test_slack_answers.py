"""The person who asked always gets the answer (their control number): a response_url serves 5 answers
within 30 minutes, and a form submitted later, or a sixth answer, goes as an ephemeral message — or,
where the bot may not post in the channel, as a direct message."""

from __future__ import annotations

from collections.abc import AsyncIterator

import aiohttp
import pytest

from tests.fakes.slack_api import payload_body, slash_body, view_submission
from tests.integrations.chat import SlackRig, slack_rig

NUMBER = "NOI-2026-00001"


@pytest.fixture
async def rig(noi_config, db_url: str) -> AsyncIterator[SlackRig]:  # type: ignore[no-untyped-def]
    async with slack_rig(noi_config, db_url) as r:
        yield r


async def open_form(rig: SlackRig) -> dict[str, object]:
    body = slash_body("/incident", "", user="U0IVANA", channel="C0NOIDESK", trigger_id="t1",
                      response_url=rig.fake.response_url("t1"))
    assert (await rig.post(body)).status == 200
    [opened] = await rig.fake.wait_calls("views.open")
    return dict(opened["view"])


VALUES = {"category": {"selected": "other"}, "component": {"selected": "crm"},
          "description": {"value": "Export slow"}}


async def test_the_fake_response_url_serves_five_answers_in_thirty_minutes(rig: SlackRig) -> None:
    url = rig.fake.response_url("r")
    async with aiohttp.ClientSession() as session:
        async def post() -> tuple[int, str]:
            async with session.post(url, json={"text": "hi"}) as resp:
                return resp.status, await resp.text()

        assert [await post() for _ in range(5)] == [(200, "ok")] * 5
        assert await post() == (404, "used_url")
        rig.fake.response_url("late")
        rig.desk.advance(minutes=30, seconds=1)
        url = rig.fake.response_url("late")  # the same url: issued 30 min 1 s ago
        assert await post() == (404, "expired_url")


async def test_a_form_submitted_after_thirty_minutes_is_answered_by_an_ephemeral_message(rig: SlackRig) -> None:
    view = await open_form(rig)
    rig.desk.advance(minutes=31)  # the reporter took a while to type
    assert (await rig.post(payload_body(view_submission(view, VALUES, user="U0IVANA")))).status == 200
    [ephemeral] = await rig.fake.wait_calls("chat.postEphemeral")
    assert (ephemeral["channel"], ephemeral["user"]) == ("C0NOIDESK", "U0IVANA")
    assert NUMBER in ephemeral["text"]
    assert [c.result["error"] for c in rig.fake.calls if c.method == "respond:t1!404"] == ["expired_url"]
    assert [i.control_number for i in rig.incidents()] == [NUMBER]


async def test_where_no_ephemeral_message_may_go_the_answer_is_a_direct_message(rig: SlackRig) -> None:
    view = await open_form(rig)
    rig.desk.advance(minutes=31)
    rig.fake.answer_error("chat.postEphemeral", "not_in_channel")  # a public channel the bot never joined
    assert (await rig.post(payload_body(view_submission(view, VALUES, user="U0IVANA")))).status == 200
    await rig.fake.wait_for(lambda f: any(p["channel"] == "U0IVANA" for p in f.posts()))
    [dm] = [p for p in rig.fake.posts() if p["channel"] == "U0IVANA"]
    assert NUMBER in dm["text"]


async def test_a_sixth_answer_to_one_command_still_reaches_the_person(rig: SlackRig) -> None:
    url = rig.fake.response_url("t9")
    async with aiohttp.ClientSession() as session:
        for _ in range(5):  # the url is spent (e.g. by earlier answers of a long-running command)
            async with session.post(url, json={"text": "x"}) as resp:
                assert resp.status == 200
    body = slash_body("/incident", "urgent cucm Calls fail", user="U0IVANA", channel="C0NOIDESK", trigger_id="t9",
                      response_url=url)
    assert (await rig.post(body)).status == 200
    [ephemeral] = await rig.fake.wait_calls("chat.postEphemeral")
    assert NUMBER in ephemeral["text"]
    assert [c.result["error"] for c in rig.fake.calls if c.method == "respond:t9!404"] == ["used_url"]
