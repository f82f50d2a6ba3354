"""What people type reaches Slack escaped (``&``, ``<``, ``>``) on every path: the answer to a command,
the card's blocks and text, the event in the card's thread, the page by direct message, and what a
form submitted — end to end through Bolt, the desk and the outbox into the fake Slack."""

from __future__ import annotations

from collections.abc import AsyncIterator, Iterator
from typing import Any

import pytest

from tests.fakes.slack_api import Call, payload_body, slash_body, view_submission
from tests.integrations.chat import SlackRig, slack_rig

NUMBER = "NOI-2026-00001"
HOSTILE = "Calls fail & <!channel> <!here> <@U123> <#C1> <https://evil.example|invoice> a>b"
ESCAPED = ("Calls fail &amp; &lt;!channel&gt; &lt;!here&gt; &lt;@U123&gt; &lt;#C1&gt; "
           "&lt;https://evil.example|invoice&gt; a&gt;b")
RAW = ("<!channel>", "<!here>", "<@U123>", "<#C1>", "<https://evil", "a>b", "& <")
# Fields Slack never parses or shows as text: commands carried by buttons, ids, metadata.
NOT_SHOWN = {"value", "metadata", "private_metadata", "trigger_id", "response_url", "channel", "ts", "thread_ts",
             "action_id", "block_id", "callback_id", "users", "token"}


@pytest.fixture
async def rig(noi_config, db_url: str) -> AsyncIterator[SlackRig]:  # type: ignore[no-untyped-def]
    async with slack_rig(noi_config, db_url) as r:
        yield r


def shown_texts(node: Any, key: str = "") -> Iterator[str]:
    """Every string of a call that Slack shows or parses (text, blocks, views), not ids or commands."""
    if isinstance(node, dict):
        for k, v in node.items():
            if k not in NOT_SHOWN:
                yield from shown_texts(v, k)
    elif isinstance(node, list):
        for v in node:
            yield from shown_texts(v, key)
    elif isinstance(node, str):
        yield node


def assert_nothing_raw(calls: list[Call]) -> None:
    for call in calls:
        for s in shown_texts(call.args):
            assert not any(r in s for r in RAW), (call.method, s)


def block_text(blocks: list[dict[str, Any]]) -> str:
    return "\n".join(shown_texts(blocks))


async def slash(rig: SlackRig, command: str, text: str, *, user: str, trigger: str,
                channel: str = "C0NOIDESK") -> dict[str, Any]:
    body = slash_body(command, text, user=user, channel=channel, trigger_id=trigger,
                      response_url=rig.fake.response_url(trigger))
    assert (await rig.post(body)).status == 200
    [answer] = await rig.fake.wait_calls(f"respond:{trigger}")
    return answer


async def test_typed_text_reaches_slack_escaped_on_every_path(rig: SlackRig) -> None:
    await slash(rig, "/incident", f"urgent cucm {HOSTILE}", user="U0IVANA", trigger="t1")
    await rig.dispatch()
    card = next(p for p in rig.fake.posts("C0NOIDESK") if not p.get("thread_ts"))
    assert ESCAPED in block_text(card["blocks"]) and ESCAPED in card["text"]  # card blocks, fallback text
    dms = [p for p in rig.fake.posts() if p["channel"].startswith("D")]
    assert dms and all(ESCAPED in block_text(p["blocks"]) and ESCAPED in p["text"] for p in dms)  # pages

    # the answer to a command quotes the description (status) and the typed reason (reopen)
    status = await slash(rig, "/desk", f"status {NUMBER}", user="U0GEORGI", trigger="t2", channel="C0NOIENG")
    assert ESCAPED in status["text"] and ESCAPED in block_text(status["blocks"])

    # a note goes into the card's thread as a message of text only
    await slash(rig, "/note", f"{NUMBER} {HOSTILE}", user="U0GEORGI", trigger="t3")
    await rig.dispatch()
    [thread] = [p for p in rig.fake.posts("C0NOIDESK") if p.get("thread_ts") == card["ts"]]
    assert ESCAPED in thread["text"]

    # what a form submits: the "note" modal of a button
    action = {"type": "block_actions", "user": {"id": "U0GEORGI"}, "trigger_id": "tb",
              "response_url": rig.fake.response_url("b1"), "team": {"id": "T0FAKE"}, "api_app_id": "A0FAKE",
              "container": {"type": "message", "message_ts": card["ts"], "channel_id": "C0NOIDESK"},
              "channel": {"id": "C0NOIDESK"}, "token": "legacy",
              "actions": [{"type": "button", "action_id": "desk:0", "block_id": "desk_actions",
                           "value": f"/note {NUMBER}", "action_ts": "9.9"}]}
    assert (await rig.post(payload_body(action))).status == 200
    [opened] = await rig.fake.wait_calls("views.open")
    submit = view_submission(opened["view"], {"text": {"value": f"Form: {HOSTILE}"}}, user="U0GEORGI")
    assert (await rig.post(payload_body(submit))).status == 200
    await rig.fake.wait_calls("respond:b1")
    await rig.dispatch()
    thread = [p for p in rig.fake.posts("C0NOIDESK") if p.get("thread_ts") == card["ts"]]
    assert f"Form: {ESCAPED}" in thread[-1]["text"]

    # a reply with the typed reason in its first line, as a direct message to the desk
    reopen = await slash(rig, "/reopen", f"{NUMBER} {HOSTILE}", user="U0IVANA", trigger="t4")
    assert reopen["text"]  # refused (not resolved yet): the refusal quotes nothing typed raw either
    assert_nothing_raw(rig.fake.calls)


async def test_the_incident_form_with_typed_markup_registers_and_is_shown_escaped(rig: SlackRig) -> None:
    body = slash_body("/incident", "", user="U0IVANA", channel="C0NOIDESK", trigger_id="t5",
                      response_url=rig.fake.response_url("t5"))
    assert (await rig.post(body)).status == 200
    [opened] = await rig.fake.wait_calls("views.open")
    values = {"category": {"selected": "pressing"}, "component": {"selected": "crm"},
              "description": {"value": HOSTILE}}
    assert (await rig.post(payload_body(view_submission(opened["view"], values, user="U0IVANA")))).status == 200
    await rig.fake.wait_calls("respond:t5")
    assert [i.description for i in rig.incidents()] == [HOSTILE]  # the register keeps what was typed
    await rig.dispatch()
    card = next(p for p in rig.fake.posts("C0NOIDESK") if not p.get("thread_ts"))
    assert ESCAPED in block_text(card["blocks"])
    assert_nothing_raw(rig.fake.calls)
