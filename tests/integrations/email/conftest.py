"""The e-mail channel's rig: a real Dovecot (tests/mailpeers.py) holding the desk's mailbox, a real SMTP
server over verified TLS (aiosmtpd, as in tests/integrations/gateways/test_email_tls.py) catching what
the desk sends, and the desk wired as the process wires it, on the two example customers."""

from __future__ import annotations

import asyncio
import datetime as dt
from collections.abc import AsyncIterator, Callable, Iterator
from email.message import EmailMessage
from pathlib import Path
from typing import Any

import pytest

from commands.domain.config import Config
from integrations.gateways.email import EmailNotifier
from integrations.mail.channel import MailChannel
from tests.conftest import utc
from tests.harness import DeskHarness
from tests.integrations.gateways.test_email_tls import (  # noqa: F401  (the pki fixture)
    Inbox,
    Pki,
    StartTlsController,
    _port,
    _server_context,
    pki,
)
from tests.mailpeers import Dovecot, TokenEndpoint, needs_dovecot
from tests.two_customers import two_customer_raw

NOW = utc(2026, 11, 23, 8, 10)  # the desk's clock
RECEIVED = utc(2026, 11, 23, 8, 4)  # when the mailbox's server took the mail (INTERNALDATE)
DESK = "desk@contractor.example"
PASSWORD = "desk-password"  # a throwaway mailbox's, on loopback

pytestmark = needs_dovecot


def mail_config(imap_port: int, smtp_port: int, smtp_ca: Path, **desk_email: Any) -> Config:
    raw = two_customer_raw()
    raw["desk"]["smtp"] = {"host": "127.0.0.1", "port": smtp_port, "sender": f"Service Desk <{DESK}>",
                           "starttls": True, "ca_file": str(smtp_ca), "timeout_seconds": 5}
    raw["desk"]["email"] = {"address": DESK, "host": "127.0.0.1", "port": imap_port, "tls": "none",
                            "username": "desk", "password_env": "DESK_IMAP_PASSWORD", "poll_seconds": 5,
                            "timeout_seconds": 10, **desk_email}
    raw["customers"]["noi"]["email"] = {"domains": ["noi.bg"], "unknown": "guest", "category": "other",
                                        "component": "cucm"}
    raw["customers"]["hgp"]["email"] = {"domains": ["hgp.ir"], "unknown": "refuse", "category": "normal",
                                        "component": "crm"}
    people = raw["people"]
    people["ivana"]["identities"].append("email:ivana@noi.bg")
    people["maria"]["identities"].append("email:maria@contractor.example")
    people["sara"]["identities"].append("email:sara@hgp.ir")
    people["georgi"]["identities"].append("email:georgi@contractor.example")  # an engineer of both customers
    return Config.model_validate(raw)


class SmtpSink:
    """What the desk sent, as the receiving SMTP server got it (over STARTTLS, verified)."""

    def __init__(self, pki: Pki) -> None:  # noqa: F811
        self.inbox = Inbox()
        self.port = _port()
        self.controller = StartTlsController(self.inbox, self.port, _server_context(pki.cert_file, pki.key_file))

    @property
    def messages(self) -> list[EmailMessage]:
        return list(self.inbox.messages)


class MailRig:
    def __init__(self, tmp: Path, pki: Pki, db_url: str, *, token: TokenEndpoint | None = None,  # noqa: F811
                 imaps: bool = False, **desk_email: Any) -> None:
        self.dovecot = Dovecot(tmp / "dovecot", {"desk": PASSWORD, "hgp": PASSWORD},
                               introspection_url=f"http://127.0.0.1:{token.port}/introspect" if token else None,
                               cert=(pki.cert_file, pki.key_file) if imaps else None)
        self.smtp = SmtpSink(pki)
        self.config = mail_config(self.dovecot.port, self.smtp.port, pki.ca_file, **desk_email)
        self.db_url = db_url
        self.environ = {"DESK_IMAP_PASSWORD": PASSWORD, "HGP_IMAP_PASSWORD": PASSWORD, "DESK_CLIENT_ID": "dutydesk", "DESK_CLIENT_SECRET": "s3cret"}
        self.harness: DeskHarness | None = None
        self.channel: MailChannel | None = None
        self.crash_after_commit = False

    def start_peers(self) -> None:
        self.dovecot.start()
        self.smtp.controller.start()

    async def start_desk(self) -> MailChannel:
        self.harness = DeskHarness(self.config, self.db_url, NOW)
        assert self.config.desk.smtp is not None
        smtp = EmailNotifier(self.config, self.config.desk.smtp, {})
        self.channel = MailChannel(self.harness.app.desk, self.harness.app.services, smtp, self.environ,
                                   after_commit=self._after_commit)
        await self.channel.start()
        return self.channel

    def _after_commit(self, delivery_id: str) -> None:
        if self.crash_after_commit:
            raise SystemExit(f"killed between the commit and the flag of {delivery_id}")

    async def stop_desk(self) -> None:
        if self.channel is not None:
            await self.channel.stop()
        if self.harness is not None:
            self.harness.close()
        self.channel = self.harness = None

    def deliver(self, *raws: bytes, received: dt.datetime = RECEIVED) -> None:
        self.dovecot.deliver("desk", [(raw, received) for raw in raws])
        if self.channel is not None:
            self.channel.poke()

    async def until(self, what: Callable[[], object], *, seconds: float = 30) -> Any:
        """Wait for ``what`` to be true (a loaded machine may be slow: this bounds a hang, it times nothing)."""
        loop = asyncio.get_running_loop()
        deadline = loop.time() + seconds
        while True:
            got = what()
            if got:
                return got
            if loop.time() > deadline:
                raise AssertionError(f"not within {seconds}s: {what}; dovecot log:\n{self.dovecot.log()[-3000:]}")
            await asyncio.sleep(0.05)

    def stop_peers(self) -> None:
        self.smtp.controller.stop()
        self.dovecot.remove()


@pytest.fixture
async def rig(tmp_path: Path, pki: Pki, db_url: str) -> AsyncIterator[MailRig]:  # noqa: F811
    r = MailRig(tmp_path, pki, db_url)
    r.start_peers()
    try:
        yield r
    finally:
        await r.stop_desk()
        r.stop_peers()


@pytest.fixture
def token_endpoint() -> Iterator[TokenEndpoint]:
    endpoint = TokenEndpoint({"dutydesk": ("s3cret", "desk")})
    endpoint.start()
    try:
        yield endpoint
    finally:
        endpoint.stop()
