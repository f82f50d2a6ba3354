"""The desk's configuration as validated data.

One TOML file describes customers (calendar, SLA policy, components, channels) and people (chat
identities, roles per customer). Loading the file is ``bot.settings``' job; this module only says what a
valid configuration is, so every error names the key and the problem.
"""

from __future__ import annotations

import re
from functools import cached_property
from typing import Any, ClassVar, Literal
from zoneinfo import ZoneInfo

from pydantic import BaseModel, ConfigDict, Field, field_validator, model_validator

from commands.backups.domain.config import BackupTable
from commands.desk.domain.email_config import CustomerEmailConfig, MailboxConfig
from commands.desk.domain.ratelimit_config import RateLimitsConfig
from commands.domain.calendar_config import CalendarConfig
from commands.domain.fields import TRANSPORT_NAME, check_timezone, parse_duration
from commands.domain.fields import Strict as _Strict
from commands.domain.web_config import WebConfig
from commands.health.domain.config import CheckTable
from commands.incidents.domain.acceptance import acceptance_policy, parse_working_days
from commands.incidents.domain.attachments import AttachmentsConfig
from commands.incidents.domain.sla import parse_target
from commands.oncall.domain.config import (
    EscalationConfig,
    ScheduleConfig,
    SmsGatewayConfig,
    SmtpConfig,
    known_channels,
)
from commands.preventive.domain.config import PreventiveTable
from commands.reports.domain.config import ReportConfig

Role = Literal["reporter", "engineer", "admin"]
Locale = Literal["en", "bg", "fa"]
# What stops the resolution clock (docs/sla.md): the fix in place (the tender's reading: the customer's
# confirmation only makes that stop final) or the customer's confirmation itself.
ResolutionStops = Literal["resolved", "confirmed"]
CLOCKS: tuple[str, ...] = ("reaction", "arrival", "resolution")
_ID = re.compile(r"^[a-z0-9][a-z0-9_-]{0,31}$")


class CategoryConfig(_Strict):
    """One problem category of the SLA policy and its targets (absent target = no such clock)."""

    title: dict[str, str] = Field(default_factory=dict, description="display name per locale")
    aliases: tuple[str, ...] = ()
    reaction: str | None = None
    arrival: str | None = None
    resolution: str | None = None
    pause_affects: tuple[str, ...] = ("resolution",)
    warn_at: tuple[float, ...] = (0.5, 0.8)
    description: str = ""
    resolution_stops: ResolutionStops | None = None  # None: the customer's setting

    @field_validator("reaction", "arrival", "resolution")
    @classmethod
    def _target(cls, v: str | None) -> str | None:
        if v is None:
            return v
        parse_target(v)  # raises ValueError naming what is wrong
        return v

    @field_validator("pause_affects")
    @classmethod
    def _pause(cls, v: tuple[str, ...]) -> tuple[str, ...]:
        bad = [c for c in v if c not in CLOCKS]
        if bad:
            raise ValueError(f"unknown clock(s) {bad}; use {', '.join(CLOCKS)}")
        return v

    @field_validator("warn_at")
    @classmethod
    def _warn(cls, v: tuple[float, ...]) -> tuple[float, ...]:
        if any(not 0 < f < 1 for f in v):
            raise ValueError("warning fractions must be between 0 and 1, e.g. [0.5, 0.8]")
        return tuple(sorted(set(v)))

    def target(self, clock: str) -> str | None:
        value: str | None = getattr(self, clock)
        return value


class ComponentConfig(_Strict):
    name: str
    label: str | None = None  # short form shown in chat, e.g. "CUCM" (default: the id in capitals)
    aliases: tuple[str, ...] = ()
    description: str = ""


# A transport's name (slack, telegram, console, or the name of any other chat adapter), and the key of its
# channels in a ``channels`` table (``<name>``, and for a customer ``engineers_<name>``). Which transports
# exist is the composition root's knowledge (bot/transports.py checks the names the config uses), so a
# new chat platform needs no field here. TRANSPORT_NAME (the name's pattern) is in commands/domain/fields.py.


class _Channels(BaseModel):
    """Channel ids per transport: the fields below, and ``<transport> = [...]`` for any other platform."""

    model_config = ConfigDict(extra="allow", frozen=True)
    __pydantic_extra__: dict[str, tuple[str, ...]] = Field(init=False)
    _engineers: ClassVar[bool] = False  # whether ``engineers_<transport>`` keys are allowed

    @model_validator(mode="after")
    def _transport_keys(self) -> _Channels:
        for key in self.model_extra or {}:
            name = key.removeprefix("engineers_") if self._engineers else key
            if not TRANSPORT_NAME.fullmatch(name):
                raise ValueError(f"channels.{key}: a key is a transport's name ({', '.join(type(self).model_fields)} "
                                 "or another platform's)")
        return self

    def _all(self) -> dict[str, tuple[str, ...]]:
        return {**{k: getattr(self, k) for k in type(self).model_fields}, **(self.model_extra or {})}

    def ids(self, key: str) -> tuple[str, ...]:
        """The channel ids under ``key`` ("slack", "engineers_telegram", "matrix"...)."""
        return self._all().get(key, ())

    def by_transport(self) -> list[tuple[str, str]]:
        """(transport, channel id) of every channel here, the engineers' included."""
        return [(key.removeprefix("engineers_"), chan) for key, ids in self._all().items() for chan in ids]

    def transports(self) -> set[str]:
        """The transports named here, with or without channels."""
        return {key.removeprefix("engineers_") for key in self._all()}



class ChannelsConfig(_Channels):
    """Chat channels that belong to the customer: ids per transport. The engineers' channels belong to the
    customer too: commands there act for this customer only."""

    _engineers: ClassVar[bool] = True
    slack: tuple[str, ...] = ()
    telegram: tuple[str, ...] = ()
    console: tuple[str, ...] = ()
    engineers_slack: tuple[str, ...] = ()
    engineers_telegram: tuple[str, ...] = ()


class DeskChannelsConfig(_Channels):
    """The contractor's own channels (``[desk.channels]``): only the contractor's staff act there, for
    any customer they serve (``--customer`` when they serve several)."""

    slack: tuple[str, ...] = ()
    telegram: tuple[str, ...] = ()
    console: tuple[str, ...] = ()


class CustomerConfig(_Strict):
    name: str
    prefix: str
    locale: Locale = "en"
    timezone: str
    contract: str = ""
    calendar: CalendarConfig = Field(default_factory=CalendarConfig)
    categories: dict[str, CategoryConfig]
    components: dict[str, ComponentConfig]
    channels: ChannelsConfig = Field(default_factory=ChannelsConfig)
    # Escalation policy per category id ("default" for the others); none = page the engineers once.
    escalation: dict[str, EscalationConfig] = Field(default_factory=dict)
    # Health checks by check id (commands/health/domain/config.py), validated against the tables above.
    checks: CheckTable = Field(default_factory=dict)
    # Backup targets by id (commands/backups/domain/config.py): driver, schedule, retention, alerts.
    backups: BackupTable = Field(default_factory=dict)
    # Daily summary and monthly protocol (commands/reports/domain/config.py): time, days, parties.
    reports: ReportConfig = Field(default_factory=lambda: ReportConfig())
    # Preventive maintenance (commands/preventive/domain/config.py): contract start, planned tasks.
    preventive: PreventiveTable = None
    # What stops the resolution clock (a category may say otherwise), and tacit acceptance of a fix:
    # no answer within ``confirm_after`` working days confirms it (commands/incidents/domain/acceptance.py).
    resolution_stops: ResolutionStops = "resolved"
    confirm_after: str | None = None
    confirm_reminder: str | None = None
    # E-mail as a channel (commands/desk/domain/email_config.py, docs/email.md)
    email: CustomerEmailConfig | None = None

    @field_validator("confirm_after")
    @classmethod
    def _confirm_after(cls, v: str | None) -> str | None:
        if v is not None:
            parse_working_days(v)
        return v

    @model_validator(mode="after")
    def _reminder(self) -> CustomerConfig:
        if self.confirm_reminder is not None and self.confirm_after is None:
            raise ValueError("confirm_reminder needs confirm_after (the tacit acceptance it reminds of)")
        acceptance_policy(self.confirm_after, self.confirm_reminder)  # raises ValueError naming the problem
        return self

    def resolution_stops_for(self, category: str) -> ResolutionStops:
        """What stops the resolution clock of an incident of ``category``: "resolved" or "confirmed"."""
        cat = self.categories.get(category)
        return cat.resolution_stops if cat is not None and cat.resolution_stops is not None else self.resolution_stops

    @field_validator("prefix")
    @classmethod
    def _prefix(cls, v: str) -> str:
        if not re.fullmatch(r"[A-Z][A-Z0-9]{1,9}", v):
            raise ValueError(f"{v!r}: a prefix is 2-10 capital letters or digits, starting with a letter")
        return v

    @field_validator("timezone")
    @classmethod
    def _tz(cls, v: str) -> str:
        return check_timezone(v)

    @field_validator("categories", "components")
    @classmethod
    def _ids(cls, v: dict[str, object]) -> dict[str, object]:
        if not v:
            raise ValueError("at least one entry is needed")
        for key in v:
            if not _ID.match(key):
                raise ValueError(f"{key!r}: ids are lower-case letters, digits, '-' or '_'")
        return v

    @model_validator(mode="after")
    def _email_defaults(self) -> CustomerConfig:
        if self.email is not None:
            if self.email.category not in self.categories:
                raise ValueError(f"email.category: {self.email.category!r} is not one of the customer's categories")
            if self.email.component not in self.components:
                raise ValueError(f"email.component: {self.email.component!r} is not one of the customer's components")
            if self.email.summary_to and (not self.reports.daily or "customer" not in self.reports.daily_to):
                raise ValueError("email.summary_to: the customer gets no daily summary (reports.daily and "
                                 "reports.daily_to = [\"customer\", ...])")
        return self

    @model_validator(mode="after")
    def _unique_aliases(self) -> CustomerConfig:
        for what, table in (("category", self.categories), ("component", self.components)):
            seen: dict[str, str] = {}
            for key, entry in table.items():
                names = [key, *entry.aliases]
                if isinstance(entry, CategoryConfig):
                    names += list(entry.title.values())
                for name in names:
                    folded = name.casefold()
                    if folded in seen and seen[folded] != key:
                        raise ValueError(f"{what} alias {name!r} names both {seen[folded]!r} and {key!r}")
                    seen[folded] = key
        return self

    @cached_property
    def tz(self) -> ZoneInfo:
        return ZoneInfo(self.timezone)

    def category_key(self, word: str) -> str | None:
        """The category a typed word names: its id, an alias or a title in any locale, any case."""
        return self._category_names.get(word.casefold())

    def component_key(self, word: str) -> str | None:
        """The component a typed word names: its id or an alias, any case."""
        return self._component_names.get(word.casefold())

    @cached_property
    def _category_names(self) -> dict[str, str]:
        names: dict[str, str] = {}
        for key, cat in self.categories.items():  # the first category to claim a name keeps it
            for name in (key, *cat.aliases, *cat.title.values()):
                names.setdefault(name.casefold(), key)
        return names

    @cached_property
    def _component_names(self) -> dict[str, str]:
        names: dict[str, str] = {}
        for key, comp in self.components.items():
            for name in (key, *comp.aliases):
                names.setdefault(name.casefold(), key)
        return names


class PersonConfig(_Strict):
    name: str
    identities: tuple[str, ...] = Field(description="transport:user id, e.g. slack:U123, telegram:456, api:monitoring")
    roles: dict[str, tuple[Role, ...]] = Field(default_factory=dict, description="customer id → roles")
    locale: Locale | None = None
    paging: tuple[str, ...] = ("slack", "telegram", "sms", "email")  # tried in this order when paged
    phone: str | None = None  # for SMS pages
    email: str | None = None  # for e-mail pages

    @field_validator("paging")
    @classmethod
    def _paging(cls, v: tuple[str, ...]) -> tuple[str, ...]:
        return known_channels(v)

    @field_validator("identities")
    @classmethod
    def _identities(cls, v: tuple[str, ...]) -> tuple[str, ...]:
        for ident in v:
            transport, _, uid = ident.partition(":")
            if not TRANSPORT_NAME.fullmatch(transport) or not uid:
                raise ValueError(f"{ident!r}: an identity is slack:<id>, telegram:<id>, console:<name>, "
                                 "email:<address>, api:<token name> (DUTYDESK_API_TOKENS) or <another transport>:<id>")
            if transport == "email" and uid != uid.strip().lower():
                raise ValueError(f"{ident!r}: an e-mail identity is written in lower case")
        return v


class DeskConfig(_Strict):
    contractor: str = "dutydesk"
    reported_max_age: str = "7d"
    max_description: int = 4000
    timezone: str = "UTC"  # the contractor's own time zone and working calendar (paging hours)
    calendar: CalendarConfig = Field(default_factory=CalendarConfig)
    sms: SmsGatewayConfig | None = None
    smtp: SmtpConfig | None = None
    # the desk's mailbox (commands/desk/domain/email_config.py): mail to it becomes incidents
    email: MailboxConfig | None = None
    # bounds of the files kept with incidents (commands/incidents/domain/attachments.py)
    attachments: AttachmentsConfig = Field(default_factory=lambda: AttachmentsConfig())
    data_dir: str = "data"  # files the desk keeps (backups under <data_dir>/backups)
    channels: DeskChannelsConfig = Field(default_factory=DeskChannelsConfig)
    rate_limits: RateLimitsConfig = Field(default_factory=lambda: RateLimitsConfig())
    # Attempts at an outbox message before the destinations that still fail are given up and reported
    # (backoff 5 s doubling to 15 min: 12 attempts span about 80 minutes).
    delivery_attempts: int = Field(default=12, ge=1, le=100)
    # the web application's identity providers (commands/domain/web_config.py, docs/web.md)
    web: WebConfig = Field(default_factory=WebConfig)

    @field_validator("timezone")
    @classmethod
    def _tz(cls, v: str) -> str:
        return check_timezone(v)

    @field_validator("reported_max_age")
    @classmethod
    def _age(cls, v: str) -> str:
        parse_duration(v)
        return v


class Config(_Strict):
    desk: DeskConfig = Field(default_factory=DeskConfig)
    customers: dict[str, CustomerConfig]
    people: dict[str, PersonConfig]
    schedules: dict[str, ScheduleConfig] = Field(default_factory=dict)

    @model_validator(mode="after")
    def _references(self) -> Config:
        for cid in self.customers:
            if not _ID.match(cid):
                raise ValueError(f"customers.{cid}: ids are lower-case letters, digits, '-' or '_'")
        prefixes: dict[str, str] = {}
        for cid, cust in self.customers.items():
            if cust.prefix in prefixes:
                raise ValueError(f"customers.{cid}.prefix: {cust.prefix!r} is already used by {prefixes[cust.prefix]!r}")
            prefixes[cust.prefix] = cid
        owners: dict[str, str] = {}
        for pid, person in self.people.items():
            for cid in person.roles:
                if cid not in self.customers:
                    raise ValueError(f"people.{pid}.roles: unknown customer {cid!r}")
            for ident in person.identities:
                if ident in owners:
                    raise ValueError(f"people.{pid}.identities: {ident!r} also belongs to {owners[ident]!r}")
                owners[ident] = pid
        for sid, sched in self.schedules.items():
            for layer in sched.layers:
                for pid in layer.people:
                    if pid not in self.people:
                        raise ValueError(f"schedules.{sid}.layers.{layer.name}: unknown person {pid!r}")
        for cid, cust in self.customers.items():
            for key, policy in cust.escalation.items():
                if key != "default" and key not in cust.categories:
                    raise ValueError(f"customers.{cid}.escalation.{key}: not a category of {cid!r} (or 'default')")
                for n, step in enumerate(policy.steps):
                    for target in step.notify:
                        kind, _, ident = target.partition(":")
                        tables: dict[str, dict[str, Any]] = {
                            "schedule": self.schedules, "person": self.people, "engineers": self.customers}
                        if ident not in tables[kind]:
                            raise ValueError(f"customers.{cid}.escalation.{key}.steps[{n}]: unknown {kind} {ident!r}")
        for pid, provider in self.desk.web.oidc.items():
            for cid in provider.customers or ():
                if cid not in self.customers:
                    raise ValueError(f"desk.web.oidc.{pid}.customers: unknown customer {cid!r}")
        self._placements()
        self._preventive_owners()
        domain_owner: dict[str, str] = {}
        for cid, cust in self.customers.items():  # a mail domain says which customer a sender writes for
            for domain in cust.email.domains if cust.email else ():
                if domain in domain_owner:
                    raise ValueError(f"customers.{cid}.email.domains: {domain!r} also belongs to {domain_owner[domain]!r}")
                domain_owner[domain] = cid
        channel_owner: dict[str, str] = {}
        owned = [(f"customers.{cid}.channels", cid, cust.channels.by_transport())
                 for cid, cust in self.customers.items()]
        owned.append(("desk.channels", "the contractor (desk.channels)", self.desk.channels.by_transport()))
        for where, owner, channels in owned:
            for transport, chan in channels:
                key = f"{transport}:{chan}"
                if key in channel_owner:
                    raise ValueError(f"{where}: {transport} channel {chan!r} also belongs to {channel_owner[key]}; "
                                     "a channel belongs to exactly one customer, or to the contractor")
                channel_owner[key] = repr(owner) if owner in self.customers else owner
        return self

    def transport_names(self) -> set[str]:
        """Every transport the configuration names: in identities, channels and paging orders."""
        names = {ident.partition(":")[0] for p in self.people.values() for ident in p.identities}
        names |= {channel for p in self.people.values() for channel in p.paging}
        for customer in self.customers.values():
            names |= customer.channels.transports()
        return names | self.desk.channels.transports()

    def _placements(self) -> None:
        """Who may be paged for whom: everyone on a schedule holds an engineer role with every customer whose
        escalation uses it, and a person an escalation names holds an engineer or admin role with that
        customer — so a customer's page never reaches someone who cannot act on it (docs/security.md)."""
        for sid, users in self.schedule_users().items():
            for layer in self.schedules[sid].layers:
                for pid in layer.people:
                    lacking = [cid for cid in users if "engineer" not in self.people[pid].roles.get(cid, ())]
                    if lacking:
                        raise ValueError(
                            f"schedules.{sid}.layers.{layer.name}: {pid!r} has no engineer role with "
                            f"{', '.join(map(repr, lacking))}, whose escalation uses schedule {sid!r}; give them "
                            "the role or use another schedule for that customer")
        for cid, cust in self.customers.items():
            for key, policy in cust.escalation.items():
                for n, step in enumerate(policy.steps):
                    for target in step.notify:
                        kind, _, ident = target.partition(":")
                        where = f"customers.{cid}.escalation.{key}.steps[{n}]"
                        if kind == "person" and not {"engineer", "admin"} & set(self.people[ident].roles.get(cid, ())):
                            raise ValueError(f"{where}: {ident!r} has no engineer or admin role with {cid!r}")
                        if kind == "engineers" and ident != cid:
                            raise ValueError(f"{where}: a customer's escalation pages its own engineers "
                                             f"(engineers:{cid}), not {target!r}")

    def _preventive_owners(self) -> None:
        """Who is responsible for a planned task exists and may act for the customer."""
        for cid, cust in self.customers.items():
            for key, task in (cust.preventive.tasks.items() if cust.preventive else ()):
                kind, _, ident = task.responsible.partition(":")
                where = f"customers.{cid}.preventive.tasks.{key}.responsible"
                if kind == "schedule" and ident not in self.schedules:
                    raise ValueError(f"{where}: unknown schedule {ident!r}")
                if kind == "person" and (ident not in self.people or not {"engineer", "admin"} & set(
                        self.people[ident].roles.get(cid, ()))):
                    raise ValueError(f"{where}: {ident!r} is not an engineer or admin of {cid!r}")
                if kind == "engineers" and ident != cid:
                    raise ValueError(f"{where}: a customer's task is done by its own engineers (engineers:{cid})")

    def schedules_of(self, customer_id: str) -> list[str]:
        """The on-call schedules of a customer: those its escalation pages, or else those nobody's escalation
        pages whose people are all its engineers. Another customer's schedule is never among them."""
        users = self.schedule_users()
        used = [sid for sid, cids in users.items() if customer_id in cids]
        if used:
            return used
        return [sid for sid, cids in users.items() if not cids and all(
            "engineer" in self.people[pid].roles.get(customer_id, ())
            for layer in self.schedules[sid].layers for pid in layer.people)]

    def schedule_users(self) -> dict[str, list[str]]:
        """Schedule id → the customers whose escalation pages it."""
        users: dict[str, list[str]] = {sid: [] for sid in self.schedules}
        for cid, cust in self.customers.items():
            for policy in cust.escalation.values():
                for step in policy.steps:
                    for target in step.notify:
                        kind, _, sid = target.partition(":")
                        if kind == "schedule" and sid in users and cid not in users[sid]:
                            users[sid].append(cid)
        return users

    def without_rate_limits(self) -> Config:
        """The same configuration with command rate limits off: for load tests and benchmarks, where one
        person sends hundreds of commands a second on purpose."""
        desk = self.desk.model_copy(update={"rate_limits": RateLimitsConfig(enabled=False)})
        return self.model_copy(update={"desk": desk})
