"""What people wait for: a real ``dutydesk run`` (Slack in Socket Mode against the fake Slack) whose
periodic ticks are an hour apart, so whatever reaches Slack got there because something woke the
dispatcher or the sweeper, not because a tick came round.

- The report commits, which wakes the sweeper (the first escalation step is due now); the sweep puts the
  page in the outbox, whose commit wakes the dispatcher: the page reaches the on-call engineer's DM.
- An escalation step later on the desk's clock: the sweeper slept until the step's instant (under the
  file clock it looks each second, since the file's time jumps), and the step's page goes out.
"""

from __future__ import annotations

import asyncio
import os
import signal
import sys
import urllib.parse
from datetime import timedelta
from pathlib import Path

import pytest

from bot.file_clock import write_clock_file
from commands.desk.reply import Reply
from storage.db import Database
from storage.outbox import Outbox
from tests.bot.ops_helpers import until_running
from tests.conftest import EXAMPLES, PG_URL, PROCESS_T0, pinned_clock
from tests.fakes.slack_api import FakeSlack, slash_body
from tests.pgschema import temporary_schema

HOUR = "3600"  # no periodic tick of the sweeper or the dispatcher within any test's time


async def _start(tmp_path: Path, fake: FakeSlack, url: str | None = None) -> asyncio.subprocess.Process:
    env = {**os.environ, **pinned_clock(tmp_path), "SLACK_BOT_TOKEN": "xoxb-test", "SLACK_APP_TOKEN": "xapp-test",
           "SLACK_API_URL": fake.base_url, "DUTYDESK_DISPATCH_SECONDS": HOUR, "DUTYDESK_SWEEP_SECONDS": HOUR}
    proc = await asyncio.create_subprocess_exec(
        sys.executable, "-m", "bot", "--database", url or f"sqlite:///{tmp_path / 'run.db'}", "run", "--no-health",
        "--no-backups", "--config", str(EXAMPLES / "noi.toml"), env=env, stderr=asyncio.subprocess.PIPE)
    await until_running(proc)
    return proc


async def _report(fake: FakeSlack, text: str, envelope: str) -> None:
    body = slash_body("/incident", text, user="U0IVANA", channel="C0NOIDESK", trigger_id=envelope,
                      response_url=fake.response_url(envelope))
    await fake.send_envelope({"envelope_id": envelope, "type": "slash_commands",
                              "payload": dict(urllib.parse.parse_qsl(body))}, timeout=30)
    await fake.wait_socket_ack(envelope, timeout=30)


async def _stop(proc: asyncio.subprocess.Process) -> None:
    if proc.returncode is None:
        proc.send_signal(signal.SIGTERM)
        try:
            await asyncio.wait_for(proc.wait(), 30)
        except TimeoutError:
            proc.kill()
            await proc.wait()


async def test_a_reports_page_reaches_slack_without_a_dispatcher_tick(tmp_path: Path) -> None:
    fake = await FakeSlack().start()
    proc = await _start(tmp_path, fake)
    try:
        await _report(fake, "urgent cucm Inbound calls fail", "e1")
        [reply] = await fake.wait_calls("respond:e1", timeout=30)
        assert "NOI-2026-00001" in reply["text"]
        await fake.wait_for(lambda f: bool(f.posts("C0NOIDESK")) and bool(f.posts("D0PETAR")), timeout=30)
        assert "NOI-2026-00001" in str(fake.posts("D0PETAR")[0])
        # a second report a moment later: its page too, in its own lane
        await _report(fake, "urgent cucm Outbound calls fail", "e2")
        await fake.wait_for(lambda f: any("NOI-2026-00002" in str(p) for p in f.posts("D0PETAR")), timeout=30)
    finally:
        await _stop(proc)
        await fake.close()


async def test_an_escalation_step_goes_out_at_its_instant_without_a_sweeper_tick(tmp_path: Path) -> None:
    fake = await FakeSlack().start()
    proc = await _start(tmp_path, fake)
    try:
        await _report(fake, "urgent cucm Inbound calls fail", "e1")
        await fake.wait_for(lambda f: bool(f.posts("D0PETAR")), timeout=30)
        assert not fake.posts("D0MARIA")  # the team lead's step is 15 minutes on (examples/noi.toml)
        write_clock_file(tmp_path / "process-clock", PROCESS_T0 + timedelta(minutes=16))
        await fake.wait_for(lambda f: bool(f.posts("D0MARIA")), timeout=30)
        assert "NOI-2026-00001" in str(fake.posts("D0MARIA")[0])
    finally:
        await _stop(proc)
        await fake.close()


@pytest.mark.skipif(not PG_URL, reason="PostgreSQL not reachable")
async def test_on_postgresql_another_processs_commit_wakes_the_dispatcher(tmp_path: Path) -> None:
    """A message queued by another process (another replica; here the test's own writer) reaches Slack
    through the desk, whose own tick is an hour away: the commit's NOTIFY woke its dispatcher."""
    assert PG_URL is not None
    fake = await FakeSlack().start()
    with temporary_schema(PG_URL, prefix="notify") as url:
        proc = await _start(tmp_path, fake, url)
        other = Database(url)
        try:
            # The desk's own queueing is over: the start-up tick, and the daily summaries its catch-up run
            # queues a few seconds after start (their commit wakes it) are delivered; its next tick is an hour away.
            def summaries_sent() -> bool:
                rows = other.read_sync(lambda s: Outbox(s).all(kind="report.daily"))
                return len(rows) >= 2 and all(m.sent_at is not None for m in rows)

            deadline = asyncio.get_running_loop().time() + 30
            while not summaries_sent():
                assert asyncio.get_running_loop().time() < deadline, "the daily summaries never went out"
                await asyncio.sleep(0.05)
            note = Reply(text="From another replica <!channel> & co", kind="info")
            other.write_sync(lambda s: Outbox(s).put(dedupe_key="notify-test", customer_id="noi", kind="info",
                                                     audience="customer:noi", payload=note.to_dict(), now=PROCESS_T0))
            await fake.wait_for(lambda f: any("From another replica" in str(p) for p in f.posts("C0NOIDESK")), timeout=30)
        finally:
            other.close()
            await _stop(proc)
            await fake.close()
