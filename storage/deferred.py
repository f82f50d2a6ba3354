"""Writes a unit hands over but never reads back in the same unit — outbox messages and timeline
events — collected and written at ``flush`` with one statement each. The sweeper's tick queues pages,
warnings and their timeline events for many incidents: with these it makes one round trip to the
database per kind of row, not one per row (on PostgreSQL each round trip is a wait on the server that
holds the single writer, bench/latency.py). The same rows, dedupe keys and transaction as writing them
one by one."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlmodel import Session

from storage.outbox import DeferredOutbox
from storage.register import Register, event_row


class Deferred:
    def __init__(self, session: Session) -> None:
        self.session = session
        self.outbox = DeferredOutbox(session)
        self.events: list[dict[str, Any]] = []

    def event(self, incident_id: int, *, at: datetime, actor: str, kind: str, channel: str, text: str = "",
              data: dict[str, Any] | None = None) -> None:
        """A timeline event, as ``Register.record`` would append it (its id is given at ``flush``)."""
        self.events.append(event_row(incident_id, at=at, actor=actor, kind=kind, channel=channel, text=text, data=data))

    def flush(self) -> int:
        """Write what was collected, in the caller's transaction; returns the outbox messages that were new
        (a dedupe key queued before is skipped, as ``Outbox.put`` skips it)."""
        events, self.events = self.events, []
        if events:
            Register(self.session).record_many(events)
        return self.outbox.flush()
