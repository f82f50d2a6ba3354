"""Pages by SMS through a generic HTTP gateway (URL and body templates from the config)."""

from __future__ import annotations

import json
import os
from collections.abc import Mapping
from urllib.parse import quote

import httpx

from commands.desk.reply import Reply
from commands.domain.config import Config
from commands.oncall.domain.config import SmsGatewayConfig
from integrations.chat.base import PermanentDeliveryError
from integrations.chat.routing import Destination
from storage.models import OutboxMessage

MAX_SMS = 480  # three concatenated SMS parts; pages are short, the rest is in the chat


# A 4xx but timeouts and rate limits: the request (the number, the text, the credentials) is refused as
# it is, so sending it again cannot help (RFC 9110 §15.5).
PERMANENT_STATUS = frozenset(range(400, 500)) - {408, 425, 429}


class SmsError(Exception):
    pass


class PermanentSmsError(SmsError, PermanentDeliveryError):
    pass


class SmsNotifier:
    name = "sms"

    def __init__(self, config: Config, gateway: SmsGatewayConfig, environ: Mapping[str, str] | None = None,
                 client: httpx.AsyncClient | None = None) -> None:
        self.config = config
        self.gateway = gateway
        env = os.environ if environ is None else environ
        self._auth = env.get(gateway.auth_header_env) if gateway.auth_header_env else None
        self._client = client or httpx.AsyncClient(timeout=gateway.timeout_seconds)

    def _phone(self, audience: str) -> str | None:
        kind, _, pid = audience.partition(":")
        person = self.config.people.get(pid) if kind == "person" else None
        return person.phone if person else None

    def destinations(self, audience: str) -> list[Destination]:
        phone = self._phone(audience)
        return [Destination(phone, True, audience.partition(":")[2])] if phone else []

    async def deliver(self, destination: Destination, reply: Reply, message: OutboxMessage) -> None:
        phone = destination.chat_id
        text = " ".join((reply.text, *reply.lines))[:MAX_SMS]
        url = self.gateway.url.replace("{phone}", quote(phone)).replace("{text}", quote(text))
        headers = {"Content-Type": self.gateway.content_type}
        if self._auth:
            headers["Authorization"] = self._auth
        body = None
        if self.gateway.body is not None:
            # JSON-escape the values so a quote in the text cannot break the gateway's body
            body = self.gateway.body.replace("{phone}", json.dumps(phone)[1:-1]).replace("{text}", json.dumps(text)[1:-1])
        try:
            response = await self._client.request(self.gateway.method, url, content=body, headers=headers)
        except httpx.HTTPError as exc:
            raise SmsError(f"SMS gateway unreachable: {type(exc).__name__}") from exc
        if response.status_code in PERMANENT_STATUS:  # the gateway refuses this request as it is
            raise PermanentSmsError(f"SMS gateway refused: HTTP {response.status_code}")
        if response.status_code >= 300:
            raise SmsError(f"SMS gateway answered HTTP {response.status_code}")

    async def close(self) -> None:
        await self._client.aclose()
