"""A desk serving the web application in the test process (Starlette's TestClient), for the two example
customers (tests/two_customers.py): noi (bg) with ivana (reporter), georgi and petar (engineers of both),
maria (admin); hgp (fa) with sara (reporter), reza (engineer) and nima (admin)."""

from __future__ import annotations

import asyncio
import json
import re
from datetime import timedelta
from typing import Any

from sqlmodel import col, select
from starlette.applications import Starlette
from starlette.testclient import TestClient

from bot.app import build_app
from commands.desk.reply import Reply, Request
from commands.domain.clock import FakeClock
from integrations.web.app import WebApp
from storage.models import OutboxMessage
from tests.conftest import utc
from tests.two_customers import two_customer_config

MONDAY_1004_SOFIA = utc(2026, 11, 23, 8, 4)
PUBLIC = "http://testserver"
CONSOLE = {"ivana": "noi-console", "georgi": "noi-console", "petar": "noi-console", "maria": "noi-console",
           "sara": "hgp-console", "reza": "hgp-console", "nima": "hgp-console"}
_CSRF = re.compile(r'name="csrf" value="([^"]+)"')
_TOKEN = re.compile(r'name="token" value="([^"]+)"')


class WebRig:
    def __init__(self, db_url: str, raw: dict[str, Any] | None = None,
                 environ: dict[str, str] | None = None) -> None:
        """``raw``: the configuration's TOML as a dict (default: the two example customers); ``environ``: the
        environment the web application reads its secrets from (default: the process's)."""
        self.clock = FakeClock(MONDAY_1004_SOFIA)
        self.app = build_app(two_customer_config(raw), db_url, clock=self.clock)
        self.app.services.web_url = PUBLIC
        self.web = WebApp(self.app.desk, PUBLIC, environ=environ)
        self.starlette = Starlette(routes=self.web.routes())
        self._n = 0

    def say(self, person: str, text: str) -> Reply:
        self._n += 1
        return asyncio.run(self.app.desk.handle(Request(text=text, transport="console", user_id=person,
                                                        channel_id=CONSOLE[person], delivery_id=f"t{self._n}")))

    def dm_link(self, person: str) -> str:
        """The sign-in link /web queued for the person's direct message (the outbox row the dispatcher
        delivers)."""
        reply = self.say(person, "/web")
        assert not reply.is_error, reply.text
        rows = self.app.db.read_sync(lambda s: list(s.exec(
            select(OutboxMessage).where(col(OutboxMessage.kind) == "web.link",
                                        col(OutboxMessage.audience) == f"person:{person}")
            .order_by(col(OutboxMessage.id).desc()))))
        payload = json.loads(rows[0].payload)
        link = str(payload["lines"][0])
        assert link.startswith(f"{self.app.services.web_url}/signin/")
        return link

    def client(self) -> TestClient:
        return TestClient(self.starlette, base_url=PUBLIC, follow_redirects=False)

    def signed_in(self, person: str) -> TestClient:
        client = self.client()
        link = self.dm_link(person)
        assert sign_in(client, link).status_code == 303
        return client

    def advance(self, **kw: float) -> None:
        self.clock.advance(timedelta(**kw))

    def close(self) -> None:
        self.app.close()


def csrf_of(html: str) -> str:
    m = _CSRF.search(html)
    assert m, "no CSRF token in the page"
    return m.group(1)


def token_of(html: str) -> str:
    m = _TOKEN.search(html)
    assert m, "no form token in the page"
    return m.group(1)


def sign_in(client: TestClient, link: str):  # type: ignore[no-untyped-def]
    page = client.get(link)
    assert page.status_code == 200
    return client.post(link, data={"csrf": csrf_of(page.text)})
