"""Who is talking and for which customer: chat identities → people, chat channels → customers."""

from __future__ import annotations

import re
from collections.abc import Collection
from dataclasses import dataclass, field

from commands.domain.config import Config, CustomerConfig, PersonConfig

# A control number: its customer's prefix, the year, the sequence ("NOI-2026-00001").
NUMBER = re.compile(r"^([A-Z][A-Z0-9]{1,9})-(\d{4})-(\d{5,})$")


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


@dataclass(frozen=True)
class Decision:
    """Which customer a command is about, the language to answer in, and whether the person may run it:
    the one decision the desk and every transport ask for (``Directory.decide``).

    ``refusal`` is the message id the desk answers with when it refuses (``error.unknown_person``,
    ``error.no_customer``, ``error.foreign_channel``, ``error.staff_channel``, ``error.unknown_customer``,
    ``error.no_such_incident``, ``error.which_customer``, ``error.forbidden``), with its ``params``."""

    locale: str
    actor: Actor | None = None
    customer_id: str | None = None
    roles: tuple[str, ...] = ()  # the person's roles with that customer
    refusal: str | None = None
    params: dict[str, str] = field(default_factory=dict)

    @property
    def allowed(self) -> bool:
        return self.refusal is None


def guest_id(address: str) -> str:
    """How a guest reporter is named on the timeline and in the register (64 characters at most)."""
    return f"guest:{address}"[:64]


class Directory:
    def __init__(self, config: Config) -> None:
        self.config = config
        self._by_identity = {
            ident: pid for pid, person in config.people.items() for ident in person.identities
        }
        # The web application signs a person in by a link sent to one of their identities; its requests
        # then speak as "web:<person id>".
        self._by_identity.update({f"web:{pid}": pid for pid in config.people})
        # Every channel the desk serves belongs to one customer (its engineers' channels too), or is the
        # contractor's own (desk.channels); a direct message belongs to the person.
        self._channel_customer: dict[str, str] = {
            f"{transport}:{chan}": cid
            for cid, cust in config.customers.items() for transport, chan in cust.channels.by_transport()}
        self._contractor_channels = frozenset(
            f"{transport}:{chan}" for transport, chan in config.desk.channels.by_transport())
        # a mail domain → its customer (customers.<id>.email.domains; the config keeps them unique)
        self._domain_customer = {domain: cid for cid, cust in config.customers.items() if cust.email
                                 for domain in cust.email.domains}

    def actor(self, identity: str) -> Actor | None:
        pid = self._by_identity.get(identity)
        return Actor(pid, self.config.people[pid]) if pid else self._guest(identity)

    def customer_of_address(self, address: str) -> str | None:
        """The customer whose mail domain ``address`` is in (``customers.<id>.email.domains``), or None."""
        return self._domain_customer.get(address.rsplit("@", 1)[-1].lower()) if "@" in address else None

    def _guest(self, identity: str) -> Actor | None:
        """An unknown e-mail sender from the mail domain of a customer that takes guests: a reporter of that
        customer alone, named by address (``guest:<address>`` on the timeline)."""
        transport, _, address = identity.partition(":")
        cid = self.customer_of_address(address) if transport == "email" else None
        email = self.config.customers[cid].email if cid is not None else None
        if cid is None or email is None or email.unknown != "guest":
            return None
        return Actor(guest_id(address), PersonConfig(name=guest_id(address), identities=(identity,),
                                                     roles={cid: ("reporter",)}, paging=()))

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

    def decide(self, identity: str, channel: str, *, allowed_roles: Collection[str], takes_number: bool = False,
               args: str = "", customer: str | None = None, personal: bool = False) -> Decision:
        """Who asks, about which customer, in which language, and whether they may: for a command that
        ``allowed_roles`` may run, whose first word of ``args`` is a control number when ``takes_number``,
        with the ``customer`` option when given. The customer is the channel's (a customer's channel
        speaks for that customer only), else the option's, else the number's, else the person's only one.

        A number of another customer than the channel's is refused as unknown (``no_such_incident``),
        the same answer as a missing one, after the roles are checked. A ``personal`` command (about the
        person, not a customer: /web) takes the person's first customer where nothing names one, instead of
        asking which."""
        actor = self.actor(identity)
        guess = self.reply_locale(identity, channel)
        if actor is None:
            return Decision(guess, refusal="error.unknown_person", params={"identity": identity})
        cid, refusal, params = self._customer_for(actor, channel, takes_number, args, customer, personal)
        if cid is None:
            return Decision(guess, actor, refusal=refusal, params=params)
        locale = self.reply_locale(identity, channel, cid)
        roles = actor.roles(cid)
        if not set(roles) & set(allowed_roles):
            return Decision(locale, actor, cid, roles, "error.forbidden")
        first = (args.split() or [""])[0].upper() if takes_number else ""
        m = NUMBER.match(first)
        if m is not None and self.customer_by_prefix(m.group(1)) != cid:
            return Decision(locale, actor, cid, roles, "error.no_such_incident", {"number": first})
        return Decision(locale, actor, cid, roles)

    def _customer_for(self, actor: Actor, channel: str, takes_number: bool, args: str,
                      wanted: str | None, personal: bool = False) -> tuple[str | None, str | None, dict[str, str]]:
        """(customer id, None, {}) or (None, the refusal, its params)."""
        mine = actor.customers()
        if not mine:
            return None, "error.no_customer", {}
        from_channel = self.customer_of_channel(channel)
        if from_channel is not None:  # a customer's channel speaks for that customer only
            return (from_channel, None, {}) if from_channel in mine else (None, "error.foreign_channel", {})
        if self.is_contractor_channel(channel) and not actor.is_staff:
            return None, "error.staff_channel", {}
        if wanted is not None:
            return (wanted, None, {}) if wanted in mine else (None, "error.unknown_customer", {"customer": wanted})
        if takes_number:
            first = (args.split() or [""])[0].upper()
            m = NUMBER.match(first)
            if m:
                cid = self.customer_by_prefix(m.group(1))
                if cid is None or cid not in mine:  # do not reveal other customers' numbers
                    return None, "error.no_such_incident", {"number": first}
                return cid, None, {}
        if len(mine) == 1 or personal:
            return mine[0], None, {}
        return None, "error.which_customer", {"customers": ", ".join(mine)}

    def person_with_address(self, address: str) -> str | None:
        """The person an e-mail address belongs to: an ``email:<address>`` identity or their paging
        ``email``, compared without case; None for an address nobody in the configuration has."""
        wanted = address.strip().lower()
        if not wanted:
            return None
        for pid, person in self.config.people.items():
            mine = {i.partition(":")[2].lower() for i in person.identities if i.startswith("email:")}
            if person.email:
                mine.add(person.email.lower())
            if wanted in mine:
                return pid
        return None

    def person_name(self, person_id: str) -> str:
        person = self.config.people.get(person_id)
        return person.name if person else person_id
