"""No secret in the logs: a real `dutydesk -v run` with every secret configured, provoked into errors.

Slack (Socket Mode) and Telegram (polling) against the fakes, an SMS gateway and an SMTP server that are
not there, the database URL with a password (PostgreSQL, when reachable), debug logging of every library.
The fakes answer some calls with invalid_auth and HTTP 500, people send bad commands and commands that
quote a token; then all of stdout and stderr is searched for every secret, also percent-encoded.
"""

from __future__ import annotations

import asyncio
import os
import signal
import socket
import sys
import urllib.parse
from collections.abc import AsyncIterator
from pathlib import Path

import pytest

from tests.conftest import EXAMPLES, PG_URL, pinned_clock
from tests.fakes import telegram_api
from tests.fakes.slack_api import FakeSlack, slash_body
from tests.fakes.telegram_api import FakeTelegram
from tests.pgschema import temporary_schema

TG_TOKEN = "987654321:AAF-telegram-SECRET-q8Zx"
SECRETS = {
    "SLACK_BOT_TOKEN": "xoxb-1234-5678-SECRETbot9q",
    "SLACK_APP_TOKEN": "xapp-1-A111-SECRETapp7w",
    "SLACK_SIGNING_SECRET": "signing-SECRET-3e5d7f",
    "TELEGRAM_BOT_TOKEN": TG_TOKEN,
    "DD_SMS_AUTH": "Bearer sms-SECRET-4f6a1c",
    "DD_SMTP_USER": "smtp-user-SECRET-ab",
    "DD_SMTP_PASS": "smtp-pass-SECRET-77",
}
DB_PASSWORD = "pg-SECRET-pw-31"
GROUP = -1001000000001  # noi's Telegram group; ivana is 1001


def _closed_port() -> int:
    """A local port nobody listens on: the SMS gateway and the SMTP server that are down."""
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def _config(tmp_path: Path) -> Path:
    port = _closed_port()
    text = (EXAMPLES / "noi.toml").read_text(encoding="utf-8")
    # whoever is on call is paged by SMS, then e-mail: both fail, and say so in the logs
    text = text.replace('paging = ["slack", "telegram", "sms", "email"]', 'paging = ["sms", "email"]')
    text = text.replace('roles = { noi = ["admin", "engineer"] }',
                        'roles = { noi = ["admin", "engineer"] }\npaging = ["sms", "email"]\n'
                        'phone = "+359888000003"\nemail = "maria@contractor.example"')
    assert text.count('paging = ["sms", "email"]') == 3
    text += (f'\n[desk.sms]\nurl = "http://127.0.0.1:{port}/send?to={{phone}}"\nauth_header_env = "DD_SMS_AUTH"\n'
             f'timeout_seconds = 2\n'
             f'\n[desk.smtp]\nhost = "127.0.0.1"\nport = {port}\nsender = "desk@contractor.example"\n'
             f'starttls = true\nusername_env = "DD_SMTP_USER"\npassword_env = "DD_SMTP_PASS"\ntimeout_seconds = 2\n')
    path = tmp_path / "noi.toml"
    path.write_text(text, encoding="utf-8")
    return path


async def _database(tmp_path: Path) -> AsyncIterator[tuple[str, str | None]]:
    """A database URL with a password in it (PostgreSQL trusts the test server, so any password works)."""
    if not PG_URL:
        yield f"sqlite:///{tmp_path / 'run.db'}", None
        return
    import sqlalchemy as sa

    with temporary_schema(PG_URL, "t") as schema_url:
        url = sa.engine.make_url(schema_url).set(password=DB_PASSWORD)
        yield url.render_as_string(hide_password=False), DB_PASSWORD

async def _drain(stream: asyncio.StreamReader, into: list[str]) -> None:
    while line := await stream.readline():
        into.append(line.decode(errors="replace"))


async def _slash(slack: FakeSlack, n: int, user: str, command: str, text: str) -> None:
    body = slash_body(command, text, user=user, channel="C0NOIDESK", trigger_id=f"t{n}",
                      response_url=slack.response_url(f"t{n}"))
    await slack.send_envelope({"envelope_id": f"e{n}", "type": "slash_commands",
                               "payload": dict(urllib.parse.parse_qsl(body))}, timeout=30)
    await slack.wait_calls(f"respond:t{n}", timeout=30)


async def _until(lines: list[str], needle: str, timeout: float) -> None:
    async def seen() -> None:
        while not any(needle in x for x in lines):
            await asyncio.sleep(0.05)

    try:
        await asyncio.wait_for(seen(), timeout)
    except TimeoutError:
        raise AssertionError(f"{needle!r} never came; the last lines:\n{''.join(lines[-40:])}") from None


@pytest.mark.slow
async def test_a_debug_logging_process_never_logs_a_secret(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(telegram_api, "TOKEN", TG_TOKEN)  # the fake Bot API accepts only this token
    slack, telegram = await FakeSlack().start(), await FakeTelegram().start()
    databases = _database(tmp_path)
    database_url, db_password = await databases.__anext__()
    secrets = dict(SECRETS)
    if db_password:
        secrets["DATABASE_URL password"] = db_password
    env = {**os.environ, **pinned_clock(tmp_path), **SECRETS, "DATABASE_URL": database_url, "SLACK_API_URL": slack.base_url,
           "TELEGRAM_API_BASE_URL": telegram.base_url}
    telegram.fail("setMyCommands", 500, times=4)  # an error at start, logged with its traceback
    proc = await asyncio.create_subprocess_exec(
        sys.executable, "-m", "bot", "-v", "run", "--no-health", "--no-backups", "--config", str(_config(tmp_path)),
        env=env, stdout=asyncio.subprocess.PIPE, stderr=asyncio.subprocess.PIPE)
    out: list[str] = []
    err: list[str] = []
    assert proc.stdout is not None and proc.stderr is not None
    drains = [asyncio.create_task(_drain(proc.stdout, out)), asyncio.create_task(_drain(proc.stderr, err))]
    try:
        await _until(err, "dutydesk running on", 60)
        for n, (user, command, text) in enumerate([
            ("U0IVANA", "/incident", "urgent cucm Inbound calls fail"),
            ("U0IVANA", "/frobnicate", "now"),  # a bad command
            ("U0IVANA", "/ack", SECRETS["SLACK_BOT_TOKEN"]),  # someone pastes a token: the error quotes it
        ]):
            await _slash(slack, n, user, command, text)
        telegram.message(1001, GROUP, f"/status {TG_TOKEN}")
        await telegram.wait_message(GROUP, lambda m: "[redacted]" in m.plain, timeout=30)
        await slack.wait_for(lambda f: bool(f.posts("C0NOIDESK")), timeout=60)  # the card
        # The on-call engineer's page tries SMS and e-mail first: the gateway and the SMTP server are down
        # (connection errors in the libraries' logs), and each failure is on the timeline /status shows.
        for n in range(10, 130):
            await _slash(slack, n, "U0GEORGI", "/status", "NOI-2026-00001")
            timeline = str(slack.calls_to(f"respond:t{n}"))
            if "SmsError" in timeline and "EmailError" in timeline:
                break
            await asyncio.sleep(0.5)
        else:
            raise AssertionError(f"the page never tried SMS and e-mail: {timeline}")
        # Slack now refuses: the card's update fails with 500 (the outbox retries it), a post with invalid_auth
        slack.fail("chat.update", 500, times=2)
        slack.answer_error("chat.postMessage", "invalid_auth")
        await _slash(slack, 3, "U0GEORGI", "/ack", "NOI-2026-00001")
        await _until(err, "status: 500", 60)
        await _until(err, "invalid_auth", 60)
        proc.send_signal(signal.SIGTERM)
        assert await asyncio.wait_for(proc.wait(), 30) == 0
        await asyncio.wait_for(asyncio.gather(*drains), 10)
    finally:
        if proc.returncode is None:
            proc.kill()
            await proc.wait()
        for task in drains:
            task.cancel()
        await slack.close()
        await telegram.close()
        await databases.aclose()

    logs = "".join(out) + "".join(err)
    # the libraries did log what would have leaked: debug is on, and the Bot API URLs were logged
    assert "DEBUG" in logs and "/bot[redacted]/getUpdates" in logs, logs[-3000:]
    assert "invalid_auth" in logs and "Traceback" in logs and "connect_tcp.failed" in logs
    for name, secret in secrets.items():
        for form in {secret, urllib.parse.quote(secret, safe=""), urllib.parse.quote_plus(secret)}:
            assert form not in logs, f"{name} appears in the process's output"
    # and nothing the desk sent to a chat carries one either
    sent = repr([c.args for c in slack.calls]) + repr([c.args for c in telegram.calls])
    assert not [name for name, secret in secrets.items() if secret in sent]
