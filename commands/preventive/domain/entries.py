"""What the monthly protocol says about the month's papers: planned maintenance done or missed, and the
service protocols of fixed faults — plain rows, ready to print (built by commands/preventive/month.py)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime


@dataclass(frozen=True, slots=True)
class PreventiveEntry:
    ref: str  # config-archive#2
    title: str
    due_at: datetime
    closed_at: datetime | None
    by: str  # a person's name, "backup" or ""
    checklist: str  # "3/4" ("" without a checklist)
    status: str  # done | late | skipped | overdue
    note: str  # a skip's reason, the notes of the work
    protocol: str  # the file of its maintenance protocol ("" when there is none)


@dataclass(frozen=True, slots=True)
class FixedFault:
    number: str
    category: str
    component: str
    resolved_at: datetime
    confirmed_at: datetime | None

    @property
    def protocol(self) -> str:
        """The file of its service protocol, as commands/preventive/protocol.py names it."""
        return f"service-protocol-{self.number}.pdf"
