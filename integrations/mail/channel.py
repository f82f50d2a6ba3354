"""E-mail as a channel of the desk: the mailboxes' readers (inbound) and the threads' updates (outbound).

Inbound: one task per mailbox (``[desk.email]`` and each ``[customers.<id>.email.mailbox]``) connects,
takes what is pending (``MailIntake.take``) and marks each mail handled only after the register
committed; then waits — IDLE where the server offers it (a new mail is read within seconds), otherwise
``poll_seconds``. A mailbox that cannot be reached is retried with a growing pause (at most
``poll_seconds``); while it is down, ``problems()`` names it (``/readyz``) and ``up()`` says 0
(``dutydesk_mailbox_up`` on ``/metrics``). Mail that arrives meanwhile waits in the mailbox: nothing is lost.

Outbound (the ``Notifier`` the dispatcher calls): what goes to a customer's channel about an incident —
its changes of state, SLA warnings and breaches — also goes by mail to the people of the incident's
thread, when the customer asks for it (``thread_updates``); never to the person whose action it reports.
The customer's daily summary goes to the addresses of ``summary_to``.
"""

from __future__ import annotations

import asyncio
import contextlib
import imaplib
import json
import logging
import os
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field

from imap_tools.errors import MailboxLoginError
from prometheus_client.core import CounterMetricFamily, GaugeMetricFamily, Metric
from sqlmodel import Session

from commands.desk.context import Services
from commands.desk.desk import Desk
from commands.desk.domain.email_config import MailboxConfig
from commands.desk.reply import Reply
from integrations.chat.routing import Destination
from integrations.gateways.email import EmailNotifier
from integrations.mail.imap import ImapMailbox
from integrations.mail.intake import MailIntake, TryLater
from integrations.mail.outgoing import body, compose, message_id, thread_subject
from integrations.probes.oauth import ClientCredentialsAuth, TokenError
from storage.mail_threads import MailThreads
from storage.models import OutboxMessage, TimelineEvent
from storage.models_mail import MailThread

log = logging.getLogger(__name__)
THREAD = "thread"  # a customer's audience by mail: the incident's thread ...
SUMMARY = "summary"  # ... and the addresses that get the daily summary
QUIET_EVENTS = frozenset({"registered", "attachment"})  # the reply to the report already said it


@dataclass
class ReaderState:
    address: str
    up: bool = False
    error: str = "not connected yet"
    taken: int = 0  # mails handled since start
    rounds: int = 0  # pending lists read (tests wait on it)
    last_error: str = ""


@dataclass
class _Reader:
    config: MailboxConfig
    customer: str | None
    state: ReaderState
    imap: ImapMailbox
    token: ClientCredentialsAuth | None = None
    task: asyncio.Task[None] | None = None
    wake: asyncio.Event = field(default_factory=asyncio.Event)


class MailChannel:
    name = "mail"

    def __init__(self, desk: Desk, services: Services, smtp: EmailNotifier, environ: Mapping[str, str] | None = None,
                 *, after_commit: Callable[[str], None] | None = None) -> None:
        self.desk = desk
        self.services = services
        self.config = services.config
        self.smtp = smtp
        self.intake = MailIntake(desk, services, smtp, after_commit=after_commit)
        env = os.environ if environ is None else environ
        self._readers: list[_Reader] = []
        boxes: list[tuple[MailboxConfig, str | None]] = []
        if self.config.desk.email is not None:
            boxes.append((self.config.desk.email, None))
        boxes += [(c.email.mailbox, cid) for cid, c in self.config.customers.items() if c.email and c.email.mailbox]
        for box, cid in boxes:
            password = env.get(box.password_env) if box.password_env else None
            token = None
            if box.auth == "xoauth2":
                assert box.token_url and box.client_id_env and box.client_secret_env
                token = ClientCredentialsAuth(box.token_url, env.get(box.client_id_env, ""),
                                              env.get(box.client_secret_env, ""), clock=services.clock,
                                              scope=box.scope, timeout=box.timeout_seconds)
            self._readers.append(_Reader(box, cid, ReaderState(box.address), ImapMailbox(box, password=password),
                                         token))
        self._stopping = False

    # -- the process's view ------------------------------------------------------------------------
    @property
    def states(self) -> list[ReaderState]:
        return [r.state for r in self._readers]

    def problems(self) -> dict[str, str]:
        """What is not ready (``/readyz``): each mailbox that cannot be read now. The error's kind only —
        its text names hosts and ports, which the log has and the page does not."""
        return {f"mailbox {r.state.address}": f"not readable: {r.state.error.split(':', 1)[0] or 'unknown'}"
                for r in self._readers if not r.state.up}

    def collector(self) -> MailboxCollector:
        """The mailboxes' metrics (registered by the process on its registry)."""
        return MailboxCollector(self)

    async def start(self) -> None:
        """Begin reading every mailbox; returns at once (a mailbox down now is retried, and said)."""
        self._stopping = False
        for reader in self._readers:
            reader.task = asyncio.create_task(self._run(reader), name=f"mail:{reader.config.address}")

    async def stop_receiving(self) -> None:
        self._stopping = True
        for reader in self._readers:
            reader.wake.set()
            await asyncio.to_thread(reader.imap.interrupt)
        for reader in self._readers:
            task = reader.task
            if task is not None:
                task.cancel()
                await asyncio.wait([task])  # never raises: whatever ended the task ends with it
                reader.task = None
            await asyncio.to_thread(reader.imap.close)
            reader.state.up = False
            reader.state.error = "stopped"

    async def stop(self) -> None:
        await self.stop_receiving()

    def poke(self) -> None:
        """Read every mailbox now (tests; a server without IDLE)."""
        for reader in self._readers:
            reader.wake.set()

    # -- inbound -----------------------------------------------------------------------------------
    async def _run(self, reader: _Reader) -> None:
        pause = 0.5
        while not self._stopping:
            try:
                await self._connect(reader)
                pause = 0.5
                await self._serve(reader)
            except asyncio.CancelledError:
                raise
            except (OSError, imaplib.IMAP4.error, MailboxLoginError, TokenError, TryLater, EOFError) as exc:
                if self._stopping:  # stop() shut the socket under a waiting IDLE
                    return
                self._down(reader, exc)
            except Exception as exc:  # a bug must not end the reading for good: logged, retried
                log.exception("mailbox %s", reader.config.address)
                self._down(reader, exc)
            await asyncio.to_thread(reader.imap.close)
            if self._stopping:
                return
            await self._sleep(reader, pause)
            pause = min(pause * 2, reader.config.poll_seconds)

    def _down(self, reader: _Reader, exc: BaseException) -> None:
        text = f"{type(exc).__name__}: {exc}"[:300]
        if reader.state.up or reader.state.error != text:
            log.warning("mailbox %s: %s", reader.config.address, text)
        reader.state.up = isinstance(exc, TryLater) and reader.state.up  # the mailbox answered; the desk could not
        reader.state.error = text
        reader.state.last_error = text

    async def _connect(self, reader: _Reader) -> None:
        token = await reader.token.current() if reader.token is not None else None
        await asyncio.to_thread(reader.imap.connect, token)
        reader.state.up, reader.state.error = True, ""

    async def _serve(self, reader: _Reader) -> None:
        cfg = reader.config
        while not self._stopping:
            pending = await asyncio.to_thread(reader.imap.pending)
            reader.state.rounds += 1
            for item in pending:
                taken = await self.intake.take(item.raw, received=item.received, mailbox=cfg,
                                               mailbox_customer=reader.customer,
                                               fallback_id=item.fallback_id(cfg.address))
                await asyncio.to_thread(reader.imap.done, item.uid)
                reader.state.taken += 1
                log.info("mail %s: %s %s", item.uid, taken.outcome,
                         taken.why or (taken.reply.text if taken.reply is not None else ""))
            if pending:
                continue  # more may be waiting (a batch is bounded)
            if reader.wake.is_set():
                reader.wake.clear()
                continue
            if reader.imap.idle_supported:
                await asyncio.to_thread(reader.imap.wait, cfg.poll_seconds)
            else:
                await asyncio.to_thread(reader.imap.wait, 0)
                await self._sleep(reader, cfg.poll_seconds)

    async def _sleep(self, reader: _Reader, seconds: float) -> None:
        with contextlib.suppress(TimeoutError):
            await asyncio.wait_for(reader.wake.wait(), seconds)
        reader.wake.clear()

    # -- outbound: the thread's updates --------------------------------------------------------------
    def destinations(self, audience: str) -> list[Destination]:
        kind, _, cid = audience.partition(":")
        customer = self.config.customers.get(cid) if kind == "customer" else None
        if customer is None or customer.email is None:
            return []
        return ([Destination(THREAD, False)] if customer.email.thread_updates else []) + \
            ([Destination(SUMMARY, False)] if customer.email.summary_to else [])

    async def deliver(self, destination: Destination, reply: Reply, message: OutboxMessage) -> None:
        if destination.chat_id == SUMMARY:
            await self._summary(reply, message)
            return
        if destination.chat_id != THREAD or message.incident_id is None or reply.control_number is None:
            return  # not about an incident: no thread to write in
        payload = json.loads(message.payload)
        event_kind = str(payload.get("event_kind", ""))
        if event_kind in QUIET_EVENTS:
            return
        incident_id = message.incident_id
        event_id = _event_id(message.dedupe_key) if message.kind == "incident.card" else None

        def lookup(session: Session) -> tuple[list[MailThread], str | None]:
            actor = None
            if event_id is not None:
                event = session.get(TimelineEvent, event_id)
                actor = event.actor if event is not None else None
            return MailThreads(session).of(incident_id), actor

        rows, actor = await self.services.db.read(lookup)
        to = [r.address for r in rows if r.updates and r.person != actor]
        if not to:
            return
        number = reply.control_number
        locale = rows[0].locale
        event = str(payload.get("event", ""))
        lines = (event, "", *reply.lines) if event else reply.lines
        update = Reply(text=reply.text, lines=tuple(lines), locale=locale, control_number=number)
        root = rows[0].root_message_id
        mail = compose(sender=self.smtp.smtp.sender, to=to, subject="Re: " + thread_subject(number, reply.text),
                       text=body(update, locale, hint=True),
                       msg_id=message_id(number, f"outbox:{message.id}", self.intake.domain),
                       now=self.services.clock.now(), in_reply_to=root, references=[root])
        await self.smtp.send(mail)  # raises EmailError (tried again) or PermanentEmailError (given up)

    async def _summary(self, reply: Reply, message: OutboxMessage) -> None:
        """The daily summary to ``summary_to``, in the summary's language; its title is the subject."""
        customer = self.config.customers.get(message.customer_id or "")
        if message.kind != "report.daily" or customer is None or customer.email is None:
            return  # only the summary goes there
        mail = compose(sender=self.smtp.smtp.sender, to=customer.email.summary_to,
                       subject=thread_subject(None, reply.text), text=body(reply, reply.locale, hint=False),
                       msg_id=message_id(None, f"outbox:{message.id}", self.intake.domain),
                       now=self.services.clock.now())
        await self.smtp.send(mail)


class MailboxCollector:
    """``dutydesk_mailbox_up{mailbox}`` (1 while the mailbox is read) and ``dutydesk_mail_taken`` (mails
    handled since the process started), read at scrape time."""

    def __init__(self, channel: MailChannel) -> None:
        self.channel = channel

    def collect(self) -> Iterable[Metric]:
        up = GaugeMetricFamily("dutydesk_mailbox_up", "Whether the desk can read the mailbox now", labels=["mailbox"])
        taken = CounterMetricFamily("dutydesk_mail_taken", "Mails handled since the process started",
                                    labels=["mailbox"])
        for state in self.channel.states:
            up.add_metric([state.address], 1 if state.up else 0)
            taken.add_metric([state.address], state.taken)
        yield up
        yield taken


def _event_id(dedupe_key: str) -> int | None:
    """The timeline event a card update reports (``card:<event id>``)."""
    kind, _, rest = dedupe_key.partition(":")
    return int(rest) if kind == "card" and rest.isdigit() else None
