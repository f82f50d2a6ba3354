"""Dynamics 365 / CRM Web API: ``GET <org>/api/data/v9.x/WhoAmI()`` answers the caller's ``UserId``,
``BusinessUnitId`` and ``OrganizationId`` (WhoAmIResponse): the CRM, its database and its
authentication all work.

How the probe authenticates is an httpx auth flow (``integrations/probes/http_auth.py``): Windows
(NTLM/Negotiate) on premises, OAuth 2 client credentials online and for IFD. A refused login is reported
as an authentication failure (``degraded``, ``auth_failed``): the CRM answered, the account or its
password is what needs fixing — not an outage that opens an incident.
"""

from __future__ import annotations

from dataclasses import dataclass

import httpx

from integrations.probes.base import ProbeResult, degraded, down, one_line, timed, up
from integrations.probes.http import tls_verify
from integrations.probes.http_auth import legacy_auth, refusal
from integrations.probes.oauth import TokenError


@dataclass
class WhoAmIProbe:
    base_url: str  # https://crm.example.org/org1
    api_version: str = "9.2"
    username: str | None = None  # with password: Basic (kept for old callers; prefer ``auth``)
    password: str | None = None
    bearer: str | None = None
    timeout: float = 10.0
    verify: bool = True
    ca_file: str | None = None
    auth: httpx.Auth | None = None  # kept between runs: a Windows handshake per run, an OAuth token cached

    @property
    def url(self) -> str:
        return f"{self.base_url.rstrip('/')}/api/data/v{self.api_version}/WhoAmI"

    async def check(self) -> ProbeResult:
        return await timed(self.timeout, self._once)

    async def _once(self) -> ProbeResult:
        headers = {"Accept": "application/json", "OData-MaxVersion": "4.0", "OData-Version": "4.0"}
        auth = self.auth or legacy_auth(self.username, self.password, self.bearer)
        try:
            async with httpx.AsyncClient(verify=tls_verify(self.verify, self.ca_file), auth=auth,
                                         timeout=self.timeout) as client:
                resp = await client.get(self.url, headers=headers)
        except TokenError as err:
            fail = degraded if err.refused else down
            return fail(f"authentication failed: {err.reason}" if err.refused else err.reason,
                        auth_failed=err.refused)
        if resp.status_code == 401:
            return degraded(one_line(f"authentication failed: the CRM {refusal(resp, auth)}"), auth_failed=True)
        if resp.status_code == 403:
            return degraded("the CRM refuses the service account (HTTP 403): it has no CRM user or role",
                            auth_failed=True)
        if resp.status_code != 200:
            return down(f"WhoAmI: HTTP {resp.status_code}")
        try:
            data = resp.json()
        except ValueError:
            return down("WhoAmI answered something that is not JSON")
        user = data.get("UserId") if isinstance(data, dict) else None
        if not user:
            return down(one_line(f"WhoAmI answered without UserId: {str(data)[:80]}"))
        return up(f"WhoAmI OK (user {user})", user_id=user, organization_id=data.get("OrganizationId"))
