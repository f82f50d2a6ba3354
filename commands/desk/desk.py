"""The desk: one entry point that turns a transport's ``Request`` into a ``Reply``.

Order of work: who is asking → rate limits (commands/desk/ratelimit.py; memory only, before any database
work) → size and character checks → which command → which customer → may they → the command's handler (pure preparation) → its unit of work in the writer (with the delivery
id recorded in the same transaction, so a repeated delivery gets the first reply and changes nothing).
"""

from __future__ import annotations

import asyncio
import dataclasses
import hashlib
import json
import logging
from collections.abc import Callable, Sequence
from typing import Any

from sqlmodel import Session

from commands.desk.context import Async, Context, DeskError, Read, Services, Write
from commands.desk.directory import NUMBER, Decision
from commands.desk.domain.roles import may_run
from commands.desk.journaled import RegisterUnavailable, ReportJournal
from commands.desk.log_context import INCIDENT
from commands.desk.parse import Parsed, ParseError, has_control_characters, parse
from commands.desk.ratelimit import RateLimiter, refusal_params
from commands.desk.redact import SECRETS
from commands.desk.registry import COMMANDS
from commands.desk.reply import Reply, Request
from commands.domain.i18n.catalog import t
from storage.db import BulkHandler, on_fast_path
from storage.db_errors import is_transient
from storage.register import Register

log = logging.getLogger(__name__)
MAX_INPUT = 16_000  # characters of one message; descriptions have their own, smaller limit
# (command, outcome) → None: the process counts commands for its metrics; outcome is ok|refused|failed.
Observer = Callable[[str, str], None]
MAX_ECHO = 300  # characters of one value an error repeats back (a 16 000-character "category" is not)


def _delivery_key(delivery_id: str | None) -> str | None:
    """The id as the deliveries table keeps it (128 characters): a longer one (built from a platform's
    fields, e.g. Telegram's callback data) is kept as its digest, still one key per delivery."""
    if delivery_id is None or len(delivery_id) <= 128:
        return delivery_id
    return "sha256:" + hashlib.sha256(delivery_id.encode("utf-8", "surrogatepass")).hexdigest()


def _clip(value: object) -> object:
    """An error quotes what was typed; a huge value is cut so the answer still fits a chat message."""
    if isinstance(value, str) and len(value) > MAX_ECHO:
        return value[:MAX_ECHO] + "…"
    return value


def read_by_requester_only(request: Request) -> bool:
    """Whether the answer is read by the person who asked alone: the console, Slack (answers are
    ephemeral), the HTTP intake and a Telegram private chat — not a Telegram group, whose members (the
    engineers among them) all see the answer and its buttons (Bot API: group and channel chat ids are
    negative, a private chat's id is the user's)."""
    if request.transport == "telegram":
        return not request.channel_id.startswith("-")
    return True


def only_what_they_may(reply: Reply, roles: Sequence[str]) -> Reply:
    """The reply without the buttons the reader's roles do not allow: a reporter is not offered "Take it"
    (/ack) under their own report. Buttons are commands; the registry says who may run each."""
    kept = tuple(b for b in reply.buttons if may_run(b.command, roles))
    return reply if kept == reply.buttons else dataclasses.replace(reply, buttons=kept)


class Desk:
    def __init__(self, services: Services, observe: Observer | None = None) -> None:
        self.services = services
        self.observe = observe
        self.in_flight = 0  # commands being handled now: a graceful shutdown waits for them
        self.limiter = RateLimiter(services.config.desk.rate_limits, services.clock)
        self._recording: dict[BulkHandler, BulkHandler] = {}  # bulk handlers, wrapped by _recording_deliveries
        # Where new reports are kept while the register is unavailable (commands/desk/journaled.py); None: a
        # report the database refuses is answered with an error, as every other command.
        self.journal: ReportJournal | None = None

    async def handle(self, request: Request) -> Reply:
        # A reply may quote an exception's or a gateway's text: no secret of the process goes out in it.
        return SECRETS.redact_reply(await self._answer(request))

    async def _answer(self, request: Request) -> Reply:
        if INCIDENT.get() is not None:  # a transport may run requests one after another in one task
            INCIDENT.set(None)
        self.in_flight += 1
        outcome = "failed"
        try:
            reply = await self._handle(request)
            outcome = "refused" if reply.is_error else "ok"
            if reply.control_number is not None:  # what the transport logs next is about this incident
                INCIDENT.set(reply.control_number)
            return reply
        except DeskError as err:
            outcome = "refused"
            locale = err.params.pop("_locale", None) or self._guess_locale(request)
            retry_after = err.params.pop("_retry_after", None)
            params = {k: _clip(v) for k, v in err.params.items()}
            return Reply(text=t(str(locale), err.msgid, **params), kind="error", locale=str(locale),
                         retry_after=retry_after if isinstance(retry_after, int) else None,
                         transient=isinstance(err, RegisterUnavailable))
        except Exception as exc:
            locale = self._guess_locale(request)
            if is_transient(exc):  # the database did not answer: said honestly, the same request may succeed
                log.warning("command failed, the register is unavailable: transport=%s user=%s: %s",
                            request.transport, request.user_id, exc)
                return Reply(text=t(locale, "error.register_unavailable"), kind="error", locale=locale,
                             transient=True)
            log.exception("command failed: transport=%s user=%s", request.transport, request.user_id)
            return Reply(text=t(locale, "error.internal"), kind="error", locale=locale)
        finally:
            self.in_flight -= 1
            if self.observe is not None:
                self.observe(_command_name(f"/{request.form.command}" if request.form else request.text), outcome)

    async def drain(self, timeout: float) -> bool:
        """Wait until no command is being handled (True), or ``timeout`` seconds (False)."""
        loop = asyncio.get_running_loop()
        deadline = loop.time() + timeout
        while self.in_flight > 0:
            if loop.time() >= deadline:
                return False
            await asyncio.sleep(0.02)
        return True

    async def replay(self, request: Request) -> tuple[Reply, str | None]:
        """Register a report kept in the journal (``request.received_at`` is when it arrived): the reply
        (a refusal as an error reply) and the customer it is about. Not rate-limited (it was when it
        arrived); raises when the database fails, so the replayer tries again later."""
        holder: list[str] = []
        try:
            return SECRETS.redact_reply(await self._handle(request, limit=False, about=holder)), \
                (holder[0] if holder else None)
        except DeskError as err:
            if isinstance(err, RegisterUnavailable):
                raise
            locale = str(err.params.pop("_locale", None) or self._guess_locale(request))
            err.params.pop("_retry_after", None)
            params = {k: _clip(v) for k, v in err.params.items()}
            return Reply(text=t(locale, err.msgid, **params), kind="error", locale=locale), \
                (holder[0] if holder else None)

    async def _handle(self, request: Request, *, limit: bool = True, about: list[str] | None = None) -> Reply:
        services = self.services
        actor = services.directory.actor(request.identity)
        locale = self._guess_locale(request)
        refusal = self.limiter.check(request, staff=actor is not None and actor.is_staff) if limit else None
        if refusal is not None:
            msgid, params = refusal_params(refusal, locale)
            raise DeskError(msgid, **params, _locale=locale, _retry_after=refusal.retry_after)
        if actor is None:
            raise DeskError("error.unknown_person", identity=request.identity, _locale=locale)
        parsed = self._parsed(request, locale)
        spec = COMMANDS.get(parsed.command)
        if spec is None:
            raise DeskError("error.unknown_command", command=f"/{parsed.command}", _locale=locale)
        decision = self._decide(request, parsed)
        if spec.takes_number and decision.customer_id is not None:  # log lines name the command's incident
            first = (parsed.args.split(None, 1) or [""])[0].upper()
            if NUMBER.match(first):
                INCIDENT.set(first)
        locale = decision.locale
        if decision.refusal == "error.forbidden":
            assert decision.customer_id is not None
            roles = decision.roles
            raise DeskError(
                "error.forbidden", command=spec.name, customer=services.config.customers[decision.customer_id].name,
                roles=t(locale, "word.or").join(t(locale, f"role.{r}") for r in spec.roles),
                have=", ".join(t(locale, f"role.{r}") for r in roles) or t(locale, "word.none"), _locale=locale,
            )
        if decision.refusal is not None or decision.customer_id is None:
            raise DeskError(decision.refusal or "error.which_customer", **decision.params, _locale=locale)
        customer_id, roles = decision.customer_id, decision.roles
        if about is not None:  # the replayer tells a refused reporter in their customer's time zone
            about.append(customer_id)
        ctx = Context(services, actor, customer_id, locale, services.clock.now(), request.channel, request=request)
        try:
            reply = await self._run(spec.handler(ctx, parsed), request, ctx, report=spec.name == "incident")
            return only_what_they_may(reply, roles) if read_by_requester_only(request) else reply
        except DeskError as err:
            err.params["_locale"] = locale
            raise

    async def _run(self, outcome: Any, request: Request, ctx: Context, *, report: bool = False) -> Reply:
        services = self.services
        if isinstance(outcome, Reply):
            return outcome
        if isinstance(outcome, Read):
            return await services.db.read(outcome.query)
        if isinstance(outcome, Async):
            return await outcome.run()
        journal = self.journal if report else None
        if journal is not None and request.received_at is not None:  # a kept report, registered now
            reply: Reply = await services.db.write(
                journal.telling(self._idempotent(request, outcome, ctx), request, ctx), savepoint=outcome.savepoint)
        elif journal is not None and journal.pending():  # reports wait: this one after them, in order
            return await journal.keep(request, ctx)
        elif journal is not None:
            try:
                reply = await services.db.write(self._idempotent(request, outcome, ctx),
                                                savepoint=outcome.savepoint, bulk=self._bulk(request, outcome, ctx))
            except Exception as exc:
                if not is_transient(exc):
                    raise
                log.warning("the register is unavailable, the report goes to the journal: %s", exc)
                return await journal.keep(request, ctx)
        else:
            reply = await services.db.write(self._idempotent(request, outcome, ctx), savepoint=outcome.savepoint,
                                            bulk=self._bulk(request, outcome, ctx))
        if services.wake is not None and not reply.is_error:
            services.wake()
        return reply

    @staticmethod
    def _parsed(request: Request, locale: str) -> Parsed:
        """The command: parsed from what was typed, or taken as a form separated it (never re-parsed)."""
        form = request.form
        values = [request.text] if form is None else [*form.fields, form.text, *form.options.values()]
        length = sum(len(v) for v in values)
        if length > MAX_INPUT:
            raise DeskError("error.too_long", length=length, limit=MAX_INPUT, _locale=locale)
        if any(has_control_characters(v) for v in values):
            raise DeskError("error.control_chars", _locale=locale)
        if form is None:
            try:
                return parse(request.text)
            except ParseError as err:
                raise DeskError(f"error.{err.code}", _locale=locale) from None
        command = form.command.lstrip("/").casefold()
        fields = tuple(f.strip() for f in form.fields)
        if any(not f or len(f.split()) != 1 for f in fields):  # a form's field is one value, e.g. a number
            spec = COMMANDS.get(command)
            raise DeskError("error.usage", usage=t(locale, f"help.{command}") if spec else f"/{command}",
                            _locale=locale)
        return Parsed.of_form(command, fields, form.text, {k: v.strip() for k, v in form.options.items() if v.strip()})

    def _idempotent(self, request: Request, outcome: Write, ctx: Context) -> Callable[[Session], Reply]:
        delivery_id, lookup_first = _delivery_key(request.delivery_id), outcome.savepoint
        fingerprint = _fingerprint(request)

        def unit(session: Session) -> Reply:
            reg = Register(session)
            # A repeat is rare (a transport's retry). A unit that never refuses (the report) skips the
            # lookup on the writer's first try and lets the delivery's unique key catch a repeat (the
            # writer then redoes the batch carefully, looking the first reply up); a unit that may
            # refuse must look first, or a repeat would get the refusal instead of the first reply.
            if delivery_id is not None and (lookup_first or not on_fast_path(session)):
                seen = reg.delivered(request.transport, delivery_id)
                if seen is not None:
                    return _first_answer(seen, fingerprint)
            reply = outcome.unit(session)
            if delivery_id is not None:
                reg.remember_delivery(request.transport, delivery_id, ctx.now, _stored(reply, fingerprint))
            return reply

        return unit

    def _bulk(self, request: Request, outcome: Write, ctx: Context) -> tuple[BulkHandler, Any] | None:
        """``outcome.bulk`` with its delivery recorded: the handler, wrapped once, records the deliveries
        of all its items in one statement (a repeat violates the unique key: see ``_idempotent``)."""
        if outcome.bulk is None:
            return None
        handler, item = outcome.bulk
        wrapped = self._recording.get(handler)
        if wrapped is None:
            wrapped = self._recording[handler] = _recording_deliveries(handler)
        key = _delivery_key(request.delivery_id)
        return wrapped, ((request.transport, key, ctx.now, _fingerprint(request)) if key is not None else None, item)

    # -- who and where ------------------------------------------------------------------------
    def _guess_locale(self, request: Request) -> str:
        """The reply's language before the customer is known (errors of parsing, rights, limits)."""
        return self.services.directory.reply_locale(request.identity, request.channel)

    def _decide(self, request: Request, parsed: Parsed) -> Decision:
        """The one decision (``Directory.decide``) for a parsed command: the ``--customer`` option is the
        desk's, taken out of the command's options where the channel does not name the customer."""
        directory = self.services.directory
        spec = COMMANDS[parsed.command]
        wanted = parsed.options.get("customer")
        if directory.customer_of_channel(request.channel) is None:
            parsed.options.pop("customer", None)
        return directory.decide(request.identity, request.channel, allowed_roles=spec.roles,
                                takes_number=spec.takes_number, args=parsed.args, customer=wanted,
                                personal=spec.personal)

    def decide(self, request: Request) -> Decision:
        """What the desk would decide for ``request`` before running it — its customer, the language of the
        answer, whether the person may — for a transport that asks before opening a form or a prompt (its
        own sentences in the desk's language; no form where the desk would refuse the command)."""
        actor = self.services.directory.actor(request.identity)
        guess = self._guess_locale(request)
        if actor is None:
            return Decision(guess, refusal="error.unknown_person", params={"identity": request.identity})
        try:
            parsed = self._parsed(request, guess)
        except DeskError as err:
            return Decision(guess, actor, refusal=err.msgid)
        if parsed.command not in COMMANDS:
            return Decision(guess, actor, refusal="error.unknown_command")
        return self._decide(request, parsed)


def _fingerprint(request: Request) -> str:
    """What a delivery id stands for: a repeat of the delivery carries the same command."""
    return hashlib.sha256(request.text.encode("utf-8", "surrogatepass")).hexdigest()[:32]


def _stored(reply: Reply, fingerprint: str) -> str:
    """The reply as the deliveries table keeps it, with the fingerprint of the command it answered."""
    return json.dumps({**reply.to_dict(), "request": fingerprint}, ensure_ascii=False)


def _first_answer(stored: str, fingerprint: str) -> Reply:
    """The stored first reply to a repeated delivery; a delivery id reused for another command (an HTTP
    client's Idempotency-Key sent with a different body) is refused, so the client's bug is visible."""
    data = json.loads(stored)
    if data.get("request", fingerprint) != fingerprint:
        raise DeskError("error.delivery_reused")
    return Reply.from_dict(data)


def _recording_deliveries(handler: BulkHandler) -> BulkHandler:
    """``handler`` that also records the delivery of each item ``((transport, id, at, fingerprint) | None,
    item)``."""

    def run(session: Session, pairs: list[Any]) -> list[Any]:
        replies: list[Reply] = handler(session, [item for _, item in pairs])
        Register(session).remember_deliveries([
            {"transport": d[0], "delivery_id": d[1], "at": d[2], "reply": _stored(reply, d[3])}
            for (d, _), reply in zip(pairs, replies, strict=True) if d is not None])
        return replies

    return run


def _command_name(text: str) -> str:
    """The command's name for the metrics: a known command, or "other" (the label set stays bounded)."""
    words = text.split(None, 1)
    name = words[0].lstrip("/").split("@", 1)[0].lower() if words else ""
    return name if name in COMMANDS else "other"
