"""Pages by e-mail over SMTP (the standard library's client, run in a thread)."""

from __future__ import annotations

import asyncio
import os
import smtplib
from collections.abc import Mapping
from email.message import EmailMessage

from commands.domain.config import Config
from commands.domain.oncall_config import SmtpConfig
from commands.reply import Reply
from integrations.chat.routing import Destination
from storage.models import OutboxMessage


class EmailError(Exception):
    pass


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
        person = self.config.people.get(pid) if kind == "person" else None
        return person.email if person else None

    def destinations(self, audience: str) -> list[Destination]:
        to = self._address(audience)
        return [Destination(to, True, audience.partition(":")[2])] if to else []

    async def deliver(self, destination: Destination, reply: Reply, message: OutboxMessage) -> None:
        to = destination.chat_id
        mail = EmailMessage()
        mail["From"] = self.smtp.sender
        mail["To"] = to
        mail["Subject"] = reply.text[:200]
        body = "\n".join((reply.text, *reply.lines))
        if reply.buttons:
            body += "\n\n" + "\n".join(f"{b.label}: {b.command}" for b in reply.buttons)
        mail.set_content(body)
        try:
            await asyncio.to_thread(self._send, mail)
        except (OSError, smtplib.SMTPException) as exc:
            raise EmailError(f"SMTP: {type(exc).__name__}: {exc}") from exc

    def _send(self, mail: EmailMessage) -> None:
        with smtplib.SMTP(self.smtp.host, self.smtp.port, timeout=self.smtp.timeout_seconds) as client:
            if self.smtp.starttls:
                client.starttls()
            if self._user and self._password:
                client.login(self._user, self._password)
            client.send_message(mail)
