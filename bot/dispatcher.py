"""Delivers the outbox: claims due messages, hands each to the transport that reaches its audience,
and marks it sent — or schedules a retry with backoff when delivery fails. At-least-once towards the
transport, exactly once per dedupe key in the outbox."""

from __future__ import annotations

import json
import logging
from collections.abc import Sequence
from dataclasses import dataclass

from commands.domain.clock import Clock
from commands.reply import Reply
from integrations.chat.base import Notifier
from storage.db import Database
from storage.models import OutboxMessage
from storage.outbox import Outbox

log = logging.getLogger(__name__)


@dataclass
class DispatchResult:
    sent: int = 0
    failed: int = 0
    unroutable: int = 0


class Dispatcher:
    def __init__(self, db: Database, clock: Clock, notifiers: Sequence[Notifier]) -> None:
        self.db = db
        self.clock = clock
        self.notifiers = list(notifiers)

    async def tick(self, limit: int = 100) -> DispatchResult:
        now = self.clock.now()
        claimed = await self.db.write(lambda s: Outbox(s).claim_due(now, limit))
        result = DispatchResult()
        for message in claimed:
            payload = json.loads(message.payload)
            reply = Reply.from_dict({**payload, "kind": payload.get("kind", "info")})
            targets = [n for n in self.notifiers if n.reaches(message.audience)]
            if not targets:
                # Nobody to tell through the transports running now: keep it pending, retry later.
                result.unroutable += 1
                await self._failed(message, "no transport reaches " + message.audience)
                continue
            try:
                for notifier in targets:
                    await notifier.deliver(message.audience, reply, message)
            except Exception as exc:
                log.warning("delivery of outbox #%s failed: %s", message.id, exc)
                result.failed += 1
                await self._failed(message, f"{type(exc).__name__}: {exc}")
                continue
            await self._sent(message.id or 0)
            result.sent += 1
        return result

    async def _sent(self, msg_id: int) -> None:
        now = self.clock.now()
        await self.db.write(lambda s: Outbox(s).mark_sent(msg_id, now))

    async def _failed(self, message: OutboxMessage, error: str) -> None:
        msg_id, attempts = message.id or 0, message.attempts
        await self.db.write(lambda s: Outbox(s).mark_failed(msg_id, self.clock.now(), error, attempts))
