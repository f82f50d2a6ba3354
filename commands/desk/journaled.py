"""Store and forward: a new report the register cannot take now is kept in the journal, and registered
when the database is back — in arrival order, with the first notification = the instant it arrived,
exactly once (its delivery id), and the reporter told the control number where they asked.

While anything waits in the journal, new reports go there too (so numbers follow arrival order); other
commands are refused honestly ("the register is unavailable, retry in a moment": the desk). The journal
itself is the local-disk store of storage/journal.py; this module is the desk's side of it.
"""

from __future__ import annotations

import asyncio
import contextlib
import dataclasses
import logging
import uuid
from collections.abc import Awaitable, Callable
from datetime import datetime
from typing import Protocol

from sqlmodel import Session

from commands.desk.context import Context, DeskError, Services
from commands.desk.domain.roles import may_run
from commands.desk.reply import Form, Reply, Request
from commands.domain.i18n.catalog import t
from commands.domain.i18n.format import format_datetime
from storage.db_errors import is_transient
from storage.journal import Journal, JournalEntry
from storage.outbox import Outbox

log = logging.getLogger(__name__)
KIND = "journal.registered"  # the outbox kind of the control number sent after the outage
# The channels whose reporter is NOT told in a chat after the outage, because they have their own way to the
# number: the HTTP intake's client asks again with its Idempotency-Key (the receipt names it) and gets the
# stored reply; the web reporter finds it in the register; a mail is left unread in its mailbox and read
# again (integrations/mail/intake.py), so it never reaches the journal. Every chat platform, a new one
# too, is told in the chat it asked in (outbox audience chat:<transport>:<chat>).
TOLD_ELSEWHERE = frozenset({"api", "web", "email"})


class RegisterUnavailable(DeskError):
    """The register cannot take the command now (the database does not answer)."""

    def __init__(self) -> None:
        super().__init__("error.register_unavailable")


class ReportJournal:
    """The desk's journal: keeps reports while the register is unavailable, hands them to the replayer."""

    def __init__(self, journal: Journal, services: Services) -> None:
        self.journal, self.services = journal, services
        self._lock: asyncio.Lock | None = None
        self.wake_replayer: Callable[[], None] | None = None  # the replayer's: a report was kept

    @property
    def lock(self) -> asyncio.Lock:
        if self._lock is None:
            self._lock = asyncio.Lock()
        return self._lock

    def pending(self) -> int:
        return self.journal.pending()

    async def keep(self, request: Request, ctx: Context) -> Reply:
        """Write the report to the journal (fsync'd) and tell the reporter it is received; raises
        ``RegisterUnavailable`` when the journal cannot keep it either (full, its disk failing)."""
        form = request.form
        entry = JournalEntry(
            delivery_id=request.delivery_id or f"journal:{uuid.uuid4().hex}", transport=request.transport,
            user_id=request.user_id, channel_id=request.channel_id,
            text=request.text, arrived_at=ctx.now, locale=ctx.locale,
            form=None if form is None else {"command": form.command, "fields": list(form.fields), "text": form.text,
                                            "options": dict(form.options)})
        try:
            async with self.lock:
                earlier = self.journal.kept(entry.delivery_id) if request.delivery_id else None
                if earlier is None:
                    await asyncio.to_thread(self.journal.append, entry)
                else:  # delivered again (a mailbox read again, a redelivered update): kept once, as it arrived
                    entry = earlier
        except Exception:
            log.exception("journal: a report could not be kept (transport=%s user=%s)", request.transport,
                          request.user_id)
            raise RegisterUnavailable() from None
        log.warning("journal: report kept while the register is unavailable (%d waiting)", self.journal.pending())
        if self.wake_replayer is not None:
            self.wake_replayer()
        return Reply(text=ctx.t("journal.received", when=_when(ctx, entry.arrived_at)), kind="info",
                     locale=ctx.locale, kept=True)

    def telling(self, unit: Callable[[Session], Reply], request: Request, ctx: Context) -> Callable[[Session], Reply]:
        """``unit`` (a kept report's registration) that also queues, in its transaction, the control number
        to the reporter's chat: sent once (the outbox's key), whatever happens to the process."""
        arrived = request.received_at or ctx.now

        def run(session: Session) -> Reply:
            reply = unit(session)
            if request.transport not in TOLD_ELSEWHERE and not reply.is_error:
                told = Reply(text=ctx.t("journal.number", when=_when(ctx, arrived), number=reply.control_number or ""),
                             lines=(reply.text, *reply.lines), kind="info", locale=reply.locale,
                             control_number=reply.control_number,
                             buttons=tuple(b for b in reply.buttons if _may(ctx, b.command)))
                _queue(session, request, ctx.customer_id, told, ctx.now)
            return reply

        return run

    async def tell_refused(self, request: Request, reply: Reply, customer_id: str | None) -> None:
        """A kept report the desk refuses now (its configuration changed meanwhile): the reporter is told."""
        if customer_id is None:  # refused before the customer was known (the person is gone): the channel's
            customer_id = self.services.directory.customer_of_channel(request.channel)
        if request.transport in TOLD_ELSEWHERE or customer_id is None:
            log.warning("journal: the reporter of %s cannot be told (no customer's chat)", request.delivery_id)
            return
        customer = self.services.config.customers[customer_id]
        arrived = request.received_at or self.services.clock.now()
        text = t(reply.locale, "journal.refused", when=format_datetime(arrived, customer.tz, reply.locale, with_tz=True),
                 reason=reply.text)
        told = dataclasses.replace(reply, text=text)
        now = self.services.clock.now()
        await self.services.db.write(lambda s: _queue(s, request, customer_id, told, now))


def _queue(session: Session, request: Request, customer_id: str, reply: Reply, now: datetime) -> None:
    Outbox(session).put(dedupe_key=f"journal:{request.transport}:{request.delivery_id}"[:200], customer_id=customer_id,
                        kind=KIND, audience=f"chat:{request.transport}:{request.channel_id}",
                        payload=reply.to_dict(), now=now)


def _may(ctx: Context, command: str) -> bool:
    return may_run(command, ctx.roles)


def _when(ctx: Context, at: datetime) -> str:
    return format_datetime(at, ctx.customer.tz, ctx.locale, with_tz=True)


def request_of(entry: JournalEntry) -> Request:
    """The kept report as the desk takes it again: the same delivery id, arrival instant as first notification."""
    form = None
    if entry.form is not None:
        f = entry.form
        form = Form(command=str(f["command"]), fields=tuple(str(x) for x in f.get("fields", ())),
                    text=str(f.get("text", "")), options={str(k): str(v) for k, v in dict(f.get("options", {})).items()})
    return Request(text=entry.text, transport=entry.transport, user_id=entry.user_id, channel_id=entry.channel_id,
                   delivery_id=entry.delivery_id, form=form, received_at=entry.arrived_at)


class Replayer:
    """Registers what the journal keeps once the database answers: first thing on start, then whenever
    reports wait, trying again with a growing pause (``first``..``cap`` seconds) while it does not."""

    def __init__(self, desk: DeskLike, journal: ReportJournal, *, first: float = 0.5, cap: float = 5.0,
                 prepare: Callable[[], Awaitable[None]] | None = None) -> None:
        self.desk, self.journal = desk, journal
        # run once before the first registration (the schema's migration, for a desk started without the
        # database); tried again with the replay while it fails
        self.prepare = prepare
        self.first, self.cap = first, cap
        self.registered = 0  # reports this process registered from the journal (metrics, tests)
        self._wake = asyncio.Event()
        journal.wake_replayer = self.wake

    def wake(self) -> None:
        """Look now: a report was kept, or something waits for the database (``prepare``)."""
        self._wake.set()

    async def once(self) -> bool:
        """Register the waiting reports in arrival order; False at the first that the database refused for a
        passing reason (it and those after it wait for the next try)."""
        if self.prepare is not None:
            try:
                await self.prepare()
            except Exception as exc:
                if is_transient(exc):
                    return False
                raise
            self.prepare = None
        for entry in self.journal.journal.waiting():
            request = request_of(entry)
            try:
                reply, customer_id = await self.desk.replay(request)
            except Exception as exc:
                if is_transient(exc):
                    return False
                log.exception("journal: report %s could not be registered; kept in %s for an operator",
                              entry.delivery_id, self.journal.journal.directory)
                async with self.journal.lock:
                    self.journal.journal.set_aside(entry)
                continue
            if reply.is_error:
                log.warning("journal: report %s refused on registration: %s", entry.delivery_id, reply.text)
                try:
                    await self.journal.tell_refused(request, reply, customer_id)
                except Exception as exc:
                    if is_transient(exc):
                        return False
                    raise
            else:
                self.registered += 1
            async with self.journal.lock:
                self.journal.journal.registered(entry)
        return True

    async def run(self, stop: asyncio.Event) -> None:
        """Until ``stop``: whenever reports wait, try; between failed tries wait ``first`` doubling to ``cap``."""
        pause = self.first
        while not stop.is_set():
            if self.journal.pending() or self.prepare is not None:
                try:
                    done = await self.once()
                except Exception:
                    log.exception("journal: replaying failed")
                    done = False
                if done:
                    pause = self.first
                    log.warning("journal: every kept report is registered")
                    continue
                await _wait(stop, pause)
                pause = min(self.cap, pause * 2)
                continue
            self._wake.clear()
            stopping = asyncio.ensure_future(stop.wait())
            woken = asyncio.ensure_future(self._wake.wait())
            await asyncio.wait({stopping, woken}, return_when=asyncio.FIRST_COMPLETED)
            for fut in (stopping, woken):
                fut.cancel()
            # a kept report waits at least ``first``: the database has just failed it
            await _wait(stop, self.first)


async def _wait(stop: asyncio.Event, seconds: float) -> None:
    with contextlib.suppress(TimeoutError):
        await asyncio.wait_for(stop.wait(), seconds)


class DeskLike(Protocol):
    """What the replayer needs of the desk (commands/desk/desk.py ``Desk.replay``): the reply and the customer
    the report is about (None when refused before the customer was known)."""

    async def replay(self, request: Request) -> tuple[Reply, str | None]: ...
