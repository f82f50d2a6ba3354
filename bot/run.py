"""``dutydesk run``: the long-running desk process (chat transports, sweeper, dispatcher, jobs, and the
operations HTTP server when ``DUTYDESK_HTTP_PORT`` is set). What runs is built by the composition root
(bot/app.py ``build_process``); this module starts it in order and stops it cleanly."""

from __future__ import annotations

import asyncio
import logging
import sys
from collections.abc import Awaitable, Callable

from bot.settings import OpsSettings, env_seconds, load_config
from commands.domain.placeholders import placeholders
from integrations.chat.base import Transport, TransportRefused

log = logging.getLogger("dutydesk")
# A transport found its platform's updates held by someone else (another process, a webhook): restarting
# cannot help until an operator acts, so the unit file does not restart on it (RestartPreventExitStatus).
EXIT_REFUSED = 3


def run_desk(config_path: str, database_url: str, *, health: bool = True, backups: bool = True) -> int:
    """The long-running process (Procfile): chat transports from the environment (Slack:
    SLACK_BOT_TOKEN...), the SLA and escalation sweeper and the outbox dispatcher, in one event loop."""
    import os
    import signal

    from bot.app import build_app, build_process
    from bot.backup_jobs import recover_backups
    from bot.health_jobs import mark_interrupted_health_runs
    from bot.recovery import release_dead_claims
    from bot.scheduler import intervals
    from bot.shutdown import shut_down
    from bot.transports import TransportError
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
    try:
        process = build_process(app, os.environ, ops_settings, health=health, backups=backups,
                                sweep_seconds=sweep_seconds, dispatch_seconds=dispatch_seconds)
    except TransportError as exc:
        app.close()
        print(f"dutydesk: {exc}", file=sys.stderr)
        return 2
    transports, readiness, ops, metrics_server = process.transports, process.readiness, process.ops, process.metrics_server

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
        if journal.pending():
            await replayer.once()
        replay_stop = asyncio.Event()
        replaying = asyncio.create_task(replayer.run(replay_stop))
        if ops is not None:
            try:
                await ops.start()
            except (Exception, SystemExit) as exc:  # uvicorn exits when it cannot bind
                print(f"dutydesk: cannot start the operations HTTP server on {ops_settings.http_host}:"
                      f"{ops_settings.http_port}: {type(exc).__name__}: {exc}", file=sys.stderr)
                return 2
        for warning in process.warnings:
            log.warning("%s", warning)
        if metrics_server is not None:
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
        if app.services.health is not None:  # scheduled runs a crash cut off go on the checks' history
            await mark_interrupted_health_runs(app.services, app.services.health)
        if app.services.backups is not None:  # runs a crashed process left behind: interrupted, before new ones
            await recover_backups(app.services, owner=app.services.backups.owner)
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
        process.jobs.start()
        names = ", ".join(t.name for t in transports) or "no chat transport (see docs/operations.md)"
        http = f"; operations HTTP on {ops_settings.http_host}:{ops.port}" if ops is not None else ""
        if metrics_server is not None:
            http += f"; metrics on {ops_settings.metrics_host}:{metrics_server.port}"
        log.warning("dutydesk running on %s with %s%s; Ctrl-C or SIGTERM stops it", app.db.dialect, names, http)
        await stop.wait()
        clean = await shut_down(readiness=readiness, transports=started, desk=app.desk, jobs=process.jobs,
                                backups=app.services.backups, ops=ops, timeout=ops_settings.shutdown_timeout)
        replay_stop.set()
        await replaying
        if metrics_server is not None:
            await metrics_server.stop()
        return 0 if clean else 1

    try:
        return asyncio.run(main())
    finally:
        app.close()
