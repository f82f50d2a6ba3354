"""Claims a dead process left behind: outbox leases and card first-post markers.

Both name their holder ``host:pid`` and expire on their own (``storage.outbox.LEASE``), which is what a
replica on another host must wait for. A process restarted on the same host after a crash need not wait:
it can see that the holder's pid is gone, and hands the holder's claims back at start — the messages keep
their ``attempt_started_at``, so they are still treated as in doubt (looked for before posting again).
"""

from __future__ import annotations

import os
import socket
from collections.abc import Collection
from typing import Any, cast

from sqlalchemy import update
from sqlalchemy.engine import CursorResult
from sqlmodel import Session, col, select

from storage.models import ChatMessage, OutboxMessage

OWNER_MAX = 128  # the length of every owner column (outbox claimed_by, chat posting_by, backup_run owner)


def this_process() -> str:
    """The name every claim of this process carries: ``host:pid``, bounded like the owner columns."""
    return f"{socket.gethostname()}:{os.getpid()}"[:OWNER_MAX]


def holders(session: Session) -> set[str]:
    """Everyone holding an outbox lease on an unsent message or a card first-post marker."""
    leased = session.exec(select(OutboxMessage.claimed_by).where(
        col(OutboxMessage.sent_at).is_(None), col(OutboxMessage.claimed_by).is_not(None),
        col(OutboxMessage.lease_until).is_not(None))).all()
    posting = session.exec(select(ChatMessage.posting_by).where(col(ChatMessage.posting_by).is_not(None))).all()
    return {str(h) for h in (*leased, *posting) if h}


def release(session: Session, dead: Collection[str]) -> int:
    """Hand back the claims of ``dead`` holders; returns how many rows were freed."""
    if not dead:
        return 0
    owners = list(dead)
    freed = cast(CursorResult[Any], session.execute(
        update(OutboxMessage)
        .where(col(OutboxMessage.sent_at).is_(None), col(OutboxMessage.claimed_by).in_(owners))
        .values(lease_until=None),
        execution_options={"synchronize_session": False},
    )).rowcount
    freed += cast(CursorResult[Any], session.execute(
        # posting_since stays: the next poster takes the card over and looks for it from then on
        update(ChatMessage).where(col(ChatMessage.posting_by).in_(owners)).values(posting_by=None),
        execution_options={"synchronize_session": False},
    )).rowcount
    return int(freed)
