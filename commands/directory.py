"""Who is talking and for which customer: chat identities → people, chat channels → customers."""

from __future__ import annotations

from dataclasses import dataclass

from commands.domain.config import Config, CustomerConfig, PersonConfig


@dataclass(frozen=True)
class Actor:
    person_id: str
    person: PersonConfig

    @property
    def name(self) -> str:
        return self.person.name

    def roles(self, customer_id: str) -> tuple[str, ...]:
        return self.person.roles.get(customer_id, ())

    def customers(self) -> list[str]:
        return [cid for cid, roles in self.person.roles.items() if roles]

    @property
    def is_staff(self) -> bool:
        """An engineer or admin of any customer (the contractor's people)."""
        return any(r in ("engineer", "admin") for roles in self.person.roles.values() for r in roles)


class Directory:
    def __init__(self, config: Config) -> None:
        self.config = config
        self._by_identity = {
            ident: pid for pid, person in config.people.items() for ident in person.identities
        }
        self._channel_customer: dict[str, str] = {}
        for cid, cust in config.customers.items():
            ch = cust.channels
            for transport, ids in (("slack", ch.slack), ("telegram", ch.telegram), ("console", ch.console)):
                for chan in ids:
                    self._channel_customer[f"{transport}:{chan}"] = cid

    def actor(self, identity: str) -> Actor | None:
        pid = self._by_identity.get(identity)
        return Actor(pid, self.config.people[pid]) if pid else None

    def customer_of_channel(self, channel: str) -> str | None:
        return self._channel_customer.get(channel)

    def customer(self, customer_id: str) -> CustomerConfig:
        return self.config.customers[customer_id]

    def customer_by_prefix(self, prefix: str) -> str | None:
        for cid, cust in self.config.customers.items():
            if cust.prefix == prefix:
                return cid
        return None

    def person_name(self, person_id: str) -> str:
        person = self.config.people.get(person_id)
        return person.name if person else person_id
