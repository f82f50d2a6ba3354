"""Which customer, which language, may this person do it: one decision (``Directory.decide``, asked through
``Desk.decide``), and the transports ask it before they open a form or a prompt.

Before, each transport had its own copy, and the copies disagreed with the desk: a button's bare command
("/resolve HGP-2026-00001", pressed in noi's channel by georgi, an engineer of both noi and hgp) opened a
form or a prompt in Persian (the number's customer), and the desk then refused the typed text in
Bulgarian (a customer's channel speaks for that customer only). Now the transport asks the desk: no form,
no prompt, and the desk's refusal at once, in the channel customer's language — through the real Slack
(Bolt) and Telegram (PTB) stacks against their fakes."""

from __future__ import annotations

from commands.domain.i18n.catalog import t
from tests.fakes.slack_api import block_action, payload_body
from tests.integrations.chat import slack_rig
from tests.integrations.chat.telegram_rig import GEORGI, NOI_GROUP, telegram_rig
from tests.two_customers import NOI_SLACK, two_customer_config, two_customer_raw

HGP_NUMBER = "HGP-2026-00001"


async def _hgp_incident(desk) -> None:  # type: ignore[no-untyped-def]
    reply = await desk.say("sara", "/incident critical crm CRM is down", channel="hgp-console")
    assert reply.control_number == HGP_NUMBER, reply.as_text()


def _refusal() -> str:
    return t("bg", "error.no_such_incident", number=HGP_NUMBER)  # noi's language: its channel's answer


async def test_slack_opens_no_form_the_desk_would_refuse(db_url: str) -> None:
    async with slack_rig(two_customer_config(), db_url) as rig:
        await _hgp_incident(rig.desk)
        action = block_action(f"/resolve {HGP_NUMBER}", user="U0GEORGI", channel=NOI_SLACK, message_ts="1.1",
                              action_ts="2.2", trigger_id="tr", response_url=rig.fake.response_url("b1"))
        assert (await rig.post(payload_body(action))).status == 200
        [answer] = await rig.fake.wait_calls("respond:b1")
        assert answer["text"] == _refusal()
        assert rig.fake.calls_to("views.open") == []


async def test_telegram_prompts_for_no_text_the_desk_would_refuse(db_url: str) -> None:
    async with telegram_rig(two_customer_config(), db_url) as rig:
        await _hgp_incident(rig.desk)
        shown = await rig.say(GEORGI, NOI_GROUP, "/oncall")
        pressed = await rig.press(GEORGI, shown, f"/resolve {HGP_NUMBER}")
        assert pressed.get("text") == _refusal() and str(pressed.get("show_alert")).lower() == "true"
        assert [m for m in rig.fake.chat_messages(NOI_GROUP) if (m.reply_markup or {}).get("force_reply")] == []


async def test_the_telegram_guide_follows_an_upgraded_group_like_the_desk(db_url: str) -> None:
    """The guide asked about the chat by its new id after an upgrade (no customer: no guide for someone
    serving two customers); the desk asks by the id the config knows — and now the guide does too."""
    old, new = -400000001, -1001000000099
    raw = two_customer_raw()
    raw["customers"]["noi"]["channels"]["telegram"] = [str(old)]
    async with telegram_rig(two_customer_config(raw), db_url) as rig:
        rig.fake.migrate(old, new, by=GEORGI)
        await rig.say(GEORGI, new, "/incidents")  # answered after the upgrade's service messages
        question = await rig.say(GEORGI, new, "/incident")
        customer = rig.config.customers["noi"]
        assert question.plain == t(customer.locale, "telegram.guide.category", customer=customer.name)
