"""The damped state of a check: thresholds, flap damping, recovery, reminders, maintenance, dependencies."""

from __future__ import annotations

from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

from commands.health.domain.state import Policy, Snapshot, Step, Window, advance
from tests.conftest import utc

T0 = utc(2026, 11, 23, 8, 0)
P = Policy(failure_threshold=3, success_threshold=2, reminder=timedelta(hours=1))


def run(statuses: str, snap: Snapshot | None = None, start: datetime = T0, every: timedelta = timedelta(minutes=1),
        **kw: object) -> list[Step]:
    """Feed results given as letters: u(p), d(egraded), x (down)."""
    snap = snap or Snapshot()
    steps = []
    for n, ch in enumerate(statuses):
        step = advance(snap, {"u": "up", "d": "degraded", "x": "down"}[ch], start + n * every, P, **kw)  # type: ignore[arg-type]
        steps.append(step)
        snap = step.after
    return steps


def test_first_good_result_settles_pending_without_an_alert() -> None:
    steps = run("u")
    assert steps[0].after.state == "up" and steps[0].alert is None


def test_down_needs_consecutive_failures_and_remembers_the_first() -> None:
    steps = run("uxxx")
    assert [s.after.state for s in steps] == ["up", "up", "up", "down"]
    assert steps[3].alert == "down" and steps[3].after.failing_since == T0 + timedelta(minutes=1)
    assert steps[3].after.outage == 1


def test_flapping_never_changes_state() -> None:
    steps = run("u" + "xux" * 10 + "xu" * 10)
    assert {s.after.state for s in steps} == {"up"} and not any(s.alert for s in steps)


def test_recovery_needs_consecutive_successes_and_is_announced() -> None:
    steps = run("uxxx" + "uxu" + "u")
    assert steps[3].alert == "down"
    assert [s.after.state for s in steps[4:]] == ["down", "down", "down", "up"]
    assert steps[-1].alert == "up" and steps[-1].after.announced == "up"


def test_degraded_then_down_then_partly_back() -> None:
    steps = run("uddd" + "xxx" + "dd" + "uu")
    assert steps[3].alert == "degraded" and steps[6].alert == "down" and steps[6].after.outage == 1
    assert steps[8].after.state == "degraded" and steps[8].alert == "degraded"
    assert steps[10].alert == "up"


def test_reminders_while_down() -> None:
    steps = run("uxxx" + "x" * 130)
    reminders = [s for s in steps if s.alert == "reminder"]
    assert len(reminders) == 2 and reminders[0].after.reminders == 1
    assert reminders[0].after.alerted_at == steps[3].after.alerted_at + timedelta(hours=1)


def test_maintenance_holds_alerts_and_announces_what_still_holds_after() -> None:
    steps = run("uxxxxx", in_maintenance=True)
    assert steps[-1].after.state == "down" and not any(s.alert for s in steps)
    assert steps[3].silenced_by == "maintenance"
    after = advance(steps[-1].after, "down", T0 + timedelta(minutes=7), P)
    assert after.alert == "down"
    # Fixed during the window: nothing to say afterwards.
    quiet = run("uxxxuu", in_maintenance=True)
    assert quiet[-1].after.state == "up" and advance(quiet[-1].after, "up", T0 + timedelta(minutes=9), P).alert is None


def test_an_outage_that_follows_a_dependency_is_folded_into_it() -> None:
    steps = run("uxxxx", blocked_by="cucm")
    assert steps[3].silenced_by == "dependency:cucm" and not any(s.alert for s in steps)
    # CUCM is back but UCCX still down: now it is news.
    assert advance(steps[-1].after, "down", T0 + timedelta(minutes=6), P).alert == "down"
    # UCCX recovers together with CUCM: nothing was announced, nothing to take back.
    back = run("uu", snap=steps[-1].after, start=T0 + timedelta(minutes=6), blocked_by="cucm")
    assert back[-1].after.state == "up" and not any(s.alert for s in back)


def test_recurring_windows_keep_their_wall_clock_time_across_dst() -> None:
    sofia = ZoneInfo("Europe/Sofia")
    w = Window(datetime(2026, 10, 18, 2, 0, tzinfo=sofia), datetime(2026, 10, 18, 4, 0, tzinfo=sofia), "week")
    assert w.covers(datetime(2026, 10, 25, 3, 30, tzinfo=sofia), sofia)  # the night of the DST change
    assert w.covers(datetime(2026, 11, 1, 2, 0, tzinfo=sofia), sofia)
    assert not w.covers(datetime(2026, 11, 1, 4, 0, tzinfo=sofia), sofia)
    assert not w.covers(datetime(2026, 11, 2, 3, 0, tzinfo=sofia), sofia)
    once = Window(utc(2026, 11, 23, 20), utc(2026, 11, 23, 22))
    assert once.covers(utc(2026, 11, 23, 21), sofia) and not once.covers(utc(2026, 11, 23, 22), sofia)
    daily = Window(datetime(2026, 11, 23, 23, 0, tzinfo=sofia), datetime(2026, 11, 24, 1, 0, tzinfo=sofia), "day")
    assert daily.covers(datetime(2026, 11, 26, 0, 30, tzinfo=sofia), sofia)
