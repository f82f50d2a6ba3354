"""Planned maintenance in the sweeper: the plan stored, each reminder and overdue notice queued exactly once,
an archive task completed by the backups inside its window (and only then)."""

from __future__ import annotations

import json
from datetime import datetime, timedelta

from sqlmodel import select

from commands.preventive.sweep import PreventiveSweep, preventive_sweep_unit
from storage.models import OutboxMessage
from storage.models_backup import BackupRun
from storage.models_maintenance import MaintenanceEvent, MaintenanceTask
from tests.conftest import utc
from tests.harness import DeskHarness

# Monday 2026-12-14 09:00 Sofia: the day noi's contract starts (examples/noi.toml).
CONTRACT_DAY_0900 = utc(2026, 12, 14, 7, 0)


def tick(h: DeskHarness) -> PreventiveSweep:
    result: PreventiveSweep = h.db.write_sync(preventive_sweep_unit(h.app.services, h.clock.now()))
    return result


def pm_messages(h: DeskHarness) -> list[OutboxMessage]:
    rows = h.db.read_sync(lambda s: list(s.exec(select(OutboxMessage).order_by(OutboxMessage.id))))
    return [m for m in rows if m.kind.startswith("maintenance.")]


def occurrences(h: DeskHarness, task: str) -> list[MaintenanceTask]:
    return h.db.read_sync(lambda s: list(s.exec(select(MaintenanceTask).where(MaintenanceTask.task_id == task)
                                                 .order_by(MaintenanceTask.seq))))


def at_sofia(day: int, month: int, year: int, hour: int, minute: int = 0) -> datetime:
    from zoneinfo import ZoneInfo

    return datetime(year, month, day, hour, minute, tzinfo=ZoneInfo("Europe/Sofia"))


async def test_reminder_and_overdue_each_once_over_christmas(noi_config, db_url: str) -> None:  # type: ignore[no-untyped-def]
    h = DeskHarness(noi_config, db_url, CONTRACT_DAY_0900)
    try:
        first = tick(h)
        assert first.planned == 3 and first.reminders == 0  # one occurrence per task, window open
        (review,) = occurrences(h, "review")
        assert review.due_at == at_sofia(31, 12, 2026, 17, 30)
        assert review.remind_at == at_sofia(23, 12, 2026, 9, 0)  # 3 working days before, over the holidays
        assert tick(h) == PreventiveSweep()
        h.clock.set(at_sofia(23, 12, 2026, 8, 59))
        assert tick(h).reminders == 0
        h.advance(minutes=1)
        got = tick(h)
        assert got.reminders == 3  # three tasks, each to whoever is on call on schedule primary
        assert tick(h).reminders == 0  # a second tick at the same moment says nothing again
        msgs = pm_messages(h)
        assert {m.kind for m in msgs} == {"maintenance.reminder"}
        assert all(m.audience.startswith("person:") for m in msgs)
        review_msg = next(json.loads(m.payload) for m in msgs if m.dedupe_key.startswith(f"pm:{review.id}:"))
        assert review_msg["text"].startswith("Профилактика review#1 за НОИ")
        assert "2026-12-31 17:30" in review_msg["text"]
        h.clock.set(at_sofia(31, 12, 2026, 17, 30))  # the due instant itself is not overdue yet
        assert tick(h).overdue == 0
        h.advance(seconds=1)
        assert tick(h).overdue == 3
        h.advance(days=3)
        assert tick(h).overdue == 0  # once
        overdue = [m for m in pm_messages(h) if m.kind == "maintenance.overdue"]
        assert len(overdue) == 3 and all(json.loads(m.payload)["kind"] == "error" for m in overdue)
        kinds = h.db.read_sync(lambda s: [e.kind for e in s.exec(select(MaintenanceEvent).where(
            MaintenanceEvent.maintenance_id == review.id).order_by(MaintenanceEvent.id))])
        assert kinds == ["reminded", "overdue"]
    finally:
        h.close()


async def test_a_desk_down_over_the_reminder_sends_the_overdue_notice_only(noi_config, db_url: str) -> None:  # type: ignore[no-untyped-def]
    h = DeskHarness(noi_config, db_url, CONTRACT_DAY_0900)
    try:
        tick(h)
        h.clock.set(at_sofia(4, 1, 2027, 10))  # down from the 14th of December to the 4th of January
        got = tick(h)
        # the first occurrences: their reminders are past due, so only the overdue notices; the monthly tasks'
        # second occurrence (due Tuesday 5 January, reminded on 30 December): its reminder, late
        assert (got.reminders, got.overdue) == (2, 3)
        assert sorted(m.dedupe_key.split(":")[2] for m in pm_messages(h)) == ["overdue"] * 3 + ["reminder"] * 2
        assert all(json.loads(m.payload)["lines"][-1].startswith("(изпратено със закъснение") for m in pm_messages(h))
        assert [o.seq for o in occurrences(h, "logs")] == [1, 2, 3]  # the 3rd opens on the 5th, within 14 days
    finally:
        h.close()


def _backup(target: str, finished: datetime, status: str = "succeeded") -> BackupRun:
    return BackupRun(customer_id="noi", target_id=target, driver="ssh", trigger="schedule", requested_by="schedule",
                     status=status, queued_at=finished - timedelta(minutes=5), started_at=finished - timedelta(minutes=5),
                     finished_at=finished, sha256=(target * 64)[:64], location=f"/data/backups/noi/{target}/x")


def _add(h: DeskHarness, *runs: BackupRun) -> None:
    def unit(s):  # type: ignore[no-untyped-def]
        for r in runs:
            s.add(r)

    h.db.write_sync(unit)


async def test_the_backups_of_every_target_inside_the_window_complete_the_archive_task(noi_config, db_url: str) -> None:  # type: ignore[no-untyped-def]
    h = DeskHarness(noi_config, db_url, CONTRACT_DAY_0900)
    try:
        tick(h)
        # before the contract: does not count; a failed run does not count
        _add(h, _backup("cucm", at_sofia(13, 12, 2026, 3)), _backup("uccx", at_sofia(15, 12, 2026, 4), "failed"),
             _backup("gw1", at_sofia(15, 12, 2026, 2, 30)), _backup("gw2", at_sofia(15, 12, 2026, 2, 35)))
        h.clock.set(at_sofia(15, 12, 2026, 9))
        assert tick(h).completed == 0
        _add(h, _backup("cucm", at_sofia(20, 12, 2026, 3)))
        h.clock.set(at_sofia(21, 12, 2026, 9))
        assert tick(h).completed == 0  # UCCX still missing
        _add(h, _backup("uccx", at_sofia(20, 12, 2026, 4, 10)))
        assert tick(h).completed == 1
        assert tick(h).completed == 0
        archive = occurrences(h, "config-archive")[0]  # the second is stored too (it opens within 14 days)
        assert archive.state == "done" and archive.closed_by == "backup"
        assert archive.closed_at == at_sofia(20, 12, 2026, 4, 10)
        evidence = json.loads(archive.evidence)
        assert sorted(e["target"] for e in evidence) == ["cucm", "gw1", "gw2", "uccx"]
        assert all(len(e["sha256"]) == 64 and e["run_id"] for e in evidence)
        done = [m for m in pm_messages(h) if m.kind == "maintenance.done"]
        assert done and "SHA-256" in json.loads(done[0].payload)["lines"][0]
        # done: no reminder, no overdue notice for it
        h.clock.set(at_sofia(1, 1, 2027, 12))
        tick(h)
        assert not [m for m in pm_messages(h) if m.dedupe_key.startswith(f"pm:{archive.id}:") and m.kind != "maintenance.done"]
    finally:
        h.close()


async def test_a_backup_after_the_due_day_does_not_complete_it(noi_config, db_url: str) -> None:  # type: ignore[no-untyped-def]
    h = DeskHarness(noi_config, db_url, CONTRACT_DAY_0900)
    try:
        tick(h)
        _add(h, *(_backup(t, at_sofia(31, 12, 2026, 18)) for t in ("cucm", "uccx", "gw1", "gw2")))
        h.clock.set(at_sofia(31, 12, 2026, 19))
        assert tick(h).completed == 1  # not the first occurrence's: the second's, whose window opened at 17:30
        first, second = occurrences(h, "config-archive")[:2]
        assert (first.state, second.state) == ("planned", "done")
    finally:
        h.close()


async def test_the_daily_summary_lists_what_is_due_this_week(noi_config, db_url: str) -> None:  # type: ignore[no-untyped-def]
    from commands.reports.report import daily_summary

    h = DeskHarness(noi_config, db_url, CONTRACT_DAY_0900)
    try:
        tick(h)
        services = h.app.services

        def summary(day: datetime, locale: str = "bg") -> list[str]:
            return list(h.db.read_sync(lambda s: daily_summary(s, services, "noi", day.date(), h.clock.now(), locale)).lines)

        h.clock.set(at_sofia(15, 12, 2026, 9))
        assert not any("Профилактики" in x for x in summary(at_sofia(15, 12, 2026, 9)))  # due in over a week
        h.clock.set(at_sofia(29, 12, 2026, 9))
        tick(h)
        lines = summary(at_sofia(29, 12, 2026, 9))
        at = lines.index("Профилактики със срок до една седмица: 3 (просрочени: 0)")
        assert lines[at + 1] == ("• config-archive#1 · Архивни копия на актуалните конфигурации на телефонната "
                                 "централа · срок 2026-12-31 17:30 · планирана")
        h.clock.set(at_sofia(4, 1, 2027, 9))
        tick(h)
        lines = summary(at_sofia(4, 1, 2027, 9), "en")
        assert "Planned maintenance due within a week: 5 (overdue: 3)" in lines
        assert "• review#1 · General hardware and software review · due 2026-12-31 17:30 · OVERDUE" in lines
    finally:
        h.close()
