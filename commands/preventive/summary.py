"""Planned maintenance in the daily summary: what is overdue and what falls due within the coming week."""

from __future__ import annotations

from datetime import datetime, timedelta

from sqlmodel import Session

from commands.desk.context import Services
from commands.domain.i18n.catalog import t
from commands.preventive.messages import line
from storage import maintenance as store
from storage.models_maintenance import OPEN

WEEK = timedelta(days=7)
MAX_ITEMS = 25


def week_lines(session: Session, services: Services, customer_id: str, at: datetime, locale: str) -> list[str]:
    """A heading and one line per open occurrence due before ``at + 7 days`` (overdue ones first); none
    when nothing is due."""
    rows = store.of_customer(session, customer_id, states=OPEN, due_until=at + WEEK)
    if not rows:
        return []
    overdue = [r for r in rows if r.due_at < at]
    lines = [t(locale, "pm.daily.title", count=len(rows), overdue=len(overdue))]
    lines += ["• " + line(services, r, locale, at) for r in rows[:MAX_ITEMS]]
    if len(rows) > MAX_ITEMS:
        lines.append(t(locale, "report.daily.more", count=len(rows) - MAX_ITEMS))
    return lines
