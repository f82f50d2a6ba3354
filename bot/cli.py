"""``dutydesk`` subcommands: chat (console desk), run (bot/run.py), demo (bot/demo/), check-config, db upgrade|backup, sla, report,
export."""

from __future__ import annotations

import argparse
import asyncio
import json
import logging
import sys
from datetime import datetime
from typing import TYPE_CHECKING

from bot.app import App
from bot.file_clock import ENV as FILE_CLOCK_ENV
from bot.file_clock import ClockFileError
from bot.settings import ConfigError, Environment, load_config

if TYPE_CHECKING:
    from bot.ops_http import OpsServer


def _parser() -> argparse.ArgumentParser:
    p = argparse.ArgumentParser(prog="dutydesk", description="A chat service desk for SLA maintenance contracts.")
    p.add_argument("--database", help="SQLAlchemy URL (default: $DATABASE_URL or sqlite:///dutydesk.db)")
    p.add_argument("-v", "--verbose", action="store_true", help="log debug messages")
    sub = p.add_subparsers(dest="command", required=True)

    chat = sub.add_parser("chat", help="the console desk: type commands as a configured person")
    chat.add_argument("--config", required=True, help="the TOML configuration")
    chat.add_argument("--as", dest="person", required=True, help="a person id of the config (console identity)")

    run_p = sub.add_parser("run", help="the desk process: SLA sweeper and outbox dispatcher (chat transports: see docs/operations.md)")
    run_p.add_argument("--config", required=True)
    run_p.add_argument("--no-health", action="store_true",
                       help="do not run the config's health checks (e.g. its hosts are not reachable from here)")
    run_p.add_argument("--no-backups", action="store_true",
                       help="do not run the config's backups (scheduled or /backup)")

    check = sub.add_parser("check-config", help="validate a configuration file and show when its schedules fire")
    check.add_argument("file")
    check.add_argument("--next", type=_count, default=5, metavar="N",
                       help="how many fire times to show per schedule (1-100, default 5)")

    db = sub.add_parser("db", help="database maintenance")
    db_sub = db.add_subparsers(dest="db_command", required=True)
    db_sub.add_parser("upgrade", help="apply the schema migrations")
    from bot.db_cli import add_parser as add_db_parser

    add_db_parser(db_sub)

    sla = sub.add_parser("sla", help="the deadlines an incident of a category would get")
    sla.add_argument("--config", required=True)
    sla.add_argument("--customer", required=True)
    sla.add_argument("--category", required=True)
    sla.add_argument("--at", required=True, help="first notification, ISO 8601 (naive = customer's time zone)")
    sla.add_argument("--json", action="store_true")

    from bot.demo import add_parser as add_demo_parser

    add_demo_parser(sub)
    from bot.report_cli import add_parser as add_report_parser

    add_report_parser(sub)
    from bot.export_cli import add_parser as add_export_parser

    add_export_parser(sub)
    return p


def _count(text: str) -> int:
    if not text.isdecimal() or not 1 <= int(text) <= 100:
        raise argparse.ArgumentTypeError(f"{text!r} is not a number from 1 to 100")
    return int(text)


def run(argv: list[str] | None = None) -> int:
    args = _parser().parse_args(argv)
    try:
        _logging(args)
    except ValueError as exc:
        print(f"dutydesk: {exc}", file=sys.stderr)
        return 2
    database_url = args.database or Environment.read().database_url
    _hide_secrets(args, database_url)
    try:
        if args.command in ("run", "chat"):  # the long-running ones: one process per SQLite file
            return _single_process(args, database_url)
        match args.command:
            case "check-config":
                return _check_config(args.file, args.next)
            case "demo":
                from bot.demo.run import run_demo

                return run_demo(args)
            case "db" if args.db_command == "backup":
                from bot.db_cli import run_backup

                return run_backup(args, database_url)
            case "db":
                from storage.db import Database

                db = Database(database_url)
                db.upgrade()
                db.close()
                print("database is at the newest schema")
                return 0
            case "sla":
                return _sla(args)
            case "report":
                from bot.report_cli import run_report

                return run_report(args, database_url)
            case "export":
                from bot.export_cli import run_export

                return run_export(args, database_url)
    except ConfigError as exc:
        print(f"{exc.path}: the configuration is not valid:", file=sys.stderr)
        for problem in exc.problems:
            print(f"  - {problem}", file=sys.stderr)
        return 2
    except ClockFileError as exc:
        print(f"dutydesk: {FILE_CLOCK_ENV}: {exc}", file=sys.stderr)
        return 2
    return 2


def _logging(args: argparse.Namespace) -> None:
    """JSON lines for the long-running process (DUTYDESK_LOG_FORMAT=json|text), text for the tools;
    WARNING unless -v or DUTYDESK_LOG_LEVEL says otherwise."""
    import os

    from bot.logs import log_format, setup_logging

    fmt = log_format(os.environ.get("DUTYDESK_LOG_FORMAT"), "json" if args.command == "run" else "text")
    level_name = os.environ.get("DUTYDESK_LOG_LEVEL", "").upper() or ("DEBUG" if args.verbose else "WARNING")
    level = logging.getLevelName(level_name)
    if not isinstance(level, int):
        raise ValueError(f"DUTYDESK_LOG_LEVEL is DEBUG, INFO, WARNING or ERROR, not {level_name!r}")
    setup_logging(fmt, level)


def _hide_secrets(args: argparse.Namespace, database_url: str) -> None:
    """Mask the environment's secrets (and those the config names) in every log line and print."""
    import contextlib
    import os

    from bot.log_redaction import install

    config = None
    if getattr(args, "config", None):
        with contextlib.suppress(ConfigError):  # the command itself reports a bad config
            config = load_config(args.config)
    install(os.environ, database_url=database_url, config=config)


def _single_process(args: argparse.Namespace, database_url: str) -> int:
    """``run`` and ``chat`` on a SQLite file hold its lock for their whole life (bot/sqlite_lock.py)."""
    from bot.sqlite_lock import AnotherProcess, single_process_lock

    lock = single_process_lock(database_url)
    try:
        if lock is not None:
            lock.acquire()
    except AnotherProcess as exc:
        print(f"dutydesk: {exc}", file=sys.stderr)
        return 2
    try:
        if args.command == "chat":
            return _chat(args.config, args.person, database_url)
        from bot.run import run_desk

        return run_desk(args.config, database_url, health=not args.no_health, backups=not args.no_backups)
    finally:
        if lock is not None:
            lock.release()


def _check_config(path: str, count: int = 5) -> int:
    import os

    from bot.app import process_clock
    from bot.schedules_cli import schedule_report
    from commands.domain.web_config import missing_secrets

    cfg = load_config(path)
    missing = missing_secrets(cfg.desk.web, os.environ)  # the secrets the config names must be set
    if missing:
        raise ConfigError(path, missing)
    now = process_clock().now()  # DUTYDESK_CLOCK_FILE pins it for a test
    print(f"{path}: OK — {len(cfg.customers)} customer(s), {len(cfg.people)} people")
    print("\n".join(schedule_report(cfg, now, count)))
    return 0


def _chat(config_path: str, person: str, database_url: str) -> int:
    from bot.app import build_app

    cfg = load_config(config_path)
    if person not in cfg.people:
        print(f"dutydesk: there is no person {person!r} in {config_path}; people: {', '.join(cfg.people)}",
              file=sys.stderr)
        return 2
    user = next((i.split(":", 1)[1] for i in cfg.people[person].identities if i.startswith("console:")), None)
    if user is None:
        print(f"dutydesk: {person!r} has no console identity (add \"console:{person}\" to identities)",
              file=sys.stderr)
        return 2
    app = build_app(cfg, database_url)
    try:
        return asyncio.run(_console_with_jobs(app, person, user))
    finally:
        app.close()


async def _console_with_jobs(app: App, person: str, user: str) -> int:
    """The console desk, with the sweeper and dispatcher running so SLA warnings show up in it."""
    from bot.dispatcher import Dispatcher
    from bot.scheduler import Jobs
    from integrations.chat.console import ConsoleNotifier, run_console

    directory = app.services.directory
    audiences = {f"person:{person}"}
    channel_customer = directory.customer_of_channel("console:console")
    if channel_customer:
        audiences.add(f"customer:{channel_customer}")
    for cid, roles in app.config.people[person].roles.items():
        if {"engineer", "admin"} & set(roles):
            audiences.add(f"engineers:{cid}")
    notifier = ConsoleNotifier(audiences, sys.stdout, locale=directory.reply_locale(f"console:{user}", "console:console"),
                               names={pid: p.name for pid, p in app.config.people.items()},
                               roles=app.config.people[person].roles)
    pages = await _console_pages(app)
    jobs = Jobs(app.services, Dispatcher(app.db, app.services.clock, [notifier], app.config))
    jobs.start()
    try:
        return await run_console(app.desk, user)
    finally:
        await jobs.finish()
        if pages is not None:
            await pages.stop()


async def _console_pages(app: App) -> OpsServer | None:
    """The web pages beside the console desk, as ``dutydesk run`` serves them: when DUTYDESK_HTTP_PORT and
    DUTYDESK_PUBLIC_URL are set (then /web in the console sends a sign-in link that works)."""
    import os

    from bot.app import web_pages
    from bot.metrics import OpsMetrics
    from bot.ops_http import OpsServer
    from bot.readiness import Readiness
    from bot.settings import OpsSettings

    settings = OpsSettings.read(os.environ)
    if settings.http_port is None or settings.public_url is None:
        return None
    server = OpsServer(settings.http_host, settings.http_port, Readiness(app.db),
                       OpsMetrics(app.db, app.services.clock.now, app.config.customers), None,
                       metrics_here=False, pages=web_pages(app, settings.public_url))
    await server.start()
    print(f"dutydesk: web pages on {settings.http_host}:{server.port} ({settings.public_url})", file=sys.stderr)
    return server


def _sla(args: argparse.Namespace) -> int:
    from commands.domain.calendar import BusinessCalendar
    from commands.incidents.domain.sla import deadline, parse_target

    cfg = load_config(args.config)
    customer = cfg.customers.get(args.customer)
    if customer is None:
        print(f"dutydesk: no customer {args.customer!r}; customers: {', '.join(cfg.customers)}", file=sys.stderr)
        return 2
    category = customer.categories.get(args.category)
    if category is None:
        print(f"dutydesk: no category {args.category!r}; categories: {', '.join(customer.categories)}",
              file=sys.stderr)
        return 2
    try:
        at = datetime.fromisoformat(args.at)
    except ValueError:
        print(f"dutydesk: --at {args.at!r} is not an ISO 8601 time", file=sys.stderr)
        return 2
    tz = customer.tz
    if at.tzinfo is None:
        at = at.replace(tzinfo=tz)
    cal = BusinessCalendar.from_config(customer.calendar, customer.timezone)
    result: dict[str, str | None] = {}
    for clock in ("reaction", "arrival", "resolution"):
        text = category.target(clock)
        if text is None:
            result[clock] = None
            continue
        # A clock started by a later event (a handset received) is shown as if that event were --at.
        result[clock] = deadline(parse_target(text), at, cal).astimezone(tz).isoformat()
    if args.json:
        print(json.dumps(result))
    else:
        for clock, when in result.items():
            print(f"{clock:<11} {when or '—'}")
    return 0
