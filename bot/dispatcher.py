"""Delivers the outbox: claims due messages, hands each to the transport that reaches its audience,
and marks it sent — or schedules a retry with backoff when delivery fails.

Exactly once per dedupe key in the outbox; towards the chat, a message is posted again only when an
earlier attempt's outcome is unknown (the process died, or the call failed after the platform may have
taken it). The claim commits the attempt's start before any network call, and the transport gets the
message as claimed: ``storage.outbox.in_doubt_since(message)`` is set when it must look before posting
(Slack does, by the message's metadata; Telegram cannot — docs/telegram.md)."""

from __future__ import annotations

import asyncio
import json
import logging
import os
import socket
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any

from commands.domain.clock import Clock
from commands.domain.config import Config
from commands.log_context import INCIDENT
from commands.notify import render_card
from commands.redact import SECRETS
from commands.reply import Reply
from integrations.chat.base import Notifier
from storage.db import Database
from storage.models import OutboxMessage
from storage.outbox import Outbox
from storage.register import Register

log = logging.getLogger(__name__)

# (transport, outcome) → None, once per delivery attempt: ok | failed | unroutable (no transport reaches it)
AttemptObserver = Callable[[str, str], None]


@dataclass
class DispatchResult:
    sent: int = 0
    failed: int = 0
    unroutable: int = 0


class Dispatcher:
    def __init__(self, db: Database, clock: Clock, notifiers: Sequence[Notifier], config: Config, *,
                 owner: str | None = None, concurrency: int = 8, observe: AttemptObserver | None = None) -> None:
        self.db = db
        self.concurrency = concurrency
        self.clock = clock
        self.notifiers = list(notifiers)
        self.config = config
        # who holds a claimed message's lease (a replica: host and pid)
        self.owner = owner or f"{socket.gethostname()}:{os.getpid()}"
        self.observe = observe
        self.ticks = 0  # completed ticks (the process's metrics show the dispatcher is alive)

    async def tick(self, limit: int = 100) -> DispatchResult:
        now, owner = self.clock.now(), self.owner
        claimed = await self.db.write(lambda s: Outbox(s).claim_due(now, limit, owner=owner))
        result = DispatchResult()
        # One incident's messages in order (its card is posted before it is edited); different incidents
        # side by side, so their network calls overlap and their bookkeeping shares commits. Messages of
        # no incident (summaries, backup progress edited in place) keep their order in one lane.
        lanes: dict[int | None, list[OutboxMessage]] = {}
        for message in claimed:
            lanes.setdefault(message.incident_id, []).append(message)
        gate = asyncio.Semaphore(self.concurrency)

        async def lane(messages: list[OutboxMessage]) -> None:
            async with gate:
                for message in messages:
                    await self._deliver(message, result)

        await asyncio.gather(*(lane(m) for m in lanes.values()))
        self.ticks += 1
        return result

    def _observe(self, transport: str, outcome: str) -> None:
        if self.observe is not None:
            self.observe(transport, outcome)

    async def _deliver(self, message: OutboxMessage, result: DispatchResult) -> None:
        # Nothing the process knows as a secret goes out, though a description may quote one: masked
        # here, for every transport and gateway, as the replies and the logs mask it (commands/redact.py).
        payload = SECRETS.redact_data(json.loads(message.payload))
        if len(SECRETS):
            message.payload = json.dumps(payload, ensure_ascii=False)  # what the transports read again
        number = payload.get("control_number")
        token = INCIDENT.set(str(number) if number else None)  # each lane is its own task: no leaks
        try:
            await self._one(message, payload, result)
        finally:
            INCIDENT.reset(token)

    async def _one(self, message: OutboxMessage, payload: dict[str, Any], result: DispatchResult) -> None:
        reply = Reply.from_dict({**payload, "kind": payload.get("kind", "info")})
        if message.kind == "incident.card":  # rendered now, from the incident as it stands
            reply = await self._card(int(payload["incident_id"])) or reply
        reply = SECRETS.redact_reply(reply)
        stranger = self._stranger(message)
        if stranger is not None:  # never delivered, never retried: the row keeps why
            log.warning("outbox #%s not delivered: %s", message.id, stranger)
            self._observe("none", "refused")
            msg_id, now = message.id or 0, self.clock.now()
            await self.db.write(lambda s: Outbox(s).mark_refused(msg_id, now, stranger))
            return
        targets = [n for n in self.notifiers if n.reaches(message.audience)]
        if not targets:
            # Nobody to tell through the transports running now: keep it pending, retry later.
            result.unroutable += 1
            self._observe("none", "unroutable")
            await self._failed(message, "no transport reaches " + message.audience)
            return
        if message.kind == "page":
            error = await self._page(message, reply, targets)
        else:
            error = await self._everywhere(message, reply, targets)
        if error is not None:
            log.warning("delivery of outbox #%s failed: %s", message.id, error)
            result.failed += 1
            await self._failed(message, error)
            return
        await self._sent(message.id or 0)
        result.sent += 1

    def _stranger(self, message: OutboxMessage) -> str | None:
        """Why a message to a person must not go out: they have no role with the customer it concerns.
        Checked again at delivery (defence in depth): a page, an alert or a summary of one customer never
        reaches another customer's people, whatever queued it."""
        kind, _, pid = message.audience.partition(":")
        if kind != "person" or message.customer_id not in self.config.customers:
            return None
        person = self.config.people.get(pid)
        if person is not None and person.roles.get(message.customer_id):
            return None
        return f"{pid} has no role with customer {message.customer_id}"

    async def _card(self, incident_id: int) -> Reply | None:
        now = self.clock.now()
        card: Reply | None = await self.db.read(lambda s: render_card(s, self.config, incident_id, now))
        return card

    async def _everywhere(self, message: OutboxMessage, reply: Reply, targets: list[Notifier]) -> str | None:
        """Channel messages go to every transport that reaches the audience."""
        for notifier in targets:
            try:
                await notifier.deliver(message.audience, reply, message)
            except Exception as exc:
                self._observe(notifier.name, "failed")
                return f"{type(exc).__name__}: {exc}"
            self._observe(notifier.name, "ok")
        return None

    async def _page(self, message: OutboxMessage, reply: Reply, targets: list[Notifier]) -> str | None:
        """A page goes to the person's channels in their order until one takes it; every attempt is on
        the incident's timeline."""
        pid = message.audience.partition(":")[2]
        person = self.config.people.get(pid)
        order = list(person.paging) if person else []
        ranked = sorted(targets, key=lambda n: order.index(n.name) if n.name in order else len(order))
        errors = []
        for notifier in ranked:
            try:
                await notifier.deliver(message.audience, reply, message)
            except Exception as exc:
                self._observe(notifier.name, "failed")
                errors.append(f"{notifier.name}: {type(exc).__name__}: {exc}")
                await self._attempt(message, pid, notifier.name, f"{type(exc).__name__}: {exc}")
                continue
            self._observe(notifier.name, "ok")
            await self._attempt(message, pid, notifier.name, None)
            return None
        return "; ".join(errors)

    async def _attempt(self, message: OutboxMessage, pid: str, channel: str, error: str | None) -> None:
        if message.incident_id is None:
            return
        iid, now = message.incident_id, self.clock.now()
        text = f"{pid} · {channel} · " + ("ok" if error is None else f"failed: {error}")
        await self.db.write(lambda s: Register(s).record(iid, at=now, actor="dutydesk", kind="page_attempt",
                                                          channel=channel, text=text[:500]))

    async def _sent(self, msg_id: int) -> None:
        now = self.clock.now()
        await self.db.write(lambda s: Outbox(s).mark_sent(msg_id, now))

    async def _failed(self, message: OutboxMessage, error: str) -> None:
        msg_id, attempts = message.id or 0, message.attempts
        await self.db.write(lambda s: Outbox(s).mark_failed(msg_id, self.clock.now(), error, attempts))
