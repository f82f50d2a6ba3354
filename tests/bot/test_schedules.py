"""The schedules the running process sets up fire when crontab says (issue 16 §2).

Reference: croniter, a crontab implementation independent of ours, over a whole year of fire times of
every backup schedule and of the daily summary, in Europe/Sofia (DST changes at 03:00/04:00) and in
Asia/Tehran in 2021 (its DST changes at midnight, so ``0 0 * * *`` falls in the gap). Where croniter and
cron(8) part, cron(8) is the rule: a job at a fixed time runs once in the hour that is repeated
("those jobs that fall into the repeated time will not be re-run", cron(8) of Vixie/ISC cron, Debian),
applied to croniter's answer here. The triggers are read from the scheduler exactly as APScheduler
reads them (``get_next_fire_time(previous, now)``), so this is what the process does.
"""

from __future__ import annotations

import tomllib
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

import pytest
from apscheduler.schedulers.asyncio import AsyncIOScheduler
from croniter import croniter

from bot.backup_jobs import default_runtime, schedule_backup_jobs
from bot.report_jobs import schedule_report_jobs
from commands.domain.config import Config
from tests.conftest import EXAMPLES, utc
from tests.harness import DeskHarness

LINES = [
    "0 2 * * 1-5",  # Monday to Friday (APScheduler's from_crontab: Tuesday to Saturday)
    "0 2 * * 0",  # Sunday (from_crontab: Monday)
    "0 2 * * 7",  # Sunday too (from_crontab: refused)
    "0 2 * * 5-7",
    "0 2 * * MON-FRI",
    "0 23 * * sat,sun,mon,tue,wed",  # hgp's CRM database backup
    "0 3 * * sun",
    "30 2 * * *",
    "30 3 * * *",  # Sofia: in the skipped hour in March, the repeated one in October
    "0 0 * * *",  # Tehran 2021: midnight is skipped on 22 March
    "30 0 * * *",
    "0,30 0 * * *",
    "15 4 */2 * *",
    "0 9-17/2 * * mon-fri",
    "5 4 * jan,jul *",
    "0 2 1 * mon",  # both day fields restricted: the 1st OR a Monday
    "0 2 1-7 * 5",
    "30 * * * *",  # wildcard: by the new time
    "*/20 * * * *",
    "@weekly",
    "@monthly",
    "@daily",
]
ZONES = {"noi": ("Europe/Sofia", 2026), "hgp": ("Asia/Tehran", 2021)}


def _config(customer: str, lines: list[str], daily_at: str) -> Config:
    raw = tomllib.loads((EXAMPLES / f"{customer}.toml").read_text(encoding="utf-8"))
    raw["customers"][customer].pop("preventive", None)  # its tasks name the example's backup targets
    raw["customers"][customer]["backups"] = {
        f"t{i}": {"driver": "command", "argv": ["/bin/true"], "schedule": line} for i, line in enumerate(lines)}
    raw["customers"][customer].setdefault("reports", {})["daily_at"] = daily_at
    raw["customers"][customer]["reports"]["working_days_only"] = False
    return Config.model_validate(raw)


def _scheduled(customer: str, lines: list[str], daily_at: str, tmp_path: Path) -> tuple[AsyncIOScheduler, DeskHarness]:
    desk = DeskHarness(_config(customer, lines, daily_at), f"sqlite:///{tmp_path / 'desk.db'}", utc(2021, 1, 1))
    scheduler = AsyncIOScheduler(timezone=UTC)
    services = desk.app.services
    assert schedule_backup_jobs(scheduler, services, default_runtime(services, env={}, root=tmp_path)) == len(lines)
    schedule_report_jobs(scheduler, services)
    return scheduler, desk


def _trigger_times(trigger: Any, start: datetime, end: datetime) -> Iterator[datetime]:
    previous, now = None, start
    while True:
        fire = trigger.get_next_fire_time(previous, now)
        if fire is None or fire > end:
            return
        yield fire.astimezone(UTC)
        previous = now = fire


def _fixed_time(line: str) -> bool:
    fields = line.split()
    return (line.startswith("@") and line != "@hourly") or not (fields[0].startswith("*") or fields[1].startswith("*"))


def _reference(line: str, tz: ZoneInfo, start: datetime, end: datetime) -> list[datetime]:
    """croniter's fire times, with cron(8)'s one rule croniter lacks (a fixed-time job runs once in a
    repeated hour)."""
    it = croniter(line, start.astimezone(tz))
    out: list[datetime] = []
    seen_walls: set[datetime] = set()
    while (at := it.get_next(datetime)) <= end:
        wall = at.astimezone(tz).replace(tzinfo=None)
        if _fixed_time(line) and wall in seen_walls:
            continue
        seen_walls.add(wall)
        out.append(at.astimezone(UTC))
    return out


@pytest.mark.parametrize("customer", sorted(ZONES))
def test_every_backup_schedule_fires_as_crontab_says_for_a_year(customer: str, tmp_path: Path) -> None:
    zone, year = ZONES[customer]
    tz = ZoneInfo(zone)
    start = datetime(year - 1, 12, 31, 23, 59, 30, tzinfo=tz)
    end = datetime(year + 1, 1, 1, 0, 0, tzinfo=tz)
    scheduler, desk = _scheduled(customer, LINES, "08:30", tmp_path)
    try:
        for i, line in enumerate(LINES):
            job = scheduler.get_job(f"backup:{customer}:t{i}")
            assert job is not None and str(job.trigger.timezone) == zone
            ours = list(_trigger_times(job.trigger, start, end))
            assert ours == _reference(line, tz, start, end), f"{line!r} in {zone}"
    finally:
        desk.close()


def test_weekday_numbers_and_names_mean_what_crontab_says(tmp_path: Path) -> None:
    """The issue's lines, by hand: 1-5 is Monday to Friday, 0 and 7 are Sunday."""
    scheduler, desk = _scheduled("noi", ["0 2 * * 1-5", "0 2 * * 0", "0 2 * * 7", "0 2 * * MON-FRI"], "08:30",
                                 tmp_path)
    try:
        monday = datetime(2026, 11, 23, tzinfo=ZoneInfo("Europe/Sofia"))
        days = {i: [t.astimezone(monday.tzinfo).strftime("%a %H:%M")
                    for t in _trigger_times(scheduler.get_job(f"backup:noi:t{i}").trigger, monday,
                                            monday + timedelta(days=7))] for i in range(4)}
        assert days[0] == days[3] == ["Mon 02:00", "Tue 02:00", "Wed 02:00", "Thu 02:00", "Fri 02:00"]
        assert days[1] == days[2] == ["Sun 02:00"]
    finally:
        desk.close()


@pytest.mark.parametrize(("customer", "daily_at"), [("noi", "08:30"), ("noi", "03:30"), ("hgp", "00:30"),
                                                    ("hgp", "08:30")])
def test_the_daily_summary_fires_every_day_at_its_time_across_dst(customer: str, daily_at: str,
                                                                   tmp_path: Path) -> None:
    """Its time is read by the same crontab parser: in Tehran's 2021 gap (00:00-01:00 on 22 March)
    "00:30" runs at 01:00, not never (APScheduler's CronTrigger skips the day); in Sofia's repeated hour
    "03:30" runs once."""
    zone, year = ZONES[customer]
    tz = ZoneInfo(zone)
    start, end = datetime(year, 1, 1, tzinfo=tz), datetime(year + 1, 1, 1, tzinfo=tz)
    scheduler, desk = _scheduled(customer, [], daily_at, tmp_path)
    try:
        job = scheduler.get_job(f"report:daily:{customer}")
        h, m = daily_at.split(":")
        ours = list(_trigger_times(job.trigger, start, end))
        assert ours == _reference(f"{int(m)} {int(h)} * * *", tz, start, end)
        assert len(ours) == 365
    finally:
        desk.close()
