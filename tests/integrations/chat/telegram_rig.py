"""The Telegram test rig: the real PTB transport against the fake Bot API, with the real desk and database."""

from __future__ import annotations

import tomllib
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from dataclasses import dataclass
from typing import Any

from sqlmodel import col, select

from bot.dispatcher import Dispatcher, DispatchResult
from commands.domain.config import Config
from commands.incidents.sweep import sweep_unit
from integrations.chat.telegram import TelegramTransport
from integrations.chat.telegram_limits import ChatRateLimiter
from storage.models import Incident, OutboxMessage, TimelineEvent
from tests.conftest import EXAMPLES, utc
from tests.fakes.fake_time import FakeTime
from tests.fakes.telegram_api import TOKEN, FakeTelegram, Sent
from tests.harness import DeskHarness

MONDAY_1004_SOFIA = utc(2026, 11, 23, 8, 4)
NOI_GROUP, HGP_GROUP = -1001000000001, -1001000000002
IVANA, GEORGI, MARIA, PETAR = 1001, 1002, 1003, 1004
SARA = 2001
NUMBER = "NOI-2026-00001"
SECRET = "s3cret-token_for-webhook"


@dataclass
class Rig:
    fake: FakeTelegram
    desk: DeskHarness
    tg: TelegramTransport
    config: Config
    time: FakeTime  # the fake's flood limits and the transport's limiter count in it

    def transport(self, **options: Any) -> TelegramTransport:
        """Another transport of this desk (a restarted process), on the same fake and time."""
        return make_transport(self.desk, self.config, self.fake, self.time, **options)

    async def dispatch(self) -> DispatchResult:
        """The sweeper (it starts escalations: the pages) and then one dispatcher tick."""
        await self.desk.db.write(sweep_unit(self.desk.app.services, self.desk.clock.now()))
        return await Dispatcher(self.desk.db, self.desk.clock, [self.tg], self.config).tick()

    async def say(self, user: int, chat: int, text: str, *, reply_to: Sent | None = None) -> Sent:
        """A user writes; returns the desk's answer (the bot's message replying to theirs)."""
        update = self.fake.message(user, chat, text, reply_to=reply_to)
        mid = update["message"]["message_id"]
        return await self.fake.wait_message(chat, lambda m: m.reply_to == mid)

    async def press(self, user: int, sent: Sent, data: str) -> dict[str, Any]:
        """A user presses a button; returns how the callback query was answered."""
        query_id = self.fake.press(user, sent, data)["callback_query"]["id"]
        await self.fake.wait_for(lambda f: any(a["callback_query_id"] == query_id
                                               for a in f.calls_to("answerCallbackQuery")))
        return next(a for a in self.fake.calls_to("answerCallbackQuery") if a["callback_query_id"] == query_id)

    def incidents(self) -> list[Incident]:
        return self.desk.db.read_sync(lambda s: list(s.exec(select(Incident).order_by(col(Incident.id)))))

    def events(self, kind: str) -> list[TimelineEvent]:
        return self.desk.db.read_sync(lambda s: list(s.exec(select(TimelineEvent).where(TimelineEvent.kind == kind))))

    def unsent(self) -> list[OutboxMessage]:
        return self.desk.db.read_sync(lambda s: list(s.exec(select(OutboxMessage).where(
            col(OutboxMessage.sent_at).is_(None)))))

    def card(self, chat: int = NOI_GROUP) -> Sent:
        """The incident card: the bot's message in the group that is not a reply to anything."""
        [card] = [m for m in self.fake.chat_messages(chat) if m.reply_to is None and m.plain.startswith("NOI-")]
        return card


def make_transport(desk: DeskHarness, config: Config, fake: FakeTelegram, time: FakeTime,
                   **options: Any) -> TelegramTransport:
    settings: dict[str, Any] = {"mode": "polling", "webhook_secret": SECRET, "webhook_port": 0, "poll_timeout": 1.0,
                                "poll_probe": 0.2, **options}
    return TelegramTransport(desk.app.desk, desk.db, config, token=TOKEN, base_url=fake.base_url,
                             rate_limiter=ChatRateLimiter(clock=time.now, sleep=time.sleep), **settings)


@asynccontextmanager
async def telegram_rig(config: Config, db_url: str, *, mode: str = "polling", start: bool = True,
                       time: FakeTime | None = None, **options: Any) -> AsyncIterator[Rig]:
    # Telegram's limits hold (the fake refuses past them, the transport keeps to them), in a time that
    # moves on when someone waits (autoadvance): a scenario never sleeps, however many messages it sends.
    time = time or FakeTime(autoadvance=True)
    fake = await FakeTelegram(clock=time.now).start()
    desk = DeskHarness(config, db_url, MONDAY_1004_SOFIA)
    tg = make_transport(desk, config, fake, time, mode=mode, **options)
    try:
        if start:
            await tg.start()
        yield Rig(fake, desk, tg, config, time)
    finally:
        if start:
            await tg.stop()
        await fake.close()
        desk.close()


def both_customers() -> Config:
    """noi and hgp in one desk (a contractor with two customers)."""
    noi = tomllib.loads((EXAMPLES / "noi.toml").read_text(encoding="utf-8"))
    hgp = tomllib.loads((EXAMPLES / "hgp.toml").read_text(encoding="utf-8"))
    hgp["customers"]["hgp"]["channels"].pop("console")
    noi["customers"].update(hgp["customers"])
    noi["people"].update(hgp["people"])
    return Config.model_validate(noi)
