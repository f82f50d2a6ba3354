"""Signing in to the web pages with an identity provider (``[desk.web.oidc.<id>]``, docs/web.md):
``GET /signin/oidc/<id>`` sends the browser to the provider, ``GET /signin/oidc/<id>/callback`` takes its
answer and, when every check holds, opens a session exactly as a sign-in link does.

Where the flow's secrets live: the ``state`` is remembered server-side (a row of web_signin, spent by one
conditional UPDATE, so it works once and for 10 minutes, whichever replica the browser comes back to); the
state, nonce and PKCE verifier also travel in a short-lived HttpOnly cookie limited to /signin/oidc, which
binds the answer to the browser that asked (an attacker cannot make someone else's browser finish the
attacker's sign-in) and keeps the nonce and verifier out of every URL. The row's key is the digest of the
whole cookie, so a cookie altered in any part matches nothing.
"""

from __future__ import annotations

import hmac
import logging
from collections.abc import Mapping
from datetime import datetime
from typing import Any, Protocol

from starlette.requests import Request as HttpRequest
from starlette.responses import HTMLResponse, RedirectResponse, Response

from commands.desk.context import Services
from commands.desk.directory import Actor, Directory
from commands.desk.domain.ratelimit_config import Rate, parse_rate
from commands.domain.config import Config
from commands.domain.i18n.catalog import t
from commands.domain.web_config import missing_secrets
from integrations.web.oidc import OidcRefused, Provider
from storage.db import Database
from storage.web_auth import OIDC_LIFETIME, WebAuth, new_secret

log = logging.getLogger(__name__)
COOKIE = "dd_oidc"
PATH = "/signin/oidc"
MAX_CODE = 4096  # an authorization code longer than this is nobody's
# Starts from one address: generous (a customer's office behind one NAT signs in at nine), yet each start is
# a row; failed answers count against desk.rate_limits.failed_auth, as a wrong link does.
_COUNT, _PERIOD = parse_rate("60/min")
START_RATE = Rate(_COUNT, _PERIOD, _COUNT)


class WebApp(Protocol):
    """What this module uses of the web application (integrations/web/app.py)."""

    config: Config
    services: Services
    db: Database
    directory: Directory
    secure: bool

    def page(self, template: str, locale: str, status: int = 200, **values: Any) -> HTMLResponse: ...
    def not_found(self, locale: str) -> HTMLResponse: ...
    def guessing(self, key: str, now: datetime, *, count: bool = True, rate: Rate | None = None) -> bool: ...
    def locale_of(self, actor: Actor | None) -> str: ...
    def headers(self) -> dict[str, str]: ...
    def session_response(self, session_secret: str) -> Response: ...


class OidcSignIn:
    def __init__(self, web: WebApp, public_url: str | None, environ: Mapping[str, str]) -> None:
        self.web = web
        table = web.config.desk.web
        missing = missing_secrets(table, environ)
        if missing:
            raise ValueError("; ".join(missing))
        base = (public_url or "").rstrip("/")
        self.providers = {pid: Provider(pid, p, environ[p.client_secret_env], f"{base}{PATH}/{pid}/callback")
                          for pid, p in table.oidc.items()}

    def buttons(self, locale: str) -> list[tuple[str, str]]:
        """(address, label) of a "Sign in with …" button per provider."""
        return [(f"{PATH}/{pid}", t(locale, "web.oidc.button", title=self._title(p, locale)))
                for pid, p in self.providers.items()]

    @staticmethod
    def _title(provider: Provider, locale: str) -> str:
        return provider.config.title_in(locale, provider.pid)

    async def start(self, request: HttpRequest, locale: str) -> Response:
        provider = self.providers.get(str(request.path_params["provider"]))
        if provider is None:
            return self.web.not_found(locale)
        web, now = self.web, self.web.services.clock.now()
        source = request.client.host if request.client else "?"
        if web.guessing(f"oidc-start:{source}", now, rate=START_RATE) or web.guessing(f"oidc:{source}", now,
                                                                                       count=False):
            return web.page("message.html", locale, 429, who=None, message=t(locale, "web.too_many", seconds=60))
        state, nonce, verifier = new_secret(), new_secret(), new_secret()
        pending = ".".join((provider.pid, state, nonce, verifier))
        try:
            url = await provider.authorization_url(state, nonce, verifier)
        except OidcRefused as exc:
            return self._refused(provider, exc, locale)
        await web.db.write(lambda s: WebAuth(s).begin_oidc(pending, now))
        resp = RedirectResponse(url, status_code=303, headers=web.headers())
        resp.set_cookie(COOKIE, pending, max_age=int(OIDC_LIFETIME.total_seconds()), httponly=True, samesite="lax",
                        secure=web.secure, path=PATH)
        return resp

    async def callback(self, request: HttpRequest, locale: str) -> Response:
        provider = self.providers.get(str(request.path_params["provider"]))
        if provider is None:
            return self.web.not_found(locale)
        web, now, query = self.web, self.web.services.clock.now(), request.query_params
        source = request.client.host if request.client else "?"
        pending = request.cookies.get(COOKIE, "")
        parts = pending.split(".")
        ours = (len(pending) <= 400 and len(parts) == 4 and parts[0] == provider.pid
                and hmac.compare_digest(query.get("state", "").encode(), parts[1].encode()))
        spent = ours and await web.db.write(lambda s: WebAuth(s).spend_oidc(pending, now))
        if "error" in query:  # RFC 6749 §4.1.2.1: the person declined, or the provider would not
            error = "".join(c for c in query["error"][:40] if c.isalnum() or c == "_")
            return self._refused(provider, OidcRefused(f"the provider answered error={error!r}", "web.oidc.denied"),
                                 locale)
        if not spent:
            return self._refused(provider, OidcRefused("state unknown, expired, used, or not this browser's",
                                                       "web.oidc.expired"), locale, source)
        code = query.get("code", "")
        try:
            if not code or len(code) > MAX_CODE:
                raise OidcRefused("no authorization code")
            token = await provider.exchange(code, parts[3])
            claims = await provider.validate(token, parts[2], web.services.clock.now())
            person = self._person(provider, claims)
        except OidcRefused as exc:
            return self._refused(provider, exc, locale, source)
        if isinstance(person, Response):
            return person
        session_secret, csrf = new_secret(), new_secret()
        await web.db.write(lambda s: WebAuth(s).open_session(person, session_secret, csrf, now))
        log.info("web sign-in of %s with %s", person, provider.pid)
        resp = web.session_response(session_secret)
        resp.delete_cookie(COOKIE, path=PATH)
        return resp

    def _person(self, provider: Provider, claims: dict[str, Any]) -> str | Response:
        """The person the ID token's address belongs to, found as the e-mail sign-in finds them; or the
        polite page saying why not (in their language when they are known)."""
        claim = provider.config.email_claim
        address = claims.get(claim)
        if not isinstance(address, str) or "@" not in address or len(address) > 254:
            raise OidcRefused(f"the ID token has no address in {claim!r}", "web.oidc.unknown")
        if claim == "email" and "email_verified" in claims and claims["email_verified"] not in (True, "true"):
            raise OidcRefused(f"{address!r} is not verified by the provider", "web.oidc.unverified")
        web = self.web
        person = web.directory.person_with_address(address)
        if person is None or not web.config.people[person].roles:
            raise OidcRefused(f"no person of the desk has the address {address!r}", "web.oidc.unknown")
        allowed = provider.config.customers
        if allowed is not None and not set(web.config.people[person].roles) <= set(allowed):
            # a customer's provider vouches for its own people only: a person who also serves another
            # customer signs in with the contractor's provider (or a link)
            actor = web.directory.actor(f"web:{person}")
            return self._refused(provider, OidcRefused(f"{person!r} is not a person of {', '.join(allowed)}",
                                                       "web.oidc.not_for"), web.locale_of(actor))
        return person

    def _refused(self, provider: Provider, exc: OidcRefused, locale: str, source: str | None = None) -> HTMLResponse:
        log.warning("web sign-in with %s refused: %s", provider.pid, exc.reason)
        if source is not None:  # a failed answer counts against the address, as a wrong link does
            self.web.guessing(f"oidc:{source}", self.web.services.clock.now())
        status = 502 if exc.key == "web.oidc.failed" else 403 if exc.key != "web.oidc.expired" else 400
        resp = self.web.page("message.html", locale, status, who=None,
                             message=t(locale, exc.key, title=self._title(provider, locale)))
        resp.delete_cookie(COOKIE, path=PATH)
        return resp
