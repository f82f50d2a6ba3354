"""The ways a probe authenticates over HTTP, as httpx auth flows that can say who they are.

- ``basic``: RFC 7617; ``bearer``: a fixed token (RFC 6750);
- ``ntlm``: Windows authentication, NTLM or Negotiate (``integrations/probes/windows_auth.py``);
- ``oauth2``: client credentials with a cached, refreshed token (``integrations/probes/oauth.py``).

``refusal`` turns a final 401 into one line that says whether the credentials were refused or the server
asked for another scheme, so an authentication failure reads as such, not as an outage.
"""

from __future__ import annotations

import base64
from collections.abc import Generator

import httpx


class ProbeAuth(httpx.Auth):
    """An auth flow that knows its principal (for messages) and the schemes it can answer."""

    principal: str = ""
    schemes: tuple[str, ...] = ()

    @property
    def wanted(self) -> str:
        return " or ".join(self.schemes)


class BasicAuth(ProbeAuth):
    schemes = ("Basic",)

    def __init__(self, username: str, password: str) -> None:
        self.principal = username
        self._header = "Basic " + base64.b64encode(f"{username}:{password}".encode()).decode()

    def auth_flow(self, request: httpx.Request) -> Generator[httpx.Request, httpx.Response, None]:
        request.headers["Authorization"] = self._header
        yield request


class BearerAuth(ProbeAuth):
    schemes = ("Bearer",)
    principal = "the configured token"

    def __init__(self, token: str) -> None:
        self._header = f"Bearer {token}"

    def auth_flow(self, request: httpx.Request) -> Generator[httpx.Request, httpx.Response, None]:
        request.headers["Authorization"] = self._header
        yield request


def legacy_auth(username: str | None, password: str | None, bearer: str | None) -> ProbeAuth | None:
    """What ``username``/``password``/``token`` alone have always meant: bearer if a token, else basic."""
    if bearer:
        return BearerAuth(bearer)
    if username:
        return BasicAuth(username, password or "")
    return None


def offered_schemes(resp: httpx.Response) -> list[str]:
    """The schemes of every ``WWW-Authenticate`` challenge (RFC 9110 §11.6.1), in the server's order."""
    found: list[str] = []
    for header in resp.headers.get_list("www-authenticate"):
        for part in header.split(","):
            word = part.strip().split(" ", 1)[0]
            if word and "=" not in word and word not in found:
                found.append(word)
    return found


def refusal(resp: httpx.Response, auth: httpx.Auth | None) -> str:
    """Why a 401 happened, in words: ``refuses HGP\\dutydesk (NTLM, HTTP 401)`` or
    ``asks for Bearer, not NTLM or Negotiate (HTTP 401)``."""
    sent = resp.request.headers.get("Authorization", "").split(" ", 1)[0]
    principal = auth.principal if isinstance(auth, ProbeAuth) else ""
    if sent:
        who = f"{principal} " if principal else "the credentials "
        return f"refuses {who}({sent}, HTTP {resp.status_code})"
    offered = ", ".join(offered_schemes(resp)) or "no scheme it names"
    wanted = auth.wanted if isinstance(auth, ProbeAuth) else "what is configured"
    return f"asks for {offered}, not {wanted} (HTTP {resp.status_code})"
