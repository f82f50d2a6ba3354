"""APScheduler's view of a crontab schedule (commands/domain/cron.py): a trigger that fires when cron
would, in the schedule's time zone. APScheduler's own ``CronTrigger.from_crontab`` is not used: for it
weekday 0 is Monday, 7 is refused, both restricted day fields must match, and its DST handling differs.
"""

from __future__ import annotations

from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

from apscheduler.triggers.base import BaseTrigger

from commands.domain.cron import CronSchedule

_TICK = timedelta(microseconds=1)


class CrontabTrigger(BaseTrigger):
    def __init__(self, schedule: CronSchedule) -> None:
        self.schedule = schedule

    @property
    def timezone(self) -> ZoneInfo:
        return self.schedule.tz

    def get_next_fire_time(self, previous_fire_time: datetime | None, now: datetime) -> datetime | None:
        """The first fire time at or after ``now``; after a fire, the first one after it (even when ``now``
        is later: a run missed while the loop was busy is still due), as APScheduler's CronTrigger does."""
        if previous_fire_time is not None and now >= previous_fire_time:
            after = previous_fire_time
        else:
            after = now - _TICK
        fire = self.schedule.next_after(after)
        return None if fire is None else fire.astimezone(self.schedule.tz)

    def __str__(self) -> str:
        return f"crontab[{self.schedule.text!r}, {self.schedule.tz.key}]"

    def __repr__(self) -> str:
        return f"<CrontabTrigger ({self.schedule.text!r}, timezone={self.schedule.tz.key!r})>"
