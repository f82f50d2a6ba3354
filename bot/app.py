"""The composition root: the one place that decides which database, clock and transports run."""

from __future__ import annotations

from dataclasses import dataclass

from commands.context import Services
from commands.desk import Desk
from commands.directory import Directory
from commands.domain.clock import Clock, SystemClock
from commands.domain.config import Config
from commands.report import MonthlyProtocol
from storage.db import Database


@dataclass
class App:
    config: Config
    db: Database
    services: Services
    desk: Desk

    def close(self) -> None:
        self.db.close()


def build_app(config: Config, database_url: str, *, clock: Clock | None = None, migrate: bool = True) -> App:
    db = Database(database_url)
    if migrate:
        db.upgrade()
    services = Services(config=config, directory=Directory(config), clock=clock or SystemClock(), db=db,
                        render_report=_render_report)
    return App(config=config, db=db, services=services, desk=Desk(services))


def _render_report(protocol: MonthlyProtocol, fmt: str) -> bytes:
    """The monthly protocol's file renderers, imported on first use: the desk starts without matplotlib
    and fpdf2 loaded."""
    from integrations import reports

    return reports.render(protocol, fmt)
