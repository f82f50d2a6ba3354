"""Issue 24 through the real Bolt endpoint and the fake Slack: a fix stops the resolution clock
provisionally (the card says it awaits confirmation, no SLA alert follows), the reporter is reminded in a
direct message, and the fix is accepted tacitly after three working days — each message posted once."""

from __future__ import annotations

from collections.abc import AsyncIterator
from typing import Any

import pytest

from commands.domain.config import Config
from tests.commands.test_resolution_stops import with_noi
from tests.conftest import utc
from tests.fakes.slack_api import conversation_of
from tests.integrations.chat import SlackRig, slack_rig
from tests.integrations.chat.test_slack_http import slash

NUMBER = "NOI-2026-00001"


@pytest.fixture
async def rig(noi_config: Config, db_url: str) -> AsyncIterator[SlackRig]:
    async with slack_rig(with_noi(noi_config, confirm_after="3 working days"), db_url) as r:
        yield r


def block_text(blocks: list[dict[str, Any]]) -> str:
    """Every text of a Block Kit message, flattened."""
    out: list[str] = []

    def walk(node: Any) -> None:
        if isinstance(node, dict):
            if isinstance(node.get("text"), str):
                out.append(node["text"])
            for v in node.values():
                walk(v)
        elif isinstance(node, list):
            for v in node:
                walk(v)

    walk(blocks)
    return "\n".join(out)


def posted(rig: SlackRig, needle: str) -> list[dict[str, Any]]:
    return [p for p in rig.fake.calls_to("chat.postMessage")
            if needle in str(p.get("text", "")) or needle in block_text(p.get("blocks", []))]


async def command(rig: SlackRig, name: str, text: str, user: str, trigger: str) -> None:
    await rig.fake.wait_calls(await slash(rig, name, text, user=user, trigger=trigger))


async def test_a_fix_awaits_confirmation_then_is_accepted_tacitly_in_slack(rig: SlackRig) -> None:
    await command(rig, "/incident", "urgent cucm Calls fail", "U0IVANA", "t1")  # Monday 23 Nov 10:04 Sofia
    await command(rig, "/ack", NUMBER, "U0GEORGI", "t2")
    await command(rig, "/arrive", f"{NUMBER} remote", "U0GEORGI", "t3")
    rig.desk.clock.set(utc(2026, 11, 23, 9, 0))  # 11:00
    await command(rig, "/resolve", f"{NUMBER} Restarted the CUCM subscriber", "U0GEORGI", "t4")
    await rig.dispatch()
    card = rig.fake.calls_to("chat.update")[-1]
    assert "Решаване: спазено 11:00 (резерв 3 ч 04 мин) — очаква потвърждение" in block_text(card["blocks"])

    for when in (utc(2026, 11, 23, 12, 5), utc(2026, 11, 24, 9, 0), utc(2026, 11, 25, 15, 29)):
        rig.desk.clock.set(when)  # past the 80% (13:16) and the deadline (14:04): nothing about them
        await rig.dispatch()
    assert posted(rig, "срокът за решаване") == [] and posted(rig, "от времето за решаване") == []
    assert posted(rig, "ще се счита за прието") == []

    rig.desk.clock.set(utc(2026, 11, 25, 15, 30))  # Wednesday 17:30: one working day before
    await rig.dispatch()
    await rig.dispatch()
    [reminder] = posted(rig, "ще се счита за прието")
    # a direct message is posted to the person's DM conversation (D…), as Slack answers chat.postMessage
    ivana = {conversation_of(d.chat_id) for d in rig.slack.routes.destinations("person:ivana")}
    assert reminder["channel"] in ivana
    assert f"{NUMBER}: решението ще се счита за прието 2026-11-26 17:30" in str(reminder["text"])

    rig.desk.clock.set(utc(2026, 11, 26, 15, 30))  # Thursday 17:30: the third working day closes
    await rig.dispatch()
    await rig.dispatch()
    [accepted] = posted(rig, "прието мълчаливо — без отговор в 3 работни дни")
    assert accepted["channel"] == "C0NOIDESK"
    inc = rig.incidents()[0]
    assert (inc.state, inc.confirmed_at) == ("confirmed", utc(2026, 11, 26, 15, 30))
    card = rig.fake.calls_to("chat.update")[-1]
    assert "Решаване: спазено 2026-11-23 11:00 (резерв 3 ч 04 мин); потвърдено 17:30" in block_text(card["blocks"])
    assert [e.kind for e in rig.events()][-2:] == ["confirm_reminder", "accepted"]
