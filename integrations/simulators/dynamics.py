"""Fake Dynamics CRM Web API and a fake OAuth 2 token endpoint on 127.0.0.1.

``FakeCrm`` answers ``GET /api/data/v9.x/WhoAmI`` the way the CRM does for each way a caller can
authenticate:

- ``windows = ("NTLM",)`` or ``("Negotiate", "NTLM")``: on premises, IIS's Windows authentication. The
  handshake is REALLY verified by pyspnego as acceptor, which reads the accounts from the file named by
  ``NTLM_USER_FILE`` (lines ``DOMAIN:user:password``, see ``ntlm_user_file``). With ``tls_cert_der`` the
  acceptor also demands the client's channel binding to that certificate (IIS "Extended Protection").
- ``bearer``: online / IFD, a token issued by ``FakeTokenEndpoint`` and not expired on its clock (or a
  fixed ``static_token``).
"""

from __future__ import annotations

import base64
import hashlib
import secrets
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any

import spnego
from aiohttp import web
from spnego.channel_bindings import GssChannelBindings
from spnego.exceptions import SpnegoError

from commands.domain.clock import Clock

WHOAMI_PATHS = ("/api/data/v9.0/WhoAmI", "/api/data/v9.1/WhoAmI", "/api/data/v9.2/WhoAmI")


def ntlm_user_file(directory: Path, accounts: dict[str, str]) -> Path:
    """The acceptor's account store (pyspnego's NTLM_USER_FILE): ``{"HGP\\\\dutydesk": "password"}``."""
    lines = []
    for user, password in accounts.items():
        domain, _, name = user.rpartition("\\")
        lines.append(f"{domain}:{name}:{password}")
    path = directory / "ntlm_users"
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return path


def tls_server_end_point(cert_der: bytes) -> GssChannelBindings:
    """RFC 5929 §4: ``tls-server-end-point`` is the hash of the server certificate (SHA-256 for ours)."""
    return GssChannelBindings(application_data=b"tls-server-end-point:" + hashlib.sha256(cert_der).digest())


@dataclass
class _Issued:
    client_id: str
    expires: datetime
    revoked: bool = False


@dataclass
class FakeTokenEndpoint:
    """OAuth 2 client credentials grant (RFC 6749 §4.4) as Microsoft Entra ID's v2.0 token endpoint
    answers it: ``POST /<tenant>/oauth2/v2.0/token``."""

    clock: Clock
    tenant: str = "hgp-tenant"
    client_id: str = "0c5a9c4e-0000-4000-8000-00000000c11e"
    client_secret: str = "s3cret"
    scope: str = ""  # the resource's "<origin>/.default"; empty: any ".default" scope
    lifetime: timedelta = timedelta(seconds=3599)  # Entra ID: about an hour
    issued: dict[str, _Issued] = field(default_factory=dict)
    requests: int = 0

    @property
    def path(self) -> str:
        return f"/{self.tenant}/oauth2/v2.0/token"

    def app(self) -> web.Application:
        app = web.Application()
        app.router.add_post(self.path, self.token)
        return app

    def valid(self, token: str) -> bool:
        found = self.issued.get(token)
        return found is not None and not found.revoked and self.clock.now() < found.expires

    def revoke_all(self) -> None:
        for issued in self.issued.values():
            issued.revoked = True

    @staticmethod
    def _error(status: int, error: str, description: str) -> web.Response:
        # RFC 6749 §5.2: the error response is JSON with "error" and "error_description".
        return web.json_response({"error": error, "error_description": description}, status=status)

    async def token(self, request: web.Request) -> web.Response:
        self.requests += 1
        # RFC 6749 §4.4.2: parameters in the application/x-www-form-urlencoded format.
        if request.content_type != "application/x-www-form-urlencoded":
            return self._error(400, "invalid_request", "AADSTS900144: the request body must be a form")
        form = await request.post()
        if form.get("grant_type") != "client_credentials":
            return self._error(400, "unsupported_grant_type", "AADSTS70003: grant_type must be client_credentials")
        client_id, secret = str(form.get("client_id", "")), str(form.get("client_secret", ""))
        header = request.headers.get("Authorization", "")
        if header.startswith("Basic "):  # RFC 6749 §2.3.1: client_secret_basic is also allowed
            client_id, _, secret = base64.b64decode(header[6:]).decode().partition(":")
        if client_id != self.client_id:
            return self._error(400, "unauthorized_client", f"AADSTS700016: application {client_id!r} not found")
        if secret != self.client_secret:
            # RFC 6749 §5.2 invalid_client: 401 when the client authenticated.
            return self._error(401, "invalid_client", "AADSTS7000215: Invalid client secret provided.")
        scope = str(form.get("scope", ""))
        # Entra ID: "Client credential flows must have a scope value with /.default suffixed".
        if not scope.endswith("/.default") or (self.scope and scope != self.scope):
            return self._error(400, "invalid_scope", f"AADSTS1002012: the scope {scope!r} is not valid")
        token = secrets.token_urlsafe(24)
        self.issued[token] = _Issued(client_id, self.clock.now() + self.lifetime)
        # Entra ID answers expires_in as a number of seconds (v1 endpoints as a string).
        return web.json_response({"token_type": "Bearer", "expires_in": int(self.lifetime.total_seconds()),
                                  "ext_expires_in": int(self.lifetime.total_seconds()), "access_token": token})


@dataclass
class FakeCrm:
    """Dynamics CRM Web API ``WhoAmI``; see the module's docstring for the ways to authenticate."""

    static_token: str | None = None
    tokens: FakeTokenEndpoint | None = None
    windows: tuple[str, ...] = ()  # offered Windows schemes, in IIS's order: ("Negotiate", "NTLM")
    tls_cert_der: bytes | None = None  # with Windows auth over HTTPS: demand the channel binding (EPA)
    user_id: str = "6a1e3b2c-0000-4000-8000-000000000001"
    whoami_calls: int = 0  # requests that reached WhoAmI authenticated
    handshakes: int = 0  # Windows handshakes completed
    seen_authorization: list[str] = field(default_factory=list)
    _contexts: dict[Any, tuple[str, Any]] = field(default_factory=dict)  # connection → (scheme, acceptor)

    def app(self) -> web.Application:
        app = web.Application()
        for path in WHOAMI_PATHS:  # online: at the root; on premises: under the organisation's name
            app.router.add_get(path, self.whoami)
            app.router.add_get("/{org}" + path, self.whoami)
        return app

    def _challenge(self, extra: dict[str, str] | None = None) -> web.Response:
        resp = web.json_response({"error": {"code": "0x80040220", "message": "401 - Unauthorized"}}, status=401)
        for scheme in self.windows:
            resp.headers.add("WWW-Authenticate", scheme)
        if self.tokens is not None or self.static_token is not None:
            resp.headers.add("WWW-Authenticate", 'Bearer authorization_uri="https://login.example/authorize"')
        for name, value in (extra or {}).items():
            resp.headers[name] = value
        return resp

    def _answer(self, request: web.Request, principal: str) -> web.Response:
        self.whoami_calls += 1
        return web.json_response({
            "@odata.context": f"{request.url.origin()}/api/data/v9.1/$metadata#Microsoft.Dynamics.CRM.WhoAmIResponse",
            "BusinessUnitId": "6a1e3b2c-0000-4000-8000-0000000000bb", "UserId": self.user_id,
            "OrganizationId": "6a1e3b2c-0000-4000-8000-0000000000aa", "x-principal": principal})

    async def whoami(self, request: web.Request) -> web.Response:
        header = request.headers.get("Authorization", "")
        self.seen_authorization.append(header.split(" ", 1)[0])
        scheme, _, value = header.partition(" ")
        if scheme.lower() == "bearer" and (self.tokens is not None or self.static_token is not None):
            ok = value == self.static_token or (self.tokens is not None and self.tokens.valid(value))
            if not ok:
                # Dynamics 365 Web API: an expired or unknown token is 401 with a Bearer challenge.
                return self._challenge({"WWW-Authenticate": 'Bearer error="invalid_token"'})
            return self._answer(request, "application")
        offered = {s.lower(): s for s in self.windows}
        if scheme.lower() not in offered or not value:
            return self._challenge()
        return self._windows_step(request, offered[scheme.lower()], value)

    def _windows_step(self, request: web.Request, scheme: str, value: str) -> web.Response:
        # MS-NTHT §3.2.5 / RFC 4559 §4: the handshake is tied to ONE connection; a token that continues a
        # handshake started on another connection (or none) starts over and is refused.
        conn = request.protocol
        try:
            token = base64.b64decode(value, validate=True)
        except ValueError:
            return web.Response(status=400, text="Bad Request - Invalid Header")
        known = self._contexts.get(conn)
        if known is None or known[0] != scheme:
            bindings = tls_server_end_point(self.tls_cert_der) if self.tls_cert_der else None
            ctx = spnego.server(protocol=scheme.lower(), channel_bindings=bindings)
            self._contexts[conn] = (scheme, ctx)
        else:
            ctx = known[1]
        try:
            out = ctx.step(token)
        except SpnegoError:
            self._contexts.pop(conn, None)
            return self._challenge()  # IIS: 401.1 logon failed, the client may start again
        if not ctx.complete:
            if out is None:
                self._contexts.pop(conn, None)
                return self._challenge()
            resp = web.json_response({"error": {"message": "401.1"}}, status=401)
            resp.headers["WWW-Authenticate"] = f"{scheme} {base64.b64encode(out).decode()}"
            return resp
        self._contexts.pop(conn, None)
        self.handshakes += 1
        resp = self._answer(request, str(ctx.client_principal))
        if out is not None:  # SPNEGO's last token (mechListMIC) rides on the 200 (RFC 4559 §5)
            resp.headers["WWW-Authenticate"] = f"{scheme} {base64.b64encode(out).decode()}"
        return resp
