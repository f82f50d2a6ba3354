"""Slack's forms: what a modal separated goes to the desk field by field (a description may say
``--force`` or ``--reported``), and a description as long as the desk takes fits in the form."""

from __future__ import annotations

import json
from collections.abc import AsyncIterator
from typing import Any

import pytest

from tests.fakes.slack_api import block_action, payload_body, slash_body, view_submission
from tests.integrations.chat import SlackRig, slack_rig

NUMBER = "NOI-2026-00001"
OPTIONS_IN_TEXT = 'Restart with --force, then --reported "yesterday 08:00" --customer hgp — all text'


@pytest.fixture
async def rig(noi_config, db_url: str) -> AsyncIterator[SlackRig]:  # type: ignore[no-untyped-def]
    async with slack_rig(noi_config, db_url) as r:
        yield r


async def incident_form(rig: SlackRig, trigger: str = "t1") -> dict[str, Any]:
    body = slash_body("/incident", "", user="U0IVANA", channel="C0NOIDESK", trigger_id=trigger,
                      response_url=rig.fake.response_url(trigger))
    assert (await rig.post(body)).status == 200
    opened = await rig.fake.wait_calls("views.open")
    return dict(opened[-1]["view"])


async def submit(rig: SlackRig, view: dict[str, Any], values: dict[str, Any], user: str = "U0IVANA",
                 view_id: str = "V1") -> str:
    answer = await rig.post(payload_body(view_submission(view, values, user=user, view_id=view_id)))
    assert answer.status == 200
    return answer.text


def box(view: dict[str, Any], block_id: str) -> dict[str, Any]:
    return next(b for b in view["blocks"] if b["block_id"] == block_id)


async def test_options_typed_in_a_form_description_stay_part_of_the_description(rig: SlackRig) -> None:
    view = await incident_form(rig)
    await submit(rig, view, {"category": {"selected": "other"}, "component": {"selected": "crm"},
                             "description": {"value": OPTIONS_IN_TEXT}})
    [reply] = await rig.fake.wait_calls("respond:t1")
    assert NUMBER in reply["text"], reply["text"]
    [inc] = rig.incidents()
    assert inc.description == OPTIONS_IN_TEXT
    assert inc.reported_at == inc.registered_at  # "--reported" in the text is not an option
    assert inc.customer_id == "noi"


async def test_the_reported_field_is_the_only_reported_time(rig: SlackRig) -> None:
    view = await incident_form(rig)
    await submit(rig, view, {"category": {"selected": "other"}, "component": {"selected": "crm"},
                             "description": {"value": "Export slow --reported today 07:00"},
                             "reported": {"value": "today 09:55"}})
    await rig.fake.wait_calls("respond:t1")
    [inc] = rig.incidents()
    assert inc.reported_at.isoformat().startswith("2026-11-23T07:55")  # 09:55 Sofia
    assert inc.description == "Export slow --reported today 07:00"


async def test_a_description_as_long_as_the_desk_takes_fits_in_the_form(rig: SlackRig) -> None:
    view = await incident_form(rig)
    limit = rig.desk.app.config.desk.max_description
    assert limit == 4000
    first, more = box(view, "description"), box(view, "description_2")
    assert first["element"]["max_length"] == 3000 and more["element"]["max_length"] == 1000
    assert "4000" in first["hint"]["text"] and "3000" in first["hint"]["text"]
    assert more["optional"] is True
    full = "ж" * 2999 + " "  # the first box is full: the text runs on in the second
    await submit(rig, view, {"category": {"selected": "other"}, "component": {"selected": "crm"},
                             "description": {"value": full}, "description_2": {"value": "x" * 1000}})
    await rig.fake.wait_calls("respond:t1")
    [inc] = rig.incidents()
    assert inc.description == full + "x" * 1000 and len(inc.description) == limit


async def test_a_second_box_after_a_short_first_starts_a_new_line(rig: SlackRig) -> None:
    view = await incident_form(rig)
    await submit(rig, view, {"category": {"selected": "other"}, "component": {"selected": "crm"},
                             "description": {"value": "First part "}, "description_2": {"value": " more"}})
    await rig.fake.wait_calls("respond:t1")
    assert [i.description for i in rig.incidents()] == ["First part\nmore"]


async def test_a_form_over_the_limit_is_pointed_out_in_the_form_and_registers_nothing(rig: SlackRig) -> None:
    view = await incident_form(rig)
    answer = await submit(rig, view, {"category": {"selected": "other"}, "component": {"selected": "crm"},
                                      "description": {"value": "a" * 3000}, "description_2": {"value": "b" * 1500}})
    errors = json.loads(answer)
    assert errors["response_action"] == "errors"
    assert "4500" in errors["errors"]["description_2"] and "4000" in errors["errors"]["description_2"]
    assert rig.incidents() == []


async def test_what_was_done_is_taken_as_typed(rig: SlackRig) -> None:
    await rig.desk.say("U0IVANA", "/incident urgent cucm Calls fail", transport="slack", channel="C0NOIDESK")
    for command in (f"/ack {NUMBER}", f"/arrive {NUMBER} remote"):
        await rig.desk.say("U0GEORGI", command, transport="slack", channel="C0NOIDESK")
    action = block_action(f"/resolve {NUMBER}", user="U0GEORGI", channel="C0NOIDESK", message_ts="1.1",
                          action_ts="2.2", trigger_id="tr", response_url=rig.fake.response_url("b1"))
    assert (await rig.post(payload_body(action))).status == 200
    [opened] = await rig.fake.wait_calls("views.open")
    assert "4000" in box(opened["view"], "text")["hint"]["text"]
    await submit(rig, opened["view"], {"text": {"value": OPTIONS_IN_TEXT}}, user="U0GEORGI")
    [reply] = await rig.fake.wait_calls("respond:b1")
    [inc] = rig.incidents()
    assert (inc.state, inc.resolution) == ("resolved", OPTIONS_IN_TEXT), reply["text"]
