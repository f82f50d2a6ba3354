"""A desk wired as the real process wires it, with a fake clock, for scenario tests."""

from __future__ import annotations

import itertools
from datetime import datetime, timedelta
from pathlib import Path

from bot.app import App, build_app
from commands.desk.reply import Reply, Request
from commands.domain.clock import FakeClock
from commands.domain.config import Config


class DeskHarness:
    def __init__(self, config: Config, db_url: str, now: datetime, *, journal_dir: Path | None = None) -> None:
        self.clock = FakeClock(now)
        self.app: App = build_app(config, db_url, clock=self.clock, journal_dir=journal_dir)
        self._ids = itertools.count(1)

    @property
    def db(self):  # type: ignore[no-untyped-def]
        return self.app.db

    async def say(self, user: str, text: str, *, transport: str = "console", channel: str = "console",
                  delivery_id: str | None = None) -> Reply:
        request = Request(text=text, transport=transport, user_id=user, channel_id=channel,
                          delivery_id=delivery_id or f"d{next(self._ids)}")
        return await self.app.desk.handle(request)

    def advance(self, **kw: float) -> None:
        self.clock.advance(timedelta(**kw))

    def close(self) -> None:
        self.app.close()
