"""A process restarted after a crash takes back, at once, what its dead predecessor on this host held:
the outbox leases (still in doubt, so looked for before posting) and the card first-post markers."""

from __future__ import annotations

import os
import socket
import subprocess
import sys

import pytest

from bot.recovery import dead_here, release_dead_claims
from storage.chat_refs import ChatRefs, PostInProgress
from storage.db import Database
from storage.models import Incident
from storage.outbox import Outbox, in_doubt_since
from tests.conftest import utc

NOW = utc(2026, 11, 23, 8, 0)
HOST = socket.gethostname()


def _a_dead_pid() -> int:
    child = subprocess.Popen([sys.executable, "-c", "pass"])
    child.wait()  # reaped: the pid names no process now
    return child.pid


def test_only_a_gone_process_of_this_host_is_dead() -> None:
    assert dead_here(f"{HOST}:{_a_dead_pid()}")
    assert not dead_here(f"{HOST}:{os.getpid()}")  # ourselves
    assert not dead_here(f"{HOST}:{os.getppid()}")  # alive
    assert not dead_here(f"another-host:{_a_dead_pid()}")  # its lease runs out instead
    assert not dead_here("dutydesk")


async def test_a_dead_predecessors_claims_are_released_and_stay_in_doubt(db: Database) -> None:
    dead, alive = f"{HOST}:{_a_dead_pid()}", f"{HOST}:{os.getppid()}"

    def setup(s):  # type: ignore[no-untyped-def]
        s.add(Incident(id=1, control_number="NOI-2026-00001", customer_id="noi", year=2026, seq=1, category="urgent",
                       component="cucm", description="x", reporter="ivana", source="slack:C1", state="registered",
                       reported_at=NOW, registered_at=NOW))
        for key in ("k-dead", "k-alive"):
            Outbox(s).put(dedupe_key=key, customer_id="noi", kind="info", audience="customer:noi",
                          payload={"text": key}, now=NOW)

    db.write_sync(setup)
    db.write_sync(lambda s: Outbox(s).claim_due(NOW, limit=1, owner=dead))  # k-dead, then the process died
    db.write_sync(lambda s: Outbox(s).claim_due(NOW, limit=1, owner=alive))  # k-alive, still delivering
    db.write_sync(lambda s: ChatRefs(s).begin_post(1, "slack", "C1", dead))  # died while posting the card

    assert await release_dead_claims(db) == 2  # the dead one's lease and marker; nothing of the live one
    [again] = db.write_sync(lambda s: Outbox(s).claim_due(NOW, owner="new"))
    assert again.dedupe_key == "k-dead" and in_doubt_since(again) is not None  # look before posting again
    taken = db.write_sync(lambda s: ChatRefs(s).begin_post(1, "slack", "C1", "new"))
    assert taken.message_id is None and taken.in_doubt_since is not None
    assert await release_dead_claims(db) == 0


async def test_a_live_posters_marker_is_kept(db: Database) -> None:
    db.write_sync(lambda s: s.add(Incident(
        id=1, control_number="NOI-2026-00001", customer_id="noi", year=2026, seq=1, category="urgent",
        component="cucm", description="x", reporter="ivana", source="slack:C1", state="registered",
        reported_at=NOW, registered_at=NOW)))
    db.write_sync(lambda s: ChatRefs(s).begin_post(1, "slack", "C1", f"{HOST}:{os.getppid()}"))
    assert await release_dead_claims(db) == 0
    with pytest.raises(PostInProgress):
        db.write_sync(lambda s: ChatRefs(s).begin_post(1, "slack", "C1", "new"))
