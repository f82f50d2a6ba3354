"""On-call rotations: who is on call at an instant, and the shifts over a period (pure, no I/O).

A schedule has layers; a later layer wins over an earlier one wherever it has someone (a business-hours
layer over a 24/7 layer). A layer rotates its people daily or weekly at a local hand-off time, counted
from a start date; it may be restricted to some weekdays and hours. Overrides (made in chat) win over
every layer. Hand-offs are local wall-clock times in the schedule's time zone, so a 09:00 hand-off stays
09:00 across a DST change; the instants are computed in UTC.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, time, timedelta
from itertools import pairwise
from zoneinfo import ZoneInfo

from commands.domain.calendar import local_to_utc

_DAY = timedelta(days=1)


def _local_to_utc(d: date, t: time, tz: ZoneInfo) -> datetime:
    return local_to_utc(datetime.combine(d, t), tz)


@dataclass(frozen=True)
class Layer:
    name: str
    people: tuple[str, ...]
    rotation: str = "weekly"  # "daily" | "weekly"
    handoff: time = time(9, 0)
    start: date = date(2026, 1, 5)
    days: frozenset[int] = frozenset(range(7))  # weekdays the layer covers (0 = Monday)
    hours: tuple[time, time] | None = None  # local hours the layer covers; None = all day

    def __post_init__(self) -> None:
        if not self.people:
            raise ValueError(f"layer {self.name!r} has no people")
        if self.rotation not in ("daily", "weekly"):
            raise ValueError(f"layer {self.name!r}: rotation is daily or weekly, not {self.rotation!r}")

    def period(self) -> int:
        return 1 if self.rotation == "daily" else 7

    def person_on(self, shift_day: date) -> str:
        """Who holds the shift that starts at the hand-off of ``shift_day``'s rotation period."""
        index = (shift_day - self.start).days // self.period()
        return self.people[index % len(self.people)]


@dataclass(frozen=True)
class Override:
    person: str
    start: datetime
    end: datetime
    made_by: str = ""

    def covers(self, at: datetime) -> bool:
        return self.start <= at < self.end


@dataclass(frozen=True)
class Shift:
    person: str
    start: datetime
    end: datetime
    source: str  # layer name or "override"


@dataclass(frozen=True)
class Schedule:
    name: str
    tz: ZoneInfo
    layers: tuple[Layer, ...]
    overrides: tuple[Override, ...] = field(default=())

    def with_overrides(self, overrides: Sequence[Override]) -> Schedule:
        return Schedule(self.name, self.tz, self.layers, tuple(overrides))

    # -- one instant -------------------------------------------------------------------------------
    def on_call(self, at: datetime) -> str | None:
        at = at.astimezone(UTC)
        for o in reversed(self.overrides):  # the newest override wins where two overlap
            if o.covers(at):
                return o.person
        for layer in reversed(self.layers):
            person = self._layer_at(layer, at)
            if person is not None:
                return person
        return None

    def _layer_at(self, layer: Layer, at: datetime) -> str | None:
        local = at.astimezone(self.tz)
        if local.weekday() not in layer.days:
            return None
        if layer.hours is not None and not (layer.hours[0] <= local.time() < layer.hours[1]):
            return None
        # The shift day: the local date of the last hand-off at or before `at`.
        day = local.date()
        if at < _local_to_utc(day, layer.handoff, self.tz):
            day -= _DAY
        if day < layer.start:
            return None
        offset = (day - layer.start).days % layer.period()
        return layer.person_on(day - timedelta(days=offset))

    # -- a period ----------------------------------------------------------------------------------
    def shifts(self, start: datetime, end: datetime) -> list[Shift]:
        """Contiguous stretches of one person on call, merged, over [start, end).

        Evaluated at every boundary where the answer can change (hand-offs, layer hours, overrides),
        so the cost follows the number of boundaries, not minutes.
        """
        start, end = start.astimezone(UTC), end.astimezone(UTC)
        points = sorted({start, end, *self._boundaries(start, end)})
        out: list[Shift] = []
        for lo, hi in pairwise(points):
            if hi <= start or lo >= end:
                continue
            person = self.on_call(lo)
            if person is None:
                continue
            source = "override" if any(o.covers(lo) for o in self.overrides) else self._source(lo)
            if out and out[-1].person == person and out[-1].end == lo and out[-1].source == source:
                out[-1] = Shift(person, out[-1].start, hi, source)
            else:
                out.append(Shift(person, lo, hi, source))
        return out

    def whole_shifts(self, start: datetime, end: datetime, *, reach: timedelta = timedelta(days=366)) -> list[Shift]:
        """The shifts that overlap [start, end), each with its real start and end rather than cut to the
        window (what a calendar export needs: the same shift, the same times, whenever it is asked).

        Backwards the search goes as far as anyone can have been on call (the first layer start or
        override), so a shift's start does not depend on when it is asked; forwards it goes up to
        ``reach`` past ``end``, where a stretch still going on (one person alone in a rotation) is cut.
        """
        start, end = start.astimezone(UTC), end.astimezone(UTC)
        if end <= start:
            return []
        earliest = self._earliest()
        back, ahead = timedelta(days=8), timedelta(days=8)
        while True:
            lo, hi = start - back, end + ahead
            found = [s for s in self.shifts(lo, hi) if s.end > start and s.start < end]
            cut_before = bool(found) and found[0].start == lo and lo > earliest
            cut_after = bool(found) and found[-1].end == hi and ahead < reach
            if not cut_before and not cut_after:
                return found
            if cut_before:
                back = min(back * 2, start - earliest)
            if cut_after:
                ahead = min(ahead * 2, reach)

    def _earliest(self) -> datetime:
        """No one is on call before this instant: the first hand-off of the first layer, or an override."""
        firsts = [_local_to_utc(layer.start, layer.handoff, self.tz) - _DAY for layer in self.layers]
        firsts += [o.start for o in self.overrides]
        return min(firsts) if firsts else datetime.min.replace(tzinfo=UTC)

    def _source(self, at: datetime) -> str:
        for layer in reversed(self.layers):
            if self._layer_at(layer, at) is not None:
                return layer.name
        return ""

    def _boundaries(self, start: datetime, end: datetime) -> list[datetime]:
        points: list[datetime] = []
        d = start.astimezone(self.tz).date() - _DAY
        last = end.astimezone(self.tz).date() + _DAY
        while d <= last:
            for layer in self.layers:
                points.append(_local_to_utc(d, layer.handoff, self.tz))
                if layer.hours is not None:
                    points.append(_local_to_utc(d, layer.hours[0], self.tz))
                    points.append(_local_to_utc(d, layer.hours[1], self.tz))
                points.append(_local_to_utc(d, time(0, 0), self.tz))  # weekday restrictions change at midnight
            d += _DAY
        for o in self.overrides:
            points.extend((o.start, o.end))
        return [p for p in points if start <= p <= end]


def check_override(existing: Sequence[Override], new: Override, now: datetime) -> str | None:
    """Why an override cannot be made, or None: it must end after it starts and not lie in the past.
    Overlapping overrides are allowed (the newer wins), as in PagerDuty."""
    if new.end <= new.start:
        return "end_before_start"
    if new.end <= now:
        return "in_the_past"
    return None
