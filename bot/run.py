"""``dutydesk run``: the long-running desk process (chat transports, sweeper, dispatcher, jobs)."""

from __future__ import annotations

import asyncio
import logging
import sys

from bot.settings import load_config
from commands.domain.config import Config
from integrations.chat.base import Notifier, Transport


def run_desk(config_path: str, database_url: str, *, health: bool = True, backups: bool = True) -> int:
    """The long-running process (Procfile): chat transports from the environment (Slack:
    SLACK_BOT_TOKEN...), the SLA and escalation sweeper and the outbox dispatcher, in one event loop."""
    import os
    import signal
    import socket

    from bot.app import build_app
    from bot.backup_jobs import recover_backups, wire_backups
    from bot.dispatcher import Dispatcher
    from bot.health_jobs import wire_health
    from bot.scheduler import Jobs, intervals
    from bot.transports import TransportError, build_transports

    try:
        sweep_seconds, dispatch_seconds = intervals(os.environ)
    except ValueError as exc:
        print(f"dutydesk: {exc}", file=sys.stderr)
        return 2
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
                    backups=backup_runtime, sweep_seconds=sweep_seconds, dispatch_seconds=dispatch_seconds)
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
