"""Telegram's published limits (https://core.telegram.org/bots/faq#my-bot-is-hitting-limits-how-do-i-avoid-this):
the fake refuses past them with 429 and ``retry_after``, the desk keeps to them per chat, and a burst in
one customer's group holds up neither other chats nor button answers. Time is a ``FakeTime`` the test
moves on (nobody waits out a minute), except where the process's real waiting is the point."""

from __future__ import annotations

import asyncio
import time

import pytest
from telegram import Bot
from telegram.error import RetryAfter
from telegram.ext import ExtBot

from commands.domain.config import Config
from integrations.chat.telegram_limits import ChatRateLimiter
from tests.fakes.fake_time import FakeTime
from tests.fakes.telegram_api import TOKEN, FakeTelegram
from tests.integrations.chat.telegram_rig import (
    GEORGI,
    HGP_GROUP,
    IVANA,
    NOI_GROUP,
    NUMBER,
    PETAR,
    SARA,
    both_customers,
    telegram_rig,
)


async def test_the_fake_refuses_past_the_published_limits_with_retry_after() -> None:
    clock = FakeTime()
    fake = await FakeTelegram(clock=clock.now).start()
    try:
        async with Bot(TOKEN, base_url=fake.base_url) as bot:  # no limiter: every call reaches the server
            for _ in range(5):
                await bot.send_message(NOI_GROUP, "x")
            with pytest.raises(RetryAfter) as burst:  # one chat: a burst of five, then one a second
                await bot.send_message(NOI_GROUP, "x")
            assert burst.value.retry_after == 5
            for _ in range(3):  # 15 more in the group, five every five seconds
                clock.advance(5)
                for _ in range(5):
                    await bot.send_message(NOI_GROUP, "x")
            clock.advance(5)
            with pytest.raises(RetryAfter) as minute:  # the group: 20 a minute
                await bot.send_message(NOI_GROUP, "x")
            assert minute.value.retry_after == 40
            await bot.send_message(HGP_GROUP, "another group is not held up")
            clock.advance(40)
            await bot.send_message(NOI_GROUP, "x")

            clock.advance(60)
            for chat in range(5001, 5031):  # 30 chats in one second: 30 a second overall
                await bot.send_message(chat, "x")
            with pytest.raises(RetryAfter) as overall:
                await bot.send_message(5031, "x")
            assert overall.value.retry_after == 1
            await bot.answer_callback_query("7000001")  # answering a button is not a message
            assert fake.calls_to("answerCallbackQuery")
    finally:
        await fake.close()


async def test_a_burst_in_one_group_holds_up_neither_other_chats_nor_button_answers(db_url: str) -> None:
    clock = FakeTime()  # moves only when the test says: a throttled answer waits for good until then
    async with telegram_rig(both_customers(), db_url, time=clock) as rig:
        try:
            await rig.say(IVANA, NOI_GROUP, "/incident urgent cucm Calls fail")
            await rig.dispatch()  # the card: two of the group's five messages in these five seconds
            card = rig.card()

            burst = [rig.fake.message(IVANA, NOI_GROUP, f"/status {NUMBER}")["message"]["message_id"] for _ in range(12)]
            await rig.fake.wait_for(lambda f: clock.sleeping > 0)  # the group's fourth answer waits for its turn

            other = await rig.say(SARA, HGP_GROUP, "/incident critical crm سامانه در دسترس نیست")
            assert other.plain.startswith("HGP-2026-00001")
            private = await rig.say(GEORGI, GEORGI, "/help")
            assert "/ack" in private.plain
            answered = await rig.press(PETAR, card, f"/ack {NUMBER}")  # a button on the busy group's card
            assert "поет" in answered["text"] and rig.incidents()[0].state == "acknowledged"
            waiting = [mid for mid in burst if not any(m.reply_to == mid for m in rig.fake.chat_messages(NOI_GROUP))]
            assert len(waiting) >= 9  # still waiting for the group's turn

            for _ in range(120):  # a minute and more passes
                if not waiting:
                    break
                clock.advance(1)
                await asyncio.sleep(0.02)
                waiting = [mid for mid in burst if not any(m.reply_to == mid for m in rig.fake.chat_messages(NOI_GROUP))]
            assert waiting == []
            answers = [m.reply_to for m in rig.fake.chat_messages(NOI_GROUP) if m.reply_to in burst]
            assert answers == burst  # one chat's updates are handled, and answered, in order
            assert [c for c in rig.fake.calls if c.status == 429] == []  # kept to the limits: never refused
        finally:  # whatever still waits goes out, so the rig can stop even when the test failed
            clock.autoadvance = True
            clock.advance(3600)


async def test_a_group_that_must_wait_long_leaves_its_card_in_the_outbox_and_the_page_goes_out(
        noi_config: Config, db_url: str) -> None:
    clock = FakeTime()
    async with telegram_rig(noi_config, db_url, time=clock) as rig:
        await rig.say(IVANA, NOI_GROUP, "/incident urgent cucm Calls fail")
        rig.fake.fail("sendMessage", 429, retry_after=30)  # the card: Telegram asks the group to wait 30 s
        result = await rig.dispatch()  # does not wait: the outbox tries again later
        assert (result.sent, result.failed) == (1, 1)
        assert len(rig.fake.chat_messages(PETAR)) == 1  # the page went out in the same tick
        assert [m.kind for m in rig.unsent()] == ["incident.card"]
        clock.advance(30)
        rig.desk.advance(seconds=10)  # past the outbox's backoff
        assert (await rig.dispatch()).sent == 1
        assert rig.card().buttons and rig.unsent() == []


async def test_the_process_waits_out_retry_after_in_real_time() -> None:
    fake = await FakeTelegram().start()  # the real clock, as in production
    try:
        async with ExtBot(TOKEN, base_url=fake.base_url, rate_limiter=ChatRateLimiter()) as bot:
            fake.fail("sendMessage", 429, retry_after=1)
            started = time.monotonic()
            await bot.send_message(NOI_GROUP, "after the wait")
            assert time.monotonic() - started >= 1.0
            assert len(fake.failed_calls("sendMessage")) == 1 and len(fake.calls_to("sendMessage")) == 1
    finally:
        await fake.close()


async def test_a_page_goes_while_its_incidents_card_waits_for_the_groups_turn(noi_config: Config, db_url: str) -> None:
    clock = FakeTime()
    async with telegram_rig(noi_config, db_url, time=clock) as rig:
        try:
            await rig.say(IVANA, NOI_GROUP, "/incident urgent cucm Calls fail")
            rig.fake.fail("sendMessage", 429, retry_after=2)  # the card: a wait the outbox's patience accepts
            tick = asyncio.create_task(rig.dispatch())
            # the page does not wait behind the card: it is to another audience, and the card waits for Telegram
            await rig.fake.wait_for(lambda f: len(f.chat_messages(PETAR)) == 1)
            assert not tick.done()
            assert not [m for m in rig.fake.chat_messages(NOI_GROUP) if m.reply_to is None]  # no card yet
            clock.advance(2)
            result = await tick
            assert (result.sent, result.failed) == (2, 0)
            assert rig.card().buttons and rig.unsent() == []
        finally:
            clock.autoadvance = True
            clock.advance(3600)
