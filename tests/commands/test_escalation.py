"""Escalation until someone acknowledges, and on-call commands, with the fake clock."""

from __future__ import annotations

import json
from datetime import datetime

import pytest
from sqlmodel import select

from commands.incidents.sweep import sweep_unit
from storage.models import OncallOverride, OutboxMessage, TimelineEvent
from tests.conftest import utc
from tests.harness import DeskHarness

# Monday 2026-11-23 10:04 Sofia. Primary on call this week: petar; secondary: georgi; team lead: maria.


def _tick(h: DeskHarness) -> None:
    h.db.write_sync(sweep_unit(h.app.services, h.clock.now()))


def _pages(h: DeskHarness) -> list[str]:
    rows = h.db.read_sync(lambda s: list(s.exec(select(OutboxMessage).where(OutboxMessage.kind == "page")
                                                .order_by(OutboxMessage.id))))
    return [m.audience.split(":", 1)[1] for m in rows]


async def test_an_unacknowledged_urgent_incident_walks_every_step_at_the_right_minute(desk: DeskHarness) -> None:
    await desk.say("ivana", "/incident urgent cucm Down")
    _tick(desk)  # the process wakes the sweeper right after the report commits
    assert _pages(desk) == ["petar"]  # minute 0: the primary on call, at once
    desk.advance(minutes=4, seconds=59)
    _tick(desk)
    assert _pages(desk) == ["petar"]
    desk.advance(seconds=1)  # minute 5: primary again and the secondary
    _tick(desk)
    assert _pages(desk) == ["petar", "petar", "georgi"]
    desk.advance(minutes=10)  # minute 15: the team lead
    _tick(desk)
    assert _pages(desk)[3:] == ["maria"]
    desk.advance(minutes=15)  # minute 30: the second round starts
    _tick(desk)
    assert _pages(desk)[4:] == ["petar"]
    desk.advance(minutes=15)  # minute 45: round two done (35 and 45 fall due together)
    _tick(desk)
    assert _pages(desk)[5:] == ["petar", "georgi", "maria"]
    desk.advance(hours=2)
    _tick(desk)
    assert len(_pages(desk)) == 8  # repeat = 1: nothing more


async def test_an_acknowledgement_at_minute_6_stops_it_and_tells_the_others(desk: DeskHarness) -> None:
    n = (await desk.say("ivana", "/incident urgent cucm Down")).control_number
    _tick(desk)
    desk.advance(minutes=5)
    _tick(desk)
    desk.advance(minutes=1)
    ack = await desk.say("georgi", f"/ack {n}")
    assert not ack.is_error, ack.text
    desk.advance(hours=1)
    _tick(desk)
    assert _pages(desk) == ["petar", "petar", "georgi"]
    taken = desk.db.read_sync(lambda s: list(s.exec(select(OutboxMessage).where(OutboxMessage.kind == "page.taken"))))
    assert [(m.audience, json.loads(m.payload)["text"]) for m in taken] == [
        ("person:petar", f"{n} е поет от Георги Иванов; не е нужно да действате.")]


async def test_a_non_urgent_report_at_2300_pages_nobody_until_the_working_day(noi_config, db_url: str) -> None:  # type: ignore[no-untyped-def]
    h = DeskHarness(noi_config, db_url, utc(2026, 11, 23, 21, 0))  # Monday 23:00 Sofia
    try:
        await h.say("ivana", "/incident other crm Export is slow")
        _tick(h)
        assert _pages(h) == []
        h.advance(hours=9, minutes=29)  # Tuesday 08:29 Sofia; the contractor opens at 08:30
        _tick(h)
        assert _pages(h) == []
        h.advance(minutes=1)  # 08:30: the first step is due
        _tick(h)
        assert _pages(h) == ["petar"]
    finally:
        h.close()


async def test_an_override_changes_who_is_paged(desk: DeskHarness) -> None:
    made = await desk.say("georgi", '/oncall override maria --from "2026-11-23 10:00" --to "2026-11-23 18:00"')
    assert not made.is_error, made.text
    now = await desk.say("ivana", "/oncall")
    assert any(line.startswith("primary: Мария Димитрова до 2026-11-23 18:00") for line in now.lines), now.lines
    await desk.say("ivana", "/incident urgent cucm Down")
    _tick(desk)
    assert _pages(desk) == ["maria"]
    past = await desk.say("georgi", '/oncall override maria --from "2026-11-20 10:00" --to "2026-11-21 18:00"')
    assert past.is_error and "миналото" in past.text


async def test_schedule_ics_page_and_handover(desk: DeskHarness) -> None:
    sched = await desk.say("georgi", "/oncall schedule 7")
    assert any("Петър Стоянов" in line for line in sched.lines)
    ics = await desk.say("georgi", "/oncall ics")
    assert ics.attachment is not None and ics.attachment.content.startswith(b"BEGIN:VCALENDAR\r\n")
    assert b"DTSTART:20261130T070000Z" in ics.attachment.content  # georgi's primary week starts Monday 09:00
    paged = await desk.say("georgi", "/page maria CallRec disk almost full")
    assert not paged.is_error and _pages(desk) == ["maria"]
    n = (await desk.say("ivana", "/incident urgent cucm Down")).control_number
    _tick(desk)
    handed = await desk.say("georgi", f"/handover {n} maria")
    assert not handed.is_error, handed.text
    kinds = desk.db.read_sync(lambda s: [e.kind for e in s.exec(select(TimelineEvent).order_by(TimelineEvent.id))])
    assert kinds == ["registered", "paged", "handover"]
    assert _pages(desk)[-1] == "maria"


async def test_an_override_in_natural_language(desk: DeskHarness) -> None:
    made = await desk.say("georgi", '/oncall override maria --from "довечера в 18:00" --to "утре 09:00"')
    assert made.text == "Мария Димитрова е дежурен по primary от 2026-11-23 18:00 до 2026-11-24 09:00."


@pytest.mark.parametrize(("shape", "start", "end"), [
    ("--from 09:00 --to 18:00", utc(2026, 11, 23, 7, 0), utc(2026, 11, 23, 16, 0)),  # this morning's, under way
    ("--from 22:00 --to 02:00", utc(2026, 11, 23, 20, 0), utc(2026, 11, 24, 0, 0)),  # across midnight
    ('--from "2026-11-23 10:00" --to 09:00', utc(2026, 11, 23, 8, 0), utc(2026, 11, 24, 7, 0)),  # the first after
    ('--from "утре 08:00" --to 09:00', utc(2026, 11, 24, 6, 0), utc(2026, 11, 24, 7, 0)),  # after the start's day
    ('--from "в 22 ч" --to "в 23 ч"', utc(2026, 11, 23, 20, 0), utc(2026, 11, 23, 21, 0)),
])
async def test_an_override_reads_a_time_alone_as_maintenance_does(
        desk: DeskHarness, shape: str, start: datetime, end: datetime) -> None:
    """A time alone is today's for the start and, for the end, the first such time after the start: at
    Monday 10:04 Sofia "--to 09:00" is not yesterday's 09:00 (the rule /maintenance follows)."""
    made = await desk.say("georgi", f"/oncall override maria {shape}")
    assert not made.is_error, made.text
    [row] = desk.db.read_sync(lambda s: list(s.exec(select(OncallOverride))))
    assert (row.start, row.end) == (start, end)


async def test_a_restart_loses_no_pending_escalation_and_pages_nobody_twice(noi_config, db_url: str) -> None:  # type: ignore[no-untyped-def]
    from bot.app import build_app

    h = DeskHarness(noi_config, db_url, utc(2026, 11, 23, 8, 4))
    await h.say("ivana", "/incident urgent cucm Down")
    _tick(h)
    h.advance(minutes=5)
    _tick(h)
    assert _pages(h) == ["petar", "petar", "georgi"]
    h.close()  # the process dies; the team lead's step (minute 15) is still pending

    h.app = build_app(noi_config, db_url, clock=h.clock)
    try:
        _tick(h)  # a tick at the same moment after the restart pages nobody again
        assert _pages(h) == ["petar", "petar", "georgi"]
        h.advance(minutes=10)
        _tick(h)
        _tick(h)
        assert _pages(h) == ["petar", "petar", "georgi", "maria"]
    finally:
        h.close()
