"""A transport's questions to the desk before it runs anything: which customer, which language, may this
person do it. The desk decides (``Desk.decide`` → ``Directory.decide``, the one place of that rule); a
transport asks before it opens a form or a prompt (none where the desk would refuse the command, so
nobody types a text the desk then turns away) and for the language of its own sentences."""

from __future__ import annotations

from commands.desk.desk import Desk
from commands.desk.directory import Decision
from commands.desk.reply import Request


class Asker:
    def __init__(self, desk: Desk, transport: str) -> None:
        self.desk = desk
        self.transport = transport

    def decision(self, user: str, channel: str, command: str = "") -> Decision:
        """The desk's decision for ``command`` ("/resolve NOI-2026-00001") from ``user`` in ``channel`` (the
        platform's ids; a Telegram group under the id the config knows it by)."""
        return self.desk.decide(Request(text=command, transport=self.transport, user_id=user, channel_id=channel))

    def may(self, user: str, channel: str, command: str) -> bool:
        """Whether asking for the command's text is worth it: otherwise the desk refuses the bare command."""
        return self.decision(user, channel, command).allowed

    def locale(self, user: str, channel: str, command: str = "") -> str:
        """The language of the transport's own sentences: the desk's answer's, about ``command`` if given."""
        return self.decision(user, channel, command).locale

    def form_customer(self, user: str, channel: str) -> tuple[str, str] | None:
        """(customer id, locale) of the /incident form to offer: None where the desk would refuse the
        command or ask which customer, so no form shows a customer's categories where it does not belong."""
        decided = self.decision(user, channel, "/incident")
        if not decided.allowed or decided.customer_id is None:
            return None
        return decided.customer_id, decided.locale
