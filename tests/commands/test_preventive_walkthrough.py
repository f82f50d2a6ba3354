"""The acceptance walk of issue 20: noi's contract starts on Monday 14 December 2026; its planned tasks fall
due 10 working days later, over Christmas (Thursday 31 December), and again on the 2nd working day of
January. Reminders go out once each, an overdue notice once, work done in chat is recorded, the backups
complete the archive copies by themselves; December's protocol lists it all, maintenance windows apart."""

from __future__ import annotations

import csv
import io
import json
from datetime import datetime, timedelta

from sqlmodel import select

from commands.preventive.sweep import preventive_sweep_unit
from commands.reports.report import monthly_protocol
from integrations import reports
from storage.models import OutboxMessage
from storage.models_backup import BackupRun
from storage.models_maintenance import MaintenanceTask
from tests.commands.test_preventive_sweep import at_sofia
from tests.harness import DeskHarness


def _sweep(h: DeskHarness) -> None:
    h.db.write_sync(preventive_sweep_unit(h.app.services, h.clock.now()))


def _at(h: DeskHarness, when: datetime) -> None:
    """Time passes to ``when``; the sweeper looks every hour on the way (the running desk looks every few
    seconds; what it would send in between is sent at the next look, once)."""
    while h.clock.now() < when:
        h.clock.set(min(h.clock.now() + timedelta(hours=1), when))
        _sweep(h)


def _backups(h: DeskHarness, finished: datetime, *targets: str) -> None:
    def unit(s):  # type: ignore[no-untyped-def]
        for i, target in enumerate(targets):
            s.add(BackupRun(customer_id="noi", target_id=target, driver="ssh", trigger="schedule",
                            requested_by="schedule", status="succeeded", queued_at=finished - timedelta(minutes=20),
                            started_at=finished - timedelta(minutes=20), finished_at=finished + timedelta(minutes=i),
                            sha256=f"{target}-{finished:%m%d}".encode().hex()[:64].ljust(64, "0"),
                            location=f"/srv/dutydesk/backups/noi/{target}/{finished:%Y%m%d}"))

    h.db.write_sync(unit)


def _notices(h: DeskHarness) -> dict[tuple[str, str], int]:
    """(occurrence, kind) → how many messages were queued for it (to however many people)."""
    rows = h.db.read_sync(lambda s: list(s.exec(select(OutboxMessage).order_by(OutboxMessage.id))))
    tasks = h.db.read_sync(lambda s: {t.id: f"{t.task_id}#{t.seq}" for t in s.exec(select(MaintenanceTask))})
    out: dict[tuple[str, str], int] = {}
    for m in rows:
        if m.kind.startswith("maintenance."):
            key = (tasks[int(m.dedupe_key.split(":")[1])], m.kind.split(".", 1)[1])
            out[key] = out.get(key, 0) + 1
    return out


def _sections(data: bytes) -> dict[str, list[list[str]]]:
    rows = list(csv.reader(io.StringIO(data.decode("utf-8")[1:])))
    out: dict[str, list[list[str]]] = {}
    i = rows.index([])
    while i < len(rows):
        if rows[i] == []:
            i += 1
            continue
        title, body = rows[i][0], []
        i += 1
        while i < len(rows) and rows[i] != []:
            body.append(rows[i])
            i += 1
        out[title] = body
    return out


async def test_from_contract_start_through_two_periods_to_the_monthly_protocol(noi_config, db_url: str) -> None:  # type: ignore[no-untyped-def]
    h = DeskHarness(noi_config, db_url, at_sofia(14, 12, 2026, 9))
    try:
        _sweep(h)
        # the first week: backups of both gateways every night, CUCM's and UCCX's DRS on Sunday the 20th
        _at(h, at_sofia(15, 12, 2026, 3))
        _backups(h, at_sofia(15, 12, 2026, 2, 30), "gw1", "gw2")
        _at(h, at_sofia(20, 12, 2026, 5))
        _backups(h, at_sofia(20, 12, 2026, 3), "cucm")
        _backups(h, at_sofia(20, 12, 2026, 4), "uccx")
        _at(h, at_sofia(20, 12, 2026, 5, 30))
        archive = h.db.read_sync(lambda s: s.exec(select(MaintenanceTask).where(
            MaintenanceTask.task_id == "config-archive", MaintenanceTask.seq == 1)).one())
        assert archive.state == "done" and archive.closed_by == "backup"
        assert archive.closed_at == at_sofia(20, 12, 2026, 4)  # when the last of the four succeeded
        assert sorted(e["target"] for e in json.loads(archive.evidence)) == ["cucm", "gw1", "gw2", "uccx"]

        # Wednesday 23 December 09:00: three working days before the 31st (the holidays in between)
        _at(h, at_sofia(23, 12, 2026, 8, 59))
        assert ("review#1", "reminder") not in _notices(h)
        _at(h, at_sofia(23, 12, 2026, 12))
        n = _notices(h)
        assert n[("review#1", "reminder")] == 1 and n[("logs#1", "reminder")] == 1
        assert ("config-archive#1", "reminder") not in n  # already done by the backups
        # a maintenance window (alerts silenced): in the protocol's own section, not among the planned work
        window = await h.say("maria", "/maintenance integration 2026-12-27T02:00 2026-12-27T04:00 weekly restart")
        assert window.kind == "ok", window.as_text()

        # the review, done in chat with a fault found and filed as an incident
        _at(h, at_sofia(29, 12, 2026, 10))
        await h.say("georgi", "/task review start on site with the customer's representative")
        filed = await h.say("georgi", "/task review incident other uccx Agent desktop logs show CTI reconnects")
        number = filed.control_number
        assert number is not None
        await h.say("georgi", f"/ack {number}")
        await h.say("georgi", f"/arrive {number} onsite")
        h.clock.set(at_sofia(29, 12, 2026, 15))
        await h.say("georgi", f"/resolve {number} CTI keepalive timer corrected on UCCX; agents tested")
        await h.say("ivana", f"/confirm {number}")
        await h.say("georgi", "/task review done Hardware and software in order; one fault filed --check all")

        # Thursday 31 December 17:30 passes: the log review is overdue, said once
        _at(h, at_sofia(31, 12, 2026, 17, 30))
        assert ("logs#1", "overdue") not in _notices(h)
        _at(h, at_sofia(31, 12, 2026, 18, 30))
        assert _notices(h)[("logs#1", "overdue")] == 1
        assert ("review#1", "overdue") not in _notices(h) and ("config-archive#1", "overdue") not in _notices(h)

        # the second period (due Tuesday 5 January, the 2nd working day after New Year): reminded on
        # 30 December, before its window opened; the backups of the new window complete the archive again
        n = _notices(h)
        assert n[("config-archive#2", "reminder")] == 1 and n[("logs#2", "reminder")] == 1
        _backups(h, at_sofia(3, 1, 2027, 3), "cucm", "uccx")
        _backups(h, at_sofia(4, 1, 2027, 2, 30), "gw1", "gw2")
        _at(h, at_sofia(4, 1, 2027, 10))
        await h.say("petar", "/task logs#1 done Alarms reviewed late: nothing open --check all")
        await h.say("petar", "/task logs#2 done Alarms reviewed --check 1,2")
        _at(h, at_sofia(6, 1, 2027, 9))
        second = h.db.read_sync(lambda s: s.exec(select(MaintenanceTask).where(
            MaintenanceTask.task_id == "config-archive", MaintenanceTask.seq == 2)).one())
        assert (second.state, second.closed_by) == ("done", "backup")
        n = _notices(h)
        assert n[("logs#1", "overdue")] == 1 and ("logs#2", "overdue") not in n  # once, and none for the done
        assert all(count == 1 for (_, kind), count in n.items() if kind != "done")  # one person on call each time

        services = h.app.services
        december = h.db.read_sync(lambda s: monthly_protocol(s, services, "noi", 2026, 12, h.clock.now(), "en"))
        s = _sections(reports.render(december, "csv"))
        done = s["Preventive maintenance done"]
        assert done[0] == ["Task", "Title", "Due", "Done", "By", "Checklist", "Protocol"]
        assert done[1:] == [
            ["config-archive#1", "Archive copies of the current PBX configurations", "2026-12-31 17:30",
             "2026-12-20 04:00", "by the backups (automatic)", "0/4", "maintenance-protocol-noi-config-archive-1.pdf"],
            ["review#1", "General hardware and software review", "2026-12-31 17:30", "2026-12-29 15:00",
             "Георги Иванов", "4/4", "maintenance-protocol-noi-review-1.pdf"],
        ]
        missed = s["Planned maintenance missed or overdue"]
        assert missed[1:] == [["logs#1", "Review of logs and alarms", "2026-12-31 17:30", "done late",
                               "2027-01-04 10:00", ""]]
        fixed = s["Service protocols of fixed faults"]
        assert fixed[1:] == [[number, "other", "UCCX", "2026-12-29 15:00", "2026-12-29 15:00",
                              f"service-protocol-{number}.pdf"]]
        windows = s["Maintenance windows"]
        assert len(windows) == 2 and windows[1][0] == "Integration" and "weekly restart" in windows[1]
        january = h.db.read_sync(lambda s: monthly_protocol(s, services, "noi", 2027, 1, h.clock.now(), "en"))
        js = _sections(reports.render(january, "csv"))
        assert [r[0] for r in js["Preventive maintenance done"][1:]] == ["logs#1", "config-archive#2", "logs#2"]
        assert [r[0] for r in js["Planned maintenance missed or overdue"][1:]] == ["logs#1"]
        # the PDF of December carries the same sections
        pdf = reports.render(december, "pdf")
        from tests.integrations.reports.test_service_protocols import _text

        text = " ".join(_text(pdf).split())
        for title in ("Preventive maintenance done", "Planned maintenance missed or overdue",
                      "Service protocols of fixed faults", "Maintenance windows"):
            assert title in text
        # and each paper it names can be drawn
        assert (await h.say("ivana", f"/report incident {number}")).attachment is not None
        assert (await h.say("georgi", "/report task config-archive#1")).attachment is not None
    finally:
        h.close()
