"""One mail in, the desk's answer out: who wrote, for which customer, a new incident or a reply in a
thread, then the reply by mail (docs/email.md).

The desk does the work through its one entry point, ``Desk.handle``, with a ``Form`` (the mail's
fields are never re-parsed as a typed command, so a description may say ``--reported``). The mail's
delivery id is its Message-ID (or the mailbox's UIDVALIDITY and UID when it has none): a mail read twice —
the process died after the register committed but before the mailbox was told — gets the first reply
and registers nothing twice. ``take`` says whether the mailbox may now mark the mail handled.
"""

from __future__ import annotations

import logging
import re
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime
from email.utils import parseaddr

from sqlmodel import Session

from commands.desk.context import Services
from commands.desk.desk import Desk
from commands.desk.directory import Actor
from commands.desk.domain.email_config import MailboxConfig
from commands.desk.reply import Form, Reply, Request
from commands.domain.config import parse_duration
from commands.domain.i18n.catalog import t
from commands.incidents.attachments import Kept, Refused, Upload, file_lines, keep_file
from integrations.gateways.email import EmailError, EmailNotifier, PermanentEmailError
from integrations.mail.authresults import vouched
from integrations.mail.grammar import read_subject, thread_command
from integrations.mail.loops import why_silent
from integrations.mail.message import InboundMail, read_mail
from integrations.mail.outgoing import body, compose, message_id, thread_subject
from integrations.mail.text import written_part
from storage.mail_threads import MailThreads
from storage.register import Register

log = logging.getLogger(__name__)
TRANSPORT = "email"
_OUR_ID = re.compile(r"^<([A-Z][A-Z0-9]{1,9}-\d{4}-\d{5,})\.[0-9a-f]{20}@", re.IGNORECASE)


class TryLater(Exception):
    """The mail could not be handled now (the database or the mail server failed for a while, a rate
    limit): it stays unmarked in the mailbox and is read again."""


@dataclass
class Taken:
    """What became of one mail (for the log and the tests)."""

    outcome: str  # "registered" | "thread" | "refused" | "silent" | "error"
    reply: Reply | None = None
    why: str = ""
    sent: list[str] = field(default_factory=list)  # Message-IDs of the mail the desk sent


class MailIntake:
    def __init__(self, desk: Desk, services: Services, smtp: EmailNotifier,
                 after_commit: Callable[[str], None] | None = None) -> None:
        self.desk = desk
        self.services = services
        self.smtp = smtp
        self.config = services.config
        # own addresses: the desk never answers them (loops between two mailboxes of the desk)
        self.own = {a for a in self._mailboxes() if a} | {self.sender_address}
        self.after_commit = after_commit  # tests: the instant between the register's commit and the flag

    def _mailboxes(self) -> list[str]:
        out = [self.config.desk.email.address] if self.config.desk.email else []
        out += [c.email.mailbox.address for c in self.config.customers.values() if c.email and c.email.mailbox]
        return out

    @property
    def sender_address(self) -> str:
        """The address of ``desk.smtp.sender`` ("Service Desk <desk@contractor.example>" → the address)."""
        return parseaddr(self.smtp.smtp.sender)[1].lower()

    @property
    def domain(self) -> str:
        """The right side of the desk's Message-IDs: the sender's mail domain."""
        return self.sender_address.rpartition("@")[2] or "dutydesk.invalid"

    async def take(self, raw: bytes, *, received: datetime | None, mailbox: MailboxConfig, mailbox_customer: str | None,
                   fallback_id: str) -> Taken:
        mail = read_mail(raw)
        silent = why_silent(mail, self.own)
        if silent is not None:
            log.info("mail %s from %s not answered: %s", mail.message_id, mail.sender, silent)
            return Taken("silent", why=silent)
        assert mail.sender is not None
        delivery_id = mail.message_id or fallback_id
        identity = f"{TRANSPORT}:{mail.sender}"
        directory = self.services.directory
        actor = directory.actor(identity)
        number = await self._thread_number(mail)
        customer_id = self._customer(mail, actor, number, mailbox_customer)
        customer = self.config.customers.get(customer_id) if customer_id else None
        locale = directory.reply_locale(identity, f"{TRANSPORT}:{mail.sender}", customer_id)
        email_cfg = customer.email if customer else None
        if actor is not None and email_cfg is not None and email_cfg.require_authentication:
            assert email_cfg.authserv_id is not None
            if not vouched(mail.authentication_results, email_cfg.authserv_id):
                log.warning("mail %s: %s not vouched for by %s", mail.message_id, mail.sender, email_cfg.authserv_id)
                return await self._refuse(mail, "mail.not_authenticated", locale, delivery_id)
        if actor is None or customer_id is None:
            return await self._refuse(mail, "mail.unknown_sender", locale, delivery_id)
        form = self._form(mail, number, customer_id, received, actor, locale)
        # the sender is the conversation: their address is the channel (rate limits per sender, as in chat)
        request = Request(text=f"/{form.command}", transport=TRANSPORT, user_id=mail.sender, channel_id=mail.sender,
                          delivery_id=delivery_id[:900], form=form)
        reply = await self.desk.handle(request)
        # kept: the register is away and the desk's journal holds the report; the mail stays unread and is
        # read again, and once the journal's report is registered its delivery id gets the number
        if reply.transient or reply.kept or reply.retry_after is not None:
            raise TryLater(reply.text)
        if reply.control_number and not reply.is_error:
            reply = await self._keep(mail, reply, actor, locale, delivery_id, new=number is None)
        if self.after_commit is not None:
            self.after_commit(delivery_id)
        sent = await self._answer(mail, reply, locale, delivery_id)
        outcome = "error" if reply.is_error else ("thread" if number else "registered")
        return Taken(outcome, reply, sent=[sent])

    # -- who and which incident ------------------------------------------------------------------
    async def _thread_number(self, mail: InboundMail) -> str | None:
        """The incident the mail answers: a number in the subject, one of the desk's own Message-IDs it
        answers, or the first mail of a thread (the report) it answers."""
        number = read_subject(mail.subject).number
        if number:
            return number
        for mid in mail.thread_ids:
            m = _OUR_ID.match(mid)
            if m:
                return m.group(1).upper()
        ids = mail.thread_ids
        if not ids:
            return None

        def lookup(session: Session) -> str | None:
            iid = MailThreads(session).incident_of(ids)
            inc = Register(session).by_id(iid) if iid is not None else None
            return inc.control_number if inc else None

        found: str | None = await self.services.db.read(lookup)
        return found

    def _customer(self, mail: InboundMail, actor: Actor | None, number: str | None,
                  mailbox_customer: str | None) -> str | None:
        """The customer the mail is about: the incident's, the mailbox's, the person's only one, the
        sender's domain's. Never one the person does not serve: the desk checks that again."""
        directory = self.services.directory
        if number is not None:
            cid = directory.customer_by_prefix(number.rsplit("-", 2)[0])
            if cid is not None:
                return cid
        if mailbox_customer is not None:
            return mailbox_customer
        mine = actor.customers() if actor is not None else []
        by_domain = directory.customer_of_address(mail.sender or "")
        if by_domain is not None and (not mine or by_domain in mine):
            return by_domain
        if len(mine) == 1:
            return mine[0]
        return mine[0] if mine else by_domain

    def _form(self, mail: InboundMail, number: str | None, customer_id: str, received: datetime | None, actor: Actor,
              locale: str) -> Form:
        customer = self.config.customers[customer_id]
        text = written_part(mail.text, locale)
        # a customer the sender does not serve is not named: the desk answers as for a number it does not know
        which = {"customer": customer_id} if customer_id in actor.customers() else {}
        limit = self.config.desk.max_description
        if number is not None:
            cmd = thread_command(text)
            words = cmd.text or (t(locale, "mail.only_files") if mail.attachments else "")
            if cmd.command == "note" and not words:
                words = read_subject(mail.subject).title or t(locale, "mail.only_files")
            return Form(cmd.command, fields=(number,), text=_cut(words, limit), options=which)
        parts = read_subject(mail.subject, customer)
        email_cfg = customer.email
        category = parts.category or (email_cfg.category if email_cfg else next(iter(customer.categories)))
        component = parts.component or (email_cfg.component if email_cfg else next(iter(customer.components)))
        description = "\n\n".join(p for p in (parts.title, text) if p) or t(locale, "mail.only_files")
        options = dict(which)
        reported = self._first_notification(received, mail)
        if reported is not None:
            options["reported"] = reported.isoformat()
        return Form("incident", fields=(category, component), text=_cut(description, limit), options=options)

    def _first_notification(self, received: datetime | None, mail: InboundMail) -> datetime | None:
        """When the customer told the desk: the instant the receiving server took the mail (INTERNALDATE),
        else the server's newest Received stamp's Date; never later than now, and None (the desk's own
        now) when it is older than the desk accepts (``desk.reported_max_age``: a mailbox read after a
        week's outage registers as now, and the log says so)."""
        now = self.services.clock.now()
        at = received or mail.received_at
        if at is None:
            return None
        at = min(at, now)
        if now - at > parse_duration(self.config.desk.reported_max_age):
            log.warning("mail %s received %s: older than desk.reported_max_age, registered as now",
                        mail.message_id, at.isoformat())
            return None
        return at

    # -- after the register committed ----------------------------------------------------------------
    async def _keep(self, mail: InboundMail, reply: Reply, actor: Actor, locale: str, delivery_id: str, *,
                    new: bool) -> Reply:
        """The mail's files kept with the incident and the sender joined to its thread (both idempotent: a
        mail read again adds nothing); the reply gains a line per file kept or refused."""
        number = reply.control_number
        assert number is not None
        files = mail.attachments
        config, now = self.config, self.services.clock.now()
        root = mail.message_id or message_id(number, delivery_id, self.domain)

        def unit(session: Session) -> tuple[list[Kept | Refused], str]:
            inc = Register(session).by_number(number)
            if inc is None or inc.id is None:
                return [], root
            customer = config.customers[inc.customer_id]
            email_cfg = customer.email
            threads = MailThreads(session)
            thread_root = threads.root(inc.id) or root
            assert mail.sender is not None
            threads.join(inc.id, mail.sender, person=actor.person_id, locale=locale, root_message_id=thread_root,
                         updates=email_cfg.thread_updates if email_cfg else True, now=now)
            results: list[Kept | Refused] = [
                keep_file(session, config.desk.attachments, inc.id, Upload(f.filename, f.content_type, f.content),
                          source=TRANSPORT, added_by=actor.person_id, channel=f"{TRANSPORT}:{mail.sender}", now=now)
                for f in files]
            return results, thread_root

        results, _root = await self.services.db.write(unit)
        lines = [*reply.lines, *file_lines(locale, results, config.desk.attachments)]
        return Reply(text=reply.text, lines=tuple(lines), kind=reply.kind, buttons=(), locale=reply.locale,
                     control_number=reply.control_number)

    async def _refuse(self, mail: InboundMail, msgid: str, locale: str, delivery_id: str) -> Taken:
        """A polite answer to a sender the desk does not take, rate-limited like any command (a sender
        that writes in a loop gets a few answers, then silence)."""
        probe = Request(text="/refused", transport=TRANSPORT, user_id=mail.sender or "", channel_id=mail.sender or "",
                        delivery_id=f"refused:{delivery_id}"[:900])
        if self.desk.limiter.check(probe, staff=False) is not None:
            return Taken("silent", why="rate limit of refusals")
        reply = Reply(text=t(locale, msgid, address=mail.sender or "", contractor=self.config.desk.contractor),
                      kind="error", locale=locale)
        sent = await self._answer(mail, reply, locale, delivery_id, hint=False)
        return Taken("refused", reply, why=msgid, sent=[sent])

    async def _answer(self, mail: InboundMail, reply: Reply, locale: str, delivery_id: str, *,
                      hint: bool = True) -> str:
        """The reply by mail, in the sender's thread: Re: the subject with the number, answering the mail."""
        assert mail.sender is not None
        number = reply.control_number
        cid = self.services.directory.customer_by_prefix(number.rsplit("-", 2)[0]) if number else None
        title = read_subject(mail.subject, self.config.customers[cid] if cid else None).title or reply.text
        msg_id = message_id(number, f"reply:{delivery_id}", self.domain)
        refs = [*mail.references, *([mail.message_id] if mail.message_id else [])]
        # to the From address, the identity the desk acted for — never to a Reply-To the mail names: a forged
        # From with the attacker's Reply-To must not bring the incident's details to the attacker
        outgoing = compose(sender=self.smtp.smtp.sender, to=[mail.sender],
                           subject="Re: " + thread_subject(number, title),
                           text=body(reply, locale, hint=hint and number is not None and not reply.is_error),
                           msg_id=msg_id, now=self.services.clock.now(), in_reply_to=mail.message_id,
                           references=refs)
        try:
            await self.smtp.send(outgoing)
        except PermanentEmailError as exc:  # the address refuses mail: the register has it; nothing to retry
            log.warning("reply to %s not sent: %s", mail.sender, exc)
        except EmailError as exc:
            raise TryLater(f"reply not sent: {exc}") from exc
        return msg_id


def _cut(text: str, limit: int) -> str:
    return text if len(text) <= limit else text[: limit - 1] + "…"
