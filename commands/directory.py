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
        # Every channel the desk serves belongs to one customer (its engineers' channels too), or is the
        # contractor's own (desk.channels); a direct message belongs to the person.
        self._channel_customer: dict[str, str] = {
            f"{transport}:{chan}": cid
            for cid, cust in config.customers.items() for transport, chan in cust.channels.by_transport()}
        self._contractor_channels = frozenset(
            f"{transport}:{chan}" for transport, chan in config.desk.channels.by_transport())

    def actor(self, identity: str) -> Actor | None:
        pid = self._by_identity.get(identity)
        return Actor(pid, self.config.people[pid]) if pid else None

    def customer_of_channel(self, channel: str) -> str | None:
        return self._channel_customer.get(channel)

    def is_contractor_channel(self, channel: str) -> bool:
        """A channel of the contractor's own (``desk.channels``), where only its staff act."""
        return channel in self._contractor_channels

    def served_channels(self, transport: str) -> frozenset[str]:
        """The ids of the channels the desk serves on ``transport``: every customer's and the contractor's."""
        prefix = f"{transport}:"
        return frozenset(c[len(prefix):] for c in (*self._channel_customer, *self._contractor_channels)
                         if c.startswith(prefix))

    def form_customer(self, actor: Actor, channel: str) -> str | None:
        """Whose form (a Slack modal, a Telegram guide) to offer in ``channel``: the channel's customer, or
        the person's only one — None where the desk would refuse the command or ask which customer, so no
        form shows a customer's categories and components where that customer does not belong."""
        cid = self.customer_of_channel(channel)
        if cid is None and self.is_contractor_channel(channel) and not actor.is_staff:
            return None
        if cid is None and len(actor.customers()) == 1:
            cid = actor.customers()[0]
        return cid if cid is not None and cid in actor.customers() else None

    def people_of(self, customer_id: str) -> list[str]:
        """The ids of the people with a role with the customer: all that may be named to its people."""
        return [pid for pid, p in self.config.people.items() if p.roles.get(customer_id)]

    def may_be_paged_for(self, person_id: str, customer_id: str) -> bool:
        """Whether a page of the customer may reach the person: an engineer or admin role with it."""
        person = self.config.people.get(person_id)
        return person is not None and bool({"engineer", "admin"} & set(person.roles.get(customer_id, ())))

    def customer(self, customer_id: str) -> CustomerConfig:
        return self.config.customers[customer_id]

    def customer_by_prefix(self, prefix: str) -> str | None:
        for cid, cust in self.config.customers.items():
            if cust.prefix == prefix:
                return cid
        return None

    def reply_locale(self, identity: str, channel: str, customer_id: str | None = None,
                     number: str | None = None) -> str:
        """The language the desk answers ``identity`` in, in ``channel``: the one place that decides it, for
        the desk and every transport's own sentences alike.

        1. the person's own ``locale``, when set;
        2. the customer the request is about — ``customer_id``, or the customer of a control ``number``
           (``NOI-2026-00001``) the person serves;
        3. the channel's customer, when it is one of the person's (or the person is unknown);
        4. the first customer the person serves (in the order of their roles in the config);
        5. English.
        """
        actor = self.actor(identity)
        if actor is not None and actor.person.locale:
            return actor.person.locale
        mine = actor.customers() if actor is not None else []
        if customer_id is None and number is not None:
            prefix = number.upper().rsplit("-", 2)[0]
            cid = self.customer_by_prefix(prefix)
            customer_id = cid if cid in mine else None  # another customer's number tells nothing
        if customer_id is None:
            cid = self.customer_of_channel(channel)
            if cid is not None and (actor is None or cid in mine):
                customer_id = cid
        if customer_id is None and mine:
            customer_id = mine[0]
        return self.config.customers[customer_id].locale if customer_id else "en"

    def person_name(self, person_id: str) -> str:
        person = self.config.people.get(person_id)
        return person.name if person else person_id
