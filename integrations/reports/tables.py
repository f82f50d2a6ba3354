"""The protocol as tables of cells (localised headers, values ready to print): the shared shape behind
the CSV, XLSX, Markdown and PDF renderers, so every format shows the same numbers.

Durations are whole minutes (elapsed time cut down, like format_duration); margins are signed minutes,
negative = breached by (cut towards zero); percentages have one decimal. Dates are the customer's local
time in its locale (Jalali with Persian digits for fa).
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from functools import lru_cache
from zoneinfo import ZoneInfo

from commands.domain.i18n.catalog import t
from commands.domain.i18n.format import format_date, format_datetime
from commands.incidents.views import category_title, component_title
from commands.reports.domain.math import ClockResult
from commands.reports.report import MonthlyProtocol, RegisterEntry

Cell = str | int | float | None


@dataclass
class Table:
    key: str  # register, compliance, per_day, service_protocols, preventive_done, preventive_missed, maintenance, ...
    title: str
    headers: list[str]
    rows: list[list[Cell]]


def minutes(seconds: int | float | None) -> int | None:
    return None if seconds is None else int(seconds // 60)


def signed_minutes(seconds: int | None) -> int | None:
    return None if seconds is None else int(seconds / 60)


def when(p: MonthlyProtocol, at: datetime | None) -> str:
    """An instant as the protocol prints it, to the minute."""
    return "" if at is None else _minute_text(int(at.timestamp() // 60), p.tz, p.locale)


@lru_cache(maxsize=8192)  # the register and the service protocols print each minute several times, in time order
def _minute_text(minute: int, tz: ZoneInfo, locale: str) -> str:
    return format_datetime(datetime.fromtimestamp(minute * 60, UTC), tz, locale)  # its seconds are not printed


def header_lines(p: MonthlyProtocol) -> list[str]:
    """Title, contract, parties, period, the instant clocks are judged at, totals."""
    cust, cfg = p.customer, p.customer.reports
    last_day = p.end.astimezone(p.tz).date() - timedelta(days=1)
    total, met, pct = p.overall()
    lines = [p.t("report.protocol.title", month=p.label)]
    if cust.contract:
        lines.append(p.t("report.protocol.contract", contract=cust.contract))
    lines += [
        p.t("report.protocol.contractor", name=cfg.contractor.name or p.contractor),
        p.t("report.protocol.customer", name=cfg.customer.name or cust.name),
        p.t("report.protocol.period", start=format_date(p.start.astimezone(p.tz).date(), p.locale),
            end=format_date(last_day, p.locale), tz=cust.timezone),
        p.t("report.protocol.as_of", when=format_datetime(p.as_of, p.tz, p.locale, with_tz=True)),
        p.t("report.totals", **p.totals),
        p.t("report.overall", percent=pct_text(pct), met=met, total=total),
        p.t("report.health_incidents", count=p.health_incidents),
    ]
    return lines


def pct_text(v: float | None) -> str:
    return "—" if v is None else f"{v:.1f}%"


def outcome_word(p: MonthlyProtocol, r: ClockResult | None) -> str:
    return "" if r is None else _outcome_word(p.locale, r.outcome, r.awaiting)


@lru_cache(maxsize=256)  # a handful of words, printed three times per incident
def _outcome_word(locale: str, outcome: str, awaiting: bool) -> str:
    word = t(locale, f"report.outcome.{outcome}")
    return t(locale, "report.outcome.provisional", outcome=word) if awaiting else word


def register_headers(p: MonthlyProtocol) -> list[str]:
    h = [p.t(f"report.col.{k}") for k in ("number", "category", "component", "description", "state", "reported")]
    for c in p.clocks:
        clock = p.t(f"clock.{c}")
        h += [p.t("report.col.minutes", clock=clock), p.t("report.col.result", clock=clock),
              p.t("report.col.margin", clock=clock)]
    h += [p.t("report.col.resolved"), p.t("report.col.confirmed")]
    return h


def register_row(p: MonthlyProtocol, e: RegisterEntry) -> list[Cell]:
    row = e.row
    loc = p.locale
    cells: list[Cell] = [
        row.control_number, category_title(p.customer, row.category, loc), component_title(p.customer, row.component),
        row.description, _word(loc, f"state.{row.state}"), when(p, row.reported_at),
    ]
    for r in e.results:
        if r is None:
            cells += [None, "", None]
        else:
            cells += [None if r.elapsed is None else int(r.elapsed // 60), _outcome_word(loc, r.outcome, r.awaiting),
                      None if r.margin is None else int(r.margin / 60)]  # as minutes() and signed_minutes()
    cells += [when(p, row.resolved_at), when(p, row.confirmed_at)]
    return cells


@lru_cache(maxsize=256)
def _word(locale: str, msgid: str) -> str:
    return t(locale, msgid)


def register_rows(p: MonthlyProtocol) -> Iterator[list[Cell]]:
    for e in p.entries:
        yield register_row(p, e)


def compliance_table(p: MonthlyProtocol) -> Table:
    headers = [p.t(f"report.col.{k}") for k in ("category", "clock", "decided", "met", "breached", "running",
                                                 "awaiting", "percent", "median", "worst", "worst_breach")]
    rows: list[list[Cell]] = []
    for c in p.compliance:
        rows.append([category_title(p.customer, c.category, p.locale), p.t(f"clock.{c.clock}"), c.total, c.met,
                     c.breached, c.running, c.awaiting, c.percent,
                     None if c.median is None else round(c.median / 60, 1), minutes(c.worst),
                     signed_minutes(c.worst_margin)])
    return Table("compliance", p.t("report.section.compliance"), headers, rows)


def awaiting_table(p: MonthlyProtocol) -> Table:
    """Fixes awaiting the customer's confirmation as of the protocol's instant: one row per clock stopped
    provisionally, with its provisional outcome (not counted in the compliance until confirmed)."""
    headers = [p.t(f"report.col.{k}") for k in ("number", "category", "resolved", "clock", "result_plain",
                                                 "margin_plain")]
    rows: list[list[Cell]] = []
    for e in p.awaiting:
        for name, r in zip(p.clocks, e.results, strict=True):
            if r is not None and r.awaiting:
                rows.append([e.row.control_number, category_title(p.customer, e.row.category, p.locale),
                             when(p, e.row.resolved_at), p.t(f"clock.{name}"), outcome_word(p, r),
                             signed_minutes(r.margin)])
    return Table("awaiting", p.t("report.section.awaiting"), headers, rows)


def per_day_table(p: MonthlyProtocol) -> Table:
    return Table("per_day", p.t("report.section.per_day"), [p.t("report.col.date"), p.t("report.col.incidents")],
                 [[format_date(d, p.locale), n] for d, n in p.per_day])


def maintenance_table(p: MonthlyProtocol) -> Table:
    headers = [p.t(f"report.col.{k}") for k in ("component", "from", "to", "reason", "repeats")]
    rows: list[list[Cell]] = [[component_title(p.customer, m.component), when(p, m.starts_at), when(p, m.ends_at),
                               m.reason, m.every or ""] for m in p.maintenance]
    return Table("maintenance", p.t("report.section.maintenance"), headers, rows)


def backups_table(p: MonthlyProtocol) -> Table:
    headers = [p.t(f"report.col.{k}") for k in ("when", "target", "result_plain", "reason")]
    rows: list[list[Cell]] = [[when(p, b.at), b.target, p.t("report.backup.ok" if b.ok else "report.backup.failed"),
                               b.detail] for b in p.backups]
    return Table("backups", p.t("report.section.backups"), headers, rows)


def health_table(p: MonthlyProtocol) -> Table:
    headers = [p.t(f"report.col.{k}") for k in ("when", "component", "check", "change", "reason")]
    rows: list[list[Cell]] = [[when(p, h.at), component_title(p.customer, h.component), h.check_id,
                               f"{h.from_state} → {h.to_state}", h.reason] for h in p.health]
    return Table("health", p.t("report.section.health"), headers, rows)


def preventive_done_table(p: MonthlyProtocol) -> Table:
    """Planned maintenance done in the month, each with its date and its maintenance protocol."""
    headers = [p.t(f"report.col.{k}") for k in ("task", "title", "due", "done", "by", "checklist", "protocol")]
    rows: list[list[Cell]] = [[e.ref, e.title, when(p, e.due_at), when(p, e.closed_at),
                               p.t("doc.by_backups") if e.by == "backup" else e.by, e.checklist, e.protocol]
                              for e in p.preventive_done]
    return Table("preventive_done", p.t("report.section.preventive_done"), headers, rows)


def preventive_missed_table(p: MonthlyProtocol) -> Table:
    """Planned tasks overdue at the protocol's instant, skipped (with the reason) or done late."""
    headers = [p.t(f"report.col.{k}") for k in ("task", "title", "due", "status", "closed", "reason")]
    rows: list[list[Cell]] = [[e.ref, e.title, when(p, e.due_at), p.t(f"report.pm.{e.status}"), when(p, e.closed_at),
                               e.note if e.status == "skipped" else ""] for e in p.preventive_missed]
    return Table("preventive_missed", p.t("report.section.preventive_missed"), headers, rows)


def service_protocols_table(p: MonthlyProtocol) -> Table:
    """The service protocol of every fault fixed in the month."""
    headers = [p.t(f"report.col.{k}") for k in ("number", "category", "component", "resolved", "confirmed",
                                                 "protocol")]
    rows: list[list[Cell]] = [[f.number, f.category, f.component, when(p, f.resolved_at), when(p, f.confirmed_at),
                               f.protocol] for f in p.fixed]
    return Table("service_protocols", p.t("report.section.service_protocols"), headers, rows)


def side_tables(p: MonthlyProtocol) -> list[Table]:
    """After the register: what awaits confirmation, incidents per day, the papers of the month (service
    protocols, planned maintenance done and missed), then maintenance windows in a section of their own,
    backups and health."""
    return [awaiting_table(p), per_day_table(p), service_protocols_table(p), preventive_done_table(p),
            preventive_missed_table(p), maintenance_table(p), backups_table(p), health_table(p)]
