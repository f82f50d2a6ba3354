"""What ``dutydesk check-config`` prints about schedules: every backup's crontab line and every daily
summary with their next fire times, in the schedule's own time zone, read by the same parser and the
same calendar the running process uses — so a person sees what a line means before trusting it."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime
from itertools import islice
from zoneinfo import ZoneInfo

from commands.domain.calendar import BusinessCalendar
from commands.domain.config import Config, CustomerConfig
from commands.domain.cron import cron_schedule, daily_line
from commands.preventive.domain.due import task_plan

_WEEKDAYS = ("Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun")


def _when(at: datetime, tz: ZoneInfo) -> str:
    local = at.astimezone(tz)
    offset = local.strftime("%z")
    return f"{_WEEKDAYS[local.weekday()]} {local:%Y-%m-%d %H:%M} {offset[:3]}:{offset[3:]}"


def _daily(customer: CustomerConfig, now: datetime) -> Iterator[datetime]:
    cfg = customer.reports
    times = cron_schedule(daily_line(cfg.daily_time), customer.tz).fire_times(now)
    if not cfg.working_days_only:
        yield from times
        return
    calendar = BusinessCalendar.from_config(customer.calendar, customer.timezone)
    yield from (at for at in times if calendar.is_working_day(at.astimezone(customer.tz).date()))


def _preventive(customer_id: str, customer: CustomerConfig, now: datetime, count: int) -> list[str]:
    """Each planned task's rule and its next ``count`` due days (the first ones before the contract starts)."""
    table = customer.preventive
    if table is None:
        return []
    calendar = BusinessCalendar.from_config(customer.calendar, customer.timezone)
    out = []
    for task_id, task in table.tasks.items():
        plan = task_plan(task.first_due, task.every, table.contract_start, table.remind_for(task))
        then = f", then {task.every}" if task.every else ", once"
        out.append(f"  preventive {customer_id}/{task_id}: {task.first_due} ({table.contract_start}){then}; "
                   f"{task.responsible} ({customer.timezone})")
        upcoming = islice((o for o in plan.iter(calendar) if o.due_at >= now), count)
        out.extend(f"      #{o.seq} due {_when(o.due_at, customer.tz)}" for o in upcoming)
    return out


def schedule_report(config: Config, now: datetime, count: int) -> list[str]:
    """The lines to print: a heading, then per schedule its line and its next ``count`` fire times."""
    out = [f"schedules (next {count} fire times each, in the schedule's time zone; "
           f"now {now.astimezone(UTC):%Y-%m-%d %H:%M} UTC):"]
    for customer_id, customer in config.customers.items():
        tz, zone = customer.tz, customer.timezone
        for target_id, target in customer.backups.items():
            head = f"  backup {customer_id}/{target_id}:"
            if not target.schedule:
                out.append(f"{head} no schedule (only /backup)")
                continue
            if not target.enabled:
                out.append(f"{head} {target.schedule} ({zone}) — disabled")
                continue
            out.append(f"{head} {target.schedule} ({zone})")
            fires = islice(cron_schedule(target.schedule, tz).fire_times(now), count)
            out.extend(f"      {_when(at, tz)}" for at in fires)
        out.extend(_preventive(customer_id, customer, now, count))
        cfg = customer.reports
        if not cfg.daily:
            out.append(f"  daily summary {customer_id}: off")
            continue
        days = "on working days" if cfg.working_days_only else "every day"
        out.append(f"  daily summary {customer_id}: {cfg.daily_at} {days} ({zone})")
        out.extend(f"      {_when(at, tz)}" for at in islice(_daily(customer, now), count))
    return out
