"""Delivers the outbox: claims due messages, hands each to every destination of its audience on the
transports that reach it, and records each destination's outcome (storage/deliveries.py): a destination
that took the message never gets it again, one that failed is tried again with backoff, and one that
refused for good — a permanent error, or still failing at the attempt cap (``desk.delivery_attempts``) —
is given up alone: the message falls through to that person's next channel in their paging order where
there is one, and the contractor is told (an alert to the customer's engineers, ``/metrics``, the daily
summary). The message is done when every destination has taken it or been given up.

Exactly once per dedupe key in the outbox; towards the chat, a message is posted again only when an
earlier attempt's outcome is unknown (the process died, or the call failed after the platform may have
taken it). The claim commits the attempt's start before any network call, and the transport gets the
message as claimed: ``storage.outbox.in_doubt_since(message)`` is set when it must look before posting
(Slack does, by the message's metadata; Telegram cannot — docs/telegram.md)."""

from __future__ import annotations

import asyncio
import json
import logging
from collections import deque
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from sqlmodel import Session

from commands.desk.log_context import INCIDENT
from commands.desk.redact import SECRETS
from commands.desk.reply import Reply
from commands.domain.clock import Clock
from commands.domain.config import Config
from commands.domain.i18n.catalog import t
from commands.incidents.notify import render_card
from integrations.chat.base import Notifier, PermanentDeliveryError, on_platform_wait
from integrations.chat.routing import Destination
from storage.db import Database
from storage.deliveries import FAILED, RETRY, SENT, Deliveries, DeliveryState, Outcome
from storage.leases import this_process
from storage.models import OutboxMessage
from storage.outbox import SECRET_KINDS, Outbox
from storage.register import Register, event_row

log = logging.getLogger(__name__)

# (transport, outcome) → None, once per delivery attempt: ok | failed (tried again later) | refused (a
# permanent error) | gave_up (still failing at the attempt cap) | unroutable (no transport reaches it)
AttemptObserver = Callable[[str, str], None]
ALERT_KIND = "delivery.failed"  # the contractor's alert of a destination given up (never itself reported)


@dataclass
class DispatchResult:
    sent: int = 0  # messages done, every destination reached (or given up: see given_up)
    failed: int = 0  # messages with a destination to try again
    unroutable: int = 0
    given_up: int = 0  # destinations given up for good in this tick
    claimed: int = 0  # messages this tick took (the whole limit: more may be waiting)


@dataclass(frozen=True)
class Target:
    """One destination on one transport."""

    notifier: Notifier
    destination: Destination

    @property
    def key(self) -> str:
        return f"{self.notifier.name}:{self.destination.chat_id}"[:200]


@dataclass
class Group:
    """Destinations of which one must take the message: a channel alone, a person's private chat then
    their next channels, or (a page) the person's channels in paging order. ``eager``: go on to the next
    after any failure (a page must reach someone now); otherwise only after one is given up."""

    targets: list[Target]
    eager: bool = False


@dataclass
class _Books:
    """A message's bookkeeping not yet committed: its destinations' outcomes, its page attempts on the
    timeline, the contractor's alerts, and at the end the message's own state (sent, or failed to try
    again). Data rather than closures, so that the books of many messages are written together: one
    statement per table for all the messages that reach the writer in one batch (``keep_books``)."""

    outcomes: list[Outcome] = field(default_factory=list)
    events: list[dict[str, Any]] = field(default_factory=list)
    alerts: list[Callable[[Session], object]] = field(default_factory=list)
    sent: tuple[int, datetime] | None = None
    secret: bool = False  # the message's payload is a one-time secret, forgotten once sent
    failed: tuple[int, datetime, str, int] | None = None  # (id, now, error, attempts so far)

    def __bool__(self) -> bool:
        return bool(self.outcomes or self.events or self.alerts or self.sent or self.failed)


def keep_books(session: Session, books: list[_Books]) -> list[None]:
    """Write the books of several messages in one go (a bulk handler of the writer, storage/db.py)."""
    for book in books:
        for alert in book.alerts:
            alert(session)
    Deliveries(session).record_many([o for b in books for o in b.outcomes])
    events = [e for b in books for e in b.events]
    if events:
        Register(session).record_many(events)
    outbox = Outbox(session)
    outbox.mark_sent_many([b.sent for b in books if b.sent is not None])
    outbox.forget_secrets([b.sent[0] for b in books if b.sent is not None and b.secret])
    for book in books:
        if book.failed is not None:
            outbox.mark_failed(*book.failed)
    return [None] * len(books)


@dataclass
class _Attempt:
    """One message's delivery attempt: the destinations' states and the books not yet committed."""

    message: OutboxMessage
    reply: Reply
    final: bool  # the attempt cap: what fails now is given up
    states: dict[str, DeliveryState]
    books: _Books = field(default_factory=_Books)
    errors: dict[str, str] = field(default_factory=dict)  # this attempt's error per destination
    given_up: int = 0


def lane_key(message: OutboxMessage) -> tuple[int | None, str]:
    """The lane of a message: its incident's messages to one audience, always in the order they were
    claimed (a customer's card is posted before it is edited and before its events go in its thread).

    Across audiences one incident's messages keep that order too (``_Queued.after``: the card is posted
    before the page), with one exception: while a message waits for its chat platform's turn (a rate
    limit, a Retry-After: ``integrations.chat.base.waiting_for_platform``), the incident's later messages
    to other audiences go ahead. A page to the engineer on call does not wait behind the customer's card
    held by a Telegram group's 20 messages a minute."""
    return message.incident_id, message.audience


@dataclass(eq=False)
class _Queued:
    """One message waiting in its lane."""

    message: OutboxMessage
    result: DispatchResult  # of the claim that took it
    done: asyncio.Future[None] | None  # who waits for it (``tick``)
    # set when it is delivered (or failed), or while it waits for its platform's turn: the incident's
    # later messages to other audiences may go
    released: asyncio.Event
    after: list[asyncio.Event]  # ``released`` of the incident's messages claimed before it


LANES = 64  # lanes delivering side by side (each lane one incident's messages to one audience, in order)
IN_FLIGHT = 256  # claimed messages not yet done, at most: what the run loop claims is bounded by the room left


class Dispatcher:
    """Delivers claimed messages in lanes: one incident's messages one after another, in the order they
    were claimed (its card is posted before it is edited), but for what waits for a chat platform's rate
    limit (``lane_key``); different incidents side by side, up to ``concurrency`` deliveries at once. A
    lane lives while it has messages: what a later claim takes for a lane still running joins its end. The run loop (bot/scheduler.py)
    claims with ``pump``, which returns at once, so a slow lane (a chat platform's rate limit, a page's
    fallback to the next channel) does not hold up the messages claimed after it; ``tick`` waits for
    what it claimed (tests, the last flush at shutdown)."""

    def __init__(self, db: Database, clock: Clock, notifiers: Sequence[Notifier], config: Config, *,
                 owner: str | None = None, concurrency: int = LANES, in_flight: int = IN_FLIGHT,
                 observe: AttemptObserver | None = None) -> None:
        self.db = db
        self.concurrency = concurrency
        self.max_in_flight = max(in_flight, 1)
        self.clock = clock
        self.notifiers = list(notifiers)
        self.config = config
        self.max_attempts = config.desk.delivery_attempts
        # who holds a claimed message's lease (a replica: host and pid)
        self.owner = owner or this_process()
        self.observe = observe
        self.ticks = 0  # completed ticks (the process's metrics show the dispatcher is alive)
        self.in_flight = 0  # claimed messages not yet done
        # Messages of no incident (summaries, backup progress edited in place) keep their order as one.
        self._lanes: dict[tuple[int | None, str], deque[_Queued]] = {}
        self._order: dict[int | None, list[asyncio.Event]] = {}  # per incident: its messages not released
        self._gate: asyncio.Semaphore | None = None  # made on first use, in the running loop
        self._room: asyncio.Event | None = None  # set when a message is done (room for the next claim)

    @property
    def room(self) -> int:
        """How many more messages a claim may take now."""
        return max(self.max_in_flight - self.in_flight, 0)

    async def wait_for_room(self, at_least: int = 1) -> None:
        """Until a claim may take ``at_least`` messages."""
        while self.room < min(at_least, self.max_in_flight):
            if self._room is None:
                self._room = asyncio.Event()
            self._room.clear()
            await self._room.wait()

    async def drain(self) -> None:
        """Until every claimed message is done (a graceful shutdown, before the last flush)."""
        while self.in_flight > 0:
            if self._room is None:
                self._room = asyncio.Event()
            self._room.clear()
            await self._room.wait()

    async def tick(self, limit: int = 100) -> DispatchResult:
        """Claim what is due (up to ``limit``) and deliver it; returns when every message it claimed is done."""
        loop = asyncio.get_running_loop()
        result, waiters = await self._claim(limit, lambda: loop.create_future())
        try:
            await asyncio.gather(*waiters)
        finally:
            self.ticks += 1
        return result

    async def pump(self, limit: int = 100) -> DispatchResult:
        """Claim what is due, up to ``limit`` and the room left, and hand each message to its lane;
        returns without waiting for them (``claimed`` tells whether more may be waiting)."""
        result, _ = await self._claim(min(limit, self.room), None)
        self.ticks += 1
        return result

    async def _claim(self, limit: int, waiter: Callable[[], asyncio.Future[None]] | None
                     ) -> tuple[DispatchResult, list[asyncio.Future[None]]]:
        if limit <= 0:
            return DispatchResult(), []
        now, owner = self.clock.now(), self.owner
        claimed = await self.db.write(lambda s: Outbox(s).claim_due(now, limit, owner=owner))
        result = DispatchResult(claimed=len(claimed))
        waiters = []
        for message in claimed:
            done = waiter() if waiter is not None else None
            if done is not None:
                waiters.append(done)
            self._enqueue(message, result, done)
        return result, waiters

    def _enqueue(self, message: OutboxMessage, result: DispatchResult, done: asyncio.Future[None] | None) -> None:
        self.in_flight += 1
        order = self._order.setdefault(message.incident_id, [])
        order[:] = [e for e in order if not e.is_set()]
        item = _Queued(message, result, done, asyncio.Event(), list(order))
        order.append(item.released)
        key = lane_key(message)
        lane = self._lanes.get(key)
        if lane is not None:  # that lane is running: after its messages
            lane.append(item)
            return
        self._lanes[key] = deque([item])
        asyncio.get_running_loop().create_task(self._lane(key), name=f"dutydesk-lane-{key[0]}-{key[1]}")

    def _release(self, item: _Queued) -> None:
        item.released.set()
        key = item.message.incident_id
        order = self._order.get(key)
        if order is not None and all(e.is_set() for e in order):
            del self._order[key]

    async def _lane(self, key: tuple[int | None, str]) -> None:
        if self._gate is None:
            self._gate = asyncio.Semaphore(self.concurrency)
        lane = self._lanes[key]
        try:
            while lane:
                item = lane[0]  # in the lane until done: a later claim of its key joins behind it
                for earlier in item.after:  # the incident's messages claimed before it, to other audiences
                    await earlier.wait()
                async with self._gate:
                    try:
                        with on_platform_wait(item.released.set):
                            await self._deliver(item.message, item.result)
                    except Exception as exc:  # its lease runs out and it is claimed again; the lane goes on
                        if item.done is None:
                            log.exception("delivery of outbox #%s failed; claimed again when its lease ends",
                                          item.message.id)
                        elif not item.done.done():
                            item.done.set_exception(exc)
                    else:
                        if item.done is not None and not item.done.done():
                            item.done.set_result(None)
                    finally:
                        lane.popleft()
                        self._release(item)
                        self.in_flight -= 1
                        if self._room is not None:
                            self._room.set()
        finally:
            if self._lanes.get(key) is lane:
                del self._lanes[key]
            for item in lane:  # cancelled with messages left: their leases run out
                self._release(item)
                self.in_flight -= 1
                if item.done is not None and not item.done.done():
                    item.done.cancel()

    def _observe(self, transport: str, outcome: str) -> None:
        if self.observe is not None:
            self.observe(transport, outcome)

    async def _deliver(self, message: OutboxMessage, result: DispatchResult) -> None:
        # Nothing the process knows as a secret goes out, though a description may quote one: masked
        # here, for every transport and gateway, as the replies and the logs mask it (commands/desk/redact.py).
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
        final = message.attempts + 1 >= self.max_attempts
        groups = self._plan(message)
        if not groups:
            # Nobody to tell through the transports running now: kept for a transport that may start
            # (another replica, a restart), up to the attempt cap.
            result.unroutable += 1
            self._observe("none", "unroutable")
            error = "no transport reaches " + message.audience
            if final:
                log.error("outbox #%s given up after %s attempts: %s", message.id, message.attempts + 1, error)
                await self._finish(message, _Books(alerts=[self._alert_write(message, None, error, None)]))
                result.given_up += 1
            else:
                await self._failed(message, error, _Books())
            return
        msg_id = message.id or 0
        states = await self.db.read(lambda s: Deliveries(s).of(msg_id)) if message.attempts else {}
        attempt = _Attempt(message, reply, final, states)
        for group in groups:
            await self._group(attempt, group)
        result.given_up += attempt.given_up
        pending = [g for g in groups if self._pending(g, attempt.states)]
        if pending:
            errors = "; ".join(f"{t.key}: {attempt.errors[t.key]}" for g in pending for t in g.targets
                               if t.key in attempt.errors)
            log.warning("delivery of outbox #%s failed (to try again): %s", message.id, errors)
            result.failed += 1
            await self._failed(message, errors or "not delivered", attempt.books)
            return
        await self._finish(message, attempt.books)
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

    # -- who gets it ------------------------------------------------------------------------------
    def _plan(self, message: OutboxMessage) -> list[Group]:
        if message.kind == "page":
            pid = message.audience.partition(":")[2]
            targets = [Target(n, d) for n in self._ranked(pid, self.notifiers) for d in n.destinations(message.audience)]
            return [Group(targets, eager=True)] if targets else []
        direct: list[Target] = []
        groups: list[Group] = []
        for notifier in self.notifiers:
            for dest in notifier.destinations(message.audience):
                target = Target(notifier, dest)
                if dest.direct and dest.person:
                    direct.append(target)
                else:
                    groups.append(Group([target]))
        used = {(t.destination.person, t.notifier.name) for t in direct}
        # A message edited in place (a backup's progress) has no next channel: an SMS per state is noise.
        progress = "update_key" in json.loads(message.payload)
        for target in direct:  # a person's private chat, then their next channels not used already
            pid = target.destination.person or ""
            rest = [] if progress else [n for n in self._ranked(pid, self.notifiers) if (pid, n.name) not in used
                                        and n.name in self._paging(pid)]
            fallback = [Target(n, d) for n in rest for d in n.destinations(f"person:{pid}")]
            groups.append(Group([target, *fallback]))
        return groups

    def _paging(self, pid: str) -> list[str]:
        person = self.config.people.get(pid)
        return list(person.paging) if person else []

    def _ranked(self, pid: str, notifiers: list[Notifier]) -> list[Notifier]:
        order = self._paging(pid)
        return sorted(notifiers, key=lambda n: order.index(n.name) if n.name in order else len(order))

    @staticmethod
    def _pending(group: Group, states: dict[str, DeliveryState]) -> bool:
        """Neither taken by one of its destinations nor given up by all of them."""
        seen = [states[t.key].state if t.key in states else None for t in group.targets]
        return SENT not in seen and any(s != FAILED for s in seen)

    # -- one group, one destination -----------------------------------------------------------------
    async def _group(self, attempt: _Attempt, group: Group) -> None:
        if not self._pending(group, attempt.states):
            return
        for i, target in enumerate(group.targets):
            state = attempt.states.get(target.key)
            if state is not None and state.state == FAILED:
                continue
            after = next((t for t in group.targets[i + 1:] if attempt.states.get(t.key, _NONE).state != FAILED), None)
            outcome = await self._try(attempt, target, after)
            if outcome == SENT:
                return
            if outcome == RETRY and not group.eager:
                return  # wait for this one: its next channel is for when it is given up

    async def _try(self, attempt: _Attempt, target: Target, after: Target | None) -> str:
        """Deliver to one destination; record and return its state."""
        message, name = attempt.message, target.notifier.name
        if attempt.books:  # what earlier destinations did is committed before the next network call
            books, attempt.books = attempt.books, _Books()
            await self._keep(books)
        try:
            await target.notifier.deliver(target.destination, attempt.reply, message)
        except Exception as exc:
            error = f"{type(exc).__name__}: {exc}"
            permanent = isinstance(exc, PermanentDeliveryError)
            state = FAILED if permanent or attempt.final else RETRY
            self._observe(name, "refused" if permanent else "gave_up" if state == FAILED else "failed")
            attempt.errors[target.key] = error
            self._record(attempt, target, state, error)
            if state == FAILED:
                log.error("outbox #%s: %s given up (%s): %s", message.id, target.key,
                          "refused" if permanent else f"after {message.attempts + 1} attempts", error)
                attempt.given_up += 1
                attempt.books.alerts.append(self._alert_write(message, target, error, after))
            return state
        self._observe(name, "ok")
        self._record(attempt, target, SENT, None)
        return SENT

    def _record(self, attempt: _Attempt, target: Target, state: str, error: str | None) -> None:
        message, now, key = attempt.message, self.clock.now(), target.key
        before = attempt.states.get(key)
        attempt.states[key] = DeliveryState(state, (before.attempts if before else 0) + 1)
        attempt.books.outcomes.append(Outcome(message.id or 0, key, state, now, error))
        if message.kind == "page" and message.incident_id is not None:  # every page attempt on the timeline
            pid = target.destination.person or message.audience.partition(":")[2]
            text = f"{pid} · {target.notifier.name} · " + ("ok" if error is None else f"failed: {error}")
            attempt.books.events.append(event_row(message.incident_id, at=now, actor="dutydesk", kind="page_attempt",
                                                  channel=target.notifier.name, text=text[:500]))

    # -- telling the contractor ------------------------------------------------------------------------
    def _alert_write(self, message: OutboxMessage, target: Target | None, error: str,
                     after: Target | None) -> Callable[[Session], object]:
        """The alert to the customer's engineers that a destination was given up (once per destination
        and incident, or per message when it is of no incident); none for an alert that failed itself."""
        customer = self.config.customers.get(message.customer_id)
        if message.kind == ALERT_KIND or customer is None:
            return lambda s: None
        loc = customer.locale
        payload: dict[str, Any] = json.loads(message.payload)
        number = payload.get("control_number")
        what = f"{message.kind} {number}" if number else message.kind
        if target is None:
            where, transport, key = message.audience, "—", "none"
            error = t(loc, "delivery.nowhere", audience=message.audience)
        else:
            dest = target.destination
            person = self.config.people.get(dest.person or "")
            where = f"{person.name} ({dest.chat_id})" if person else dest.chat_id
            transport, key = target.notifier.name, target.key
        lines = [t(loc, "delivery.failed.error", error=error[:300])]
        lines.append(t(loc, "delivery.failed.next", transport=after.notifier.name) if after is not None
                     else t(loc, "delivery.failed.none"))
        alert = Reply(text=t(loc, "delivery.failed", what=what, destination=where, transport=transport),
                      lines=tuple(lines), kind="error", locale=loc, control_number=number)
        scope = f"incident:{message.incident_id}" if message.incident_id is not None else f"message:{message.id}"
        now, cid, iid = self.clock.now(), message.customer_id, message.incident_id
        return lambda s: Outbox(s).put(dedupe_key=f"{ALERT_KIND}:{key}:{scope}"[:200], customer_id=cid,
                                       kind=ALERT_KIND, audience=f"engineers:{cid}", payload=alert.to_dict(),
                                       now=now, incident_id=iid)

    # -- the message's own state -----------------------------------------------------------------------
    async def _finish(self, message: OutboxMessage, books: _Books) -> None:
        books.sent = (message.id or 0, self.clock.now())
        books.secret = message.kind in SECRET_KINDS
        await self._keep(books)

    async def _failed(self, message: OutboxMessage, error: str, books: _Books) -> None:
        books.failed = (message.id or 0, self.clock.now(), error, message.attempts)
        await self._keep(books)

    async def _keep(self, books: _Books) -> None:
        """Commit a message's books; the writer runs those of every message waiting with it in one call."""
        await self.db.write(lambda s: keep_books(s, [books]), bulk=(keep_books, books))


_NONE = DeliveryState("", 0)
