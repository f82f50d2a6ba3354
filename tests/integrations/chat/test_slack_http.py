"""Slack in HTTP mode, end to end: signed requests to the real Bolt endpoint, the register, and the calls
the fake Slack received."""

from __future__ import annotations

import json
import re
import time
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import pytest

from commands.desk.registry import COMMANDS
from storage.outbox import Outbox
from tests.fakes.slack_api import block_action, conversation_of, payload_body, slash_body, view_submission
from tests.integrations.chat import SlackRig, slack_rig

NUMBER = "NOI-2026-00001"


@pytest.fixture
async def rig(noi_config, db_url: str) -> AsyncIterator[SlackRig]:  # type: ignore[no-untyped-def]
    async with slack_rig(noi_config, db_url) as r:
        yield r


async def slash(rig: SlackRig, command: str, text: str, *, user: str, channel: str = "C0NOIDESK",
                trigger: str, **sign: Any) -> str:
    """Sends a signed slash command; returns the name of its response_url."""
    body = slash_body(command, text, user=user, channel=channel, trigger_id=trigger,
                      response_url=rig.fake.response_url(trigger))
    answer = await rig.post(body, **sign)
    # Slack wants the ack within 3 s: the desk acks at once and answers through the response_url, so the
    # ack carries nothing (how long it took is bench/ material, not a test's: a loaded machine varies).
    assert answer.status == 200 and answer.text == "", answer.text
    return f"respond:{trigger}"


async def press(rig: SlackRig, value: str, *, user: str, message_ts: str, action_ts: str,
                channel: str = "C0NOIDESK") -> str:
    payload = block_action(value, user=user, channel=channel, message_ts=message_ts, action_ts=action_ts,
                           trigger_id=f"trig-{action_ts}", response_url=rig.fake.response_url(f"a{action_ts}"))
    answer = await rig.post(payload_body(payload))
    assert answer.status == 200, answer.text
    return f"respond:a{action_ts}"


def pages_queued(rig: SlackRig) -> list[str]:
    return [m.audience for m in rig.desk.db.read_sync(lambda s: Outbox(s).all(kind="page"))]


def texts(rig: SlackRig, method: str) -> list[str]:
    return [str(c.get("text", "")) for c in rig.fake.calls_to(method)]


def button_values(blocks: list[dict[str, Any]]) -> list[str]:
    return [e["value"] for b in blocks if b["type"] == "actions" for e in b["elements"]]


async def test_an_incident_from_report_to_confirmation_through_slash_commands_and_buttons(rig: SlackRig) -> None:
    answer = await slash(rig, "/incident", "urgent cucm Calls fail", user="U0IVANA", trigger="t1")
    [reply] = await rig.fake.wait_calls(answer)
    assert reply["response_type"] == "ephemeral" and NUMBER in reply["text"]
    assert [(i.control_number, i.state, i.source) for i in rig.incidents()] == [(NUMBER, "registered", "slack:C0NOIDESK")]

    sent = await rig.dispatch()  # the card and the pages (whom the escalation policy pages first)
    assert (sent.sent, sent.failed, sent.unroutable) == (1 + len(pages_queued(rig)), 0, 0)
    posts = rig.fake.calls_to("chat.postMessage")
    card = next(p for p in posts if p["channel"] == "C0NOIDESK")
    assert card["blocks"][0]["type"] == "header" and NUMBER in card["blocks"][0]["text"]["text"]
    assert button_values(card["blocks"]) == [f"/ack {NUMBER}"]
    pages = {p["channel"]: p for p in posts if p["channel"].startswith("D")}  # DMs, by their conversation
    paged = {conversation_of(d.chat_id) for a in pages_queued(rig) for d in rig.slack.routes.destinations(a)}
    assert set(pages) == paged and paged  # DMs to whoever the config pages first
    assert all(button_values(p["blocks"]) == [f"/ack {NUMBER}"] for p in pages.values())
    [card_ts] = [p["ts"] for p in rig.fake.posts("C0NOIDESK")]

    # georgi acknowledges on the card; Slack (or a double delivery) repeats the very same interaction
    ack = await press(rig, f"/ack {NUMBER}", user="U0GEORGI", message_ts=card_ts, action_ts="100.1")
    await rig.fake.wait_calls(ack)
    await press(rig, f"/ack {NUMBER}", user="U0GEORGI", message_ts=card_ts, action_ts="100.1")
    replies = await rig.fake.wait_calls(ack, 2)
    assert replies[0]["text"] == replies[1]["text"] and "Георги Иванов" in replies[0]["text"]
    assert rig.incidents()[0].state == "acknowledged"
    assert len(rig.events("acknowledged")) == 1

    await rig.dispatch()
    [update] = rig.fake.calls_to("chat.update")
    assert update["channel"] == "C0NOIDESK" and update["ts"] == card_ts
    assert button_values(update["blocks"]) == [f"/arrive {NUMBER} onsite", f"/arrive {NUMBER} remote"]
    thread = [p for p in rig.fake.calls_to("chat.postMessage") if p.get("thread_ts") == card_ts]
    assert len(thread) == 1 and "Георги Иванов" in thread[0]["text"]

    await rig.fake.wait_calls(await press(rig, f"/arrive {NUMBER} remote", user="U0GEORGI", message_ts=card_ts,
                                          action_ts="200.1"))
    assert rig.incidents()[0].state == "in_progress"

    # Resolve needs "what was done": the button opens a modal, its submission runs the whole command
    await press(rig, f"/resolve {NUMBER}", user="U0GEORGI", message_ts=card_ts, action_ts="300.1")
    [opened] = await rig.fake.wait_calls("views.open")
    view = opened["view"]
    assert view["callback_id"] == "desk_text" and opened["trigger_id"] == "trig-300.1"
    submit = view_submission(view, {"text": {"value": "Restarted the CUCM subscriber"}}, user="U0GEORGI")
    assert (await rig.post(payload_body(submit))).status == 200
    await rig.fake.wait_calls("respond:a300.1")
    inc = rig.incidents()[0]
    assert (inc.state, inc.resolution) == ("resolved", "Restarted the CUCM subscriber")

    await rig.fake.wait_calls(await press(rig, f"/confirm {NUMBER}", user="U0IVANA", message_ts=card_ts,
                                          action_ts="400.1"))
    assert rig.incidents()[0].state == "confirmed"
    await rig.dispatch()
    last = rig.fake.calls_to("chat.update")[-1]
    assert button_values(last["blocks"]) == []  # nothing left to press on a closed incident
    assert len([p for p in rig.fake.calls_to("chat.postMessage") if p.get("thread_ts") == card_ts]) == 4


async def test_a_retried_slash_command_registers_one_incident(rig: SlackRig) -> None:
    first = await slash(rig, "/incident", "urgent cucm Calls fail", user="U0IVANA", trigger="t2")
    await slash(rig, "/incident", "urgent cucm Calls fail", user="U0IVANA", trigger="t2", retry_num=1)
    replies = await rig.fake.wait_calls(first, 2)
    assert replies[0]["text"] == replies[1]["text"]
    assert [i.control_number for i in rig.incidents()] == [NUMBER]


async def test_a_retried_event_is_one_command(rig: SlackRig) -> None:
    event = {"type": "event_callback", "team_id": "T0FAKE", "api_app_id": "A0FAKE", "event_id": "Ev01",
             "event_time": int(time.time()),
             "event": {"type": "message", "channel_type": "im", "channel": "D0IVANA", "user": "U0IVANA",
                       "text": "incident other crm Export is slow", "ts": "1.1"}}
    body = json.dumps(event)
    for retry in (None, 1):
        headers = {**rig.signer.headers(body, retry_num=retry), "Content-Type": "application/json"}
        assert (await rig.post(body, headers=headers)).status == 200
    answers = await rig.fake.wait_calls("chat.postMessage", 2)
    assert {a["channel"] for a in answers} == {"D0IVANA"} and NUMBER in answers[0]["text"]
    assert [i.control_number for i in rig.incidents()] == [NUMBER]


@pytest.mark.parametrize("how", ["bad signature", "old timestamp"])
async def test_an_unsigned_or_old_request_is_refused_and_changes_nothing(rig: SlackRig, how: str) -> None:
    body = slash_body("/incident", "urgent cucm Calls fail", user="U0IVANA", channel="C0NOIDESK",
                      trigger_id="t3", response_url=rig.fake.response_url("t3"))
    if how == "bad signature":
        headers = rig.signer.headers(body)
        headers["X-Slack-Signature"] = "v0=" + "0" * 64
    else:
        headers = rig.signer.headers(body, timestamp=int(time.time()) - 10 * 60)
    answer = await rig.post(body, headers=headers)
    assert answer.status == 401
    assert rig.incidents() == []
    assert not [c for c in rig.fake.calls if c.method.startswith("respond:")]


async def test_an_oversized_body_is_refused_before_it_is_read_or_verified(rig: SlackRig) -> None:
    huge = slash_body("/incident", "urgent cucm " + "x" * 1_100_000, user="U0IVANA", channel="C0NOIDESK",
                      trigger_id="t5", response_url=rig.fake.response_url("t5"))
    assert (await rig.post(huge)).status == 413  # signed correctly, still too big
    assert rig.incidents() == []
    # a large but genuine command still gets through the bounded read to Bolt and the desk
    body = slash_body("/incident", "urgent cucm " + "ж" * 3_000, user="U0IVANA", channel="C0NOIDESK",
                      trigger_id="t6", response_url=rig.fake.response_url("t6"))
    assert (await rig.post(body)).status == 200
    [reply] = await rig.fake.wait_calls("respond:t6")
    assert NUMBER in reply["text"]


async def test_an_unknown_person_is_told_only_privately(rig: SlackRig) -> None:
    [reply] = await rig.fake.wait_calls(await slash(rig, "/incident", "urgent cucm Calls fail", user="U0STRANGER",
                                                    trigger="t4"))
    assert reply["response_type"] == "ephemeral" and "slack:U0STRANGER" in reply["text"]
    assert rig.incidents() == []


async def test_a_channel_of_no_customer_is_explained(rig: SlackRig) -> None:
    [reply] = await rig.fake.wait_calls(await slash(rig, "/incident", "urgent cucm Calls fail", user="U0IVANA",
                                                    channel="C0RANDOM", trigger="t5"))
    assert reply["response_type"] == "ephemeral"
    assert "C0RANDOM" in reply["text"] and "не е свързан" in reply["text"]
    assert rig.incidents() == []


async def test_a_bare_incident_opens_a_form_and_its_submission_registers(rig: SlackRig) -> None:
    await slash(rig, "/incident", "", user="U0IVANA", trigger="t6")
    [opened] = await rig.fake.wait_calls("views.open")
    view = opened["view"]
    assert opened["trigger_id"] == "t6" and view["callback_id"] == "desk_incident"
    categories = [o["value"] for o in view["blocks"][0]["element"]["options"]]
    assert categories == ["urgent", "pressing", "other", "phones"]
    assert "cucm" in [o["value"] for o in view["blocks"][1]["element"]["options"]]
    values = {"category": {"selected": "pressing"}, "component": {"selected": "crm"},
              "description": {"value": "Report export\nfails for team 3"}, "reported": {"value": "today 09:55"}}
    submit = view_submission(view, values, user="U0IVANA", view_id="V1", view_hash="h1")
    assert (await rig.post(payload_body(submit))).status == 200
    await rig.post(payload_body(submit))  # a repeated submission is the same report
    [reply, again] = await rig.fake.wait_calls("respond:t6", 2)
    assert NUMBER in reply["text"] and reply["text"] == again["text"]
    [inc] = rig.incidents()
    assert (inc.category, inc.component, inc.description) == ("pressing", "crm", "Report export\nfails for team 3")
    assert inc.reported_at.isoformat().startswith("2026-11-23T07:55")


async def test_typed_commands_work_through_desk(rig: SlackRig) -> None:
    await rig.fake.wait_calls(await slash(rig, "/incident", "urgent cucm Calls fail", user="U0IVANA", trigger="t7"))
    [status] = await rig.fake.wait_calls(await slash(rig, "/desk", f"status {NUMBER}", user="U0GEORGI",
                                                     channel="C0NOIENG", trigger="t8"))
    assert NUMBER in status["text"] and "Calls fail" in status["text"]
    [ack] = await rig.fake.wait_calls(await slash(rig, "/ack", NUMBER, user="U0GEORGI", channel="C0NOIENG",
                                                  trigger="t9"))
    assert rig.incidents()[0].state == "acknowledged", ack["text"]


def test_the_manifest_declares_a_slash_command_for_every_desk_command() -> None:
    manifest = (Path(__file__).resolve().parents[3] / "integrations" / "slack_manifest.yml").read_text()
    declared = re.findall(r"^\s+- command: /(\S+)$", manifest, re.M)
    assert declared[0] == "desk" and len(declared) == len(set(declared))
    assert set(declared) - {"desk"} <= set(COMMANDS)
    assert set(COMMANDS) - set(declared) == {"status", "help"}  # reserved by Slack or too generic: /desk <cmd>
    assert re.search(r"^\s+socket_mode_enabled: true$", manifest, re.M)
    assert re.search(r"^\s+is_enabled: true", manifest, re.M)
