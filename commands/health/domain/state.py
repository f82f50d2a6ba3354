"""The state of one health check, moved by each probe result: thresholds, flap damping, maintenance and
dependencies. Pure: no I/O, the caller passes the time and what it knows.

- ``state`` is what the results say, after damping: ``pending`` until the first verdict, then ``up``,
  ``degraded`` or ``down``. Leaving ``up`` needs ``failure_threshold`` bad results in a row, coming back
  needs ``success_threshold`` good ones, so a check that alternates never changes state (flap damping).
- ``announced`` is what the engineers were last told (``up`` until told otherwise). An alert goes out when
  the state differs from it and nothing silences it: a maintenance window (the difference is announced
  when the window ends, if it still holds) or a dependency that is itself down (the alert is folded into
  the dependency's; if the dependency recovers first, the difference is announced then).
- While announced ``down``, a reminder every ``reminder`` interval.
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from datetime import datetime, time, timedelta
from typing import Literal
from zoneinfo import ZoneInfo

State = Literal["pending", "up", "degraded", "down"]
Alert = Literal["down", "degraded", "up", "reminder"]
LEVELS = {"up": 0, "degraded": 1, "down": 2}


@dataclass(frozen=True)
class Policy:
    failure_threshold: int = 3
    success_threshold: int = 2
    reminder: timedelta | None = timedelta(hours=1)


@dataclass(frozen=True)
class Snapshot:
    state: State = "pending"
    announced: Literal["up", "degraded", "down"] = "up"
    good_streak: int = 0  # consecutive "up" results
    bad_streak: int = 0  # consecutive "degraded" or "down" results
    down_streak: int = 0  # consecutive "down" results
    soft_streak: int = 0  # consecutive "degraded" results
    failing_since: datetime | None = None  # first result of the current bad streak
    changed_at: datetime | None = None  # when ``state`` last changed
    alerted_at: datetime | None = None  # last alert or reminder
    outage: int = 0  # counts outages announced, for dedupe keys
    reminders: int = 0  # reminders sent in the current outage


@dataclass(frozen=True)
class Step:
    before: Snapshot
    after: Snapshot
    alert: Alert | None = None
    silenced_by: str | None = None  # "maintenance" or "dependency:<component>" when an alert was held back

    @property
    def changed(self) -> bool:
        return self.before.state != self.after.state


def _count(snap: Snapshot, status: str, now: datetime) -> Snapshot:
    if status == "up":
        return replace(snap, good_streak=snap.good_streak + 1, bad_streak=0, down_streak=0, soft_streak=0,
                       failing_since=None)
    return replace(
        snap, good_streak=0, bad_streak=snap.bad_streak + 1,
        down_streak=snap.down_streak + 1 if status == "down" else 0,
        soft_streak=snap.soft_streak + 1 if status == "degraded" else 0,
        failing_since=snap.failing_since or now,
    )


def _verdict(snap: Snapshot, p: Policy) -> State:
    s = snap.state
    if snap.down_streak >= p.failure_threshold:
        return "down"
    if s in ("pending", "up"):
        if s == "pending" and snap.good_streak >= 1:
            return "up"
        return "degraded" if snap.bad_streak >= p.failure_threshold else s
    if snap.good_streak >= p.success_threshold:
        return "up"
    if s == "down" and snap.soft_streak >= p.success_threshold:
        return "degraded"  # partly back: degraded results for as long as a recovery needs
    return s


def advance(snap: Snapshot, status: str, now: datetime, policy: Policy, *, in_maintenance: bool = False,
            blocked_by: str | None = None) -> Step:
    """Take one probe result (``up`` / ``degraded`` / ``down``) at ``now``."""
    counted = _count(snap, status, now)
    state = _verdict(counted, policy)
    after = counted if state == snap.state else replace(counted, state=state, changed_at=now)
    return _announce(snap, after, now, policy, in_maintenance, blocked_by)


def _announce(before: Snapshot, after: Snapshot, now: datetime, policy: Policy, in_maintenance: bool,
              blocked_by: str | None) -> Step:
    state = after.state
    if state == "pending":
        return Step(before, after)
    silenced = "maintenance" if in_maintenance else (f"dependency:{blocked_by}" if blocked_by else None)
    if state != after.announced:
        if silenced and not (state == "up" and blocked_by and not in_maintenance):
            return Step(before, after, silenced_by=silenced)
        new_outage = after.announced == "up"
        alert: Alert = state
        after = replace(after, announced=state, alerted_at=now,
                        outage=after.outage + 1 if new_outage else after.outage,
                        reminders=0 if new_outage or state == "up" else after.reminders)
        return Step(before, after, alert=alert)
    if (state == "down" and policy.reminder is not None and not silenced and after.alerted_at is not None
            and now - after.alerted_at >= policy.reminder):
        after = replace(after, alerted_at=now, reminders=after.reminders + 1)
        return Step(before, after, alert="reminder")
    return Step(before, after)


# -- maintenance windows ------------------------------------------------------------------------------
@dataclass(frozen=True)
class Window:
    """A one-off window ``[start, end)``, or one repeated every ``every`` (daily/weekly) from ``start``."""

    start: datetime
    end: datetime
    every: Literal["day", "week"] | None = None

    def covers(self, at: datetime, tz: ZoneInfo) -> bool:
        if self.every is None:
            return self.start <= at < self.end
        if at < self.start:
            return False
        period = 1 if self.every == "day" else 7
        # Repeat in wall-clock time, so a 02:00-04:00 window stays 02:00-04:00 across a DST change.
        local_start = self.start.astimezone(tz)
        length = self.end - self.start
        days = (at.astimezone(tz).date() - local_start.date()).days
        for k in (days // period, days // period - 1):
            if k < 0:
                continue
            day = local_start.date() + timedelta(days=k * period)
            begins = datetime.combine(day, local_start.time(), tzinfo=tz)
            if begins <= at < begins + length:
                return True
        return False


def in_weekly_hours(at: datetime, tz: ZoneInfo, days: tuple[int, ...], opens: time, closes: time) -> bool:
    """A recurring configured window: local weekday in ``days`` and local time in ``[opens, closes)``."""
    local = at.astimezone(tz)
    if local.weekday() not in days:
        return False
    t = local.time().replace(tzinfo=None)
    return opens <= t < closes or (closes == time.max and t >= opens)


