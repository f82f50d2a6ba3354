"""``dutydesk`` subcommands: chat (console desk), check-config, db upgrade, sla."""

from __future__ import annotations

import argparse
import asyncio
import json
import logging
import sys
from datetime import datetime

from bot.app import App
from bot.settings import ConfigError, Environment, load_config
from commands.domain.config import Config
from integrations.chat.base import Notifier, Transport


def _parser() -> argparse.ArgumentParser:
    p = argparse.ArgumentParser(prog="dutydesk", description="A chat service desk for SLA maintenance contracts.")
    p.add_argument("--database", help="SQLAlchemy URL (default: $DATABASE_URL or sqlite:///dutydesk.db)")
    p.add_argument("-v", "--verbose", action="store_true", help="log debug messages")
    sub = p.add_subparsers(dest="command", required=True)

    chat = sub.add_parser("chat", help="the console desk: type commands as a configured person")
    chat.add_argument("--config", required=True, help="the TOML configuration")
    chat.add_argument("--as", dest="person", required=True, help="a person id of the config (console identity)")

    run_p = sub.add_parser("run", help="the desk process: SLA sweeper and outbox dispatcher (chat transports: see README)")
    run_p.add_argument("--config", required=True)
    run_p.add_argument("--no-health", action="store_true",
                       help="do not run the config's health checks (e.g. its hosts are not reachable from here)")
    run_p.add_argument("--no-backups", action="store_true",
                       help="do not run the config's backups (scheduled or /backup)")

    check = sub.add_parser("check-config", help="validate a configuration file")
    check.add_argument("file")

    db = sub.add_parser("db", help="database maintenance")
    db_sub = db.add_subparsers(dest="db_command", required=True)
    db_sub.add_parser("upgrade", help="apply the schema migrations")

    sla = sub.add_parser("sla", help="the deadlines an incident of a category would get")
    sla.add_argument("--config", required=True)
    sla.add_argument("--customer", required=True)
    sla.add_argument("--category", required=True)
    sla.add_argument("--at", required=True, help="first notification, ISO 8601 (naive = customer's time zone)")
    sla.add_argument("--json", action="store_true")

    from bot.report_cli import add_parser as add_report_parser

    add_report_parser(sub)
    return p


def run(argv: list[str] | None = None) -> int:
    args = _parser().parse_args(argv)
    logging.basicConfig(level=logging.DEBUG if args.verbose else logging.WARNING,
                        format="%(asctime)s %(levelname)s %(name)s: %(message)s")
    database_url = args.database or Environment.read().database_url
    try:
        match args.command:
            case "check-config":
                return _check_config(args.file)
            case "chat":
                return _chat(args.config, args.person, database_url)
            case "run":
                return _run(args.config, database_url, health=not args.no_health, backups=not args.no_backups)
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
    except ConfigError as exc:
        print(f"{exc.path}: the configuration is not valid:", file=sys.stderr)
        for problem in exc.problems:
            print(f"  - {problem}", file=sys.stderr)
        return 2
    return 2


def _check_config(path: str) -> int:
    cfg = load_config(path)
    print(f"{path}: OK — {len(cfg.customers)} customer(s), {len(cfg.people)} people")
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
    notifier = ConsoleNotifier(audiences, sys.stdout)
    jobs = Jobs(app.services, Dispatcher(app.db, app.services.clock, [notifier], app.config))
    jobs.start()
    try:
        return await run_console(app.desk, user)
    finally:
        jobs.stop()


def _run(config_path: str, database_url: str, *, health: bool = True, backups: bool = True) -> int:
    """The long-running process (Procfile): chat transports from the environment (Slack:
    SLACK_BOT_TOKEN...), the SLA and escalation sweeper and the outbox dispatcher, in one event loop."""
    import os
    import signal
    import socket

    from bot.app import build_app
    from bot.backup_jobs import recover_backups, wire_backups
    from bot.dispatcher import Dispatcher
    from bot.health_jobs import wire_health
    from bot.scheduler import Jobs
    from bot.transports import TransportError, build_transports

    app = build_app(load_config(config_path), database_url)
    try:
        transports = build_transports(app, os.environ)
    except TransportError as exc:
        app.close()
        print(f"dutydesk: {exc}", file=sys.stderr)
        return 2

    async def main() -> int:
        stop = asyncio.Event()
        loop = asyncio.get_running_loop()
        for sig in (signal.SIGINT, signal.SIGTERM):
            signal.signal(sig, lambda *_: loop.call_soon_threadsafe(stop.set))
        started: list[Transport] = []
        for transport in transports:
            try:
                await transport.start()
            except Exception as exc:  # a wrong token, an unreachable API: say which and stop cleanly
                print(f"dutydesk: cannot start {transport.name}: {type(exc).__name__}: {exc}", file=sys.stderr)
                for other in reversed(started):
                    await other.stop()
                return 2
            started.append(transport)
        notifiers: list[Notifier] = [*transports, *gateways(app.config)]
        # /health and the scheduled checks probe the config's hosts (the console desk never does)
        runtime = wire_health(app.services) if health else None
        backup_runtime = None
        if backups:  # runs a crashed process left behind are marked interrupted before anything new runs
            backup_runtime = wire_backups(app.services)
            await recover_backups(app.services, owner=f"{socket.gethostname()}:{os.getpid()}")
        jobs = Jobs(app.services, Dispatcher(app.db, app.services.clock, notifiers, app.config), health=runtime,
                    backups=backup_runtime)
        jobs.start()
        names = ", ".join(t.name for t in transports) or "no chat transport (see README)"
        logging.getLogger("dutydesk").warning("dutydesk running on %s with %s; Ctrl-C or SIGTERM stops it",
                                              app.db.dialect, names)
        await stop.wait()
        jobs.stop()
        if backup_runtime is not None:
            await backup_runtime.drain()
        for transport in reversed(started):
            await transport.stop()
        return 0

    try:
        return asyncio.run(main())
    finally:
        app.close()


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


def _sla(args: argparse.Namespace) -> int:
    from commands.domain.calendar import BusinessCalendar
    from commands.domain.sla import deadline, parse_target

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
