"""``POST /api/v1/commands``: monitoring systems and scripts use the desk like a chat user.

A bearer token (``DUTYDESK_API_TOKENS="name:token,..."``, from the environment only) names the caller;
the identity ``api:<name>`` must belong to a person of the config, whose roles and language apply. The
body is ``{"text": "/incident urgent cucm Calls fail"}``; ``Idempotency-Key`` becomes the delivery id,
so a retried request gets the first reply and changes nothing. The desk answers only after the register
committed, so a 200 means the report is stored.

While the register is unavailable (the database does not answer), a new report is kept in the desk's
journal and answered ``202 Accepted`` with a receipt: its first notification and the Idempotency-Key
under which it is kept (one the desk made up when the request had none). Sending the same request with
that key after the outage gets the registered reply with the control number. Any other command is
answered ``503`` with ``Retry-After``.
"""

from __future__ import annotations

import base64
import hmac
import json
import math
import uuid
from collections.abc import Callable, Mapping

from starlette.requests import Request as HttpRequest
from starlette.responses import JSONResponse

from commands.desk.desk import Desk
from commands.desk.directory import Directory
from commands.desk.domain.ratelimit_config import Rate, parse_rate
from commands.desk.ratelimit import TokenBuckets
from commands.desk.reply import Reply, Request
from commands.domain.i18n.catalog import t

API = "api"
MAX_BODY = 32 * 1024  # bytes; a command is at most 16,000 characters
MAX_DELIVERY_ID = 128  # the delivery table's key: "<token name>:<Idempotency-Key>"
RETRY_AFTER = 5  # seconds, when the register is unavailable for a moment (a failover takes 30-60 s)


def parse_tokens(value: str) -> dict[str, str]:
    """``"name1:token1,name2:token2"`` → {name: token}; a malformed entry is an error, not ignored."""
    tokens: dict[str, str] = {}
    for entry in filter(None, (e.strip() for e in value.split(","))):
        name, sep, token = entry.partition(":")
        name, token = name.strip(), token.strip()
        if not sep or not name or not token:
            raise ValueError("DUTYDESK_API_TOKENS is name:token[,name:token...]; an entry has no name or token")
        if name in tokens:
            raise ValueError(f"DUTYDESK_API_TOKENS names {name!r} twice")
        if len(name) > 32 or not all(c.isalnum() or c in "-_." for c in name):
            raise ValueError(f"DUTYDESK_API_TOKENS: {name!r}: a name is up to 32 letters, digits, '-', '_' or '.'")
        tokens[name] = token
    return tokens


class CommandIntake:
    def __init__(self, desk: Desk, directory: Directory, tokens: Mapping[str, str],
                 closing: Callable[[], bool]) -> None:
        self.desk, self.directory, self.closing = desk, directory, closing
        self._tokens = [(name, token.encode()) for name, token in tokens.items()]
        # Failed authentication per source address: a client guessing tokens is slowed down to this rate
        # (checked before the token is compared, so a guesser learns nothing more by trying faster).
        limits = desk.services.config.desk.rate_limits
        count, period = parse_rate(limits.failed_auth)
        self._guess_rate = Rate(count, period, count)
        self._guesses = TokenBuckets(limits.max_buckets)
        self._clock = desk.services.clock
        self._limits_on = limits.enabled

    async def handle(self, request: HttpRequest) -> JSONResponse:
        source = f"ip:{request.client.host if request.client else '?'}"
        now = self._clock.now().timestamp()
        wait = self._guesses.wait(source, self._guess_rate, now) if self._limits_on else 0.0
        if wait > 0:
            return _error(429, t("en", "api.too_many_failures"), "en",
                          headers={"Retry-After": str(max(1, math.ceil(wait - 1e-9)))})
        name = self._authenticate(request.headers.get("authorization", ""))
        if name is None:
            self._guesses.take(source, self._guess_rate, now)
            return _error(401, t("en", "api.unauthorized"), "en", headers={"WWW-Authenticate": "Bearer"})
        actor = self.directory.actor(f"{API}:{name}")
        if actor is None:
            return _error(403, t("en", "api.no_person", name=name), "en")
        customers = actor.customers()
        locale = actor.person.locale or (self.directory.customer(customers[0]).locale if len(customers) == 1 else "en")
        body = await _read_limited(request, MAX_BODY)
        if body is None:
            return _error(413, t(locale, "api.too_large", limit=MAX_BODY), locale)
        text = _command_text(body)
        if text is None:
            return _error(400, t(locale, "api.bad_json"), locale)
        key = request.headers.get("idempotency-key")
        if key is not None:
            if not key or len(f"{name}:{key}") > MAX_DELIVERY_ID or not all(" " < c < "\x7f" for c in key):
                return _error(400, t(locale, "api.bad_key", limit=MAX_DELIVERY_ID - len(name) - 1), locale)
        else:  # a report kept in the journal is found again by its key: the receipt names it
            key = f"auto-{uuid.uuid4().hex}"
        delivery_id = f"{name}:{key}"  # keys are the caller's own: two callers never share one
        # Checked right before the desk counts the command as in flight: a shutdown waits for it, or
        # the caller is told to retry (no await in between).
        if self.closing():
            return _error(503, t(locale, "api.shutting_down"), locale, headers={"Retry-After": "5"})
        reply = await self.desk.handle(Request(text=text, transport=API, user_id=name, channel_id=name,
                                               delivery_id=delivery_id))
        if reply.kept:  # the register is unavailable: kept in the journal, the number follows
            return JSONResponse({**_reply_json(reply), "receipt": {"idempotency_key": key}}, status_code=202)
        if reply.transient:  # the register is unavailable: nothing was done, the same request may succeed
            return JSONResponse(_reply_json(reply), status_code=503, headers={"Retry-After": str(RETRY_AFTER)})
        if reply.retry_after is not None:  # the desk's rate limit: the client should wait, not give up
            return JSONResponse(_reply_json(reply), status_code=429, headers={"Retry-After": str(reply.retry_after)})
        return JSONResponse(_reply_json(reply), status_code=422 if reply.is_error else 200)

    def _authenticate(self, header: str) -> str | None:
        scheme, _, given = header.partition(" ")
        if scheme.lower() != "bearer" or not given.strip():
            return None
        candidate = given.strip().encode()
        found = None
        for name, token in self._tokens:  # compare with every token: the time says nothing about which
            if hmac.compare_digest(candidate, token):
                found = name
        return found


async def _read_limited(request: HttpRequest, limit: int) -> bytes | None:
    """The body, or None as soon as it is over ``limit`` bytes (a declared length is trusted first)."""
    declared = request.headers.get("content-length")
    if declared is not None and declared.isdigit() and int(declared) > limit:
        return None
    chunks, size = [], 0
    async for chunk in request.stream():
        size += len(chunk)
        if size > limit:
            return None
        chunks.append(chunk)
    return b"".join(chunks)


def _command_text(body: bytes) -> str | None:
    try:
        data = json.loads(body)
    except (ValueError, UnicodeDecodeError, RecursionError):  # arrays nested thousands deep fit in 32 KB
        return None
    if not isinstance(data, dict) or not isinstance(data.get("text"), str) or not data["text"].strip():
        return None
    return str(data["text"])


def _reply_json(reply: Reply) -> dict[str, object]:
    out: dict[str, object] = {"ok": not reply.is_error, "kind": reply.kind, "text": reply.text,
                              "lines": list(reply.lines), "control_number": reply.control_number}
    if reply.attachment is not None:  # a monthly protocol, an .ics: the file itself
        att = reply.attachment
        out["attachment"] = {"filename": att.filename, "mime_type": att.mime_type,
                             "content_base64": base64.b64encode(att.content).decode()}
    return out


def _error(status: int, text: str, locale: str, headers: Mapping[str, str] | None = None) -> JSONResponse:
    body = {"ok": False, "kind": "error", "text": text, "lines": [], "control_number": None, "locale": locale}
    return JSONResponse(body, status_code=status, headers=dict(headers or {}))
