"""What a page shows, computed from the register's rows for one reader: clocks with the time left or
overdue and the share of the budget used, timeline lines, the actions the reader's roles allow."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime
from zoneinfo import ZoneInfo

from commands.desk.context import Services
from commands.desk.domain.roles import may_run
from commands.domain.i18n.catalog import MESSAGES, t
from commands.domain.i18n.format import format_datetime, format_duration
from commands.domain.i18n.targets import describe_target
from commands.incidents.domain.lifecycle import OPEN_STATES, can
from commands.incidents.domain.sla import elapsed_fraction, parse_target, start_event
from commands.incidents.sla import plan_clocks
from commands.incidents.views import category_title, component_title
from storage.models import SlaClock, TimelineEvent

# The actions a page offers, in the lifecycle's order; which of them a reader sees is decided by the
# roles table (may_run: commands/desk/domain/roles.py) and the lifecycle (can: the state), as in chat.
ACTIONS = ("ack", "arrive", "resolve", "confirm", "reopen", "pause", "resume", "category", "handover", "note")
_OPEN_ONLY = ("pause", "resume", "category", "handover")


@dataclass(frozen=True)
class ClockView:
    label: str
    deadline: str  # formatted, "" when the clock has not started
    status: str  # "3 h 20 min left", "overdue by 1 h", "met · …"
    share: float  # 0..1+ of the budget used (1 = the deadline)
    tone: str  # ok | warn | late | over | done | waiting

    @property
    def percent(self) -> int:
        return max(0, min(100, round(self.share * 100)))


def tone(share: float) -> str:
    if share >= 1:
        return "over"
    if share >= 0.8:
        return "late"
    if share >= 0.5:
        return "warn"
    return "ok"


def clock_view(services: Services, customer_id: str, c: SlaClock, now: datetime, locale: str) -> ClockView:
    customer = services.config.customers[customer_id]
    tz = ZoneInfo(customer.timezone)
    label = t(locale, f"clock.{c.name}")
    if c.deadline is None or c.started_at is None:
        return ClockView(label, "", t(locale, "web.none_running"), 0.0, "waiting")
    deadline = format_datetime(c.deadline, tz, locale)
    if c.stopped_at is not None:
        key = "clock.met" if c.met else "clock.breached"
        margin = format_duration(abs(c.deadline - c.stopped_at), locale)
        status = t(locale, key, clock=label, when=format_datetime(c.stopped_at, tz, locale), margin=margin)
        return ClockView(label, deadline, status, 0.0 if c.met else 1.0, "done" if c.met else "over")
    at = c.paused_since or now
    share = elapsed_fraction(parse_target(c.target), c.started_at, c.deadline, at, services.calendar(customer_id))
    if now <= c.deadline:
        status = t(locale, "web.left", time=format_duration(c.deadline - now, locale))
    else:
        status = t(locale, "web.overdue", time=format_duration(now - c.deadline, locale))
    return ClockView(label, deadline, status, share, tone(share))


@dataclass(frozen=True)
class EventView:
    when: str
    what: str
    who: str
    source: str
    text: str


def event_view(e: TimelineEvent, tz: ZoneInfo, locale: str, names: Mapping[str, str]) -> EventView:
    key = f"event.{e.kind}"
    what = t(locale, key) if key in MESSAGES else e.kind
    source = e.channel.partition(":")[0] or e.channel  # "web", "slack", "telegram", "console", "system"
    return EventView(format_datetime(e.at, tz, locale), what, names.get(e.actor, e.actor), source, e.text)


def actions_for(state: str, roles: Sequence[str]) -> list[str]:
    out = []
    for action in ACTIONS:
        if not may_run(action, roles):
            continue
        if action in _OPEN_ONLY:
            if state in OPEN_STATES:
                out.append(action)
        elif can(action, state):
            out.append(action)
    return out


def promises(services: Services, customer_id: str, now: datetime, locale: str) -> list[tuple[str, str, list[str]]]:
    """Each category of the customer with what the contract promises for a report made now: the clocks'
    targets and deadlines, as /sla says them."""
    customer = services.config.customers[customer_id]
    cal = services.calendar(customer_id)
    out = []
    for key, cat in customer.categories.items():
        lines = []
        for c in plan_clocks(cat, now, cal):
            label = t(locale, f"clock.{c.name}")
            if c.deadline is None:
                lines.append(t(locale, "clock.waiting", clock=label,
                               event=t(locale, f"event.{start_event(parse_target(c.target))}")))
            else:
                lines.append(t(locale, "sla.preview_line", clock=label, target=describe_target(c.target, locale),
                               when=format_datetime(c.deadline, customer.tz, locale)))
        out.append((key, category_title(customer, key, locale), lines))
    return out


def titles(services: Services, customer_id: str, locale: str) -> tuple[dict[str, str], dict[str, str]]:
    customer = services.config.customers[customer_id]
    return ({k: category_title(customer, k, locale) for k in customer.categories},
            {k: component_title(customer, k) for k in customer.components})
