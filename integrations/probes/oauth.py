"""OAuth 2 client credentials (RFC 6749 §4.4) for httpx: Dynamics 365 online and IFD (AD FS).

The token is asked for once and kept until shortly before it expires (``expires_in``, about an hour from
Microsoft Entra ID), counted on the desk's injectable clock; a 401 from the API makes it ask for a new one
once and retry. The request is a plain form POST to the configured token endpoint — not msal: msal
discovers its authority over https (instance discovery, OpenID metadata) and calls it with blocking
``requests``, while this needs one POST, in the event loop, to whatever endpoint the operator names
(Entra ID's ``/<tenant>/oauth2/v2.0/token``, AD FS's ``/adfs/oauth2/token``).
"""

from __future__ import annotations

import asyncio
import ssl
from collections.abc import AsyncGenerator
from dataclasses import dataclass
from datetime import datetime, timedelta

import httpx

from commands.domain.clock import Clock
from integrations.probes.base import describe, one_line
from integrations.probes.http_auth import ProbeAuth

REFRESH_BEFORE = timedelta(minutes=5)  # ask for a new token this long before the old one expires


class TokenError(Exception):
    """No token: ``refused`` when the endpoint answered with an error (credentials, scope), else unreachable."""

    def __init__(self, reason: str, *, refused: bool) -> None:
        super().__init__(reason)
        self.reason = reason
        self.refused = refused


@dataclass(frozen=True)
class Token:
    value: str
    expires: datetime


class ClientCredentialsAuth(ProbeAuth):
    schemes = ("Bearer",)

    def __init__(self, token_url: str, client_id: str, client_secret: str, *, clock: Clock,
                 scope: str | None = None, resource: str | None = None, timeout: float = 10.0,
                 verify: ssl.SSLContext | bool = True) -> None:
        self.token_url = token_url
        self.client_id = client_id
        self.principal = f"client {client_id}"
        self._secret = client_secret
        self.scope = scope
        self.resource = resource
        self.clock = clock
        self.timeout = timeout
        self.verify = verify
        self.token: Token | None = None
        self.fetched = 0  # tokens asked for (for tests and the benchmark)
        self._lock = asyncio.Lock()

    def _fresh(self, token: Token | None) -> bool:
        if token is None:
            return False
        return self.clock.now() < token.expires - REFRESH_BEFORE

    async def current(self, *, not_this: str | None = None) -> str:
        """A valid token: the kept one, unless it is about to expire or is ``not_this`` (refused by the API)."""
        async with self._lock:
            token = self.token
            if token is not None and token.value != not_this and self._fresh(token):
                return token.value
            self.token = await self._fetch()
            return self.token.value

    async def _fetch(self) -> Token:
        form = {"grant_type": "client_credentials", "client_id": self.client_id, "client_secret": self._secret}
        if self.scope:
            form["scope"] = self.scope
        if self.resource:
            form["resource"] = self.resource  # AD FS and Entra ID v1 endpoints name the resource instead
        asked_at = self.clock.now()
        self.fetched += 1
        try:
            async with httpx.AsyncClient(verify=self.verify, timeout=self.timeout) as client:
                resp = await client.post(self.token_url, data=form, headers={"Accept": "application/json"})
        except httpx.HTTPError as exc:
            raise TokenError(f"token endpoint unreachable: {describe(exc)}", refused=False) from exc
        try:
            data = resp.json()
        except ValueError:
            data = None
        if not isinstance(data, dict):
            raise TokenError(f"token endpoint answered HTTP {resp.status_code} without JSON", refused=False)
        if resp.status_code != 200 or "error" in data:
            # RFC 6749 §5.2: error, error_description
            text = str(data.get("error") or f"HTTP {resp.status_code}")
            if data.get("error_description"):
                text += f": {data['error_description']}"
            raise TokenError(one_line(f"token endpoint refuses {self.principal}: {text}", 160), refused=True)
        value, kind = data.get("access_token"), str(data.get("token_type", "Bearer"))
        try:
            lifetime = float(data.get("expires_in", 3600))  # Entra ID v1 sends it as a string
        except (TypeError, ValueError):
            lifetime = 0.0
        if not isinstance(value, str) or not value or kind.lower() != "bearer" or lifetime <= 0:
            raise TokenError("token endpoint answered without a usable bearer token", refused=False)
        return Token(value, asked_at + timedelta(seconds=lifetime))

    async def async_auth_flow(self, request: httpx.Request) -> AsyncGenerator[httpx.Request, httpx.Response]:
        token = await self.current()
        request.headers["Authorization"] = f"Bearer {token}"
        response = yield request
        if response.status_code == 401:
            # The API refused a token we thought valid (revoked, clock skew): one new token, one retry.
            await response.aread()
            token = await self.current(not_this=token)
            request.headers["Authorization"] = f"Bearer {token}"
            yield request
