"""Reports: the daily summary per customer and the monthly protocol (contract IV 1.11).

``daily_summary`` and ``monthly_protocol`` read the register (storage/reports.py) and return plain data
or a ``Reply``; ``/report`` shows either in chat, the monthly one as a file (PDF by default) rendered by
integrations/reports. ``queue_daily_summary`` is the write side of the daily job: it takes the run key
(job, customer, day) and queues the summary in the outbox in one transaction, so each customer gets it
once a day whatever the number of replicas or restarts.
"""

from __future__ import annotations

import re
from collections import Counter
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import date, datetime, timedelta

from sqlmodel import Session

from commands.desk.context import Context, Outcome, Read, Services
from commands.desk.parse import Parsed
from commands.desk.reply import Attachment, Reply
from commands.domain.config import CLOCKS, CustomerConfig
from commands.domain.i18n.catalog import t
from commands.domain.i18n.format import format_date, format_datetime, to_local
from commands.incidents.sla import ClockPlan, clock_lines
from commands.incidents.views import category_title, component_title
from commands.oncall.escalation import schedule_with_overrides
from commands.preventive.month import fixed_faults, month_entries
from commands.preventive.summary import week_lines
from commands.reports.bulk import collector_paused
from commands.reports.domain.math import (
    ClockResult,
    ComplianceCounter,
    clock_result,
    day_bounds,
    days_of_month,
    local_instant,
    month_bounds,
    provisional,
)
from commands.reports.protocol import MonthlyProtocol, RegisterEntry
from storage import reports as q
from storage.deliveries import Deliveries
from storage.outbox import Outbox

FORMATS = ("pdf", "xlsx", "csv", "md", "chart")
MIME = {
    "pdf": "application/pdf",
    "xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
    "csv": "text/csv",
    "md": "text/markdown",
    "chart": "image/png",
}
MAX_DAILY_ITEMS = 25  # lines per section of the daily summary; the rest is counted
DAILY_JOB = "daily"
_MONTH = re.compile(r"^(\d{4})-(\d{1,2})$")
_TO_ASCII = str.maketrans("۰۱۲۳۴۵۶۷۸۹٠١٢٣٤٥٦٧٨٩", "01234567890123456789")


# -- the monthly protocol ---------------------------------------------------------------------------
def customer_clocks(customer: CustomerConfig) -> tuple[str, ...]:
    return tuple(c for c in CLOCKS if any(cat.target(c) is not None for cat in customer.categories.values()))


def monthly_protocol(session: Session, services: Services, customer_id: str, year: int, month: int, now: datetime,
                     locale: str | None = None) -> MonthlyProtocol:
    """The protocol's data: the month's register with each clock's result, compliance per category,
    incidents per day, totals, and the health, maintenance and backup history of the month."""
    with collector_paused():
        return _monthly_protocol(session, services, customer_id, year, month, now, locale)


def _monthly_protocol(session: Session, services: Services, customer_id: str, year: int, month: int, now: datetime,
                      locale: str | None) -> MonthlyProtocol:
    config = services.config
    customer = config.customers[customer_id]
    tz = customer.tz
    start, end = month_bounds(year, month, tz)
    clocks = customer_clocks(customer)
    index = [CLOCKS.index(c) for c in clocks]
    counter = ComplianceCounter()
    per_day: Counter[date] = Counter()
    states: Counter[str] = Counter()
    entries: list[RegisterEntry] = []
    awaiting: list[RegisterEntry] = []
    # one object per distinct result: a month's 150,000 clocks have a few thousand (seconds within hours)
    results_seen: dict[tuple[object, ...], ClockResult] = {}
    health_incidents = 0
    for row, row_clocks in q.month_register(session, customer_id, start, end):
        cancelled = row.state == "cancelled"
        results: list[ClockResult | None] = []
        for k in index:
            c = row_clocks[k]
            if c is None:
                results.append(None)
                continue
            started, deadline, stopped, met, margin, final = c
            r = clock_result(started, deadline, stopped, met, margin, now, cancelled=cancelled,
                             awaiting=provisional(stopped, final, now))
            r = results_seen.setdefault((r.outcome, r.elapsed, r.margin, r.awaiting), r)
            results.append(r)
            counter.add(row.category, CLOCKS[k], r)
        entries.append(RegisterEntry(row, tuple(results)))
        if any(r is not None and r.awaiting for r in results):
            awaiting.append(entries[-1])
        per_day[row.reported_at.astimezone(tz).date()] += 1
        states[row.state] += 1
        if row.reporter == "monitor":
            health_incidents += 1
    del results_seen
    totals = {
        "total": len(entries),
        "confirmed": states["confirmed"],
        "resolved": states["resolved"],
        "cancelled": states["cancelled"],
        "open": states["registered"] + states["acknowledged"] + states["in_progress"],
    }
    done, missed = month_entries(session, services, customer_id, start, end, now, locale or customer.locale)
    return MonthlyProtocol(
        customer_id=customer_id, customer=customer, contractor=config.desk.contractor,
        locale=locale or customer.locale, year=year, month=month, start=start, end=end, as_of=now, clocks=clocks,
        entries=entries, compliance=counter.result(customer.categories, clocks),
        per_day=[(d, per_day[d]) for d in days_of_month(year, month)], totals=totals,
        health_incidents=health_incidents,
        maintenance=q.maintenance_windows(session, customer_id, start, end),
        backups=q.backup_runs(session, customer_id, start, end),
        health=q.health_changes(session, customer_id, start, end),
        awaiting=awaiting,
        preventive_done=done, preventive_missed=missed,
        fixed=fixed_faults(session, services, customer_id, start, end, locale or customer.locale,
                           known={e.row.control_number: e.row for e in entries}),
    )


def render(protocol: MonthlyProtocol, fmt: str,
           renderer: Callable[[MonthlyProtocol, str], bytes] | None) -> Attachment:
    """The protocol as a file, made by the renderer the process wired (``Services.render_report``)."""
    if renderer is None:
        raise RuntimeError("no report renderer is wired (bot.app.build_app sets Services.render_report)")
    content = renderer(protocol, fmt)
    ext = "png" if fmt == "chart" else fmt
    name = f"protocol-{protocol.customer_id}-{protocol.label}.{ext}"
    if fmt == "chart":
        name = f"charts-{protocol.customer_id}-{protocol.label}.png"
    return Attachment(filename=name, content=content, mime_type=MIME[fmt])


def summary_lines(p: MonthlyProtocol) -> tuple[str, list[str]]:
    total, met, pct = p.overall()
    title = p.t("report.protocol.reply", month=p.label, count=p.totals["total"],
                percent=_pct(pct, p.locale))
    lines = [p.t("report.totals", **p.totals), p.t("report.overall", percent=_pct(pct, p.locale), met=met, total=total)]
    for c in p.compliance:
        lines.append(f"{category_title(p.customer, c.category, p.locale)} · {p.t(f'clock.{c.clock}')}: "
                     f"{_pct(c.percent, p.locale)} ({c.met}/{c.total})")
    if p.awaiting:
        lines.append(p.t("report.awaiting", count=len(p.awaiting)))
        for e in p.awaiting[:MAX_DAILY_ITEMS]:
            lines.append("• " + awaiting_item(p.customer, e.row, p.clocks, e.results, p.locale))
        _more(lines, len(p.awaiting), p.locale)
    return title, lines


def awaiting_item(customer: CustomerConfig, row: q.MonthRow, clocks: Sequence[str],
                  results: Sequence[ClockResult | None], locale: str) -> str:
    """"NOI-2026-00042 · resolved 2026-11-23 13:00 · Resolution: met (provisional)"."""
    parts = [row.control_number]
    if row.resolved_at is not None:
        parts.append(t(locale, "report.awaiting.resolved", when=format_datetime(row.resolved_at, customer.tz, locale)))
    for name, r in zip(clocks, results, strict=True):
        if r is not None and r.awaiting:
            parts.append(t(locale, "report.awaiting.clock", clock=t(locale, f"clock.{name}"),
                           outcome=t(locale, f"report.outcome.{r.outcome}")))
    return " · ".join(parts)


def _pct(value: float | None, locale: str) -> str:
    if value is None:
        return "—"
    text = f"{value:.1f}%"
    if locale == "fa":
        from commands.domain.i18n.format import persian_digits

        text = persian_digits(text.replace(".", "٫")).replace("%", "٪")
    return text


# -- the daily summary ------------------------------------------------------------------------------
@dataclass(frozen=True)
class DailyWindow:
    day: date
    start: datetime  # the previous summary's instant
    end: datetime  # this summary's instant (or now, for today's asked before/after it)


def summary_day_before(services: Services, customer_id: str, day: date) -> date:
    customer = services.config.customers[customer_id]
    if customer.reports.working_days_only:
        cal = services.calendar(customer_id)
        d = day - timedelta(days=1)
        for _ in range(60):  # a long holiday season is still bounded
            if cal.is_working_day(d):
                return d
            d -= timedelta(days=1)
    return day - timedelta(days=1)


def daily_window(services: Services, customer_id: str, day: date, now: datetime) -> DailyWindow:
    customer = services.config.customers[customer_id]
    at = customer.reports.daily_time
    end = local_instant(day, at, customer.tz)
    if to_local(now, customer.tz).date() == day and now > end:
        end = now  # asked on demand later in the day: up to now
    end = min(end, now)
    start = local_instant(summary_day_before(services, customer_id, day), at, customer.tz)
    return DailyWindow(day, start, end)


def daily_summary(session: Session, services: Services, customer_id: str, day: date, now: datetime,
                  locale: str | None = None, *, contractor: bool = False) -> Reply:
    """Open incidents with their clocks, what breached and what changed since the previous summary,
    health changes, backups, and who is on call today."""
    customer = services.config.customers[customer_id]
    loc = locale or customer.locale
    tz = customer.tz
    w = daily_window(services, customer_id, day, now)
    names = {pid: p.name for pid, p in services.config.people.items()}

    def when(at: datetime) -> str:
        return format_datetime(at, tz, loc)

    lines: list[str] = []
    rows_open = q.open_at(session, customer_id, w.end)
    # fixes awaiting the customer's confirmation, apart from the incidents still being worked on
    waiting = [row for row in rows_open if _state_at(row, w.end) == "resolved"]
    open_rows = [row for row in rows_open if _state_at(row, w.end) != "resolved"]
    lines.append(t(loc, "report.daily.open", count=len(open_rows)) if open_rows else t(loc, "report.daily.nothing_open"))
    _incident_lines(lines, open_rows, customer, loc, w.end)
    if waiting:
        lines.append(t(loc, "report.daily.awaiting", count=len(waiting)))
        _incident_lines(lines, waiting, customer, loc, w.end)

    since = when(w.start)
    breached = q.breaches(session, customer_id, w.start, w.end)
    lines.append(t(loc, "report.daily.breached", since=since, count=len(breached)))
    for br in breached[:MAX_DAILY_ITEMS]:
        lines.append("• " + t(loc, "report.daily.breach_item", number=br.control_number, clock=t(loc, f"clock.{br.clock}"),
                              when=when(br.deadline)))
    _more(lines, len(breached), loc)

    changes = q.changes(session, customer_id, w.start, w.end)
    kinds = Counter(c.kind for c in changes)
    lines.append(t(loc, "report.daily.changes", since=since, new=kinds["registered"], resolved=kinds["resolved"],
                   confirmed=kinds["confirmed"] + kinds["accepted"], reopened=kinds["reopened"], cancelled=kinds["cancelled"]))
    for c in changes[:MAX_DAILY_ITEMS]:
        lines.append("• " + t(loc, "report.daily.change_item", when=when(c.at), number=c.control_number,
                              kind=t(loc, f"report.kind.{c.kind}")))
    _more(lines, len(changes), loc)

    health = q.health_changes(session, customer_id, w.start, w.end)
    if health:
        lines.append(t(loc, "report.daily.health", count=len(health)))
        for h in health[:MAX_DAILY_ITEMS]:
            lines.append("• " + t(loc, "report.daily.health_item", when=when(h.at),
                                  component=component_title(customer, h.component), before=h.from_state, after=h.to_state))
        _more(lines, len(health), loc)
    backups = q.backup_runs(session, customer_id, w.start, w.end)
    if backups:
        failed = [b for b in backups if not b.ok]
        lines.append(t(loc, "report.daily.backups", ok=len(backups) - len(failed), failed=len(failed)))
        for b in failed[:MAX_DAILY_ITEMS]:
            lines.append("• " + t(loc, "report.daily.backup_failed", when=when(b.at), target=b.target,
                                  detail=b.detail[:200]))
    # the contractor's own housekeeping (which chats refused the desk), for the engineers' copy only
    failed_deliveries = Deliveries(session).failed_between(customer_id, w.start, w.end) if contractor else []
    if failed_deliveries:
        lines.append(t(loc, "report.daily.deliveries_failed", count=len(failed_deliveries)))
        for f in failed_deliveries[:MAX_DAILY_ITEMS]:
            lines.append("• " + t(loc, "report.daily.delivery_failed_item", when=when(f.at), what=f.kind,
                                  destination=f.destination, error=f.error[:200]))
        _more(lines, len(failed_deliveries), loc)
    lines += week_lines(session, services, customer_id, w.end, loc)  # planned maintenance due this week
    lines.append(_on_call(session, services, customer_id, day, names, loc))
    title = t(loc, "report.daily.title", customer=customer.name, date=format_date(day, loc))
    return Reply(text=title, lines=tuple(lines), kind="info", locale=loc)


def _incident_lines(lines: list[str], rows: Sequence[q.RegisterRow], customer: CustomerConfig, loc: str,
                    at: datetime) -> None:
    """One line per incident and one per clock, as they stood at ``at``."""
    for row in rows[:MAX_DAILY_ITEMS]:
        desc = row.description if len(row.description) <= 60 else row.description[:59] + "…"
        lines.append("• " + t(loc, "report.daily.item", number=row.control_number, state=t(loc, f"state.{_state_at(row, at)}"),
                              category=category_title(customer, row.category, loc),
                              component=component_title(customer, row.component), description=desc))
        plans = [_as_of(name, c, at) for name, c in zip(CLOCKS, row.clocks, strict=True) if c is not None]
        lines += [f"   {x}" for x in clock_lines(plans, locale=loc, tz_name=customer.timezone, now=at)]
    _more(lines, len(rows), loc)


def _state_at(row: q.RegisterRow, at: datetime) -> str:
    """The state the incident had at ``at`` (its timestamps tell; now's state when they are all earlier)."""
    if row.resolved_at is not None and row.resolved_at <= at:
        return "resolved"
    if row.arrived_at is not None and row.arrived_at <= at:
        return "in_progress"
    if row.acknowledged_at is not None and row.acknowledged_at <= at:
        return "acknowledged"
    if row.state in ("confirmed", "cancelled", "resolved", "in_progress", "acknowledged"):
        return "registered"
    return row.state


def _as_of(name: str, c: q.ClockRow, at: datetime) -> ClockPlan:
    """A clock as it stood at ``at``: one stopped later was still running then."""
    stopped = c.stopped_at is not None and c.stopped_at <= at
    final = c.final_at is not None and c.final_at <= at
    return ClockPlan(name, c.target, started_at=c.started_at, deadline=c.deadline,
                     stopped_at=c.stopped_at if stopped else None, met=c.met if stopped else None,
                     margin_seconds=c.margin_seconds if stopped else None, final_at=c.final_at if final else None)


def _more(lines: list[str], count: int, loc: str) -> None:
    if count > MAX_DAILY_ITEMS:
        lines.append(t(loc, "report.daily.more", count=count - MAX_DAILY_ITEMS))


def _on_call(session: Session, services: Services, customer_id: str, day: date, names: dict[str, str],
             loc: str) -> str:
    customer = services.config.customers[customer_id]
    start, end = day_bounds(day, customer.tz)
    parts = []
    for name in services.config.schedules_of(customer_id):  # never another customer's schedule
        sched = schedule_with_overrides(session, services, name, start, customer_id)
        shifts = sched.shifts(start, end)
        if not shifts:
            continue
        who = ", ".join(
            f"{names.get(s.person, s.person)} {format_datetime(max(s.start, start), customer.tz, loc, with_date=False)}–"
            f"{format_datetime(min(s.end, end), customer.tz, loc, with_date=False) if s.end < end else '24:00'}"
            for s in shifts)
        parts.append(f"{name}: {who}")
    return t(loc, "report.daily.oncall", who="; ".join(parts)) if parts else t(loc, "report.daily.oncall_none")


def due_day(services: Services, customer_id: str, now: datetime) -> date | None:
    """Today's local date if the customer gets a daily summary today and its time has come, else None."""
    customer = services.config.customers[customer_id]
    cfg = customer.reports
    if not cfg.daily:
        return None
    day = to_local(now, customer.tz).date()
    if cfg.working_days_only and not services.calendar(customer_id).is_working_day(day):
        return None
    if now < local_instant(day, cfg.daily_time, customer.tz):
        return None
    return day


def queue_daily_summary(session: Session, services: Services, customer_id: str, day: date, now: datetime,
                        summary: Reply, contractor: Reply | None = None) -> bool:
    """Take the run key of (daily, customer, day) and queue the summary to the customer's audiences, in
    the caller's transaction (the engineers get ``contractor``'s version when given). False if the day's
    summary was already taken (another replica, a restart)."""
    period = day.isoformat()
    if not q.claim_run(session, DAILY_JOB, customer_id, period, now):
        return False
    outbox = Outbox(session)
    queued = 0
    for audience in services.config.customers[customer_id].reports.daily_to:
        version = contractor if audience == "engineers" and contractor is not None else summary
        payload = {"text": version.text, "lines": list(version.lines), "kind": "info", "locale": version.locale}
        queued += outbox.put(dedupe_key=f"report.daily:{customer_id}:{period}:{audience}", customer_id=customer_id,
                             kind="report.daily", audience=f"{audience}:{customer_id}", payload=payload, now=now)
    q.set_run_messages(session, DAILY_JOB, customer_id, period, queued)
    return True


# -- /report ----------------------------------------------------------------------------------------
def report(ctx: Context, p: Parsed) -> Outcome:
    words = p.args.split()
    usage = ctx.t("help.report")
    if not words or words[0].casefold() not in ("daily", "monthly", "incident", "task"):
        ctx.fail("error.usage", usage=usage)
    if words[0].casefold() in ("incident", "task"):  # a service or maintenance protocol (commands/preventive)
        from commands.preventive import papers

        return (papers.incident_paper if words[0].casefold() == "incident" else papers.task_paper)(ctx, words[1:])
    if words[0].casefold() == "daily":
        if len(words) > 2:
            ctx.fail("error.usage", usage=usage)
        day = parse_day(ctx, words[1]) if len(words) == 2 else to_local(ctx.now, ctx.customer.tz).date()
        services, cid, now, loc = ctx.services, ctx.customer_id, ctx.now, ctx.locale
        staff = bool({"engineer", "admin"} & set(ctx.roles))  # the contractor's people see what was not delivered
        return Read(lambda session: daily_summary(session, services, cid, day, now, loc, contractor=staff))
    year, month, fmt = _monthly_args(ctx, words[1:])
    services, cid, now, loc = ctx.services, ctx.customer_id, ctx.now, ctx.locale

    def query(session: Session) -> Reply:
        protocol = monthly_protocol(session, services, cid, year, month, now, loc)
        title, lines = summary_lines(protocol)
        if fmt == "chart":
            title = protocol.t("report.chart.reply", month=protocol.label)
        return Reply(text=title, lines=tuple(lines), kind="info", locale=loc, attachment=render(protocol, fmt, services.render_report))

    return Read(query)


def _monthly_args(ctx: Context, words: Sequence[str]) -> tuple[int, int, str]:
    local = to_local(ctx.now, ctx.customer.tz)
    year, month = (local.year - 1, 12) if local.month == 1 else (local.year, local.month - 1)  # the last whole month
    fmt = "pdf"
    for w in words:
        word = w.translate(_TO_ASCII).casefold()
        if word in FORMATS:
            fmt = word
            continue
        ym = parse_month(word)
        if ym is None:
            if re.fullmatch(r"[a-z]+", word):
                ctx.fail("report.error.bad_format", value=w, choices=", ".join(FORMATS))
            ctx.fail("report.error.bad_month", value=w)
        year, month = ym
    return year, month, fmt


def parse_month(text: str) -> tuple[int, int] | None:
    m = _MONTH.match(text.strip().translate(_TO_ASCII))
    if not m:
        return None
    year, month = int(m.group(1)), int(m.group(2))
    if not (1 <= month <= 12 and 2000 <= year <= 2200):
        return None
    return year, month


_TODAY = {"today", "днес", "امروز"}
_YESTERDAY = {"yesterday", "вчера", "دیروز"}


def parse_day(ctx: Context, text: str) -> date:
    word = text.strip().translate(_TO_ASCII).casefold()
    today = to_local(ctx.now, ctx.customer.tz).date()
    if word in _TODAY:
        return today
    if word in _YESTERDAY:
        return today - timedelta(days=1)
    m = re.fullmatch(r"(\d{4})[-/.](\d{1,2})[-/.](\d{1,2})", word)
    if m:
        y, mo, d = (int(g) for g in m.groups())
        try:
            if 1300 <= y <= 1600:  # a Jalali date, as Persian speakers write it: 1405/09/02
                import jdatetime

                return jdatetime.date(y, mo, d).togregorian()
            if 2000 <= y <= 2200:  # the years parse_month accepts; 9999-12-31 has no next day to end on
                return date(y, mo, d)
        except ValueError:
            pass
    ctx.fail("report.error.bad_date", value=text)
