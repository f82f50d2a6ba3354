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

from tests.conftest import EXAMPLES
from tests.fakes.slack_api import FakeSlack, slash_body


async def test_the_process_runs_slack_the_sweeper_and_the_dispatcher_together(tmp_path: Path) -> None:
    fake = await FakeSlack().start()
    env = {**os.environ, "SLACK_BOT_TOKEN": "xoxb-test", "SLACK_APP_TOKEN": "xapp-test",
           "SLACK_API_URL": fake.base_url}
    proc = await asyncio.create_subprocess_exec(
        sys.executable, "-m", "bot", "--database", f"sqlite:///{tmp_path / 'run.db'}", "run",
        "--config", str(EXAMPLES / "noi.toml"), env=env, stderr=asyncio.subprocess.PIPE)
    try:
        assert proc.stderr is not None
        seen = []
        while not any("dutydesk running on" in x for x in seen):  # libraries may log before it
            seen.append((await asyncio.wait_for(proc.stderr.readline(), 60)).decode())
            assert seen[-1], "".join(seen)  # the process ended before it said it was running
        assert "dutydesk running on sqlite with slack" in seen[-1], seen
        body = slash_body("/incident", "urgent cucm Inbound calls fail", user="U0IVANA", channel="C0NOIDESK",
                          trigger_id="t1", response_url=fake.response_url("t1"))
        await fake.send_envelope({"envelope_id": "e1", "type": "slash_commands",
                                  "payload": dict(urllib.parse.parse_qsl(body))}, timeout=30)
        await fake.wait_socket_ack("e1", timeout=30)
        [reply] = await fake.wait_calls("respond:t1", timeout=30)
        assert "NOI-2026-00001" in reply["text"]
        # the process's own jobs: the card in the channel, the page to the on-call engineer (petar)
        await fake.wait_for(lambda f: bool(f.posts("C0NOIDESK")) and bool(f.posts("U0PETAR")), timeout=30)
        assert "NOI-2026-00001" in str(fake.posts("C0NOIDESK")[0])
        proc.send_signal(signal.SIGTERM)
        assert await asyncio.wait_for(proc.wait(), 30) == 0
    finally:
        if proc.returncode is None:
            proc.kill()
            await proc.wait()
        await fake.close()
