"""A secret pasted into a report never leaves the desk: not in the reply, not in the card, the card's
thread, the pages, nor a file — on Slack and on Telegram alike, masked as the logs mask it (issue 22)."""

from __future__ import annotations

import json
from collections.abc import Iterator

import pytest

from bot.log_redaction import environment_secrets
from commands.desk.redact import MASK, SECRETS
from tests.fakes.slack_api import slash_body
from tests.fakes.telegram_api import TOKEN as TELEGRAM_TOKEN
from tests.integrations.chat import SECRET as SIGNING_SECRET
from tests.integrations.chat import slack_rig
from tests.integrations.chat.telegram_rig import IVANA, NOI_GROUP, telegram_rig

API_TOKEN = "tok-noi-9f8e7d6c5b4a"
ENV = {"DUTYDESK_API_TOKENS": f"noi-monitoring:{API_TOKEN},hgp-monitoring:tok-hgp-0a1b2c3d4e5f",
       "SLACK_BOT_TOKEN": "xoxb-1111-2222-abcdefabcdef", "SLACK_SIGNING_SECRET": SIGNING_SECRET,
       "TELEGRAM_BOT_TOKEN": TELEGRAM_TOKEN}
PASTED = [API_TOKEN, "tok-hgp-0a1b2c3d4e5f", "xoxb-1111-2222-abcdefabcdef", SIGNING_SECRET]


@pytest.fixture
def secrets() -> Iterator[list[str]]:
    SECRETS.add(*environment_secrets(ENV))
    try:
        yield PASTED
    finally:
        SECRETS.clear()


def test_each_api_token_is_a_secret_of_its_own() -> None:
    found = environment_secrets({"DUTYDESK_API_TOKENS": "a:tok-aaaaaaaa, b:tok-bbbbbbbb"})
    assert {"tok-aaaaaaaa", "tok-bbbbbbbb"} <= set(found)


def _leaks(text: str) -> list[str]:
    return [s for s in PASTED if s in text]


async def test_slack_replies_cards_threads_and_pages_mask_every_secret(noi_config, db_url: str,  # type: ignore[no-untyped-def]
                                                                       secrets: list[str]) -> None:
    async with slack_rig(noi_config, db_url) as rig:
        description = "CUCM down; the monitoring uses " + " and ".join(secrets)
        body = slash_body("/incident", f"urgent cucm {description}", user="U0IVANA", channel="C0NOIDESK",
                          trigger_id="t1", response_url=rig.fake.response_url("t1"))
        assert (await rig.post(body)).status == 200
        [answer] = await rig.fake.wait_calls("respond:t1")
        assert "NOI-2026-00001" in answer["text"]
        note = slash_body("/desk", f"note NOI-2026-00001 the token was {secrets[0]}", user="U0IVANA",
                          channel="C0NOIDESK", trigger_id="t2", response_url=rig.fake.response_url("t2"))
        assert (await rig.post(note)).status == 200
        await rig.fake.wait_calls("respond:t2")
        sent = await rig.dispatch()
        assert sent.failed == 0 and sent.sent >= 3  # the card, its thread, the pages
        posts = rig.fake.calls_to("chat.postMessage")
        assert any(p["channel"] == "C0NOIDESK" for p in posts) and any(p["channel"].startswith("D") for p in posts)
        everything = json.dumps([c.args for c in rig.fake.calls], ensure_ascii=False)
        assert _leaks(everything) == [] and MASK in everything


async def test_telegram_posts_mask_every_secret(noi_config, db_url: str, secrets: list[str]) -> None:  # type: ignore[no-untyped-def]
    async with telegram_rig(noi_config, db_url) as rig:
        answer = await rig.say(IVANA, NOI_GROUP, "/incident urgent cucm pasted " + " ".join(secrets))
        assert "NOI-2026-00001" in answer.plain and _leaks(answer.plain) == []
        sent = await rig.dispatch()
        assert sent.failed == 0 and sent.sent >= 2  # the card and the pages
        assert [c for c in rig.fake.calls_to("sendMessage") if int(c["chat_id"]) > 0]  # a page went out
        texts = json.dumps([c for m in ("sendMessage", "editMessageText") for c in rig.fake.calls_to(m)],
                           ensure_ascii=False)
        assert _leaks(texts) == [] and MASK in texts
