"""/tasks and /task in chat: list, start, note, check, done, skip, an incident filed from a task — each step
on the occurrence's timeline with its time and who; bad input answered politely in the user's language."""

from __future__ import annotations

import json

from sqlmodel import select

from commands.preventive.sweep import preventive_sweep_unit
from storage.models import TimelineEvent
from storage.models_maintenance import MaintenanceIncident, MaintenanceTask
from tests.commands.test_preventive_sweep import CONTRACT_DAY_0900, at_sofia
from tests.harness import DeskHarness


def _desk(config, db_url: str) -> DeskHarness:  # type: ignore[no-untyped-def]
    h = DeskHarness(config, db_url, CONTRACT_DAY_0900)
    h.db.write_sync(preventive_sweep_unit(h.app.services, h.clock.now()))
    return h


async def test_a_task_is_started_ticked_and_done_on_its_timeline(noi_config, db_url: str) -> None:  # type: ignore[no-untyped-def]
    h = _desk(noi_config, db_url)
    try:
        listed = await h.say("ivana", "/tasks")  # a reporter reads the plan
        assert listed.kind == "info" and listed.text == "Няма профилактики със срок до една седмица"
        h.clock.set(at_sofia(28, 12, 2026, 10))
        listed = await h.say("georgi", "/tasks")
        assert listed.text == "Профилактики: 3 със срок до седмица (просрочени: 0)"
        assert listed.lines[1].startswith("• logs#1 · Обстоен преглед на логовете и алармите за грешки · срок 2026-12-31")
        started = await h.say("georgi", "/task review start on site, with the customer's representative")
        assert started.kind == "ok" and started.text == "review#1 е започната: Общ профилактичен преглед на хардуера и софтуера"
        again = await h.say("petar", "/task review start")
        assert again.kind == "error" and again.text == "review#1 вече е в изпълнение"
        checked = await h.say("georgi", "/task review#1 check 1, 3")
        assert checked.lines == ("Контролен списък: 2 от 4",)
        h.advance(hours=2)
        done = await h.say("petar", "/task review done Всичко е наред; <!channel> &<> =HYPERLINK(\"x\") --check 2")
        assert done.text == "review#1 е извършена: Общ профилактичен преглед на хардуера и софтуера"
        assert done.lines == ("Контролен списък: 3 от 4", "Протокол от профилактиката: /report task review#1")
        shown = await h.say("georgi", "/task review#1")
        assert shown.text == "review#1: Общ профилактичен преглед на хардуера и софтуера"
        assert "Състояние: извършена (Петър Стоянов)" in shown.lines
        assert "☑ 1. Състояние на сървърите (диск, памет, процесор)" in shown.lines
        assert "☐ 4. IP телефони: регистрирани 22 от 22" in shown.lines
        timeline = shown.lines[shown.lines.index("Хронология:") + 1:]
        assert timeline == (
            "2026-12-28 10:00 · започната · Георги Иванов — on site, with the customer's representative",
            "2026-12-28 10:00 · отметнати точки · Георги Иванов",
            "2026-12-28 12:00 · извършена · Петър Стоянов — Всичко е наред; <!channel> &<> =HYPERLINK(\"x\")",
        )
        row = h.db.read_sync(lambda s: s.exec(select(MaintenanceTask).where(MaintenanceTask.task_id == "review")).one())
        assert (row.state, row.closed_by, json.loads(row.checklist)) == ("done", "petar", [1, 2, 3])
        assert row.notes == "Всичко е наред; <!channel> &<> =HYPERLINK(\"x\")"
        closed = await h.say("georgi", "/task review#1 skip no time")
        assert closed.kind == "error" and closed.text == "review#1 вече е извършена; записът ѝ остава непроменен"
        # closed: the sweeper sends no overdue notice for it
        assert row.next_check_at is None
    finally:
        h.close()


async def test_skip_needs_a_reason_and_bad_input_is_answered_politely(noi_config, db_url: str) -> None:  # type: ignore[no-untyped-def]
    h = _desk(noi_config, db_url)
    try:
        no_reason = await h.say("georgi", "/task logs skip")
        assert no_reason.kind == "error" and no_reason.text.startswith("Моля, посочете причината")
        skipped = await h.say("georgi", "/task logs skip the customer postponed it (letter 42)")
        assert skipped.text == "logs#1 е пропусната: Обстоен преглед на логовете и алармите за грешки"
        unknown = await h.say("georgi", "/task <script> start")
        assert unknown.kind == "error"
        assert unknown.text == ("Няма планирана задача <script> за НОИ — контактен център. Изберете от: config-archive, "
                                "review, logs (задача или задача#n за n-тия път)")
        nth = await h.say("georgi", "/task logs#9")
        assert nth.kind == "error" and "logs#9" in nth.text
        bad = await h.say("georgi", "/task review check 0,7")
        assert bad.kind == "error" and "от 1 до 4" in bad.text
        verb = await h.say("georgi", "/task review repair")
        assert verb.kind == "error" and "start, note, check, done, skip, incident" in verb.text
        long = await h.say("georgi", "/task review note " + "я" * 4001)
        assert long.kind == "error" and "4001" in long.text
        fits = await h.say("georgi", "/task review note " + "я" * 4000)
        assert fits.kind == "ok"
        reporter = await h.say("ivana", "/task review start")
        assert reporter.kind == "error"  # a reporter may read /tasks, not record work
    finally:
        h.close()


async def test_persian_digits_and_the_persian_customer(hgp_config, db_url: str) -> None:  # type: ignore[no-untyped-def]
    from tests.conftest import utc

    h = DeskHarness(hgp_config, db_url, utc(2026, 12, 30, 7, 0))
    try:
        h.db.write_sync(preventive_sweep_unit(h.app.services, h.clock.now()))
        listed = await h.say("reza", "/tasks")
        assert listed.text.startswith("نگهداری پیشگیرانه: 2 با مهلت تا یک هفته")
        started = await h.say("reza", "/task monitoring#۱ start")
        assert started.kind == "ok" and started.text.startswith("monitoring#1 آغاز شد: پایش دوره‌ای")
        bad = await h.say("reza", "/task nothing")
        assert bad.kind == "error" and bad.text.startswith("کار برنامه‌ریزی‌شدهٔ nothing")
    finally:
        h.close()


async def test_an_incident_filed_from_a_task_is_linked_both_ways(noi_config, db_url: str) -> None:  # type: ignore[no-untyped-def]
    h = _desk(noi_config, db_url)
    try:
        await h.say("georgi", "/task logs start")
        filed = await h.say("georgi", "/task logs incident other cucm RTMT shows repeated CallManager alarms")
        assert filed.kind == "ok" and filed.control_number is not None
        number = filed.control_number
        assert filed.lines[-1] == "Заведен от профилактика logs#1"
        shown = await h.say("georgi", "/task logs")
        assert any(x.startswith(f"Инцидент {number} (") for x in shown.lines)
        assert any("заведен инцидент" in x and number in x for x in shown.lines)
        status = await h.say("georgi", f"/status {number}")
        assert any("заведен от профилактика" in x and "logs #1" in x for x in status.lines)
        links = h.db.read_sync(lambda s: list(s.exec(select(MaintenanceIncident))))
        events = h.db.read_sync(lambda s: list(s.exec(select(TimelineEvent).where(TimelineEvent.kind == "maintenance"))))
        assert len(links) == 1 and len(events) == 1 and json.loads(events[0].data)["task"] == "logs"
        bad = await h.say("georgi", "/task logs incident nonsense cucm x")
        assert bad.kind == "error"
        assert h.db.read_sync(lambda s: len(list(s.exec(select(MaintenanceIncident))))) == 1
    finally:
        h.close()
