"""The SLA messages of a clock — a warning ("80% of the resolution time is used") or a breach — queued
in the outbox to the customer's channel and to whoever holds the incident, each exactly once."""

from __future__ import annotations

from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

from commands.domain.config import CustomerConfig
from commands.domain.i18n.catalog import t
from commands.domain.i18n.format import format_datetime, format_duration
from commands.incidents.views import category_title, component_title, excerpt
from storage.models import Incident
from storage.outbox import Outbox


def queue_clock_message(outbox: Outbox, inc: Incident, customer: CustomerConfig, clock: str, kind: str,
                        fraction: float, deadline: datetime | None, rev: int, at: datetime, now: datetime,
                        late: bool) -> int:
    """A warning or breach of one clock to the customer and the assignee (or the engineers), each once:
    the dedupe key names the clock's revision and the step."""
    assert deadline is not None and inc.id is not None
    locale = customer.locale
    tz = ZoneInfo(customer.timezone)
    clock_name = t(locale, f"clock.{clock}").lower()
    when = format_datetime(deadline, tz, locale)
    if kind == "warning":
        text = t(locale, "sla.warning", number=inc.control_number, percent=round(fraction * 100), clock=clock_name,
                 when=when, left=format_duration(max(deadline - now, timedelta(0)), locale))
    else:
        text = t(locale, "sla.breach", number=inc.control_number, clock=clock_name, when=when)
    lines = [t(locale, "sla.summary", category=category_title(customer, inc.category, locale),
               component=component_title(customer, inc.component), description=excerpt(inc.description, 200))]
    if late:
        lines.append(t(locale, "sla.late", when=format_datetime(at, tz, locale)))
    payload = {"text": text, "lines": lines, "control_number": inc.control_number, "locale": locale,
               "kind": "error" if kind == "breach" else "info"}
    step = f"warn{round(fraction * 100)}" if kind == "warning" else "breach"
    sent = 0
    audiences = [f"customer:{inc.customer_id}", f"person:{inc.assignee}" if inc.assignee else f"engineers:{inc.customer_id}"]
    for audience in audiences:
        key = f"sla:{inc.id}:{clock}:r{rev}:{step}:{audience}"
        sent += outbox.put(dedupe_key=key, customer_id=inc.customer_id, kind=f"sla.{kind}", audience=audience,
                           payload=payload, now=now, incident_id=inc.id, late=late)
    return sent

