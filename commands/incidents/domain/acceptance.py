"""Tacit acceptance of a fix: when a resolved incident counts as confirmed because nobody answered.

``confirm_after = "5 working days"`` — the fix is accepted at the close of the 5th working day after the
local date it was resolved on (the customer's business calendar: weekends and holidays do not count), the
same convention as ``10 working days after received``. ``confirm_reminder = "1 working day before"`` —
the reporter is reminded at the close of the working day that many working days earlier; by default one
working day before, and none when the acceptance is one working day away. No I/O.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import datetime

from commands.domain.calendar import BusinessCalendar

_DAYS = re.compile(r"^(\d+)\s+working\s+days?$")
_BEFORE = re.compile(r"^(\d+)\s+working\s+days?\s+before$")


def parse_working_days(text: str) -> int:
    """``"5 working days"`` → 5; ``ValueError`` names the accepted form."""
    m = _DAYS.match(" ".join(text.lower().split()))
    if not m or int(m.group(1)) < 1:
        raise ValueError(f"{text!r} is not a count of working days such as '5 working days'")
    return int(m.group(1))


def _parse_before(text: str) -> int | None:
    norm = " ".join(text.lower().split())
    if norm in ("none", "no", "off"):
        return None
    m = _BEFORE.match(norm)
    if not m or int(m.group(1)) < 1:
        raise ValueError(f"{text!r} is not a reminder such as '1 working day before' (or 'none')")
    return int(m.group(1))


@dataclass(frozen=True)
class AcceptancePolicy:
    days: int  # working days after the resolve's local date
    remind_before: int | None  # working days before the acceptance; None = no reminder

    def accept_at(self, resolved_at: datetime, cal: BusinessCalendar) -> datetime:
        """The instant a fix resolved at ``resolved_at`` is accepted if nobody answers (UTC)."""
        return cal.closing_of(cal.next_working_day(cal.local_date(resolved_at), self.days))

    def remind_at(self, resolved_at: datetime, cal: BusinessCalendar) -> datetime | None:
        """The instant the reporter is reminded (UTC), or None."""
        if self.remind_before is None:
            return None
        return cal.closing_of(cal.next_working_day(cal.local_date(resolved_at), self.days - self.remind_before))


def acceptance_policy(confirm_after: str | None, confirm_reminder: str | None) -> AcceptancePolicy | None:
    """The customer's tacit acceptance, or None when a fix waits for the customer's answer however long."""
    if confirm_after is None:
        return None
    days = parse_working_days(confirm_after)
    if confirm_reminder is None:
        return AcceptancePolicy(days, 1 if days > 1 else None)
    before = _parse_before(confirm_reminder)
    if before is not None and before >= days:
        raise ValueError(f"confirm_reminder {confirm_reminder!r} must come after the resolve: fewer working days "
                         f"before than confirm_after ({days})")
    return AcceptancePolicy(days, before)
