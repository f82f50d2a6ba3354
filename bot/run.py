"""``dutydesk run``: the long-running desk process (chat transports, sweeper, dispatcher, jobs, and the
operations HTTP server when ``DUTYDESK_HTTP_PORT`` is set)."""

from __future__ import annotations

import asyncio
import logging
import sys
from collections.abc import Awaitable, Callable

from starlette.routing import BaseRoute

from bot.app import App
from bot.settings import OpsSettings, env_seconds, load_config
from commands.domain.config import Config
from commands.domain.placeholders import placeholders
from integrations.chat.base import Notifier, Transport, TransportRefused

log = logging.getLogger("dutydesk")
# A transport found its platform's updates held by someone else (another process, a webhook): restarting
# cannot help until an operator acts, so the unit file does not restart on it (RestartPreventExitStatus).
EXIT_REFUSED = 3


def run_desk(config_path: str, database_url: str, *, health: bool = True, backups: bool = True) -> int:
    """The long-running process (Procfile): chat transports from the environment (Slack:
    SLACK_BOT_TOKEN...), the SLA and escalation sweeper and the outbox dispatcher, in one event loop."""
    import os
    import signal

    from bot.api_intake import CommandIntake
    from bot.app import build_app
    from bot.backup_jobs import recover_backups, wire_backups
    from bot.dispatcher import Dispatcher
    from bot.health_jobs import mark_interrupted_health_runs, wire_health
    from bot.metrics import OpsMetrics
    from bot.ops_http import OpsServer
    from bot.readiness import Readiness
    from bot.recovery import release_dead_claims
    from bot.scheduler import Jobs, intervals
    from bot.shutdown import shut_down
    from bot.transports import TransportError, build_transports
    from commands.desk.journaled import Replayer
    from storage.db_errors import is_transient
    from storage.journal import journal_directory, journal_max_bytes

    try:
        ops_settings = OpsSettings.read(os.environ)
        sweep_seconds, dispatch_seconds = intervals(os.environ)
        journal_bound = journal_max_bytes(os.environ)
        replay_cap = env_seconds(os.environ, "DUTYDESK_JOURNAL_RETRY", 5.0)
    except ValueError as exc:
        print(f"dutydesk: {exc}", file=sys.stderr)
        return 2
    config = load_config(config_path)
    found = placeholders(config, health=health, backups=backups)
    if found:  # documentation addresses: an example run must contact nobody
        print(f"dutydesk: {config_path} still has placeholder addresses; nothing was started:", file=sys.stderr)
        for placeholder in found:
            print(f"  - {placeholder.sentence()}", file=sys.stderr)
        return 2
    app = build_app(config, database_url, journal_dir=journal_directory(os.environ, database_url, config.desk.data_dir),
                    journal_max_bytes=journal_bound)
    metrics = OpsMetrics(app.db, app.services.clock.now, app.config.customers)
    app.desk.observe = metrics.command
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
        app.db.start_writer()
        # Reports a dead predecessor kept in the journal (the database was away) are registered first,
        # before any transport takes a new one; if the database is still away they wait, and so do new ones.
        journal = app.desk.journal
        assert journal is not None
        # What a desk started without the database does first when it is back (before the kept reports).
        when_back: list[Callable[[], Awaitable[object]]] = []
        if app.schema_pending:
            when_back.append(lambda: asyncio.to_thread(app.db.upgrade))

        async def prepare() -> None:
            while when_back:
                await when_back[0]()
                when_back.pop(0)

        replayer = Replayer(app.desk, journal, first=min(0.5, replay_cap), cap=replay_cap,
                            prepare=prepare if when_back else None)
        journal.journal.take_over()
        metrics.journal_pending = journal.pending
        if journal.pending():
            await replayer.once()
        replay_stop = asyncio.Event()
        replaying = asyncio.create_task(replayer.run(replay_stop))
        readiness = Readiness(app.db, expected_transports=[t.name for t in transports], journal=journal.journal)
        for transport in transports:  # a transport that knows more of its state (the e-mail channel's mailboxes)
            problems = getattr(transport, "problems", None)
            if problems is not None:
                readiness.checks.append(problems)
            collector = getattr(transport, "collector", None)
            if collector is not None:
                metrics.registry.register(collector())
        ops: OpsServer | None = None
        if ops_settings.http_port is not None:
            intake = (CommandIntake(app.desk, app.services.directory, ops_settings.api_tokens,
                                    lambda: readiness.shutting_down) if ops_settings.api_tokens else None)
            ops = OpsServer(ops_settings.http_host, ops_settings.http_port, readiness, metrics, intake,
                            metrics_here=ops_settings.metrics_on_http_port, metrics_token=ops_settings.metrics_token,
                            pages=web_pages(app, ops_settings.public_url))
            try:
                await ops.start()
            except (Exception, SystemExit) as exc:  # uvicorn exits when it cannot bind
                print(f"dutydesk: cannot start the operations HTTP server on {ops_settings.http_host}:"
                      f"{ops_settings.http_port}: {type(exc).__name__}: {exc}", file=sys.stderr)
                return 2
            if not ops_settings.metrics_on_http_port and ops_settings.metrics_port is None:
                log.warning("/metrics is not served: DUTYDESK_HTTP_HOST %s is reachable from other hosts; set "
                            "DUTYDESK_METRICS_TOKEN or DUTYDESK_METRICS_PORT (docs/security.md)", ops_settings.http_host)
        elif ops_settings.api_tokens:
            log.warning("DUTYDESK_API_TOKENS is set but DUTYDESK_HTTP_PORT is not: no command intake")
        metrics_server: OpsServer | None = None
        if ops_settings.metrics_port is not None:
            metrics_server = OpsServer(ops_settings.metrics_host, ops_settings.metrics_port, readiness, metrics, None,
                                       metrics_token=ops_settings.metrics_token, probes_here=False)
            try:
                await metrics_server.start()
            except (Exception, SystemExit) as exc:
                print(f"dutydesk: cannot start the metrics HTTP server on {ops_settings.metrics_host}:"
                      f"{ops_settings.metrics_port}: {type(exc).__name__}: {exc}", file=sys.stderr)
                if ops is not None:
                    await ops.stop()
                return 2
        started: list[Transport] = []
        for transport in transports:
            try:
                await transport.start()
            except Exception as exc:  # a wrong token, an unreachable API: say which and stop cleanly
                refused = isinstance(exc, TransportRefused)
                what = "refused to start" if refused else "cannot start"
                print(f"dutydesk: {transport.name} {what}: {type(exc).__name__}: {exc}", file=sys.stderr)
                for other in reversed(started):
                    await other.stop()
                if ops is not None:
                    await ops.stop()
                if metrics_server is not None:
                    await metrics_server.stop()
                return EXIT_REFUSED if refused else 2
            started.append(transport)
            readiness.started.add(transport.name)
        notifiers: list[Notifier] = [*transports, *gateways(app.config)]
        # /health and the scheduled checks probe the config's hosts (the console desk never does)
        runtime = wire_health(app.services) if health else None
        if runtime is not None:  # scheduled runs a crash cut off go on the checks' history
            await mark_interrupted_health_runs(app.services, runtime)
        backup_runtime = None
        if backups:  # runs a crashed process left behind are marked interrupted before anything new runs
            backup_runtime = wire_backups(app.services)
            await recover_backups(app.services, owner=backup_runtime.owner)
        # what a crashed predecessor on this host held is delivered now, not when its lease runs out
        try:
            await release_dead_claims(app.db)
        except Exception as exc:  # the database is away (a restart during a failover): released when it is back
            if not is_transient(exc):
                raise
            log.warning("claims of dead processes not released yet, the database does not answer: %s", exc)
            when_back.append(lambda: release_dead_claims(app.db))
            replayer.prepare = prepare
            replayer.wake()
        dispatcher = Dispatcher(app.db, app.services.clock, notifiers, app.config, observe=metrics.delivery)
        metrics.dispatcher_ticks = lambda: dispatcher.ticks
        jobs = Jobs(app.services, dispatcher, health=runtime, backups=backup_runtime, sweep_seconds=sweep_seconds,
                    dispatch_seconds=dispatch_seconds)
        jobs.start()
        names = ", ".join(t.name for t in transports) or "no chat transport (see docs/operations.md)"
        http = f"; operations HTTP on {ops_settings.http_host}:{ops.port}" if ops is not None else ""
        if metrics_server is not None:
            http += f"; metrics on {ops_settings.metrics_host}:{metrics_server.port}"
        log.warning("dutydesk running on %s with %s%s; Ctrl-C or SIGTERM stops it", app.db.dialect, names, http)
        await stop.wait()
        clean = await shut_down(readiness=readiness, transports=started, desk=app.desk, jobs=jobs,
                                backups=backup_runtime, ops=ops, timeout=ops_settings.shutdown_timeout)
        replay_stop.set()
        await replaying
        if metrics_server is not None:
            await metrics_server.stop()
        return 0 if clean else 1

    try:
        return asyncio.run(main())
    finally:
        app.close()


def web_pages(app: App, public_url: str | None) -> list[BaseRoute]:
    """The web application's routes (integrations/web), served beside the probes when DUTYDESK_PUBLIC_URL
    says where people reach it; /web then sends sign-in links to that address."""
    if not public_url:
        return []
    from integrations.web.app import WebApp

    app.services.web_url = public_url
    return WebApp(app.desk, public_url).routes()


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
