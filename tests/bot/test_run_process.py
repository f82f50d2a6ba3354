"""`dutydesk run` as production runs it: a real process with Slack in Socket Mode against the fake Slack.

The report arrives as a Socket Mode envelope; the process acks it, registers the incident, and its own
jobs post the card in the customer's channel and page the on-call engineer by direct message.
"""

from __future__ import annotations

import asyncio
import os
import signal
import sys
import urllib.parse
from pathlib import Path

from tests.bot.ops_helpers import until_running
from tests.conftest import EXAMPLES, pinned_clock
from tests.fakes.slack_api import FakeSlack, slash_body


async def test_the_process_runs_slack_the_sweeper_and_the_dispatcher_together(tmp_path: Path) -> None:
    fake = await FakeSlack().start()
    env = {**os.environ, **pinned_clock(tmp_path), "SLACK_BOT_TOKEN": "xoxb-test", "SLACK_APP_TOKEN": "xapp-test",
           "SLACK_API_URL": fake.base_url}
    proc = await asyncio.create_subprocess_exec(
        sys.executable, "-m", "bot", "--database", f"sqlite:///{tmp_path / 'run.db'}", "run", "--no-health", "--no-backups",
        "--config", str(EXAMPLES / "noi.toml"), env=env, stderr=asyncio.subprocess.PIPE)
    try:
        seen = await until_running(proc)
        assert "dutydesk running on sqlite with slack" in seen[-1], seen
        body = slash_body("/incident", "urgent cucm Inbound calls fail", user="U0IVANA", channel="C0NOIDESK",
                          trigger_id="t1", response_url=fake.response_url("t1"))
        await fake.send_envelope({"envelope_id": "e1", "type": "slash_commands",
                                  "payload": dict(urllib.parse.parse_qsl(body))}, timeout=30)
        await fake.wait_socket_ack("e1", timeout=30)
        [reply] = await fake.wait_calls("respond:t1", timeout=30)
        assert "NOI-2026-00001" in reply["text"]
        # the process's own jobs: the card in the channel, the page to the on-call engineer (petar)
        await fake.wait_for(lambda f: bool(f.posts("C0NOIDESK")) and bool(f.posts("D0PETAR")), timeout=30)
        assert "NOI-2026-00001" in str(fake.posts("C0NOIDESK")[0])
        proc.send_signal(signal.SIGTERM)
        assert await asyncio.wait_for(proc.wait(), 30) == 0
    finally:
        if proc.returncode is None:
            proc.kill()
            await proc.wait()
        await fake.close()


async def test_one_process_runs_slack_and_telegram_filed_in_telegram_acknowledged_in_slack(tmp_path: Path) -> None:
    from tests.fakes.slack_api import block_action
    from tests.fakes.telegram_api import TOKEN, FakeTelegram

    slack = await FakeSlack().start()
    telegram = await FakeTelegram().start()
    env = {**os.environ, **pinned_clock(tmp_path), "SLACK_BOT_TOKEN": "xoxb-test", "SLACK_APP_TOKEN": "xapp-test",
           "SLACK_API_URL": slack.base_url, "TELEGRAM_BOT_TOKEN": TOKEN, "TELEGRAM_API_BASE_URL": telegram.base_url}
    proc = await asyncio.create_subprocess_exec(
        sys.executable, "-m", "bot", "--database", f"sqlite:///{tmp_path / 'run.db'}", "run", "--no-health", "--no-backups",
        "--config", str(EXAMPLES / "noi.toml"), env=env, stderr=asyncio.subprocess.PIPE)
    try:
        seen = await until_running(proc)
        assert "with slack, telegram" in seen[-1], seen

        group = -1001000000001  # customer noi's Telegram group; ivana is 1001
        telegram.message(1001, group, "/incident urgent cucm Inbound calls fail for all operators")
        await telegram.wait_message(group, lambda m: "NOI-2026-00001" in m.plain and bool(m.buttons), timeout=30)
        # the on-call engineer (petar: Slack first in his paging order) is paged by Slack DM
        await slack.wait_for(lambda f: bool(f.posts("D0PETAR")), timeout=30)
        page = slack.posts("D0PETAR")[0]
        assert "NOI-2026-00001" in str(page)

        # petar presses Acknowledge in Slack
        action = block_action("/ack NOI-2026-00001", user="U0PETAR", channel="D0PETAR", message_ts=str(page.get("ts", "1.1")),
                              action_ts="9.9", trigger_id="trig-ack", response_url=slack.response_url("ack"))
        await slack.send_envelope({"envelope_id": "e-ack", "type": "interactive", "payload": action}, timeout=30)
        await slack.wait_socket_ack("e-ack", timeout=30)
        # the card in the Telegram group is edited in place to the acknowledged state
        await telegram.wait_for(lambda f: any(m.edits and "NOI-2026-00001 · поет" in m.plain
                                              for m in f.chat_messages(group)), timeout=30)
        proc.send_signal(signal.SIGTERM)
        assert await asyncio.wait_for(proc.wait(), 30) == 0
    finally:
        if proc.returncode is None:
            proc.kill()
            await proc.wait()
        await slack.close()
        await telegram.close()
