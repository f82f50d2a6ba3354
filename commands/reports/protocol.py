"""The monthly protocol as data: what the renderers (integrations/reports) and the composition root see
of a month's register, without the use case that builds it (commands/reports/report.py)."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime
from zoneinfo import ZoneInfo

from commands.domain.config import CustomerConfig
from commands.domain.i18n.catalog import t
from commands.preventive.domain.entries import FixedFault, PreventiveEntry
from commands.reports.domain.math import ClockResult, Compliance, overall
from storage import reports as q


@dataclass(frozen=True, slots=True)
class RegisterEntry:
    row: q.MonthRow
    results: tuple[ClockResult | None, ...]  # per the protocol's clocks: None = the category has no such clock


@dataclass
class MonthlyProtocol:
    customer_id: str
    customer: CustomerConfig
    contractor: str
    locale: str
    year: int
    month: int
    start: datetime  # UTC instant of the first local midnight of the month
    end: datetime  # ... of the next month
    as_of: datetime  # running clocks are judged at this instant
    clocks: tuple[str, ...]  # the clocks the customer's categories have, in CLOCKS order
    entries: list[RegisterEntry]
    compliance: list[Compliance]
    per_day: list[tuple[date, int]]
    totals: dict[str, int]
    health_incidents: int = 0
    maintenance: list[q.MaintenanceDone] = field(default_factory=list)
    backups: list[q.BackupDone] = field(default_factory=list)
    health: list[q.HealthChange] = field(default_factory=list)
    # incidents with a clock stopped provisionally (the fix awaits confirmation): listed apart, with their
    # provisional outcome, and not counted in ``compliance`` until the stop is final
    awaiting: list[RegisterEntry] = field(default_factory=list)
    # planned maintenance done in the month (with its protocol), missed/skipped/late, and the service
    # protocols of the faults fixed in the month (commands/preventive/month.py)
    preventive_done: list[PreventiveEntry] = field(default_factory=list)
    preventive_missed: list[PreventiveEntry] = field(default_factory=list)
    fixed: list[FixedFault] = field(default_factory=list)

    @property
    def tz(self) -> ZoneInfo:
        return self.customer.tz

    @property
    def label(self) -> str:
        return f"{self.year:04d}-{self.month:02d}"

    def t(self, msgid: str, /, **params: object) -> str:
        return t(self.locale, msgid, **params)

    def overall(self) -> tuple[int, int, float | None]:
        return overall(self.compliance)
