"""Customers never meet, end to end (issue 22): both example customers in one desk with the schedule
``primary`` shared (tests/two_customers.py), through the real Slack (Bolt, HTTP mode) and Telegram (PTB)
stacks against the fakes. Each test replays one way the customers met, as its attacker did it."""

from __future__ import annotations

import json
from collections.abc import AsyncIterator
from datetime import timedelta

import pytest
from sqlmodel import select

from commands.desk.reply import Reply
from storage.models import OncallOverride
from storage.outbox import Outbox
from tests.fakes.slack_api import slash_body
from tests.integrations.chat import SlackRig, slack_rig
from tests.integrations.chat.telegram_rig import IVANA, SARA, telegram_rig
from tests.two_customers import DESK_SLACK, HGP_ENG_SLACK, HGP_ENG_TG, NOI_SLACK, two_customer_config

REZA_TG = 2002
NOI_ONLY = ("NOI-2026", "Ивана", "Мария", "ivana", "maria", "CUCM", "Calls fail")  # what hgp must never see


@pytest.fixture
async def rig(db_url: str) -> AsyncIterator[SlackRig]:
    async with slack_rig(two_customer_config(), db_url) as r:
        yield r


async def command(rig: SlackRig, text: str, *, user: str, channel: str, trigger: str) -> dict[str, object]:
    """A signed /desk slash command; returns the ephemeral answer."""
    body = slash_body("/desk", text, user=user, channel=channel, trigger_id=trigger,
                      response_url=rig.fake.response_url(trigger))
    assert (await rig.post(body)).status == 200
    [answer] = await rig.fake.wait_calls(f"respond:{trigger}")
    return answer


def dm_channels(rig: SlackRig) -> set[str]:
    return {str(p["channel"]) for p in rig.fake.calls_to("chat.postMessage") if str(p["channel"]).startswith("D")}


def everything_sent(rig: SlackRig) -> str:
    return json.dumps([(c.method, c.args) for c in rig.fake.calls], ensure_ascii=False)


async def test_slack_an_override_on_a_shared_schedule_never_pages_another_customer(rig: SlackRig) -> None:
    refused = await command(rig, 'oncall override reza --from "in 1 minute" --to "in 5 hours" --schedule primary',
                            user="U0REZA", channel=HGP_ENG_SLACK, trigger="o1")
    assert "primary" in str(refused["text"]) and "NOI" not in str(refused["text"])
    assert rig.desk.db.read_sync(lambda s: list(s.exec(select(OncallOverride)))) == []
    # and were one in the register anyway, noi's urgent page goes to the rotation, not to reza
    now = rig.desk.clock.now()
    rig.desk.db.write_sync(lambda s: s.add(OncallOverride(schedule="primary", person="reza", start=now,
                                                          end=now + timedelta(hours=5), made_by="reza", made_at=now)))
    rig.desk.advance(minutes=1)
    filed = await command(rig, "incident urgent cucm Calls fail", user="U0IVANA", channel=NOI_SLACK, trigger="i1")
    assert "NOI-2026-00001" in str(filed["text"])
    await rig.dispatch()
    assert dm_channels(rig) == {"D0PETAR"}
    ack = await command(rig, "ack NOI-2026-00001", user="U0PETAR", channel=NOI_SLACK, trigger="a1")
    assert "Петър" in str(ack["text"])


async def test_slack_page_reaches_only_the_callers_customers_people(rig: SlackRig) -> None:
    refused = await command(rig, "page ivana call me", user="U0REZA", channel=HGP_ENG_SLACK, trigger="p1")
    assert "Мария" not in str(refused["text"]) and "maria" not in str(refused["text"])
    await rig.dispatch()
    assert "D0IVANA" not in dm_channels(rig)
    await command(rig, "page nima call me", user="U0REZA", channel=HGP_ENG_SLACK, trigger="p2")
    await rig.dispatch()
    assert dm_channels(rig) == {"D0NIMA"}


async def test_slack_an_engineers_channel_speaks_for_its_customer_only(rig: SlackRig) -> None:
    await command(rig, "incident urgent cucm Calls fail", user="U0IVANA", channel=NOI_SLACK, trigger="i1")
    refused = await command(rig, "incident urgent cucm Calls fail in hgp's room", user="U0IVANA",
                            channel=HGP_ENG_SLACK, trigger="i2")
    assert "NOI-" not in str(refused["text"]) and [i.control_number for i in rig.incidents()] == ["NOI-2026-00001"]
    # georgi serves both; in hgp's engineers' channel the monthly protocol is hgp's
    await command(rig, "report monthly 2026-11 md", user="U0GEORGI", channel=HGP_ENG_SLACK, trigger="r1")
    [complete] = await rig.fake.wait_calls("files.completeUploadExternal")
    assert complete["channel_id"] == HGP_ENG_SLACK
    [upload] = [c for c in rig.fake.calls if c.method.startswith("upload:")]
    assert "HGP" in upload.args["content"] or "هومن" in upload.args["content"]
    await rig.dispatch()  # noi's card and pages
    hgp_side = [c.args for c in rig.fake.calls if c.args.get("channel") in (HGP_ENG_SLACK,)
                or c.args.get("channel_id") == HGP_ENG_SLACK or c.method.startswith("upload:")]
    leaks = [w for w in NOI_ONLY if w in json.dumps(hgp_side, ensure_ascii=False)]
    assert leaks == []


async def test_slack_the_people_directory_names_only_the_askers_people(rig: SlackRig) -> None:
    other = await command(rig, "oncall ics ivana", user="U0REZA", channel=HGP_ENG_SLACK, trigger="c1")
    nobody = await command(rig, "oncall ics nosuch", user="U0REZA", channel=HGP_ENG_SLACK, trigger="c2")
    assert str(other["text"]).replace("ivana", "nosuch") == str(nobody["text"])
    assert not rig.fake.calls_to("files.completeUploadExternal")
    assert [w for w in NOI_ONLY if w in str(nobody["text"])] == []


async def test_telegram_customers_never_meet(db_url: str) -> None:
    async with telegram_rig(two_customer_config(), db_url) as rig:
        refused = await rig.say(IVANA, int(HGP_ENG_TG), "/incident urgent cucm Calls fail")
        assert "NOI-" not in refused.plain and rig.incidents() == []
        page = await rig.say(REZA_TG, REZA_TG, "/page ivana call me")
        assert "Мария" not in page.plain
        ics = await rig.say(REZA_TG, REZA_TG, "/oncall ics ivana")
        assert ics.document is None and "Ивана" not in ics.plain
        own = await rig.say(SARA, int(HGP_ENG_TG), "/incident critical crm CRM is down")
        assert own.plain.startswith("HGP-2026-00001")
        await rig.dispatch()
        assert rig.fake.chat_messages(IVANA) == []  # nothing of hgp, and no page, reached ivana


async def test_slack_no_form_opens_where_the_desk_would_refuse_the_report(rig: SlackRig) -> None:
    for trigger, user, channel in (("f1", "U0IVANA", HGP_ENG_SLACK), ("f2", "U0IVANA", DESK_SLACK)):
        body = slash_body("/incident", "", user=user, channel=channel, trigger_id=trigger,
                          response_url=rig.fake.response_url(trigger))
        assert (await rig.post(body)).status == 200
        [answer] = await rig.fake.wait_calls(f"respond:{trigger}")
        assert "НОИ" not in str(answer["text"])
    assert rig.fake.calls_to("views.open") == [] and rig.incidents() == []
    body = slash_body("/incident", "", user="U0IVANA", channel=NOI_SLACK, trigger_id="f3",
                      response_url=rig.fake.response_url("f3"))
    assert (await rig.post(body)).status == 200
    [opened] = await rig.fake.wait_calls("views.open")  # her own channel: the form of her customer
    assert "cucm" in json.dumps(opened["view"]).lower()


async def test_slack_a_queued_page_for_someone_of_another_customer_is_never_delivered(rig: SlackRig) -> None:
    filed = await command(rig, "incident urgent cucm Calls fail", user="U0IVANA", channel=NOI_SLACK, trigger="i1")
    assert "NOI-2026-00001" in str(filed["text"])
    now = rig.desk.clock.now()
    # as if a bug (or an old row from before the rules) had queued noi's page for hgp's reza
    rig.desk.db.write_sync(lambda s: Outbox(s).put(
        dedupe_key="forged:reza", customer_id="noi", kind="page", audience="person:reza",
        payload=Reply(text="NOI-2026-00001 urgent: Calls fail", control_number="NOI-2026-00001").to_dict(), now=now))
    sent = await rig.dispatch()
    assert sent.failed == 0 and "D0REZA" not in dm_channels(rig) and dm_channels(rig) == {"D0PETAR"}
    [forged] = [m for m in rig.desk.db.read_sync(lambda s: list(Outbox(s).all(kind="page")))
                if m.dedupe_key == "forged:reza"]
    assert forged.sent_at is not None and (forged.last_error or "").startswith("refused:")
    assert (await rig.dispatch()).sent == 0  # not retried
