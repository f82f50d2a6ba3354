"""Slack as it enforces membership: the desk joins the public channels the config names (a bot reads
history only where it is a member, though chat:write.public lets it post anywhere), says at start which
private channels it must be invited to, and edits a direct message by the conversation's D… id."""

from __future__ import annotations

import logging
import re
from pathlib import Path

import pytest

from commands.domain.config import Config
from storage.outbox import Outbox
from tests.commands.conftest import MONDAY_1004_SOFIA
from tests.integrations.chat import slack_rig

NUMBER = "NOI-2026-00001"


async def test_the_desk_joins_the_configured_channels_at_start(noi_config: Config, db_url: str) -> None:
    async with slack_rig(noi_config, db_url, mode="socket") as rig:
        joined = {c["channel"] for c in rig.fake.calls_to("conversations.join")}
        assert joined == {"C0NOIDESK", "C0NOIENG"}
        assert rig.fake.members >= {"C0NOIDESK", "C0NOIENG"}


async def test_a_private_channel_is_named_at_start_as_needing_an_invitation(
        noi_config: Config, db_url: str, caplog: pytest.LogCaptureFixture) -> None:
    caplog.set_level(logging.WARNING, logger="integrations.chat.slack")
    async with slack_rig(noi_config, db_url, mode="socket", start=False) as rig:
        rig.fake.private.add("C0NOIENG")
        await rig.slack.start()
        warned = [r.getMessage() for r in caplog.records if "C0NOIENG" in r.getMessage()]
        assert warned and "/invite @" in warned[0] and "private" in warned[0]
        assert "C0NOIDESK" in rig.fake.members  # the public one was joined all the same


async def test_a_private_channel_the_bot_was_invited_to_needs_nothing(
        noi_config: Config, db_url: str, caplog: pytest.LogCaptureFixture) -> None:
    caplog.set_level(logging.WARNING, logger="integrations.chat.slack")
    async with slack_rig(noi_config, db_url, mode="socket", start=False) as rig:
        rig.fake.private.add("C0NOIENG")
        rig.fake.invite("C0NOIENG")
        await rig.slack.start()
        assert [r.getMessage() for r in caplog.records if "C0NOIENG" in r.getMessage()] == []


async def test_an_in_doubt_card_in_a_channel_the_bot_never_joined_is_found_not_posted_twice(
        noi_config: Config, db_url: str) -> None:
    # Outbound only (no start, so no join at start): the card goes out with chat:write.public
    async with slack_rig(noi_config, db_url, mode="socket", start=False, retry_handlers=[]) as rig:
        await rig.desk.say("U0IVANA", "/incident urgent cucm Calls fail", transport="slack", channel="C0NOIDESK")
        rig.fake.lose_answer("C0NOIDESK")
        assert (await rig.dispatch()).failed == 1  # in the channel, but the desk cannot know
        rig.desk.advance(seconds=10)
        again = await rig.dispatch()
        assert again.failed == 0 and again.given_up == 0
        # history answered not_in_channel; the desk joined and looked again, and adopted the card
        assert [c["channel"] for c in rig.fake.calls_to("conversations.join")] == ["C0NOIDESK"]
        assert len(rig.fake.posts("C0NOIDESK")) == 1
        assert [m.kind for m in rig.desk.db.read_sync(lambda s: Outbox(s).all()) if m.sent_at is None] == []


async def test_progress_in_a_direct_message_is_edited_by_the_dm_conversation_id(noi_config: Config,
                                                                               db_url: str) -> None:
    # No engineers' channel on Slack: a backup's progress goes to each engineer by direct message
    channels = noi_config.customers["noi"].channels.model_copy(update={"engineers_slack": ()})
    noi = noi_config.customers["noi"].model_copy(update={"channels": channels})
    config = noi_config.model_copy(update={"customers": {**noi_config.customers, "noi": noi}})
    async with slack_rig(config, db_url, mode="socket", start=False) as rig:
        for state, seq in (("queued", 0), ("running", 1), ("succeeded", 2)):
            payload = {"text": f"Backup #7 of gw1: {state}", "lines": [], "kind": "info", "locale": "en",
                       "update_key": "backup:7", "update_seq": seq}
            rig.desk.db.write_sync(lambda s, p=payload, st=state: Outbox(s).put(
                dedupe_key=f"backup:7:{st}", customer_id="noi", kind="backup.progress", audience="engineers:noi",
                payload=p, now=MONDAY_1004_SOFIA))
            result = await rig.dispatch()
            assert result.failed == 0 and result.given_up == 0
        updates = rig.fake.calls_to("chat.update")
        assert updates and all(u["channel"].startswith("D") for u in updates)
        for dm in ("D0GEORGI", "D0PETAR", "D0MARIA"):
            [message] = rig.fake.conversations[dm]
            assert message["text"] == "Backup #7 of gw1: succeeded"  # one message, in its final state


def test_the_manifest_asks_for_the_scope_to_join_channels() -> None:
    manifest = (Path(__file__).resolve().parents[3] / "integrations" / "slack_manifest.yml").read_text()
    assert re.search(r"^\s+- channels:join\b", manifest, re.M)
