"""Pausing, re-categorising and starting clocks on an event, and /sla, through the desk."""

from __future__ import annotations

from sqlmodel import select

from storage.models import SlaClock, TimelineEvent
from tests.conftest import utc
from tests.harness import DeskHarness


def _clocks(desk: DeskHarness) -> dict[str, SlaClock]:
    return desk.db.read_sync(lambda s: {c.name: c for c in s.exec(select(SlaClock))})


async def test_a_pause_moves_the_resolution_deadline_by_the_paused_time(desk: DeskHarness) -> None:
    n = (await desk.say("ivana", "/incident urgent cucm Down")).control_number
    await desk.say("georgi", f"/ack {n}")
    desk.advance(minutes=26)  # 10:30
    paused = await desk.say("georgi", f"/pause {n} Waiting for the customer's network team")
    assert not paused.is_error, paused.text
    again = await desk.say("georgi", f"/pause {n} twice")
    assert again.is_error and "вече е на пауза" in again.text
    desk.advance(minutes=45)  # 11:15
    resumed = await desk.say("georgi", f"/resume {n}")
    assert not resumed.is_error, resumed.text
    clocks = _clocks(desk)
    assert clocks["resolution"].deadline == utc(2026, 11, 23, 12, 49)  # 14:04 + 45 min
    assert clocks["arrival"].deadline == utc(2026, 11, 23, 9, 4)  # default: a pause affects resolution only
    kinds = desk.db.read_sync(lambda s: [e.kind for e in s.exec(select(TimelineEvent).order_by(TimelineEvent.id))])
    assert kinds == ["registered", "acknowledged", "paused", "resumed"]


async def test_recategorising_recomputes_from_the_first_notification(desk: DeskHarness) -> None:
    n = (await desk.say("ivana", "/incident other crm Slow search")).control_number
    desk.advance(minutes=20)
    reply = await desk.say("georgi", f"/category {n} urgent")
    assert not reply.is_error, reply.text
    clocks = _clocks(desk)
    assert clocks["reaction"].deadline == utc(2026, 11, 23, 8, 34)
    assert clocks["resolution"].deadline == utc(2026, 11, 23, 12, 4)
    assert clocks["reaction"].rev == 1
    same = await desk.say("georgi", f"/category {n} спешен")
    assert same.is_error


async def test_a_handset_clock_starts_when_the_device_is_received(desk: DeskHarness) -> None:
    filed = await desk.say("ivana", "/incident phones phones Headset of operator 7 crackles")
    assert "Решаване започва при получаване на апарата" in filed.as_text()
    n = filed.control_number
    assert _clocks(desk)["resolution"].deadline is None
    desk.advance(days=2)  # Wednesday 2026-11-25
    received = await desk.say("georgi", f"/received {n}")
    assert not received.is_error, received.text
    assert _clocks(desk)["resolution"].deadline == utc(2026, 12, 9, 15, 30)  # end of the 10th working day
    twice = await desk.say("georgi", f"/received {n}")
    assert twice.is_error


async def test_sla_preview_shows_what_the_contract_promises(desk: DeskHarness) -> None:
    reply = await desk.say("ivana", '/sla other --at "2026-11-27 15:00"')
    assert not reply.is_error, reply.text
    assert reply.lines == (
        "Реакция (2h business): 2026-11-27 17:00",
        "Пристигане (6h from start of next working day): 2026-11-30 15:00",
        "Решаване (end of the 2nd next working day): 2026-12-01 17:30",
    )
