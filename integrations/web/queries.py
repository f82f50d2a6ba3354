"""What the pages read: the register of one customer (filtered, sorted by the nearest deadline, one page
at a time), one incident with its clocks and timeline, and the open incidents across customers for the
board. Read-only queries run on the database's reader threads; nothing here writes."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from sqlalchemy import and_, func, or_
from sqlmodel import Session, col, select

from commands.incidents.domain.lifecycle import OPEN_STATES, STATES
from storage.models import Delivery, Incident, SlaClock, TimelineEvent
from storage.models_backup import BackupRun
from storage.models_health import HealthCheckState

PAGE_SIZE = 50
CLOSED_STATES = tuple(s for s in STATES if s not in OPEN_STATES)
MAX_PAGE = 10_000


@dataclass(frozen=True)
class RegisterFilter:
    customer_id: str
    scope: str = "open"  # "open" | "all"
    category: str = ""
    component: str = ""
    month: tuple[datetime, datetime] | None = None  # [start, end) of the first notification, UTC
    text: str = ""
    page: int = 1


@dataclass
class IncidentRow:
    incident: Incident
    clocks: list[SlaClock] = field(default_factory=list)


@dataclass(frozen=True)
class RegisterPage:
    rows: list[IncidentRow]
    open_total: int  # open incidents that match (counted: few, by the index on customer and state)
    page: int
    more: bool  # a next page exists (the closed ones are not counted: 100,000 rows cost a count each time)


def _filtered(f: RegisterFilter, sqlite: bool = False) -> list[Any]:
    where: list[Any] = [col(Incident.customer_id) == f.customer_id]
    if f.category:
        where.append(col(Incident.category) == f.category)
    if f.component:
        where.append(col(Incident.component) == f.component)
    if f.month is not None:
        where += [col(Incident.reported_at) >= f.month[0], col(Incident.reported_at) < f.month[1]]
    if f.text:
        pattern = "%" + f.text.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_") + "%"
        # SQLite's LIKE already ignores ASCII case (and its lower() knows no other): ILIKE would only add a
        # lower() per row; PostgreSQL's ILIKE ignores the case of every letter.
        like = "like" if sqlite else "ilike"
        where.append(or_(getattr(col(Incident.description), like)(pattern, escape="\\"),
                         getattr(col(Incident.control_number), like)(pattern, escape="\\")))
    return where


def _with_clocks(session: Session, incidents: Sequence[Incident]) -> list[IncidentRow]:
    rows = {i.id: IncidentRow(i) for i in incidents}
    if rows:
        for clock in session.exec(select(SlaClock).where(col(SlaClock.incident_id).in_(list(rows)))):
            rows[clock.incident_id].clocks.append(clock)
    return list(rows.values())


def _next_deadline() -> Any:
    """The incident's nearest running deadline (NULL when no clock runs), for ORDER BY: one probe of the
    (incident_id, name) index per incident."""
    return (select(func.min(SlaClock.deadline))
            .where(col(SlaClock.incident_id) == Incident.id, col(SlaClock.stopped_at).is_(None),
                   col(SlaClock.deadline).is_not(None))
            .correlate(Incident).scalar_subquery())


def _count(session: Session, where: list[Any]) -> int:
    return int(session.exec(select(func.count()).select_from(Incident).where(and_(*where))).one())


def _nearest_first(session: Session, where: list[Any], offset: int, limit: int) -> list[Incident]:
    """Incidents with a running clock first, by their nearest deadline; then the rest, newest first."""
    nd = _next_deadline()
    return list(session.exec(select(Incident).where(and_(*where))
                             .order_by(nd.asc().nulls_last(), col(Incident.registered_at).desc(), col(Incident.id).desc())
                             .offset(offset).limit(limit)))


def register_page(session: Session, f: RegisterFilter, page_size: int = PAGE_SIZE) -> RegisterPage:
    """One page of the customer's register. Open incidents come first, sorted by their nearest deadline
    (in SQL: only the page is read); closed ones follow, newest first, read by the index on (customer,
    first notification) one page at a time."""
    where = _filtered(f, session.get_bind().dialect.name == "sqlite")
    open_where = [*where, col(Incident.state).in_(OPEN_STATES)]
    closed_where = [*where, col(Incident.state).in_(CLOSED_STATES)]
    open_total = _count(session, open_where)
    page = max(1, f.page)
    start = (page - 1) * page_size
    if f.scope != "all" and start >= open_total:  # past the end: the last page
        page = max(1, -(-open_total // page_size))
        start = (page - 1) * page_size
    incidents = _nearest_first(session, open_where, start, page_size + 1) if start < open_total else []
    if f.scope == "all" and len(incidents) <= page_size:
        offset = max(0, start - open_total)
        incidents += list(session.exec(select(Incident).where(and_(*closed_where))
                                       .order_by(col(Incident.reported_at).desc(), col(Incident.id).desc())
                                       .offset(offset).limit(page_size + 1 - len(incidents))))
    more = len(incidents) > page_size
    return RegisterPage(_with_clocks(session, incidents[:page_size]), open_total, page, more)


def open_across(session: Session, customer_ids: Sequence[str], limit: int = 100) -> tuple[list[IncidentRow], int]:
    """The board: open incidents of the customers, the next deadline to break first (at most ``limit``),
    and how many are open."""
    where = [col(Incident.customer_id).in_(list(customer_ids)), col(Incident.state).in_(OPEN_STATES)]
    return _with_clocks(session, _nearest_first(session, where, 0, limit)), _count(session, where)


@dataclass(frozen=True)
class IncidentDetail:
    incident: Incident
    clocks: list[SlaClock]
    events: list[TimelineEvent]


def incident_detail(session: Session, number: str, customer_ids: Sequence[str]) -> IncidentDetail | None:
    """The incident by number if it is one of ``customer_ids``' — another customer's is not found, exactly
    like a number that does not exist."""
    inc = session.exec(select(Incident).where(col(Incident.control_number) == number)).first()
    if inc is None or inc.customer_id not in customer_ids:
        return None
    clocks = list(session.exec(select(SlaClock).where(col(SlaClock.incident_id) == inc.id)))
    order = {"reaction": 0, "arrival": 1, "resolution": 2}
    clocks.sort(key=lambda c: order.get(c.name, 9))
    events = list(session.exec(select(TimelineEvent).where(col(TimelineEvent.incident_id) == inc.id)
                               .order_by(col(TimelineEvent.at), col(TimelineEvent.id))))
    return IncidentDetail(inc, clocks, events)


def stored_reply(session: Session, delivery_id: str) -> str | None:
    """The reply the desk stored for a web delivery (the answer a form's redirect shows)."""
    row = session.get(Delivery, ("web", delivery_id))
    return row.reply if row is not None else None


_WORST = {"down": 0, "degraded": 1, "pending": 2, "up": 3}


def health_states(session: Session, customer_ids: Sequence[str]) -> list[tuple[str, str, str]]:
    """(customer, component, state) of each monitored component: the worst state of its checks, the
    worst components first."""
    worst: dict[tuple[str, str], str] = {}
    for row in session.exec(select(HealthCheckState).where(col(HealthCheckState.customer_id).in_(list(customer_ids)))):
        key = (row.customer_id, row.component)
        state = row.state if row.state in _WORST else "pending"
        if key not in worst or _WORST[state] < _WORST[worst[key]]:
            worst[key] = state
    return sorted(((c, comp, s) for (c, comp), s in worst.items()), key=lambda x: (_WORST[x[2]], x[0], x[1]))


def last_backups(session: Session, targets: dict[str, list[str]]) -> list[tuple[str, str, BackupRun | None]]:
    """The latest run of each configured backup target of the customers (None: never run)."""
    out: list[tuple[str, str, BackupRun | None]] = []
    for cid, names in targets.items():
        for target in names:
            run = session.exec(select(BackupRun).where(col(BackupRun.customer_id) == cid,
                                                       col(BackupRun.target_id) == target)
                               .order_by(col(BackupRun.id).desc()).limit(1)).first()
            out.append((cid, target, run))
    return out
