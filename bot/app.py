"""The composition root: the one place that decides which database, clock and transports run."""

from __future__ import annotations

import logging
import os
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path

from bot.file_clock import ENV as FILE_CLOCK_ENV
from bot.file_clock import FileClock
from commands.desk.context import Services
from commands.desk.desk import Desk
from commands.desk.directory import Directory
from commands.desk.journaled import ReportJournal
from commands.domain.clock import Clock, SystemClock
from commands.domain.config import Config
from commands.reports.documents import Document
from commands.reports.report import MonthlyProtocol
from storage.db import Database
from storage.db_errors import is_transient
from storage.journal import DEFAULT_MAX_BYTES, Journal

log = logging.getLogger(__name__)


@dataclass
class App:
    config: Config
    db: Database
    services: Services
    desk: Desk
    schema_pending: bool = False  # started while the database was away: migrate before using it

    def close(self) -> None:
        self.db.close()
        if self.desk.journal is not None:
            self.desk.journal.journal.close()


def process_clock(environ: Mapping[str, str] | None = None) -> Clock:
    """The system clock, or the file clock a test asks for with DUTYDESK_CLOCK_FILE (bot/file_clock.py)."""
    path = (os.environ if environ is None else environ).get(FILE_CLOCK_ENV)
    return FileClock(path) if path else SystemClock()


def build_app(config: Config, database_url: str, *, clock: Clock | None = None, migrate: bool = True,
              journal_dir: Path | None = None, journal_max_bytes: int = DEFAULT_MAX_BYTES) -> App:
    """``journal_dir``: where new reports are kept while the register is unavailable (commands/desk/journaled.py);
    None: such a report is refused with "retry in a moment"."""
    clock = clock or process_clock()  # first: a bad clock file refuses before anything is touched
    db = Database(database_url)
    schema_pending = False
    if migrate:
        try:
            db.upgrade()
        except Exception as exc:
            # A desk with a journal starts while the database is away (a restart during a failover): it
            # keeps reports, and migrates before it registers them (bot/run.py).
            if journal_dir is None or not is_transient(exc):
                raise
            log.warning("the database does not answer; starting with the journal, the schema is checked when it "
                        "is back: %s", exc)
            schema_pending = True
    services = Services(config=config, directory=Directory(config), clock=clock, db=db,
                        render_report=_render_report, render_document=_render_document)
    desk = Desk(services)
    if journal_dir is not None:
        desk.journal = ReportJournal(Journal(journal_dir, journal_max_bytes), services)
    return App(config=config, db=db, services=services, desk=desk, schema_pending=schema_pending)


def _render_document(document: Document) -> bytes:
    """A service or maintenance protocol as a PDF (fpdf2 imported on first use)."""
    from integrations.reports.protocol_pdf import render_document

    return render_document(document)


def _render_report(protocol: MonthlyProtocol, fmt: str) -> bytes:
    """The monthly protocol's file renderers, imported on first use: the desk starts without matplotlib
    and fpdf2 loaded."""
    from integrations import reports

    return reports.render(protocol, fmt)
