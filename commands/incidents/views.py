"""How an incident reads in chat: its card (title, clocks, buttons) and its timeline."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from zoneinfo import ZoneInfo

from commands.desk.reply import Button
from commands.domain.config import CustomerConfig
from commands.domain.i18n.catalog import t
from commands.domain.i18n.format import format_datetime
from commands.incidents.sla import ClockLike, clock_lines
from storage.models import Incident, TimelineEvent


def excerpt(text: str, limit: int) -> str:
    """``text`` as it is, or its first ``limit - 1`` characters and "…": a cut never goes unmarked."""
    return text if len(text) <= limit else text[: limit - 1] + "…"


def category_title(customer: CustomerConfig, key: str, locale: str) -> str:
    cat = customer.categories.get(key)
    if cat is None:
        return key
    return cat.title.get(locale) or cat.title.get("en") or key


def component_title(customer: CustomerConfig, key: str) -> str:
    comp = customer.components.get(key)
    return (comp.label if comp and comp.label else None) or key.upper()


def buttons_for(incident: Incident, locale: str) -> tuple[Button, ...]:
    return buttons_for_state(incident.state, incident.control_number, locale)


def buttons_for_state(state: str, n: str, locale: str) -> tuple[Button, ...]:
    """The next steps a person can press, according to the incident's state."""
    match state:
        case "registered":
            return (Button(t(locale, "button.ack"), f"/ack {n}", "primary"),)
        case "acknowledged":
            return (
                Button(t(locale, "button.onsite"), f"/arrive {n} onsite"),
                Button(t(locale, "button.remote"), f"/arrive {n} remote"),
            )
        case "in_progress":
            return (Button(t(locale, "button.resolve"), f"/resolve {n}", "primary"),)
        case "resolved":
            return (Button(t(locale, "button.confirm"), f"/confirm {n}", "primary"),)
    return ()


def status_lines(
    incident: Incident,
    clocks: Sequence[ClockLike],
    events: Sequence[TimelineEvent],
    *,
    customer: CustomerConfig,
    locale: str,
    now: datetime,
    person_name: dict[str, str],
) -> tuple[str, list[str]]:
    tz = ZoneInfo(customer.timezone)
    title = t(
        locale,
        "status.title",
        number=incident.control_number,
        state=t(locale, f"state.{incident.state}"),
        category=category_title(customer, incident.category, locale),
        component=component_title(customer, incident.component),
    )
    lines = [
        t(locale, "status.description", text=incident.description),
        t(locale, "status.reporter", person=person_name.get(incident.reporter, incident.reporter), channel=incident.source),
        t(locale, "reported_at", when=format_datetime(incident.reported_at, tz, locale, with_tz=True)),
        *clock_lines(clocks, locale=locale, tz_name=customer.timezone, now=now),
        t(locale, "status.timeline"),
    ]
    for ev in events:
        who = person_name.get(ev.actor, ev.actor)
        text = f" — {ev.text}" if ev.text else ""
        lines.append(
            f"  {format_datetime(ev.at, tz, locale)} · {t(locale, f'event.{ev.kind}') if _has(ev.kind) else ev.kind}"
            f" · {who} ({ev.channel}){text}"
        )
    return title, lines


def _has(kind: str) -> bool:
    from commands.domain.i18n.catalog import MESSAGES

    return f"event.{kind}" in MESSAGES
