"""At start-up: take back what a crashed predecessor on this host left claimed (storage/leases.py)."""

from __future__ import annotations

import logging
import os
import socket

from storage.db import Database
from storage.leases import holders, release

log = logging.getLogger(__name__)


def dead_here(owner: str, host: str | None = None) -> bool:
    """True when ``owner`` (``host:pid``) is a process of this host that no longer exists. Another
    host's holder is never judged dead from here: its lease runs out instead."""
    name, _, pid = owner.rpartition(":")
    if name != (host or socket.gethostname()) or not pid.isdigit() or int(pid) == os.getpid():
        return False
    try:
        os.kill(int(pid), 0)  # signal 0: only asks whether the process exists
    except ProcessLookupError:
        return True
    except PermissionError:  # it exists, as another user
        return False
    return False


async def release_dead_claims(db: Database) -> int:
    """Free the outbox leases and card markers of this host's dead processes; returns rows freed."""
    found = await db.read(holders)
    dead = sorted(h for h in found if dead_here(h))
    if not dead:
        return 0
    freed: int = await db.write(lambda s: release(s, dead))
    log.warning("released %d claim(s) left by dead process(es) %s", freed, ", ".join(dead))
    return freed
