"""Long polling as the Bot API does it: one getUpdates at a time per bot (a second one ends the first with
409 Conflict), none while a webhook is set, and an update confirmed by a higher offset is never handed
out again (https://core.telegram.org/bots/api#getupdates). The desk refuses to poll where the updates
are someone else's, with a clear message and exit status 3 (no restart loop: deploy/dutydesk.service)."""

from __future__ import annotations

import asyncio
import os
import sys
from pathlib import Path

import pytest
from telegram import Bot
from telegram.error import Conflict

from commands.domain.config import Config
from integrations.chat.base import TransportRefused
from tests.conftest import EXAMPLES
from tests.fakes.telegram_api import TOKEN, FakeTelegram
from tests.harness import DeskHarness
from tests.integrations.chat.telegram_rig import (
    IVANA,
    MONDAY_1004_SOFIA,
    NOI_GROUP,
    NUMBER,
    make_transport,
    telegram_rig,
)


async def test_the_fake_ends_an_older_get_updates_and_never_repeats_a_confirmed_update() -> None:
    fake = await FakeTelegram().start()
    fake.long_poll = 2.0
    try:
        async with Bot(TOKEN, base_url=fake.base_url) as first, Bot(TOKEN, base_url=fake.base_url) as second:
            waiting = asyncio.create_task(first.get_updates(timeout=2))
            await fake.wait_for(lambda f: f._poll >= 1)
            assert await second.get_updates(timeout=0) == ()
            with pytest.raises(Conflict, match="terminated by other getUpdates request"):
                await waiting
            update = fake.message(IVANA, NOI_GROUP, "/help")
            [got] = await second.get_updates(timeout=1)
            [again] = await second.get_updates(timeout=0)  # not confirmed yet: handed out again
            assert got.update_id == again.update_id == update["update_id"]
            assert await second.get_updates(offset=got.update_id + 1, timeout=0) == ()  # confirmed
            assert await second.get_updates(offset=0, timeout=0) == ()  # ... for good
            with pytest.raises(AssertionError):
                fake.redeliver(update)
            await second.set_webhook("https://desk.example.invalid/telegram/webhook")
            with pytest.raises(Conflict, match="webhook is active"):
                await second.get_updates(timeout=0)
    finally:
        await fake.close()


async def test_a_second_desk_polling_the_same_token_refuses_to_start_and_the_first_goes_on(
        noi_config: Config, db_url: str) -> None:
    async with telegram_rig(noi_config, db_url) as rig:
        other = DeskHarness(noi_config, db_url, MONDAY_1004_SOFIA)
        second = make_transport(other, noi_config, rig.fake, rig.time, poll_probe=3.0)
        try:
            with pytest.raises(TransportRefused, match="another process is polling"):
                await second.start()
        finally:
            other.close()
        answer = await rig.say(IVANA, NOI_GROUP, "/incident urgent cucm Calls fail")  # the first still serves
        assert answer.plain.startswith(NUMBER)


async def test_polling_refuses_to_start_while_a_webhook_is_set_unless_told_to_delete_it(
        noi_config: Config, db_url: str) -> None:
    async with telegram_rig(noi_config, db_url, start=False) as rig:
        rig.fake.webhook_url = "https://desk.example.invalid/telegram/webhook"
        with pytest.raises(TransportRefused, match="TELEGRAM_DELETE_WEBHOOK"):
            await rig.tg.start()
        assert rig.fake.webhook_url and rig.fake.calls_to("deleteWebhook") == []  # left as it was
        assert rig.fake.calls_to("getUpdates") == []

        taking = rig.transport(delete_webhook=True)
        await taking.start()
        try:
            assert rig.fake.webhook_url == ""
            update = rig.fake.message(IVANA, NOI_GROUP, "/incident urgent cucm Calls fail")
            answer = await rig.fake.wait_message(NOI_GROUP, lambda m: m.reply_to == update["message"]["message_id"])
            assert answer.plain.startswith(NUMBER)
        finally:
            await taking.stop()


async def test_the_process_exits_with_a_clear_message_when_a_webhook_holds_the_updates(tmp_path: Path) -> None:
    fake = await FakeTelegram().start()
    fake.webhook_url = "https://desk.example.invalid/telegram/webhook"
    env = {**os.environ, "TELEGRAM_BOT_TOKEN": TOKEN, "TELEGRAM_API_BASE_URL": fake.base_url}
    proc = await asyncio.create_subprocess_exec(
        sys.executable, "-m", "bot", "--database", f"sqlite:///{tmp_path / 'run.db'}", "run", "--no-health",
        "--no-backups", "--config", str(EXAMPLES / "noi.toml"), env=env, stderr=asyncio.subprocess.PIPE)
    try:
        _, err = await asyncio.wait_for(proc.communicate(), 60)
        assert proc.returncode == 3, err.decode()
        assert "telegram refused to start" in err.decode() and "desk.example.invalid" in err.decode()
        assert "Traceback" not in err.decode()
        assert fake.webhook_url  # not deleted behind the operator's back
    finally:
        if proc.returncode is None:
            proc.kill()
            await proc.wait()
        await fake.close()


async def test_the_process_exits_with_a_clear_message_when_another_desk_polls_the_token(
        noi_config: Config, tmp_path: Path) -> None:
    async with telegram_rig(noi_config, f"sqlite:///{tmp_path / 'first.db'}") as rig:  # the desk already running
        env = {**os.environ, "TELEGRAM_BOT_TOKEN": TOKEN, "TELEGRAM_API_BASE_URL": rig.fake.base_url}
        proc = await asyncio.create_subprocess_exec(
            sys.executable, "-m", "bot", "--database", f"sqlite:///{tmp_path / 'second.db'}", "run", "--no-health",
            "--no-backups", "--config", str(EXAMPLES / "noi.toml"), env=env, stderr=asyncio.subprocess.PIPE)
        try:
            _, err = await asyncio.wait_for(proc.communicate(), 60)
            assert proc.returncode == 3, err.decode()
            assert "telegram refused to start" in err.decode() and "another process is polling" in err.decode()
            assert "Traceback" not in err.decode()
        finally:
            if proc.returncode is None:
                proc.kill()
                await proc.wait()
        answer = await rig.say(IVANA, NOI_GROUP, "/incident urgent cucm Calls fail")  # the first desk goes on
        assert answer.plain.startswith(NUMBER)
