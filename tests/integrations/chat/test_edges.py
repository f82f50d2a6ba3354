"""The edges of the inbound HTTP endpoints an attacker tries first (issue 22): malformed signature headers,
where the endpoints listen by default."""

from __future__ import annotations

import logging
from collections.abc import AsyncIterator

import pytest

from bot.app import build_app, build_transports
from bot.settings import OpsSettings
from commands.domain.clock import FakeClock
from tests.conftest import utc
from tests.fakes.slack_api import slash_body
from tests.integrations.chat import SlackRig, slack_rig


@pytest.fixture
async def rig(noi_config, db_url: str) -> AsyncIterator[SlackRig]:  # type: ignore[no-untyped-def]
    async with slack_rig(noi_config, db_url) as r:
        yield r


@pytest.mark.parametrize("stamp", ["abc", "", "1e9", "-1", "١٧٠٠٠٠٠٠٠٠", "9" * 400])
async def test_a_timestamp_that_is_no_number_is_refused_like_a_bad_signature(
        rig: SlackRig, stamp: str, caplog: pytest.LogCaptureFixture) -> None:
    body = slash_body("/incident", "urgent cucm Calls fail", user="U0IVANA", channel="C0NOIDESK",
                      trigger_id="t1", response_url=rig.fake.response_url("t1"))
    headers = rig.signer.headers(body)
    headers["X-Slack-Request-Timestamp"] = stamp
    caplog.set_level(logging.DEBUG)
    for _ in range(3):
        answer = await rig.post(body, headers=headers)
        assert answer.status == 401
    assert rig.incidents() == []
    # no traceback per request: a flood of such requests must not flood the log
    assert not [r for r in caplog.records if r.exc_info or r.levelno >= logging.ERROR]


def test_every_listener_is_on_loopback_unless_configured(noi_config, tmp_path) -> None:  # type: ignore[no-untyped-def]
    assert OpsSettings.read({"DUTYDESK_HTTP_PORT": "8080"}).http_host == "127.0.0.1"
    assert OpsSettings.read({"DUTYDESK_HTTP_PORT": "8080", "DUTYDESK_HTTP_HOST": "0.0.0.0"}).http_host == "0.0.0.0"
    app = build_app(noi_config, f"sqlite:///{tmp_path / 'd.db'}", clock=FakeClock(utc(2026, 11, 23, 8, 4)))
    try:
        env = {"SLACK_BOT_TOKEN": "xoxb-1", "SLACK_MODE": "http", "SLACK_SIGNING_SECRET": "s" * 32,
               "TELEGRAM_BOT_TOKEN": "123:abc", "TELEGRAM_MODE": "webhook", "TELEGRAM_WEBHOOK_SECRET": "w" * 32}
        slack, telegram = build_transports(app, env)
        assert slack._http[0] == "127.0.0.1"  # type: ignore[attr-defined]
        assert telegram._webhook[1] == "127.0.0.1"  # type: ignore[attr-defined]
        slack, telegram = build_transports(app, {**env, "SLACK_HTTP_HOST": "0.0.0.0", "TELEGRAM_WEBHOOK_HOST": "::"})
        assert slack._http[0] == "0.0.0.0" and telegram._webhook[1] == "::"  # type: ignore[attr-defined]
    finally:
        app.close()
