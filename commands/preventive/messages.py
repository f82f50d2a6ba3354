"""What the desk says about a planned task: the reminder, the overdue notice, the auto-completion, and
the one-line form of an occurrence used in lists and summaries."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from commands.desk.context import Services
from commands.domain.i18n.catalog import t
from commands.domain.i18n.format import format_datetime
from commands.incidents.views import component_title
from commands.preventive.plan import task_ref, title_of
from storage.models_maintenance import MaintenanceTask


def ref_of(task: MaintenanceTask) -> str:
    """How people name an occurrence in chat: ``config-archive#2``."""
    return f"{task.task_id}#{task.seq}"


def locale_for(services: Services, customer_id: str, audience: str) -> str:
    kind, _, ident = audience.partition(":")
    customer = services.config.customers[customer_id]
    if kind == "person" and ident in services.config.people:
        return services.config.people[ident].locale or customer.locale
    return customer.locale


def status_of(task: MaintenanceTask, now: datetime) -> str:
    """planned | started | done | skipped, or overdue for an open occurrence past its due instant."""
    if task.state in ("planned", "started") and task.due_at < now:
        return "overdue"
    return task.state


def line(services: Services, task: MaintenanceTask, locale: str, now: datetime) -> str:
    """``config-archive#2 · Archive copies … · due 2027-01-05 17:30 · overdue``."""
    tz = services.config.customers[task.customer_id].tz
    return t(locale, "pm.line", ref=ref_of(task), title=title_of(services, task.customer_id, task.task_id, locale),
             when=format_datetime(task.due_at, tz, locale), state=t(locale, f"pm.state.{status_of(task, now)}"))


def due_message(services: Services, task: MaintenanceTask, kind: str, audience: str, now: datetime,
                late: bool) -> dict[str, Any]:
    locale = locale_for(services, task.customer_id, audience)
    customer = services.config.customers[task.customer_id]
    ref = task_ref(services, task.customer_id, task.task_id)
    when = format_datetime(task.due_at, customer.tz, locale)
    title = title_of(services, task.customer_id, task.task_id, locale)
    text = t(locale, f"pm.{kind}", ref=ref_of(task), title=title, when=when, customer=customer.name)
    lines = []
    if ref is not None and ref.config.components:
        lines.append(t(locale, "pm.components", components=", ".join(component_title(customer, c)
                                                                      for c in ref.config.components)))
    if ref is not None and ref.config.checklist:
        lines.append(t(locale, "pm.checklist_count", count=len(ref.config.checklist)))
    lines.append(t(locale, "pm.how", ref=ref_of(task)))
    if late:
        lines.append(t(locale, "pm.late"))
    return {"text": text, "lines": lines, "locale": locale, "kind": "error" if kind == "overdue" else "info"}


def auto_done_message(services: Services, task: MaintenanceTask, evidence: list[dict[str, Any]], audience: str,
                      now: datetime) -> dict[str, Any]:
    locale = locale_for(services, task.customer_id, audience)
    customer = services.config.customers[task.customer_id]
    text = t(locale, "pm.auto_done", ref=ref_of(task), title=title_of(services, task.customer_id, task.task_id, locale))
    lines = [t(locale, "pm.evidence_item", target=e["target"], run=e["run_id"], sha=e["sha256"] or "—",
               when=format_datetime(e["finished_at"], customer.tz, locale)) for e in evidence]
    return {"text": text, "lines": lines, "locale": locale, "kind": "ok"}
