"""The tables. The register (incident, counter, timeline) is contractual evidence: rows are only ever
inserted or moved forward, never deleted."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import Column, Index, Text, UniqueConstraint
from sqlmodel import Field, SQLModel

from storage.types import UTCDateTime


def _utc(nullable: bool = True, index: bool = False) -> object:
    return Field(default=None, sa_column=Column(UTCDateTime(), nullable=nullable, index=index))


class ControlCounter(SQLModel, table=True):
    """The last control number handed out per customer and year (row-locked while allocating)."""

    __tablename__ = "control_counter"
    customer_id: str = Field(primary_key=True, max_length=32)
    year: int = Field(primary_key=True)
    last: int = 0


class Incident(SQLModel, table=True):
    __tablename__ = "incident"
    __table_args__ = (
        UniqueConstraint("customer_id", "year", "seq", name="uq_incident_customer_year_seq"),
        Index("ix_incident_customer_state", "customer_id", "state"),
    )

    id: int | None = Field(default=None, primary_key=True)
    control_number: str = Field(max_length=32, unique=True)
    customer_id: str = Field(max_length=32)
    year: int
    seq: int
    category: str = Field(max_length=32)
    component: str = Field(max_length=32)
    description: str = Field(sa_column=Column(Text, nullable=False))
    reporter: str = Field(max_length=64)
    source: str = Field(max_length=128)  # transport:channel the report came from
    state: str = Field(max_length=16)
    assignee: str | None = Field(default=None, max_length=64)
    arrival_mode: str | None = Field(default=None, max_length=16)
    reported_at: datetime = Field(sa_column=Column(UTCDateTime(), nullable=False))  # first notification
    registered_at: datetime = Field(sa_column=Column(UTCDateTime(), nullable=False))
    acknowledged_at: datetime | None = _utc()  # type: ignore[assignment]
    arrived_at: datetime | None = _utc()  # type: ignore[assignment]
    resolved_at: datetime | None = _utc()  # type: ignore[assignment]
    confirmed_at: datetime | None = _utc()  # type: ignore[assignment]
    cancelled_at: datetime | None = _utc()  # type: ignore[assignment]
    received_at: datetime | None = _utc()  # type: ignore[assignment]  # handset delivered to the service centre
    resolution: str | None = Field(default=None, sa_column=Column(Text, nullable=True))
    # When the reporter was reminded that the fix will be accepted tacitly (NULL: not yet, for this resolve).
    confirm_reminded_at: datetime | None = _utc()  # type: ignore[assignment]
    # When the sweeper next has to look at this incident (a warning, a breach); NULL = nothing pending.
    next_check_at: datetime | None = _utc(index=True)  # type: ignore[assignment]


class TimelineEvent(SQLModel, table=True):
    """Append-only history of an incident: who did what, when, from which channel."""

    __tablename__ = "timeline_event"
    id: int | None = Field(default=None, primary_key=True)
    incident_id: int = Field(foreign_key="incident.id", index=True)
    at: datetime = Field(sa_column=Column(UTCDateTime(), nullable=False))
    actor: str = Field(max_length=64)
    kind: str = Field(max_length=32)
    channel: str = Field(max_length=128)
    text: str = Field(default="", sa_column=Column(Text, nullable=False, server_default=""))
    data: str = Field(default="{}", sa_column=Column(Text, nullable=False, server_default="{}"))


class SlaClock(SQLModel, table=True):
    """One SLA clock of an incident (reaction, arrival, resolution)."""

    __tablename__ = "sla_clock"
    __table_args__ = (UniqueConstraint("incident_id", "name", name="uq_sla_clock_incident_name"),)
    id: int | None = Field(default=None, primary_key=True)
    incident_id: int = Field(foreign_key="incident.id")  # the unique (incident_id, name) index serves lookups
    name: str = Field(max_length=16)
    target: str = Field(max_length=64)
    started_at: datetime | None = _utc()  # type: ignore[assignment]  # None until its start event
    deadline: datetime | None = _utc()  # type: ignore[assignment]
    stopped_at: datetime | None = _utc()  # type: ignore[assignment]
    met: bool | None = None
    margin_seconds: int | None = None  # deadline - stop (negative = breached by)
    # When the stop became final: the stop itself for reaction and arrival; the customer's confirmation
    # (or tacit acceptance) for a resolution clock stopped by /resolve. NULL with ``stopped_at`` set: the
    # stop is provisional, awaiting confirmation (docs/sla.md).
    final_at: datetime | None = _utc()  # type: ignore[assignment]
    paused_since: datetime | None = _utc()  # type: ignore[assignment]
    rev: int = 0  # bumped when the deadline is recomputed for a new category: warnings start afresh
    warned: str = Field(default="", max_length=64)  # fractions already warned, e.g. "0.5,0.8"
    breach_sent: bool = False


class SlaPause(SQLModel, table=True):
    __tablename__ = "sla_pause"
    id: int | None = Field(default=None, primary_key=True)
    incident_id: int = Field(foreign_key="incident.id", index=True)
    started_at: datetime = Field(sa_column=Column(UTCDateTime(), nullable=False))
    ended_at: datetime | None = _utc()  # type: ignore[assignment]
    reason: str = Field(default="", sa_column=Column(Text, nullable=False, server_default=""))
    clocks: str = Field(default="resolution", max_length=64)


class Delivery(SQLModel, table=True):
    """A platform delivery already handled, with the reply it got (repeats get the same reply)."""

    __tablename__ = "delivery"
    transport: str = Field(primary_key=True, max_length=16)
    delivery_id: str = Field(primary_key=True, max_length=128)
    at: datetime = Field(sa_column=Column(UTCDateTime(), nullable=False))
    reply: str = Field(sa_column=Column(Text, nullable=False))


class OutboxMessage(SQLModel, table=True):
    """Something the bot must tell someone, written in the same transaction as its cause."""

    __tablename__ = "outbox"
    __table_args__ = (Index("ix_outbox_pending", "sent_at", "next_attempt_at"),)
    id: int | None = Field(default=None, primary_key=True)
    dedupe_key: str = Field(max_length=200, unique=True)
    customer_id: str = Field(max_length=32)
    incident_id: int | None = Field(default=None, foreign_key="incident.id")
    kind: str = Field(max_length=32)
    audience: str = Field(max_length=128)  # "customer:<id>", "engineers:<id>", "person:<id>"
    payload: str = Field(sa_column=Column(Text, nullable=False))
    created_at: datetime = Field(sa_column=Column(UTCDateTime(), nullable=False))
    next_attempt_at: datetime = Field(sa_column=Column(UTCDateTime(), nullable=False))
    attempts: int = 0
    sent_at: datetime | None = _utc()  # type: ignore[assignment]
    last_error: str | None = Field(default=None, sa_column=Column(Text, nullable=True))
    late: bool = False
    # The delivery lease (storage/outbox.py): which replica holds the message, until when (real time,
    # the database's clock), and when the first delivery attempt began (kept until sent: a message
    # claimed again with it set may already be in the chat).
    claimed_by: str | None = Field(default=None, max_length=128)
    lease_until: datetime | None = _utc()  # type: ignore[assignment]
    attempt_started_at: datetime | None = _utc()  # type: ignore[assignment]


class OutboxDelivery(SQLModel, table=True):
    """One destination's delivery of an outbox message (a channel, a person's chat, phone or address), so a
    message for several destinations reaches each once and one that refuses fails alone
    (storage/deliveries.py). No row yet: not tried."""

    __tablename__ = "outbox_delivery"
    __table_args__ = (Index("ix_outbox_delivery_state_at", "state", "updated_at"),)
    message_id: int = Field(primary_key=True, foreign_key="outbox.id")
    destination: str = Field(primary_key=True, max_length=200)  # "<transport>:<chat id, phone or address>"
    state: str = Field(max_length=16)  # sent | retry (failed, will be tried again) | failed (for good)
    attempts: int = 0
    last_error: str | None = Field(default=None, sa_column=Column(Text, nullable=True))
    updated_at: datetime = Field(sa_column=Column(UTCDateTime(), nullable=False))


class ChatMessage(SQLModel, table=True):
    """Where an incident's card was posted, so later changes edit that message in place."""

    __tablename__ = "chat_message"
    __table_args__ = (Index("ix_chat_message_ref", "transport", "channel_id", "message_id"),)  # incident_of
    incident_id: int = Field(primary_key=True, foreign_key="incident.id")
    transport: str = Field(primary_key=True, max_length=16)
    channel_id: str = Field(primary_key=True, max_length=64)
    message_id: str = Field(max_length=64)  # "" while the first post is under way (storage/chat_refs.py)
    posting_by: str | None = Field(default=None, max_length=128)
    posting_since: datetime | None = _utc()  # type: ignore[assignment]


class OncallOverride(SQLModel, table=True):
    """Someone takes a schedule's shift for a while (made in chat with /oncall override)."""

    __tablename__ = "oncall_override"
    id: int | None = Field(default=None, primary_key=True)
    schedule: str = Field(max_length=32, index=True)
    person: str = Field(max_length=64)
    start: datetime = Field(sa_column=Column(UTCDateTime(), nullable=False))
    end: datetime = Field(sa_column=Column(UTCDateTime(), nullable=False, index=True))
    made_by: str = Field(max_length=64)
    made_at: datetime = Field(sa_column=Column(UTCDateTime(), nullable=False))


class Escalation(SQLModel, table=True):
    """Where an incident's paging stands; advanced by the sweeper until someone acknowledges."""

    __tablename__ = "escalation"
    incident_id: int = Field(primary_key=True, foreign_key="incident.id")
    policy: str = Field(max_length=32)  # the category id, or "default"
    round: int = 0
    step: int = 0  # the next step to run
    round_started_at: datetime | None = _utc()  # type: ignore[assignment]  # None until paging may start
    next_at: datetime | None = _utc()  # type: ignore[assignment]
    stopped_at: datetime | None = _utc()  # type: ignore[assignment]
    stopped_by: str | None = Field(default=None, max_length=64)
    paged: str = Field(default="", sa_column=Column(Text, nullable=False, server_default=""))  # person ids, comma-separated


class ChatRef(SQLModel, table=True):
    """A message that shows something changing (a backup run's progress), edited in place as it moves.

    ``seq`` orders the states, so a state delivered late never replaces a newer one."""

    __tablename__ = "chat_ref"
    key: str = Field(primary_key=True, max_length=100)
    transport: str = Field(primary_key=True, max_length=16)
    channel_id: str = Field(primary_key=True, max_length=64)
    message_id: str = Field(max_length=64)
    seq: int = 0


class ChatMigration(SQLModel, table=True):
    """A chat that changed its id (a Telegram group upgraded to a supergroup): the desk delivers to the
    new id and takes the new id's commands as the old one's, until the config names the new id."""

    __tablename__ = "chat_migration"
    transport: str = Field(primary_key=True, max_length=16)
    old_chat_id: str = Field(primary_key=True, max_length=64)
    new_chat_id: str = Field(max_length=64)
    customer_id: str = Field(max_length=32)
    migrated_at: datetime = Field(sa_column=Column(UTCDateTime(), nullable=False))  # when the desk learnt it
    noticed_by: str = Field(max_length=32)  # "error" (a call to the old id was refused) or "service message"
