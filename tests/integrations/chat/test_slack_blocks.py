"""Every message and view the desk builds is valid Block Kit by Slack's own SDK models
(``Block.parse(...).validate_json()``, ``View(...).validate_json()``), in en, bg and fa and at the size
limits; long text is split between typed characters, and what does not fit is said, not dropped."""

from __future__ import annotations

import re
from collections.abc import AsyncIterator
from typing import Any

import pytest
from slack_sdk.errors import SlackApiError
from slack_sdk.models.blocks import Block
from slack_sdk.models.views import View
from slack_sdk.web.async_client import AsyncWebClient

from commands.domain.config import Config
from integrations.chat import slack_blocks as kit
from integrations.chat.slack_text import unescape
from tests.fakes.slack_api import FakeSlack, slash_body
from tests.integrations.chat import SlackRig, slack_rig

NUMBER = "NOI-2026-00001"
ENTITY_BROKEN = re.compile(r"&(?!amp;|lt;|gt;)")
# 4,000 characters (the examples' max_description): markup, both directions, a mark, line breaks
TYPED = {
    "en": ("Export fails & <!channel> a>b\n" * 200)[:4000],
    "bg": ("Износът спира & <@U123> „кавички“\n" * 200)[:4000],
    "fa": ("\u200fخروجی کار نمی‌کند & <#C1> ۱۲۳\n" * 200)[:4000],
}


def in_locale(config: Config, locale: str) -> Config:
    noi = config.customers["noi"].model_copy(update={"locale": locale})
    people = {pid: p.model_copy(update={"locale": None}) for pid, p in config.people.items()}
    return config.model_copy(update={"customers": {**config.customers, "noi": noi}, "people": people})


def validate_blocks(blocks: list[dict[str, Any]]) -> None:
    assert 0 < len(blocks) <= kit.MAX_BLOCKS
    for block in blocks:
        parsed = Block.parse(block)
        assert parsed is not None, block
        parsed.validate_json()  # raises SlackObjectFormationError on anything Slack refuses
        text = (block.get("text") or {}).get("text")
        if text is not None:
            assert text.strip() and not ENTITY_BROKEN.search(text)


def validate_view(view: dict[str, Any]) -> None:
    View(**view).validate_json()
    for block in view["blocks"]:
        Block.parse(block).validate_json()  # type: ignore[union-attr]
        element = block.get("element") or {}
        if element.get("type") == "plain_text_input":  # Slack: max_length 1..3000
            assert 1 <= element.get("max_length", 3000) <= 3000


def validate_calls(fake: FakeSlack) -> int:
    """Validates the blocks and views of every call the desk made; returns how many it checked."""
    checked = 0
    for call in fake.calls:
        if call.args.get("blocks"):
            validate_blocks(call.args["blocks"])
            checked += 1
        if isinstance(call.args.get("view"), dict):
            validate_view(call.args["view"])
            checked += 1
        assert "!" not in call.method and call.result.get("ok", True), (call.method, call.result)
    return checked


@pytest.mark.parametrize("locale", ["en", "bg", "fa"])
async def test_every_block_and_view_is_valid_in_each_language_at_the_size_limit(noi_config, db_url: str,  # type: ignore[no-untyped-def]
                                                                                 locale: str) -> None:
    config = in_locale(noi_config, locale)
    typed = TYPED[locale]
    async with slack_rig(config, db_url) as rig:
        say = rig.desk.say
        assert (await say("U0IVANA", f"/incident urgent cucm {typed}", transport="slack",
                          channel="C0NOIDESK")).control_number == NUMBER
        await rig.dispatch()  # the card and the pages
        for command in (f"/ack {NUMBER}", f"/note {NUMBER} {typed}", f"/arrive {NUMBER} remote",
                        f"/resolve {NUMBER} {typed}", f"/reopen {NUMBER} {typed}", f"/pause {NUMBER} {typed}"):
            reply = await say("U0GEORGI", command, transport="slack", channel="C0NOIDESK")
            assert not reply.is_error, reply.text
            validate_blocks(kit.reply_blocks(reply))
        status = await say("U0GEORGI", f"/status {NUMBER}", transport="slack", channel="C0NOIDESK")
        blocks = kit.reply_blocks(status)
        validate_blocks(blocks)
        shown = "".join(unescape(b["text"]["text"]) for b in blocks if b["type"] == "section")
        assert typed.strip().replace("\n", "") in shown.replace("\n", "")  # split, but nothing lost
        for command in ("/help", "/help incident", "/sla urgent", "/oncall", "/oncall schedule 7", "/incidents all",
                        "/report daily", "/backups", "/health history", f"/category {NUMBER} other",
                        "/incident nonsense cucm x", f"/confirm {NUMBER}"):  # answers and refusals alike
            reply = await say("U0MARIA", command, transport="slack", channel="C0NOIDESK")
            validate_blocks(kit.reply_blocks(reply))
            assert reply.locale == locale, (command, reply.text)
        await rig.dispatch()  # the card's updates and thread events
        assert validate_calls(rig.fake) >= 4  # all accepted by the fake, all validated here

        customer = config.customers["noi"]
        validate_view(kit.incident_modal(customer, locale, {"c": "C0NOIDESK", "r": ""},
                                         config.desk.max_description))
        for command in kit.NEEDS_TEXT:
            validate_view(kit.text_modal(command, NUMBER, locale, {"c": "C0NOIDESK", "r": ""},
                                         config.desk.max_description))


@pytest.fixture
async def rig(noi_config, db_url: str) -> AsyncIterator[SlackRig]:  # type: ignore[no-untyped-def]
    async with slack_rig(noi_config, db_url) as r:
        yield r


async def test_a_reply_too_long_for_one_message_says_how_much_is_not_shown(rig: SlackRig) -> None:
    await rig.desk.say("U0IVANA", "/incident urgent cucm Calls fail", transport="slack", channel="C0NOIDESK")
    note = "&" * 3900  # 19,500 characters once escaped
    for _ in range(40):
        await rig.desk.say("U0GEORGI", f"/note {NUMBER} {note}", transport="slack", channel="C0NOIDESK")
        rig.desk.advance(seconds=1)
    body = slash_body("/desk", f"status {NUMBER}", user="U0GEORGI", channel="C0NOIENG", trigger_id="t1",
                      response_url=rig.fake.response_url("t1"))
    assert (await rig.post(body)).status == 200
    [answer] = await rig.fake.wait_calls("respond:t1")  # accepted: 50 blocks at most, sections ≤ 3000
    blocks = answer["blocks"]
    validate_blocks(blocks)
    assert len(blocks) == kit.MAX_BLOCKS and blocks[-1]["type"] == "actions"
    [cut] = blocks[-2]["elements"]
    assert cut["text"].startswith("…") and re.search(r"\d{4,}", cut["text"])  # how many are not shown
    sections = [unescape(b["text"]["text"]) for b in blocks if b["type"] == "section"]
    assert sum(len(s) for s in sections) > 47 * 500  # as much as fits is shown
    assert len(answer["text"]) <= kit.NOTIFICATION_MAX and answer["text"].endswith("…")


async def test_the_fake_refuses_what_slack_refuses() -> None:
    fake = await FakeSlack().start()
    client = AsyncWebClient(token="xoxb-test", base_url=fake.base_url)
    section = {"type": "section", "text": {"type": "mrkdwn", "text": "x"}}
    try:
        refused = {
            "msg_too_long": {"text": "x" * 40_001},
            "invalid_blocks": {"text": "t", "blocks": [{**section, "text": {"type": "mrkdwn", "text": "x" * 3001}}]},
        }
        for error, content in refused.items():
            with pytest.raises(SlackApiError) as err:
                await client.chat_postMessage(channel="C1", **content)
            assert err.value.response["error"] == error
        with pytest.raises(SlackApiError):
            await client.chat_postMessage(channel="C1", text="t", blocks=[section] * 51)
        assert (await client.chat_postMessage(channel="C1", text="x" * 40_000, blocks=[section] * 50))["ok"]
        view = kit.text_modal("note", NUMBER, "en", {}, 3000)
        view["blocks"][0]["element"]["max_length"] = 3001
        with pytest.raises(SlackApiError):
            await client.views_open(trigger_id="t", view=view)
    finally:
        await client.session.close() if client.session else None
        await fake.close()


async def test_a_shortened_event_or_page_says_it_is_shortened(rig: SlackRig) -> None:
    description = "Описание " + "d" * 600 + " КРАЙ"
    await rig.desk.say("U0IVANA", f"/incident urgent cucm {description}", transport="slack", channel="C0NOIDESK")
    await rig.dispatch()
    pages = [p for p in rig.fake.posts() if p["channel"].startswith("D")]
    assert pages and all("d…" in p["text"] and "КРАЙ" not in p["text"] for p in pages)
    note = "Бележка " + "n" * 600 + " КРАЙ"
    await rig.desk.say("U0GEORGI", f"/note {NUMBER} {note}", transport="slack", channel="C0NOIDESK")
    await rig.dispatch()
    [event] = [p for p in rig.fake.posts("C0NOIDESK") if p.get("thread_ts")]
    assert event["text"].endswith("n…") and "КРАЙ" not in event["text"]
    status = await rig.desk.say("U0GEORGI", f"/status {NUMBER}", transport="slack", channel="C0NOIDESK")
    assert note in status.as_text()  # the whole note is in the register and in /status
