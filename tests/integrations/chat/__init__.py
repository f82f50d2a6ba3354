"""Chat transport tests. Shared here: a desk with the Slack transport pointed at the fake Slack, and
readers of the register."""

from __future__ import annotations

import time
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from dataclasses import dataclass
from typing import Any

import aiohttp
from sqlmodel import col, select

from bot.dispatcher import Dispatcher, DispatchResult
from commands.domain.config import Config
from commands.incidents.sweep import sweep_unit
from integrations.chat.slack import SlackTransport
from storage.models import Incident, TimelineEvent
from tests.conftest import utc
from tests.fakes.slack_api import FakeSlack, SlackSigner
from tests.harness import DeskHarness

MONDAY_1004_SOFIA = utc(2026, 11, 23, 8, 4)
SECRET = "8f742231b10e8888abcd99yyyzzz85a5"


@dataclass
class HttpAnswer:
    status: int
    seconds: float
    text: str


@dataclass
class SlackRig:
    fake: FakeSlack
    desk: DeskHarness
    slack: SlackTransport
    signer: SlackSigner

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.slack.port}/slack/events"

    async def post(self, body: str, *, headers: dict[str, str] | None = None, **sign: Any) -> HttpAnswer:
        """POST a body to the Bolt endpoint, signed as Slack signs it unless headers are given."""
        headers = headers if headers is not None else self.signer.headers(body, **sign)
        started = time.perf_counter()
        async with aiohttp.ClientSession() as session, session.post(self.url, data=body.encode(),
                                                                   headers=headers) as resp:
            text = await resp.text()
            return HttpAnswer(resp.status, time.perf_counter() - started, text)

    async def dispatch(self) -> DispatchResult:
        """What the process's jobs do: sweep (escalation pages, SLA messages), then deliver the outbox."""
        await self.desk.db.write(sweep_unit(self.desk.app.services, self.desk.clock.now()))
        return await Dispatcher(self.desk.db, self.desk.clock, [self.slack], self.desk.app.config).tick()

    def incidents(self) -> list[Incident]:
        return self.desk.db.read_sync(lambda s: list(s.exec(select(Incident).order_by(col(Incident.id)))))

    def events(self, kind: str | None = None) -> list[TimelineEvent]:
        def q(s: Any) -> list[TimelineEvent]:
            stmt = select(TimelineEvent).order_by(col(TimelineEvent.id))
            if kind is not None:
                stmt = stmt.where(TimelineEvent.kind == kind)
            return list(s.exec(stmt))

        return self.desk.db.read_sync(q)


@asynccontextmanager
async def slack_rig(config: Config, db_url: str, *, mode: str = "http", start: bool = True,
                    **kw: Any) -> AsyncIterator[SlackRig]:
    fake = await FakeSlack().start()
    desk = DeskHarness(config, db_url, MONDAY_1004_SOFIA)
    fake.clock = lambda: desk.clock.now().timestamp()  # Slack's timers run on the test's clock
    slack = SlackTransport(desk.app.desk, desk.db, config, bot_token="xoxb-test", app_token="xapp-test",
                           signing_secret=SECRET, mode=mode,  # type: ignore[arg-type]
                           base_url=fake.base_url, http_port=0, **kw)
    try:
        if start:
            await slack.start()
        yield SlackRig(fake, desk, slack, SlackSigner(SECRET))
    finally:
        await slack.stop()
        await fake.close()
        desk.close()
