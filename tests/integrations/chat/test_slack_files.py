"""Files in Slack: a reply with an attachment (an on-call calendar, a monthly protocol) is uploaded with
files_upload_v2 into the channel the command came from."""

from __future__ import annotations

from collections.abc import AsyncIterator

import pytest

from tests.integrations.chat import SlackRig, slack_rig
from tests.integrations.chat.test_slack_http import slash


@pytest.fixture
async def rig(noi_config, db_url: str) -> AsyncIterator[SlackRig]:  # type: ignore[no-untyped-def]
    async with slack_rig(noi_config, db_url) as r:
        yield r


async def test_an_ics_export_is_uploaded_to_the_channel(rig: SlackRig) -> None:
    await rig.fake.wait_calls(await slash(rig, "/oncall", "ics", user="U0GEORGI", channel="C0NOIENG", trigger="f1"))
    [complete] = await rig.fake.wait_calls("files.completeUploadExternal")
    assert complete["channel_id"] == "C0NOIENG"
    [url_call] = rig.fake.calls_to("files.getUploadURLExternal")
    assert url_call["filename"] == "oncall-georgi.ics"
    uploads = [c for c in rig.fake.calls if c.method.startswith("upload:")]
    assert len(uploads) == 1 and uploads[0].args["head"].startswith("BEGIN:VCALENDAR")
