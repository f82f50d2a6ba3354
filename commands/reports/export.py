"""The register as rows of text for a CSV export (``dutydesk export``): one row per incident, with every
SLA clock's deadline, outcome and margin judged exactly as the monthly protocol judges them
(``clock_result``).

Times are the customer's local time in ISO 8601 with the UTC offset (``2026-11-23T10:04:00+02:00``):
each value is an exact instant, so no separate UTC columns are needed to convert or compare them, and the
local wall-clock reading is what the contract's working hours and the customer's staff refer to. Column
names are stable English identifiers (a data file for tools and spreadsheets, not a localised report);
categories and components come as ids and as the customer's titles.

Each clock has two stops: ``<clock>_stopped`` is the instant the clock stopped — for a resolution clock
under ``resolution_stops = "resolved"``, the fix (/resolve), a provisional stop — and ``<clock>_final``
the instant that stop became final (the customer's confirmation or tacit acceptance; the stop itself for
reaction and arrival). A stopped clock with an empty ``_final`` awaits confirmation: its ``_outcome`` is
``met`` or ``breached`` as of the fix, provisionally (docs/sla.md).
"""

from __future__ import annotations

from collections.abc import Iterator
from datetime import date, datetime
from zoneinfo import ZoneInfo

from sqlmodel import Session

from commands.domain.config import CLOCKS, Config
from commands.incidents.views import category_title, component_title
from commands.reports.domain.math import clock_result, day_bounds
from storage.export import ExportRow, export_register

_CLOCK_FIELDS = ("target", "deadline", "stopped", "final", "outcome", "margin_seconds")
HEADER: tuple[str, ...] = (
    "control_number", "customer", "category", "category_title", "component", "component_name", "description",
    "reporter", "reporter_name", "source", "first_notification", "registered", "acknowledged", "assignee",
    "arrived", "arrival_mode", "received", "resolved", "resolution", "confirmed", "state", "cancelled",
    "cancel_reason",
    *(f"{clock}_{f}" for clock in CLOCKS for f in _CLOCK_FIELDS),
)


def period(start: date | None, end: date | None, tz: ZoneInfo) -> tuple[datetime | None, datetime | None]:
    """The UTC instants bounding the local dates ``start`` to ``end``, both days included."""
    return (None if start is None else day_bounds(start, tz)[0],
            None if end is None else day_bounds(end, tz)[1])


def local_iso(at: datetime | None, tz: ZoneInfo) -> str:
    return "" if at is None else at.astimezone(tz).isoformat(timespec="seconds")


def export_rows(session: Session, config: Config, customer_id: str, start: datetime | None,
                end: datetime | None, as_of: datetime) -> Iterator[list[str | int]]:
    """The register's rows (without the header); a running clock is judged at ``as_of``: its margin is the
    time left (negative: overdue by)."""
    customer = config.customers[customer_id]
    tz, locale = customer.tz, customer.locale
    names = {pid: p.name for pid, p in config.people.items()}
    for x in export_register(session, customer_id, start, end):
        yield _line(x, customer_id, tz, locale, names, as_of, config)


def _line(x: ExportRow, customer_id: str, tz: ZoneInfo, locale: str, names: dict[str, str], as_of: datetime,
          config: Config) -> list[str | int]:
    r = x.row
    customer = config.customers[customer_id]
    cells: list[str | int] = [
        r.control_number, customer_id, r.category, category_title(customer, r.category, locale), r.component,
        component_title(customer, r.component), r.description, r.reporter, names.get(r.reporter, ""), x.source,
        local_iso(r.reported_at, tz), local_iso(r.registered_at, tz), local_iso(r.acknowledged_at, tz),
        x.assignee or "", local_iso(r.arrived_at, tz), r.arrival_mode or "", local_iso(x.received_at, tz),
        local_iso(r.resolved_at, tz), x.resolution or "", local_iso(r.confirmed_at, tz), r.state,
        local_iso(r.cancelled_at, tz), x.cancel_reason or "",
    ]
    cancelled = r.state == "cancelled"
    for c in r.clocks:
        if c is None:  # the category has no such clock
            cells += [""] * len(_CLOCK_FIELDS)
            continue
        result = clock_result(c.started_at, c.deadline, c.stopped_at, c.met, c.margin_seconds, as_of,
                              cancelled=cancelled)
        cells += [c.target, local_iso(c.deadline, tz), local_iso(c.stopped_at, tz), local_iso(c.final_at, tz),
                  result.outcome,
                  "" if result.margin is None else result.margin]  # a number, written as one
    return cells
