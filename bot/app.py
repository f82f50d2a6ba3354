"""The composition root: the one place that builds the desk and hands each part what it uses.

``build_app``: the database, the clock, the services (directory, report renderers) and the desk — what a
test, the console and every CLI tool need. ``build_process``: on top of it, what ``dutydesk run`` runs —
the chat transports and the e-mail channel from the environment, the paging gateways, the probes and the
backup drivers (``Services.health`` / ``Services.backups``), the outbox dispatcher, the jobs, the
operations HTTP servers with the web pages and the command intake, and the metrics. bot/run.py only starts
and stops what is built here, in order. Nothing is found through a module-level registry."""

from __future__ import annotations

import logging
import os
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Literal, cast

from bot.file_clock import ENV as FILE_CLOCK_ENV
from bot.file_clock import FileClock
from bot.transports import LOOPBACK, TransportError
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

if TYPE_CHECKING:
    from starlette.routing import BaseRoute

    from bot.dispatcher import Dispatcher
    from bot.metrics import OpsMetrics
    from bot.ops_http import OpsServer
    from bot.readiness import Readiness
    from bot.scheduler import Jobs
    from bot.settings import OpsSettings
    from integrations.chat.base import Notifier, Transport

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


# -- the running process ----------------------------------------------------------------------------
@dataclass
class Process:
    """Everything ``dutydesk run`` starts, built and wired; bot/run.py starts and stops it in order."""

    app: App
    transports: list[Transport]
    notifiers: list[Notifier]  # the transports and the paging gateways: where the dispatcher delivers
    metrics: OpsMetrics
    readiness: Readiness
    dispatcher: Dispatcher
    jobs: Jobs
    ops: OpsServer | None = None  # the operations HTTP server (probes, intake, web pages, maybe /metrics)
    metrics_server: OpsServer | None = None  # /metrics on a port of its own
    warnings: list[str] = field(default_factory=list)  # said once the process runs


def build_process(app: App, environ: Mapping[str, str], settings: OpsSettings, *, health: bool = True,
                  backups: bool = True, sweep_seconds: float = 15, dispatch_seconds: float = 5) -> Process:
    """Build what the process runs around ``app``. Raises ``TransportError`` for a half-configured
    transport. Nothing here connects anywhere: starting is bot/run.py's."""
    from bot.api_intake import CommandIntake
    from bot.dispatcher import Dispatcher
    from bot.metrics import OpsMetrics
    from bot.ops_http import OpsServer
    from bot.readiness import Readiness
    from bot.scheduler import Jobs

    metrics = OpsMetrics(app.db, app.services.clock.now, app.config.customers)
    app.desk.observe = metrics.command
    transports = build_transports(app, environ)
    journal = app.desk.journal
    readiness = Readiness(app.db, expected_transports=[t.name for t in transports],
                          journal=journal.journal if journal is not None else None)
    if journal is not None:
        metrics.journal_pending = journal.pending
    for transport in transports:  # a transport that knows more of its state (the e-mail channel's mailboxes)
        problems = getattr(transport, "problems", None)
        if problems is not None:
            readiness.checks.append(problems)
        collector = getattr(transport, "collector", None)
        if collector is not None:
            metrics.registry.register(collector())
    notifiers: list[Notifier] = [*transports, *gateways(app.config)]
    if health:  # /health and the scheduled checks probe the config's hosts (the console desk never does)
        from bot.health_jobs import default_runtime as health_runtime

        app.services.health = health_runtime(app.services)
    if backups:
        from bot.backup_jobs import default_runtime as backup_runtime

        app.services.backups = backup_runtime(app.services)
    dispatcher = Dispatcher(app.db, app.services.clock, notifiers, app.config, observe=metrics.delivery)
    metrics.dispatcher_ticks = lambda: dispatcher.ticks
    jobs = Jobs(app.services, dispatcher, health=app.services.health, backups=app.services.backups,
                sweep_seconds=sweep_seconds, dispatch_seconds=dispatch_seconds)
    process = Process(app, transports, notifiers, metrics, readiness, dispatcher, jobs)
    if settings.http_port is not None:
        intake = (CommandIntake(app.desk, app.services.directory, settings.api_tokens,
                                lambda: readiness.shutting_down) if settings.api_tokens else None)
        process.ops = OpsServer(settings.http_host, settings.http_port, readiness, metrics, intake,
                                metrics_here=settings.metrics_on_http_port, metrics_token=settings.metrics_token,
                                pages=web_pages(app, settings.public_url))
        if not settings.metrics_on_http_port and settings.metrics_port is None:
            process.warnings.append(
                f"/metrics is not served: DUTYDESK_HTTP_HOST {settings.http_host} is reachable from other hosts; "
                "set DUTYDESK_METRICS_TOKEN or DUTYDESK_METRICS_PORT (docs/security.md)")
    elif settings.api_tokens:
        process.warnings.append("DUTYDESK_API_TOKENS is set but DUTYDESK_HTTP_PORT is not: no command intake")
    if settings.metrics_port is not None:
        process.metrics_server = OpsServer(settings.metrics_host, settings.metrics_port, readiness, metrics, None,
                                           metrics_token=settings.metrics_token, probes_here=False)
    return process


def build_transports(app: App, environ: Mapping[str, str]) -> list[Transport]:
    """The chat transports the environment asks for (secrets never live in the config), and the e-mail
    channel when a mailbox is configured."""
    transports: list[Transport] = []
    if environ.get("SLACK_BOT_TOKEN"):
        from integrations.chat.slack import SlackTransport

        mode = environ.get("SLACK_MODE", "socket")
        if mode not in ("socket", "http"):
            raise TransportError(f"SLACK_MODE is socket or http, not {mode!r}")
        try:
            transports.append(SlackTransport(
                app.desk, app.db, app.config, bot_token=environ["SLACK_BOT_TOKEN"],
                app_token=environ.get("SLACK_APP_TOKEN"), signing_secret=environ.get("SLACK_SIGNING_SECRET"),
                mode=cast(Literal["socket", "http"], mode), base_url=environ.get("SLACK_API_URL"),
                http_host=environ.get("SLACK_HTTP_HOST", "").strip() or LOOPBACK,  # behind a proxy Slack reaches
                http_port=int(environ.get("SLACK_HTTP_PORT", "3000")),
            ))
        except ValueError as exc:
            raise TransportError(str(exc)) from None
    if environ.get("TELEGRAM_BOT_TOKEN"):
        from integrations.chat.telegram import TelegramTransport

        tg_mode = environ.get("TELEGRAM_MODE", "polling")
        if tg_mode not in ("polling", "webhook"):
            raise TransportError(f"TELEGRAM_MODE is polling or webhook, not {tg_mode!r}")
        try:
            transports.append(TelegramTransport(
                app.desk, app.db, app.config, token=environ["TELEGRAM_BOT_TOKEN"],
                base_url=environ.get("TELEGRAM_API_BASE_URL"), file_url=environ.get("TELEGRAM_API_FILE_URL"),
                mode=cast(Literal["polling", "webhook"], tg_mode),
                webhook_secret=environ.get("TELEGRAM_WEBHOOK_SECRET"), webhook_url=environ.get("TELEGRAM_WEBHOOK_URL"),
                webhook_host=environ.get("TELEGRAM_WEBHOOK_HOST", "").strip() or LOOPBACK,
                webhook_port=int(environ.get("TELEGRAM_WEBHOOK_PORT", "8443")),
                webhook_path=environ.get("TELEGRAM_WEBHOOK_PATH", "/telegram/webhook"),
                delete_webhook=environ.get("TELEGRAM_DELETE_WEBHOOK", "").strip().lower() in ("1", "true", "yes"),
            ))
        except ValueError as exc:
            raise TransportError(str(exc)) from None
    if app.config.desk.email is not None or any(c.email and c.email.mailbox for c in app.config.customers.values()):
        transports.append(mail_channel(app, environ))
    return transports


def mail_channel(app: App, environ: Mapping[str, str]) -> Transport:
    """The e-mail channel (docs/email.md): the mailboxes of ``[desk.email]`` and ``[customers.<id>.email]``,
    answered through ``[desk.smtp]``."""
    from integrations.gateways.email import EmailNotifier
    from integrations.mail.channel import MailChannel

    smtp = app.config.desk.smtp
    if smtp is None:
        raise TransportError("a mailbox is configured (desk.email or customers.<id>.email.mailbox) but desk.smtp "
                             "is not: the desk could not answer the mail it reads")
    for box in [app.config.desk.email, *(c.email.mailbox for c in app.config.customers.values() if c.email)]:
        if box is None:
            continue
        needed = [box.password_env] if box.auth == "password" else [box.client_id_env, box.client_secret_env]
        missing = [name for name in needed if name and not environ.get(name)]
        if missing:
            raise TransportError(f"mailbox {box.address}: set {', '.join(missing)} in the environment")
    return MailChannel(app.desk, app.services, EmailNotifier(app.config, smtp, environ), environ)


def web_pages(app: App, public_url: str | None) -> list[BaseRoute]:
    """The web application's routes (integrations/web), served beside the probes when DUTYDESK_PUBLIC_URL
    says where people reach it; /web then sends sign-in links to that address."""
    if not public_url:
        return []
    from integrations.web.app import WebApp

    app.services.web_url = public_url
    try:
        web = WebApp(app.desk, public_url)
    except ValueError as exc:  # an identity provider's client secret is not in the environment
        raise TransportError(f"web pages: {exc}") from None
    return web.routes()


def gateways(config: Config) -> list[Notifier]:
    """The paging gateways the config sets up (SMS over HTTP, e-mail over SMTP)."""
    from integrations.gateways.email import EmailNotifier
    from integrations.gateways.sms import SmsNotifier

    out: list[Notifier] = []
    if config.desk.sms is not None:
        out.append(SmsNotifier(config, config.desk.sms))
    if config.desk.smtp is not None:
        out.append(EmailNotifier(config, config.desk.smtp))
    return out
