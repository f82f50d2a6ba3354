"""Slack in Socket Mode: the fake's websocket delivers envelopes; the desk acks each and does the work."""

from __future__ import annotations

import urllib.parse
from collections.abc import AsyncIterator

import pytest

from tests.fakes.slack_api import block_action, slash_body
from tests.integrations.chat import SlackRig, slack_rig

NUMBER = "NOI-2026-00001"


@pytest.fixture
async def rig(noi_config, db_url: str) -> AsyncIterator[SlackRig]:  # type: ignore[no-untyped-def]
    async with slack_rig(noi_config, db_url, mode="socket") as r:
        yield r


def slash_payload(rig: SlackRig, text: str, trigger: str, user: str = "U0IVANA") -> dict[str, str]:
    body = slash_body("/incident", text, user=user, channel="C0NOIDESK", trigger_id=trigger,
                      response_url=rig.fake.response_url(trigger))
    return dict(urllib.parse.parse_qsl(body))


async def test_a_slash_command_envelope_is_acked_and_registers(rig: SlackRig) -> None:
    assert [c.token for c in rig.fake.calls if c.method == "apps.connections.open"] == ["xapp-test"]
    envelope = {"envelope_id": "env-1", "type": "slash_commands", "accepts_response_payload": True,
                "payload": slash_payload(rig, "urgent cucm Calls fail", "s1")}
    await rig.fake.send_envelope(envelope)
    ack = await rig.fake.wait_socket_ack("env-1")
    assert ack["envelope_id"] == "env-1"
    [reply] = await rig.fake.wait_calls("respond:s1")
    assert NUMBER in reply["text"]
    assert [i.control_number for i in rig.incidents()] == [NUMBER]

    # Slack re-sends an envelope it did not see acked (retry_attempt); the same trigger is one report
    await rig.fake.send_envelope({**envelope, "envelope_id": "env-2", "retry_attempt": 1,
                                  "retry_reason": "timeout"})
    await rig.fake.wait_socket_ack("env-2")
    await rig.fake.wait_calls("respond:s1", 2)
    assert len(rig.incidents()) == 1


async def test_a_button_envelope_acknowledges_the_incident(rig: SlackRig) -> None:
    await rig.fake.send_envelope({"envelope_id": "env-3", "type": "slash_commands",
                                  "payload": slash_payload(rig, "urgent cucm Calls fail", "s3")})
    await rig.fake.wait_calls("respond:s3")
    action = block_action(f"/ack {NUMBER}", user="U0GEORGI", channel="D0GEORGI", message_ts="1.1",
                          action_ts="5.5", trigger_id="trig-5", response_url=rig.fake.response_url("b5"))
    await rig.fake.send_envelope({"envelope_id": "env-4", "type": "interactive", "payload": action})
    await rig.fake.wait_socket_ack("env-4")
    [reply] = await rig.fake.wait_calls("respond:b5")
    assert rig.incidents()[0].state == "acknowledged", reply["text"]


def slash_envelope(rig: SlackRig, envelope_id: str, text: str, trigger: str) -> dict[str, object]:
    return {"envelope_id": envelope_id, "type": "slash_commands", "accepts_response_payload": True,
            "payload": slash_payload(rig, text, trigger)}


@pytest.mark.parametrize("reason", ["refresh_requested", "warning"])
async def test_a_refresh_loses_nothing_not_even_an_envelope_sent_while_it_happens(rig: SlackRig,
                                                                                  reason: str) -> None:
    await rig.fake.wait_for(lambda f: f.linked)
    old = await rig.fake.disconnect(reason)
    # on the connection being left, right after the disconnect message: handled there, or sent again
    await rig.fake.envelope_on(old, slash_envelope(rig, "env-a", "urgent cucm Calls fail", "sa"))
    await rig.fake.wait_for(lambda f: f.connections == 2 and f.linked)  # the app connected anew
    await rig.fake.send_envelope(slash_envelope(rig, "env-b", "other crm Export slow", "sb"))
    # Slack still sends one on the connection the app has left: unacked there, it comes again on the new
    await rig.fake.envelope_on(old, slash_envelope(rig, "env-c", "pressing crm Reports fail", "sc"))
    for envelope_id in ("env-a", "env-b", "env-c"):
        await rig.fake.wait_socket_ack(envelope_id)
    for trigger in ("sa", "sb", "sc"):
        await rig.fake.wait_calls(f"respond:{trigger}")
    assert "env-c" in rig.fake.redelivered
    numbers = sorted(i.control_number for i in rig.incidents())
    assert numbers == [NUMBER, "NOI-2026-00002", "NOI-2026-00003"]  # each report once
    assert len(rig.fake.calls_to("apps.connections.open")) == 2


async def test_a_dropped_connection_is_reopened_and_an_envelope_given_meanwhile_arrives(rig: SlackRig) -> None:
    await rig.fake.drop()
    # Slack keeps what it has to send until the app is back
    await rig.fake.send_envelope(slash_envelope(rig, "env-c", "urgent cucm Calls fail", "sc"), queue=True)
    await rig.fake.wait_for(lambda f: f.connections == 2 and f.linked, timeout=15)
    await rig.fake.wait_socket_ack("env-c")
    [reply] = await rig.fake.wait_calls("respond:sc")
    assert NUMBER in reply["text"]
    await rig.fake.drop()  # and again: each drop is survived
    await rig.fake.send_envelope(slash_envelope(rig, "env-d", "other crm Export slow", "sd"), queue=True)
    await rig.fake.wait_socket_ack("env-d", timeout=15)
    await rig.fake.wait_calls("respond:sd")
    assert [i.control_number for i in rig.incidents()] == [NUMBER, "NOI-2026-00002"]
