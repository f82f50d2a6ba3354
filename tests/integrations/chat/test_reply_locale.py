"""One rule decides the language of a reply (``Directory.reply_locale``), and the desk and the Slack and
Telegram transports' own sentences follow it: for georgi, an engineer of both noi (Bulgarian) and hgp
(Persian) with no language of his own, through the real Slack (Bolt) and Telegram (PTB) stacks.

- about an incident of hgp (a button in his direct messages): Persian, the desk's answer and the form
  or prompt the transport opens first;
- about no customer in particular (a direct message, an unknown channel): the language of the first
  customer he serves (noi: Bulgarian), not English in one place and Bulgarian in another."""

from __future__ import annotations

from commands.domain.i18n.catalog import t
from tests.fakes.slack_api import block_action, payload_body, slash_body
from tests.integrations.chat import slack_rig
from tests.integrations.chat.telegram_rig import GEORGI, telegram_rig
from tests.two_customers import two_customer_config

HGP_NUMBER = "HGP-2026-00001"
DM = "D0GEORGI"


async def _hgp_incident(desk) -> None:  # type: ignore[no-untyped-def]
    reply = await desk.say("sara", "/incident critical crm CRM is down", channel="hgp-console")
    assert reply.control_number == HGP_NUMBER, reply.as_text()


async def test_slack_forms_and_answers_share_the_desks_language(db_url: str) -> None:
    async with slack_rig(two_customer_config(), db_url) as rig:
        await _hgp_incident(rig.desk)
        answer = await rig.desk.say("U0GEORGI", f"/note {HGP_NUMBER} checked the logs", transport="slack",
                                    channel=DM)
        assert not answer.is_error and answer.locale == "fa", answer.as_text()
        action = block_action(f"/resolve {HGP_NUMBER}", user="U0GEORGI", channel=DM, message_ts="1.1",
                              action_ts="2.2", trigger_id="tr", response_url=rig.fake.response_url("b1"))
        assert (await rig.post(payload_body(action))).status == 200
        [opened] = await rig.fake.wait_calls("views.open")
        assert opened["view"]["title"]["text"] == t(answer.locale, "slack.modal.resolve")

        # About no customer: the desk in a direct message, the transport in a channel it does not serve.
        general = await rig.desk.say("U0GEORGI", "/oncall", transport="slack", channel=DM)
        body = slash_body("/desk", "oncall", user="U0GEORGI", channel="C0UNKNOWN", trigger_id="u1",
                          response_url=rig.fake.response_url("u1"))
        assert (await rig.post(body)).status == 200
        [refused] = await rig.fake.wait_calls("respond:u1")
        assert general.locale == "bg", general.as_text()
        assert refused["text"] == t(general.locale, "slack.unknown_channel", channel="C0UNKNOWN")


async def test_telegram_prompts_and_answers_share_the_desks_language(db_url: str) -> None:
    async with telegram_rig(two_customer_config(), db_url) as rig:
        await _hgp_incident(rig.desk)
        answer = await rig.desk.say(str(GEORGI), f"/note {HGP_NUMBER} checked the logs", transport="telegram",
                                    channel=str(GEORGI))
        assert not answer.is_error and answer.locale == "fa", answer.as_text()
        general = await rig.say(GEORGI, GEORGI, "/oncall")  # his private chat: about no customer
        expected = (await rig.desk.say(str(GEORGI), "/oncall", transport="telegram", channel=str(GEORGI))).locale
        assert expected == "bg"
        await rig.press(GEORGI, general, f"/resolve {HGP_NUMBER}")
        prompt = await rig.fake.wait_message(GEORGI, lambda m: (m.reply_markup or {}).get("force_reply") is True)
        assert t(answer.locale, "telegram.prompt.resolve", number=HGP_NUMBER) in prompt.plain
        unknown = -1009999999999
        refused = await rig.say(GEORGI, unknown, "/oncall")
        assert refused.plain == t(expected, "telegram.unknown_chat", chat=unknown)
