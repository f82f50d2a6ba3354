"""Dynamics 365 / CRM Web API: ``GET <org>/api/data/v9.x/WhoAmI()`` answers the caller's ``UserId``,
``BusinessUnitId`` and ``OrganizationId`` (WhoAmIResponse): the CRM, its database and its
authentication all work."""

from __future__ import annotations

from dataclasses import dataclass

import httpx

from integrations.probes.base import ProbeResult, down, one_line, timed, up
from integrations.probes.http import tls_verify


@dataclass
class WhoAmIProbe:
    base_url: str  # https://crm.example.org/org1
    api_version: str = "9.2"
    username: str | None = None
    password: str | None = None
    bearer: str | None = None
    timeout: float = 10.0
    verify: bool = True
    ca_file: str | None = None

    @property
    def url(self) -> str:
        return f"{self.base_url.rstrip('/')}/api/data/v{self.api_version}/WhoAmI"

    async def check(self) -> ProbeResult:
        return await timed(self.timeout, self._once)

    async def _once(self) -> ProbeResult:
        headers = {"Accept": "application/json", "OData-MaxVersion": "4.0", "OData-Version": "4.0"}
        if self.bearer:
            headers["Authorization"] = f"Bearer {self.bearer}"
        auth = httpx.BasicAuth(self.username, self.password or "") if self.username and not self.bearer else None
        async with httpx.AsyncClient(verify=tls_verify(self.verify, self.ca_file), auth=auth,
                                     timeout=self.timeout) as client:
            resp = await client.get(self.url, headers=headers)
        if resp.status_code in (401, 403):
            return down(f"CRM refuses the service account (HTTP {resp.status_code})")
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
