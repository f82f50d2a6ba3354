"""What the desk tells chats about an incident, queued in the outbox in the same transaction as the change.

- ``incident.card`` → the customer's channel(s): the incident's card (state, clocks, next-step buttons),
  posted once and then edited in place; the event that changed it goes into the card's thread.
- ``page`` → each engineer of the customer, by direct message, with an Acknowledge button (until the
  on-call issue brings rotations and escalation, every engineer of the customer is paged).
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any, Protocol
from zoneinfo import ZoneInfo

from sqlmodel import Session

from commands.desk.reply import Reply
from commands.domain.config import Config, CustomerConfig
from commands.domain.i18n.catalog import t
from commands.domain.i18n.format import format_time
from commands.incidents.sla import ClockLike, clock_lines
from commands.incidents.views import buttons_for_state, category_title, component_title, excerpt
from storage.outbox import Outbox, message_row
from storage.register import Register


class IncidentLike(Protocol):
    id: int | None
    control_number: str
    customer_id: str
    state: str
    category: str
    component: str
    description: str


@dataclass
class IncidentFacts:
    """The fields of a just-inserted incident, without building an ORM object on the report path."""

    id: int | None
    control_number: str
    customer_id: str
    state: str
    category: str
    component: str
    description: str


def card(customer: CustomerConfig, inc: IncidentLike, clocks: Sequence[ClockLike], now: datetime) -> Reply:
    locale = customer.locale
    title = t(locale, "status.title", number=inc.control_number, state=t(locale, f"state.{inc.state}"),
              category=category_title(customer, inc.category, locale),
              component=component_title(customer, inc.component))
    desc = excerpt(inc.description, 300)
    lines = [desc, *clock_lines(clocks, locale=locale, tz_name=customer.timezone, now=now)]
    return Reply(text=title, lines=tuple(lines), locale=locale, control_number=inc.control_number,
                 buttons=buttons_for_state(inc.state, inc.control_number, locale), kind="info")


def event_line(customer: CustomerConfig, kind: str, actor_name: str, text: str, at: datetime) -> str:
    locale = customer.locale
    label = t(locale, f"event.{kind}") if f"event.{kind}" in _EVENT_KEYS else kind
    line = f"{format_time(at, ZoneInfo(customer.timezone), locale)} · {label} · {actor_name}"
    return f"{line} — {excerpt(text, 500)}" if text else line


def announce(session: Session, config: Config, inc: IncidentLike, *, event_id: int, kind: str, actor: str,
             text: str, now: datetime) -> None:
    """Queue the card update for this change (one outbox row per timeline event). The card itself is
    rendered when it is delivered (``render_card``), from the incident as it is then: the report's
    transaction stays small, and a late delivery never shows an older state than the database."""
    assert inc.id is not None
    customer = config.customers[inc.customer_id]
    actor_name = config.people[actor].name if actor in config.people else actor
    Outbox(session).put_many([card_message(
        inc.customer_id, customer.locale, inc.control_number, inc.id, event_id=event_id, kind=kind,
        event=event_line(customer, kind, actor_name, text, now), now=now)])


def card_message(customer_id: str, locale: str, number: str, incident_id: int, *, event_id: int, kind: str,
                 event: str, now: datetime) -> dict[str, Any]:
    """The outbox row of a card update: ``event`` (an ``event_line``) goes into the card's thread."""
    payload = {
        "text": number,  # stands in until rendered
        "control_number": number,
        "locale": locale,
        "incident_id": incident_id,
        "event": event,
        "event_kind": kind,
    }
    return message_row(dedupe_key=f"card:{event_id}", customer_id=customer_id, kind="incident.card",
                       audience=f"customer:{customer_id}", payload=json.dumps(payload, ensure_ascii=False),
                       now=now, incident_id=incident_id)


def render_card(session: Session, config: Config, incident_id: int, now: datetime) -> Reply | None:
    """The card of an incident as it stands now (None if there is no such incident)."""
    reg = Register(session)
    inc = reg.by_id(incident_id)
    if inc is None or inc.customer_id not in config.customers:
        return None
    return card(config.customers[inc.customer_id], inc, reg.clocks(incident_id), now)


def engineer_pages(config: Config, inc: IncidentLike, now: datetime) -> list[dict[str, Any]]:
    """The outbox rows that page every engineer of the customer about a new incident."""
    assert inc.id is not None
    customer = config.customers[inc.customer_id]
    rows = []
    for pid, person in config.people.items():
        if "engineer" not in person.roles.get(inc.customer_id, ()):
            continue
        locale = person.locale or customer.locale
        reply = Reply(
            text=t(locale, "page.new", number=inc.control_number,
                   category=category_title(customer, inc.category, locale),
                   component=component_title(customer, inc.component), customer=customer.name),
            lines=(excerpt(inc.description, 300),), locale=locale, control_number=inc.control_number, kind="info",
            buttons=buttons_for_state("registered", inc.control_number, locale),
        )
        rows.append(message_row(
            dedupe_key=f"page:{inc.id}:{pid}:new", customer_id=inc.customer_id, kind="page",
            audience=f"person:{pid}", payload=json.dumps({**reply.to_dict(), "incident_id": inc.id},
                                                         ensure_ascii=False),
            now=now, incident_id=inc.id))
    return rows


def _event_keys() -> frozenset[str]:
    from commands.domain.i18n.catalog import MESSAGES

    return frozenset(k for k in MESSAGES if k.startswith("event."))


_EVENT_KEYS = _event_keys()
