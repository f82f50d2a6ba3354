"""Health of the customer's systems: the scheduled check (``run_check``), ``/health [component]``,
``/health history <component>`` and ``/maintenance``.

Probes are outbound adapters (integrations/probes) handed in by the process through a ``HealthRuntime``
(``install``); this module only sees their protocol. A scheduled run claims its period in the database
(one replica per period), probes, then in one transaction moves the check's state (commands/domain/
health_state), records the history, queues the alerts in the outbox for the customer's engineers and, for
a check configured with ``incident = "<category>"``, registers an incident once per outage with the first
failure as its first notification.
"""

from __future__ import annotations

import asyncio
import logging
import shlex
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from sqlmodel import Session

from commands.desk.context import Async, Caller, Context, DeskError, Outcome, Read, Services, Write
from commands.desk.directory import Actor
from commands.desk.parse import Parsed
from commands.desk.reply import Reply
from commands.desk.when import span
from commands.domain.config import CustomerConfig, PersonConfig
from commands.domain.fields import WEEKDAYS, parse_span
from commands.domain.i18n.catalog import t
from commands.domain.i18n.format import format_datetime, format_duration
from commands.health.domain.config import AnyCheck
from commands.health.domain.state import LEVELS, Policy, Snapshot, Step, Window, advance, in_weekly_hours
from commands.health.runtime import HealthRuntime, Result, ResultLike
from commands.incidents.actions import IncidentReport, report_incident
from commands.incidents.domain import lifecycle
from commands.incidents.views import component_title
from storage.health import HealthRepo
from storage.models_health import HealthCheckState
from storage.outbox import Outbox
from storage.register import Register

log = logging.getLogger(__name__)
MONITOR = "monitor"  # the actor of automatic incidents and timeline notes


# -- what commands/ knows of a probe ---------------------------------------------------------------
# -- the scheduled check ---------------------------------------------------------------------------
@dataclass(frozen=True)
class CheckRun:
    status: str
    reason: str
    latency_ms: float | None
    state: str
    alert: str | None = None
    silenced_by: str | None = None
    incident: str | None = None  # control number opened or linked by this run


def policy_of(cfg: AnyCheck) -> Policy:
    return Policy(cfg.failure_threshold, cfg.success_threshold, cfg.reminder_td)


def period_seconds(cfg: AnyCheck) -> float:
    """The length of a check's scheduled period: ``run_slot`` counts these since the epoch."""
    return max(1.0, cfg.interval_td.total_seconds())


async def run_check(services: Services, runtime: HealthRuntime, customer_id: str, check_id: str, *,
                    claim: bool = True) -> CheckRun | None:
    """Probe one check and move its state; None when another replica has this period or it is disabled."""
    customer = services.config.customers[customer_id]
    cfg = customer.checks[check_id]
    if not cfg.enabled:
        return None
    db = services.db
    if claim:
        slot = int(services.clock.now().timestamp() // period_seconds(cfg))
        claimed = await db.write(lambda s: HealthRepo(s).claim_slot(customer_id, check_id, cfg.component, slot))
        if not claimed:
            return None
    result = await runtime.probe(customer_id, check_id).check()
    now = services.clock.now()
    prepared: Write | None = None
    if result.status == "down" and cfg.incident:
        prepared = await _prepare_incident(services, customer, customer_id, check_id, cfg, cfg.incident, result, now)
    return await db.write(_check_unit(services, customer_id, check_id, result, now, prepared))


def _snapshot(row: HealthCheckState) -> Snapshot:
    return Snapshot(state=row.state, announced=row.announced, good_streak=row.good_streak,  # type: ignore[arg-type]
                    bad_streak=row.bad_streak, down_streak=row.down_streak, soft_streak=row.soft_streak,
                    failing_since=row.failing_since,
                    changed_at=row.changed_at, alerted_at=row.alerted_at, outage=row.outage, reminders=row.reminders)


def _store(row: HealthCheckState, snap: Snapshot) -> None:
    row.state, row.announced = snap.state, snap.announced
    row.good_streak, row.bad_streak, row.down_streak = snap.good_streak, snap.bad_streak, snap.down_streak
    row.soft_streak = snap.soft_streak
    row.failing_since, row.changed_at, row.alerted_at = snap.failing_since, snap.changed_at, snap.alerted_at
    row.outage, row.reminders = snap.outage, snap.reminders


def in_maintenance(repo: HealthRepo, customer_id: str, customer: CustomerConfig, component: str,
                   now: datetime) -> bool:
    tz = customer.tz
    for w in repo.windows(customer_id, now, component):
        if Window(w.starts_at, w.ends_at, w.every).covers(now, tz):  # type: ignore[arg-type]
            return True
    for cfg in customer.checks.values():
        if cfg.component != component:
            continue
        for rw in cfg.maintenance:
            opens, closes = parse_span(rw.hours)
            if in_weekly_hours(now, tz, tuple(WEEKDAYS.index(d) for d in rw.days), opens, closes):
                return True
    return False


def _blocked_by(repo: HealthRepo, customer_id: str, customer: CustomerConfig, cfg: AnyCheck,
                rows: Sequence[HealthCheckState], now: datetime) -> str | None:
    """The first dependency that is down (or in maintenance): this check's alerts fold into it."""
    for dep in cfg.depends_on:
        if any(r.component == dep and (r.state == "down" or r.announced == "down") for r in rows):
            return dep
        if in_maintenance(repo, customer_id, customer, dep, now):
            return dep
    return None


def _check_unit(services: Services, customer_id: str, check_id: str, result: ResultLike, now: datetime,
                prepared: Write | None) -> Callable[[Session], CheckRun]:
    customer = services.config.customers[customer_id]
    cfg = customer.checks[check_id]

    def unit(session: Session) -> CheckRun:
        repo = HealthRepo(session)
        row = repo.load(customer_id, check_id, cfg.component)
        others = [r for r in repo.states(customer_id) if r.check_id != check_id]
        maint = in_maintenance(repo, customer_id, customer, cfg.component, now)
        blocked = _blocked_by(repo, customer_id, customer, cfg, others, now)
        step = advance(_snapshot(row), result.status, now, policy_of(cfg), in_maintenance=maint, blocked_by=blocked)
        _store(row, step.after)
        row.last_status, row.last_reason = result.status, result.reason[:2000]
        row.last_latency_ms, row.last_result_at = result.latency_ms, now
        common: dict[str, Any] = {"customer_id": customer_id, "check_id": check_id, "component": cfg.component,
                                  "at": now, "latency_ms": result.latency_ms}
        if step.changed:
            repo.record(**common, kind="change", from_state=step.before.state, to_state=step.after.state,
                        reason=result.reason)
            if step.silenced_by:
                repo.record(**common, kind="silenced", to_state=step.after.state, reason=step.silenced_by)
        number = None
        if step.alert == "down" and prepared is not None:
            number = _open_or_link(session, repo, row, prepared, common)
        elif row.incident_id is not None and step.alert in ("down", "degraded", "reminder", "up"):
            inc = Register(session).by_id(row.incident_id)
            number = inc.control_number if inc is not None else None
        if step.alert is not None:
            _queue_alert(session, customer_id, customer, check_id, cfg, step, result, number, now)
            repo.record(**common, kind="reminder" if step.alert == "reminder" else "alert", to_state=step.alert,
                        reason=result.reason)
            if step.alert == "up" and row.incident_id is not None:
                _note_recovery(session, row.incident_id, customer, cfg.component, step, now)
        session.add(row)
        session.flush()
        return CheckRun(result.status, result.reason, result.latency_ms, step.after.state, step.alert,
                        step.silenced_by, number)

    return unit


# -- automatic incidents ---------------------------------------------------------------------------
async def _prepare_incident(services: Services, customer: CustomerConfig, customer_id: str, check_id: str,
                            cfg: AnyCheck, category: str, result: ResultLike, now: datetime) -> Write | None:
    """The monitor's report of the outage (category and component of the check's config), first notified at
    the first failure; prepared outside the transaction and used only if this run announces the outage."""
    row = await services.db.read(lambda s: HealthRepo(s).state(customer_id, check_id))
    since = (row.failing_since if row is not None and row.failing_since is not None else now)
    since = min(since, now)
    description = t(customer.locale, "health.incident_text", component=component_title(customer, cfg.component),
                    check=check_id, reason=result.reason,
                    since=format_datetime(since, customer.tz, customer.locale, with_tz=True))
    actor = Actor(MONITOR, PersonConfig(name=t(customer.locale, "health.monitor"), identities=(),
                                        roles={customer_id: ("admin",)}))
    caller = Caller(services, actor, customer_id, customer.locale, now, f"{MONITOR}:health:{check_id}")
    try:
        return report_incident(caller, IncidentReport(category, cfg.component, description.strip(), since))
    except DeskError as err:
        log.error("health: cannot open an incident for %s/%s: %s %s", customer_id, check_id, err.msgid, err.params)
        return None


def _open_or_link(session: Session, repo: HealthRepo, row: HealthCheckState, prepared: Write,
                  common: dict[str, Any]) -> str | None:
    reg = Register(session)
    if row.incident_id is not None:
        inc = reg.by_id(row.incident_id)
        if inc is not None and inc.state in lifecycle.OPEN_STATES:  # still being worked on: link, do not repeat
            repo.record(**common, kind="incident", reason=f"linked {inc.control_number}")
            return inc.control_number
    reply = prepared.unit(session)
    number = reply.control_number
    inc = reg.by_number(number) if number else None
    if inc is None:
        return None
    row.incident_id = inc.id
    repo.record(**common, kind="incident", reason=f"opened {number}")
    return number


def _note_recovery(session: Session, incident_id: int, customer: CustomerConfig, component: str, step: Step,
                   now: datetime) -> None:
    reg = Register(session)
    inc = reg.by_id(incident_id)
    if inc is None or inc.state not in lifecycle.OPEN_STATES:
        return
    since = step.before.changed_at or now
    reg.record(inc, at=now, actor=MONITOR, kind="note", channel="monitor",
               text=t(customer.locale, "health.incident_recovered", component=component_title(customer, component),
                      duration=format_duration(now - since, customer.locale)))


# -- alerts ----------------------------------------------------------------------------------------
def _queue_alert(session: Session, customer_id: str, customer: CustomerConfig, check_id: str, cfg: AnyCheck,
                 step: Step, result: ResultLike, number: str | None, now: datetime) -> None:
    locale, tz = customer.locale, customer.tz
    label = component_title(customer, cfg.component)
    alert = step.alert
    assert alert is not None
    since = step.after.failing_since or step.before.changed_at or now
    params = {"component": label, "check": check_id, "reason": result.reason}
    if alert == "up":
        down_for = now - (step.before.changed_at or now)
        text = t(locale, "health.alert.up", **params)
        lines = [t(locale, "health.line.down_for", duration=format_duration(down_for, locale))]
    elif alert == "reminder":
        text = t(locale, "health.alert.reminder", **params,
                 duration=format_duration(now - (step.after.changed_at or now), locale))
        lines = []
    else:
        text = t(locale, f"health.alert.{alert}", **params)
        lines = [t(locale, "health.line.since", when=format_datetime(since, tz, locale, with_tz=True))]
    if result.latency_ms is not None:
        lines.append(t(locale, "health.line.latency", ms=f"{result.latency_ms:.0f}"))
    if number:
        lines.append(t(locale, "health.line.incident", number=number))
    payload = {"text": text, "lines": lines, "kind": "info" if alert == "up" else "error", "locale": locale,
               "control_number": number, "component": cfg.component, "check": check_id}
    audiences = [f"engineers:{customer_id}"] + ([f"customer:{customer_id}"] if cfg.notify_reporters else [])
    outbox = Outbox(session)
    for audience in audiences:
        outbox.put(dedupe_key=f"health:{customer_id}:{check_id}:{alert}:{now.isoformat()}:{audience}",
                   customer_id=customer_id, kind=f"health.{alert}", audience=audience, payload=payload, now=now)


# -- /health ---------------------------------------------------------------------------------------
async def probe_now(runtime: HealthRuntime, customer_id: str, check_ids: Sequence[str],
                    total_timeout: float | None = None) -> dict[str, ResultLike]:
    """Run the probes concurrently; whatever is still running at the total timeout is reported as such."""
    limit = runtime.total_timeout if total_timeout is None else total_timeout
    started = time.monotonic()
    tasks = {cid: asyncio.ensure_future(runtime.probe(customer_id, cid).check()) for cid in check_ids}
    if tasks:
        await asyncio.wait(tasks.values(), timeout=limit)
    out: dict[str, ResultLike] = {}
    for check_id, task in tasks.items():
        if task.done() and not task.cancelled() and task.exception() is None:
            out[check_id] = task.result()
        elif task.done() and not task.cancelled():
            out[check_id] = Result("down", f"probe failed: {task.exception()}")
        else:
            task.cancel()
            out[check_id] = Result("down", f"no answer within {limit:g}s", round((time.monotonic() - started) * 1000))
    return out


def _checks_for(customer: CustomerConfig, component: str | None) -> list[str]:
    return [k for k, c in customer.checks.items() if c.enabled and (component is None or c.component == component)]


def _component_arg(ctx: Context, word: str) -> str:
    found = ctx.customer.component_key(word)
    if found is None:
        ctx.fail("error.unknown_component", value=word, customer=ctx.customer.name,
                 choices=", ".join(ctx.customer.components))
    return found


def health(ctx: Context, p: Parsed) -> Outcome:
    words = p.args.split()
    if words and words[0].casefold() in ("history", "история", "تاریخچه"):
        return _history(ctx, words[1:])
    if len(words) > 1:
        ctx.fail("error.usage", usage=ctx.t("help.health"))
    component = _component_arg(ctx, words[0]) if words else None
    checks = _checks_for(ctx.customer, component)
    if not checks:
        ctx.fail("health.no_checks", component=component_title(ctx.customer, component) if component else "—")
    runtime = ctx.services.health
    if runtime is None:
        ctx.fail("health.not_running")
    services, customer_id, locale, customer = ctx.services, ctx.customer_id, ctx.locale, ctx.customer

    async def run() -> Reply:
        results = await probe_now(runtime, customer_id, checks)
        rows = {r.check_id: r for r in await services.db.read(lambda s: HealthRepo(s).states(customer_id))}
        now = services.clock.now()
        return health_table(customer, locale, checks, results, rows, now,
                            maintenance=await services.db.read(
                                lambda s: {c: in_maintenance(HealthRepo(s), customer_id, customer, c, now)
                                           for c in {customer.checks[k].component for k in checks}}))

    return Async(run)


def health_table(customer: CustomerConfig, locale: str, checks: Sequence[str], results: dict[str, ResultLike],
                 rows: dict[str, HealthCheckState], now: datetime, maintenance: dict[str, bool]) -> Reply:
    tz: ZoneInfo = customer.tz
    table: list[tuple[str, str, str, str, str]] = []
    worst = 0
    for check_id in checks:
        cfg = customer.checks[check_id]
        res = results[check_id]
        row = rows.get(check_id)
        status = res.status
        worst = max(worst, LEVELS.get(status, LEVELS["down"]))
        shown = t(locale, f"health.status.{status}")
        if maintenance.get(cfg.component):
            shown += " (" + t(locale, "health.status.maintenance") + ")"
        latency = f"{res.latency_ms:.0f} ms" if res.latency_ms is not None else "—"
        changed = format_datetime(row.changed_at, tz, locale) if row is not None and row.changed_at else "—"
        name = f"{component_title(customer, cfg.component)}/{check_id}"
        table.append((name, shown, latency, res.reason, changed))
    header = (t(locale, "health.col.component"), t(locale, "health.col.status"), t(locale, "health.col.latency"),
              t(locale, "health.col.reason"), t(locale, "health.col.changed"))
    widths = [max(len(r[i]) for r in [header, *table]) for i in range(3)]
    lines = [" | ".join([*(c.ljust(widths[i]) for i, c in enumerate(r[:3])), r[3], r[4]]) for r in [header, *table]]
    title = t(locale, "health.title", customer=customer.name, when=format_datetime(now, tz, locale, with_tz=True),
              up=sum(1 for c in checks if results[c].status == "up"), total=len(checks))
    return Reply(text=title, lines=tuple(lines), kind="error" if worst == LEVELS["down"] else "info", locale=locale)


def _history(ctx: Context, words: list[str]) -> Outcome:
    component = _component_arg(ctx, words[0]) if words else None
    customer_id, customer, locale = ctx.customer_id, ctx.customer, ctx.locale

    def query(session: Session) -> Reply:
        events = HealthRepo(session).history(customer_id, component, limit=20)
        title = t(locale, "health.history.title",
                  component=component_title(customer, component) if component else customer.name)
        if not events:
            return Reply(text=title, lines=(t(locale, "health.history.empty"),), kind="info", locale=locale)
        lines = []
        for e in events:
            when = format_datetime(e.at, customer.tz, locale)
            what = t(locale, f"health.event.{e.kind}", check=e.check_id,
                     from_state=t(locale, f"health.status.{e.from_state or 'pending'}"),
                     to_state=t(locale, f"health.status.{e.to_state or 'pending'}"), reason=e.reason)
            lines.append(f"{when} · {component_title(customer, e.component)} · {what}")
        return Reply(text=title, lines=tuple(lines), kind="info", locale=locale)

    return Read(query)


# -- /maintenance ----------------------------------------------------------------------------------
def maintenance(ctx: Context, p: Parsed) -> Outcome:
    """``/maintenance`` lists; ``/maintenance <component> <from> <to> [reason] [--every day|week]``;
    ``/maintenance cancel <id>``."""
    try:
        words = shlex.split(p.args.replace("“", '"').replace("”", '"').replace("„", '"'))
    except ValueError:
        ctx.fail("error.usage", usage=ctx.t("help.maintenance"))
    customer_id, customer, locale, now = ctx.customer_id, ctx.customer, ctx.locale, ctx.now
    if not words:
        return Read(lambda s: _list_windows(s, customer_id, customer, locale, now))
    if words[0].casefold() == "cancel":
        # isdecimal, not isdigit ("²" is a digit int() cannot read); ids beyond 18 digits exist in no
        # database column and would overflow its integer type
        if len(words) != 2 or not words[1].lstrip("#").isdecimal() or len(words[1].lstrip("#")) > 18:
            ctx.fail("error.usage", usage=ctx.t("help.maintenance"))
        wid = int(words[1].lstrip("#"))

        def cancel(session: Session) -> Reply:
            row = HealthRepo(session).cancel_window(customer_id, wid, now)
            if row is None:
                ctx.fail("health.no_window", id=wid)
            return ctx.reply(ctx.t("health.window_cancelled", id=wid,
                                   component=component_title(customer, row.component)))

        return Write(cancel)
    component = _component_arg(ctx, words[0])
    start_text, end_text, reason = _window_words(ctx, p, words[1:])
    limit = ctx.services.config.desk.max_description
    if len(reason) > limit:  # the same bound as every other free text the register keeps
        ctx.fail("error.too_long", length=len(reason), limit=limit)
    start, end = span(ctx, start_text, end_text)
    if end <= start:
        ctx.fail("health.window_order")
    if end <= now:
        ctx.fail("health.window_past")
    every = p.options.get("every")
    if every is not None:
        every = {"day": "day", "daily": "day", "week": "week", "weekly": "week"}.get(every.casefold())
        if every is None or (end - start) >= timedelta(days=1 if every == "day" else 7):
            ctx.fail("health.window_every")
    actor = ctx.actor.person_id

    def add(session: Session) -> Reply:
        row = HealthRepo(session).add_window(customer_id=customer_id, component=component, starts_at=start,
                                             ends_at=end, every=every, reason=reason, created_by=actor,
                                             created_at=now)
        HealthRepo(session).record(customer_id=customer_id, check_id="-", component=component, at=now,
                                   kind="maintenance", reason=f"#{row.id} {reason}".strip())
        return ctx.reply(ctx.t("health.window_added", id=row.id, component=component_title(customer, component),
                               start=format_datetime(start, customer.tz, locale),
                               end=format_datetime(end, customer.tz, locale))
                         + (" · " + ctx.t(f"health.every.{every}") if every else ""))

    return Write(add)


_WINDOW_OPTIONS = frozenset({"from", "to", "every"})


def _window_words(ctx: Context, p: Parsed, rest: list[str]) -> tuple[str, str, str]:
    """Start, end and reason of ``/maintenance <component> ...``: the start is ``--from`` or the first
    word after the component, the end ``--to`` or the next word; every word left is the reason."""
    if set(p.options) - _WINDOW_OPTIONS or any(not p.options[k] for k in ("from", "to") if k in p.options):
        ctx.fail("error.usage", usage=ctx.t("help.maintenance"))
    texts: list[str] = []
    for option in ("from", "to"):
        if option in p.options:
            texts.append(p.options[option])
        elif rest:
            texts.append(rest.pop(0))
        else:
            ctx.fail("error.usage", usage=ctx.t("help.maintenance"))
    return texts[0], texts[1], " ".join(rest)


def _list_windows(session: Session, customer_id: str, customer: CustomerConfig, locale: str, now: datetime) -> Reply:
    rows = HealthRepo(session).windows(customer_id, now)
    lines = []
    for w in rows:
        line = (f"#{w.id} · {component_title(customer, w.component)} · "
                f"{format_datetime(w.starts_at, customer.tz, locale)} – {format_datetime(w.ends_at, customer.tz, locale)}")
        if w.every:
            line += " · " + t(locale, f"health.every.{w.every}")
        if w.reason:
            line += f" · {w.reason}"
        lines.append(line)
    for check_id, cfg in customer.checks.items():
        for rw in cfg.maintenance:
            lines.append(f"{component_title(customer, cfg.component)} · {check_id} · {','.join(rw.days)} {rw.hours}"
                         f" · {t(locale, 'health.every.config')}")
    if not lines:
        lines.append(t(locale, "health.no_windows"))
    return Reply(text=t(locale, "health.windows_title", customer=customer.name), lines=tuple(lines), kind="info",
                 locale=locale)
