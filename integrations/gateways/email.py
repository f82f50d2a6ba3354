"""Pages by e-mail over SMTP (the standard library's client, run in a thread).

TLS is verified: STARTTLS (``starttls``) or implicit TLS (``implicit_tls``, port 465) with
``ssl.create_default_context()`` — the server's certificate must chain to a trusted CA (the system's, or
only ``ca_file`` when a private CA signed it) and name the host connected to — so the SMTP password never
goes over an unverified channel. Headers are single lines: what a person typed (a page's text on
several lines) is flattened into the Subject, never a header break. An error no retry can fix (a
certificate that does not verify, a refused login, a 5xx reply, a malformed message) raises
``PermanentDeliveryError``: the destination is given up at once and the contractor told; a 4xx reply or
a connection failure is tried again.
"""

from __future__ import annotations

import asyncio
import os
import re
import smtplib
import ssl
from collections.abc import Mapping
from email.message import EmailMessage
from email.policy import SMTP as SMTP_POLICY

from commands.desk.reply import Reply
from commands.domain.config import Config
from commands.oncall.domain.config import SmtpConfig
from integrations.chat.base import PermanentDeliveryError
from integrations.chat.routing import Destination
from storage.models import OutboxMessage

MAX_SUBJECT = 200
# Line breaks and other control characters (C0, DEL, C1, and the Unicode line/paragraph separators):
# none may reach a header.
_CONTROL = re.compile(r"[\x00-\x1f\x7f-\x9f\u2028\u2029]+")


class EmailError(Exception):
    pass


class PermanentEmailError(EmailError, PermanentDeliveryError):
    pass


def one_line(text: str, limit: int = MAX_SUBJECT) -> str:
    """A header value from typed text: control characters and line breaks become single spaces."""
    flat = " ".join(_CONTROL.sub(" ", text).split())
    return flat if len(flat) <= limit else flat[: limit - 1] + "…"


class EmailNotifier:
    name = "email"

    def __init__(self, config: Config, smtp: SmtpConfig, environ: Mapping[str, str] | None = None) -> None:
        self.config = config
        self.smtp = smtp
        env = os.environ if environ is None else environ
        self._user = env.get(smtp.username_env) if smtp.username_env else None
        self._password = env.get(smtp.password_env) if smtp.password_env else None

    def _address(self, audience: str) -> str | None:
        kind, _, pid = audience.partition(":")
        if kind == "chat" and pid.startswith("email:"):  # one address (a web sign-in link asked for there)
            return pid.partition(":")[2] or None
        person = self.config.people.get(pid) if kind == "person" else None
        return person.email if person else None

    def destinations(self, audience: str) -> list[Destination]:
        to = self._address(audience)
        if to is None:
            return []
        return [Destination(to, True, None if audience.startswith("chat:") else audience.partition(":")[2])]

    def tls_context(self) -> ssl.SSLContext:
        """Certificate and host name verified; a private CA's bundle replaces the system's when given."""
        if self.smtp.ca_file:
            return ssl.create_default_context(cafile=self.smtp.ca_file)
        return ssl.create_default_context()

    async def deliver(self, destination: Destination, reply: Reply, message: OutboxMessage) -> None:
        try:
            mail = self._compose(destination.chat_id, reply)
        except ValueError as exc:  # a header the message cannot carry: sending again cannot help
            raise PermanentEmailError(f"message not valid: {exc}") from exc
        await self.send(mail)

    async def send(self, mail: EmailMessage) -> None:
        """Send one composed message over verified TLS; raises ``EmailError`` (try again) or
        ``PermanentEmailError`` (no retry can help). The e-mail channel's replies go out here too."""
        try:
            await asyncio.to_thread(self._send, mail)
        except ssl.SSLCertVerificationError as exc:
            raise PermanentEmailError(f"SMTP TLS: certificate verify failed: {exc.verify_message or exc} (a server "
                                      "whose certificate a private CA signed needs desk.smtp.ca_file)") from exc
        except ssl.CertificateError as exc:
            raise PermanentEmailError(f"SMTP TLS: {exc}") from exc
        except (smtplib.SMTPAuthenticationError, smtplib.SMTPNotSupportedError) as exc:
            raise PermanentEmailError(f"SMTP: {type(exc).__name__}: {exc}") from exc
        except smtplib.SMTPRecipientsRefused as exc:
            codes = [code for code, _ in exc.recipients.values()]
            error = EmailError if all(400 <= c < 500 for c in codes) else PermanentEmailError
            raise error(f"SMTP: recipient refused: {exc.recipients}") from exc
        except smtplib.SMTPResponseException as exc:  # a 5xx reply is permanent (RFC 5321 §4.2.1)
            error = PermanentEmailError if 500 <= exc.smtp_code < 600 else EmailError
            raise error(f"SMTP: {exc.smtp_code} {exc.smtp_error!r}") from exc
        except (OSError, smtplib.SMTPException) as exc:
            raise EmailError(f"SMTP: {type(exc).__name__}: {exc}") from exc

    def _compose(self, to: str, reply: Reply) -> EmailMessage:
        mail = EmailMessage(policy=SMTP_POLICY)  # CRLF, folded headers; a header with a line break raises
        mail["From"] = self.smtp.sender
        mail["To"] = to
        mail["Subject"] = one_line(reply.text)
        body = "\n".join((reply.text, *reply.lines))
        if reply.buttons:
            body += "\n\n" + "\n".join(f"{b.label}: {b.command}" for b in reply.buttons)
        mail.set_content(body)
        return mail

    def _send(self, mail: EmailMessage) -> None:
        host, port, timeout = self.smtp.host, self.smtp.port, self.smtp.timeout_seconds
        client: smtplib.SMTP
        if self.smtp.implicit_tls:
            client = smtplib.SMTP_SSL(host, port, timeout=timeout, context=self.tls_context())
        else:
            client = smtplib.SMTP(host, port, timeout=timeout)
        with client:
            if self.smtp.starttls:
                client.starttls(context=self.tls_context())
            if self._user and self._password:
                client.login(self._user, self._password)
            client.send_message(mail)
