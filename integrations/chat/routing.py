"""Where an outbox audience is, on one chat transport.

- ``customer:<id>``  → the customer's channels on that transport (config ``channels.<transport>``);
- ``engineers:<id>`` → the customer's engineers' channels (``channels.engineers_<transport>``), or, when
  there are none, a direct message to each engineer/admin of the customer who has an identity there;
- ``person:<id>``    → a direct message to the person's identity on that transport;
- ``chat:<transport>:<chat id>`` → that chat, on that transport only (where a person asked: a report
  kept in the journal gets its control number there, commands/desk/journaled.py).
"""

from __future__ import annotations

from dataclasses import dataclass

from commands.domain.config import Config


@dataclass(frozen=True)
class Destination:
    chat_id: str  # a channel/group id, a user id for a direct message (or a phone number, an address)
    direct: bool
    person: str | None = None  # whose it is, for a direct message: their next channel is the fallback


class Routes:
    def __init__(self, config: Config, transport: str) -> None:
        self.config = config
        self.transport = transport

    def _identity(self, person_id: str) -> str | None:
        person = self.config.people.get(person_id)
        if person is None:
            return None
        prefix = f"{self.transport}:"
        return next((i[len(prefix):] for i in person.identities if i.startswith(prefix)), None)

    def destinations(self, audience: str) -> list[Destination]:
        kind, _, ident = audience.partition(":")
        if kind == "chat":
            transport, _, chat = ident.partition(":")
            return [Destination(chat, False)] if transport == self.transport and chat else []
        if kind == "person":
            uid = self._identity(ident)
            return [Destination(uid, True, ident)] if uid else []
        customer = self.config.customers.get(ident)
        if customer is None:
            return []
        channels = customer.channels
        if kind == "customer":
            ids = channels.ids(self.transport)
            return [Destination(c, False) for c in ids]
        if kind == "engineers":
            ids = channels.ids(f"engineers_{self.transport}")
            if ids:
                return [Destination(c, False) for c in ids]
            out = []
            for pid, person in self.config.people.items():
                if {"engineer", "admin"} & set(person.roles.get(ident, ())):
                    uid = self._identity(pid)
                    if uid:
                        out.append(Destination(uid, True, pid))
            return out
        return []
