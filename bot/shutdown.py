"""The graceful shutdown of ``dutydesk run`` (SIGTERM/SIGINT), in the order that loses nothing:

1. readiness answers 503, so a load balancer stops sending traffic;
2. the transports stop taking new commands (leave Socket Mode, stop polling) but can still deliver;
3. the commands in flight finish (their units commit in the writer, their replies go out);
4. the scheduler stops and one last dispatcher tick sends what is due while the transports can;
5. the transports and the operations server stop (the database closes after, draining the writer).

Everything is bounded by one timeout: a step that overruns is logged and the next one still runs.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Awaitable, Sequence

from bot.ops_http import OpsServer
from bot.readiness import Readiness
from bot.scheduler import Jobs
from commands.backups.runtime import BackupRuntime
from commands.desk.desk import Desk
from integrations.chat.base import Transport

log = logging.getLogger("dutydesk")


async def shut_down(*, readiness: Readiness, transports: Sequence[Transport], desk: Desk, jobs: Jobs,
                    backups: BackupRuntime | None, ops: OpsServer | None, timeout: float) -> bool:
    """Returns False when a step did not finish in time (the process then exits non-zero)."""
    loop = asyncio.get_running_loop()
    deadline = loop.time() + timeout
    clean = True

    async def step(what: str, work: Awaitable[object], *, floor: float = 0.5) -> None:
        nonlocal clean
        try:  # a step that starts after the deadline still gets a moment to close what it holds
            await asyncio.wait_for(work, max(deadline - loop.time(), floor))
        except TimeoutError:
            clean = False
            log.error("shutdown: %s did not finish within the %gs shutdown timeout", what, timeout)
        except Exception:
            clean = False
            log.exception("shutdown: %s failed", what)

    readiness.shutting_down = True
    log.warning("shutting down: no new commands; finishing %d in flight, then flushing the outbox", desk.in_flight)
    for transport in transports:
        await step(f"{transport.name}: stop receiving", transport.stop_receiving())
    drained = await desk.drain(max(deadline - loop.time(), 0.0))
    if not drained:
        clean = False
        log.error("shutdown: %d command(s) still running after the shutdown timeout", desk.in_flight)
    await step("the jobs running now", jobs.finish(max(deadline - loop.time(), 0.5)))
    await step("the final outbox flush", jobs.flush())
    if backups is not None:
        await step("backups in progress", backups.drain())
    for transport in reversed(transports):
        await step(f"{transport.name}: stop", transport.stop(), floor=2.0)
    if ops is not None:
        await step("the operations HTTP server", ops.stop(), floor=2.0)
    log.warning("dutydesk stopped%s", "" if clean else " (not cleanly: see above)")
    return clean
