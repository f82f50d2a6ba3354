"""E-mail pages over TLS as a real SMTP server serves it (aiosmtpd with a self-signed certificate made
here with ``cryptography``): the certificate and host name are verified by default, a private CA is
trusted only when configured, for STARTTLS and for implicit TLS (port 465); and a page typed on two lines
gives a one-line Subject instead of an error retried for ever."""

from __future__ import annotations

import datetime as dt
import ipaddress
import socket
import ssl
from collections.abc import Iterator
from dataclasses import dataclass
from email import message_from_bytes, policy
from pathlib import Path
from typing import Any

import pytest
from aiosmtpd.controller import Controller
from aiosmtpd.smtp import SMTP
from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.x509.oid import NameOID
from sqlmodel import select

from bot.dispatcher import Dispatcher
from commands.desk.reply import Reply
from commands.domain.config import Config
from commands.oncall.domain.config import SmtpConfig
from integrations.chat.base import PermanentDeliveryError
from integrations.chat.routing import Destination
from integrations.gateways.email import EmailNotifier
from storage.models import OutboxMessage
from tests.conftest import utc
from tests.harness import DeskHarness

PETAR = Destination("petar@contractor.example", True, "petar")


@dataclass
class Pki:
    ca_file: Path  # the private CA's certificate (PEM)
    cert_file: Path  # the server's certificate, signed by the CA, for 127.0.0.1 and localhost
    key_file: Path
    wrong_host_cert: Path  # signed by the same CA, for mail.example only
    wrong_host_key: Path


def _name(cn: str) -> x509.Name:
    return x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, cn)])


@pytest.fixture(scope="module")
def pki(tmp_path_factory: pytest.TempPathFactory) -> Pki:
    d = tmp_path_factory.mktemp("pki")
    now = dt.datetime.now(dt.UTC)  # the certificate's validity is checked by OpenSSL on the real clock
    ca_key = ec.generate_private_key(ec.SECP256R1())
    ca = (x509.CertificateBuilder().subject_name(_name("dutydesk test CA")).issuer_name(_name("dutydesk test CA"))
          .public_key(ca_key.public_key()).serial_number(x509.random_serial_number())
          .not_valid_before(now - dt.timedelta(days=1)).not_valid_after(now + dt.timedelta(days=30))
          .add_extension(x509.BasicConstraints(ca=True, path_length=None), critical=True)
          .add_extension(x509.KeyUsage(digital_signature=True, key_cert_sign=True, crl_sign=True,
                                       content_commitment=False, key_encipherment=False, data_encipherment=False,
                                       key_agreement=False, encipher_only=False, decipher_only=False), critical=True)
          .add_extension(x509.SubjectKeyIdentifier.from_public_key(ca_key.public_key()), critical=False)
          .sign(ca_key, hashes.SHA256()))

    def leaf(names: list[x509.GeneralName], stem: str) -> tuple[Path, Path]:
        key = ec.generate_private_key(ec.SECP256R1())
        cert = (x509.CertificateBuilder().subject_name(_name(stem)).issuer_name(ca.subject)
                .public_key(key.public_key()).serial_number(x509.random_serial_number())
                .not_valid_before(now - dt.timedelta(days=1)).not_valid_after(now + dt.timedelta(days=30))
                .add_extension(x509.SubjectAlternativeName(names), critical=False)
                .add_extension(x509.ExtendedKeyUsage([x509.oid.ExtendedKeyUsageOID.SERVER_AUTH]), critical=False)
                .add_extension(x509.AuthorityKeyIdentifier.from_issuer_public_key(ca_key.public_key()), critical=False)
                .sign(ca_key, hashes.SHA256()))
        cert_file, key_file = d / f"{stem}.pem", d / f"{stem}.key"
        cert_file.write_bytes(cert.public_bytes(serialization.Encoding.PEM))
        key_file.write_bytes(key.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8,
                                               serialization.NoEncryption()))
        return cert_file, key_file

    ca_file = d / "ca.pem"
    ca_file.write_bytes(ca.public_bytes(serialization.Encoding.PEM))
    cert, key = leaf([x509.IPAddress(ipaddress.ip_address("127.0.0.1")), x509.DNSName("localhost")], "server")
    wrong_cert, wrong_key = leaf([x509.DNSName("mail.example")], "other")
    return Pki(ca_file, cert, key, wrong_cert, wrong_key)


class Inbox:
    def __init__(self) -> None:
        self.messages: list[Any] = []
        self.tls: list[bool] = []

    async def handle_DATA(self, server: Any, session: Any, envelope: Any) -> str:
        self.messages.append(message_from_bytes(envelope.content, policy=policy.default))
        # STARTTLS sets session.ssl; implicit TLS shows on the transport
        self.tls.append(session.ssl is not None or server.transport.get_extra_info("ssl_object") is not None)
        return "250 OK"


def _port() -> int:
    with socket.socket() as probe:  # aiosmtpd checks its own port on start, so it needs a real one
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


class StartTlsController(Controller):
    """A server that offers STARTTLS and refuses mail before it (require_starttls)."""

    def __init__(self, handler: Inbox, port: int, context: ssl.SSLContext) -> None:
        self.context = context
        super().__init__(handler, hostname="127.0.0.1", port=port)

    def factory(self) -> SMTP:
        return SMTP(self.handler, tls_context=self.context, require_starttls=True, hostname="mail.test")


def _server_context(cert: Path, key: Path) -> ssl.SSLContext:
    context = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
    context.load_cert_chain(cert, key)
    return context


@pytest.fixture(params=["starttls", "implicit"])
def server(request: pytest.FixtureRequest, pki: Pki) -> Iterator[tuple[str, Inbox, int]]:
    inbox, port = Inbox(), _port()
    context = _server_context(pki.cert_file, pki.key_file)
    controller: Controller
    if request.param == "starttls":
        controller = StartTlsController(inbox, port, context)
    else:
        controller = Controller(inbox, hostname="127.0.0.1", port=port, ssl_context=context, server_hostname="127.0.0.1")
    controller.start()
    try:
        yield request.param, inbox, port
    finally:
        controller.stop()


def _smtp(mode: str, port: int, ca_file: Path | None = None) -> SmtpConfig:
    return SmtpConfig(host="127.0.0.1", port=port, sender="dutydesk@contractor.example",
                      starttls=mode == "starttls", implicit_tls=mode == "implicit",
                      ca_file=str(ca_file) if ca_file else None, timeout_seconds=5)


def _message() -> OutboxMessage:
    return OutboxMessage(id=1, dedupe_key="page:1", customer_id="noi", kind="page", audience="person:petar",
                         payload="{}", created_at=utc(2026, 11, 23, 8, 4), next_attempt_at=utc(2026, 11, 23, 8, 4))


async def test_a_self_signed_server_is_refused_by_default(noi_config: Config, server: tuple[str, Inbox, int]) -> None:
    mode, inbox, port = server
    mail = EmailNotifier(noi_config, _smtp(mode, port), {})
    with pytest.raises(PermanentDeliveryError, match="certificate verify failed"):
        await mail.deliver(PETAR, Reply(text="CUCM down"), _message())
    assert inbox.messages == []


async def test_the_configured_private_ca_is_trusted(noi_config: Config, pki: Pki,
                                                    server: tuple[str, Inbox, int]) -> None:
    mode, inbox, port = server
    mail = EmailNotifier(noi_config, _smtp(mode, port, pki.ca_file), {})
    await mail.deliver(PETAR, Reply(text="CUCM down", lines=("call me",)), _message())
    [got] = inbox.messages
    assert got["To"] == "petar@contractor.example" and got["Subject"] == "CUCM down" and inbox.tls == [True]


async def test_a_certificate_for_another_host_is_refused_even_from_the_trusted_ca(noi_config: Config,
                                                                                   pki: Pki) -> None:
    inbox, port = Inbox(), _port()
    controller = StartTlsController(inbox, port, _server_context(pki.wrong_host_cert, pki.wrong_host_key))
    controller.start()
    try:
        mail = EmailNotifier(noi_config, _smtp("starttls", port, pki.ca_file), {})
        with pytest.raises(PermanentDeliveryError, match=r"IP address mismatch|hostname mismatch"):
            await mail.deliver(PETAR, Reply(text="CUCM down"), _message())
        assert inbox.messages == []
    finally:
        controller.stop()


def test_implicit_tls_and_starttls_are_one_choice_and_a_password_never_goes_in_clear() -> None:
    with pytest.raises(ValueError, match="implicit_tls"):
        SmtpConfig(host="mail.example", port=465, sender="d@example", starttls=True, implicit_tls=True)
    with pytest.raises(ValueError, match="in clear"):
        SmtpConfig(host="mail.example", port=25, sender="d@example", username_env="U", password_env="P")
    with pytest.raises(ValueError, match="ca_file is for TLS"):
        SmtpConfig(host="mail.example", port=25, sender="d@example", ca_file="/etc/ca.pem")


async def test_a_page_typed_on_two_lines_is_mailed_with_a_one_line_subject(noi_config: Config, db_url: str,
                                                                          pki: Pki) -> None:
    inbox, port = Inbox(), _port()
    controller = StartTlsController(inbox, port, _server_context(pki.cert_file, pki.key_file))
    controller.start()
    smtp = _smtp("starttls", port, pki.ca_file)
    config = noi_config.model_copy(update={"desk": noi_config.desk.model_copy(update={"smtp": smtp})})
    h = DeskHarness(config, db_url, utc(2026, 11, 23, 8, 4))
    try:
        assert not (await h.say("georgi", "/page petar CUCM down\ncall me\r\nBcc: everyone@example")).is_error
        result = await Dispatcher(h.db, h.clock, [EmailNotifier(config, smtp, {})], config).tick()
        assert (result.sent, result.failed, result.given_up) == (1, 0, 0)
        [got] = inbox.messages
        subject = str(got["Subject"])
        assert "\n" not in subject and "\r" not in subject and "CUCM down call me" in subject
        assert got["Bcc"] is None  # what was typed stays in the Subject, never a header of its own
        assert "call me" in got.get_content()
        pages = h.db.read_sync(lambda s: list(s.exec(select(OutboxMessage).where(OutboxMessage.kind == "page"))))
        assert all(p.sent_at is not None for p in pages)
    finally:
        h.close()
        controller.stop()


async def test_a_message_the_server_refuses_for_good_is_not_retried(noi_config: Config, pki: Pki) -> None:
    class Refusing(Inbox):
        async def handle_RCPT(self, server: Any, session: Any, envelope: Any, address: str,
                              rcpt_options: list[str]) -> str:
            return "550 5.1.1 no such mailbox"  # RFC 5321 §4.2.2: a permanent negative reply

    inbox, port = Refusing(), _port()
    controller = StartTlsController(inbox, port, _server_context(pki.cert_file, pki.key_file))
    controller.start()
    try:
        mail = EmailNotifier(noi_config, _smtp("starttls", port, pki.ca_file), {})
        with pytest.raises(PermanentDeliveryError, match="550"):
            await mail.deliver(PETAR, Reply(text="CUCM down"), _message())
    finally:
        controller.stop()
