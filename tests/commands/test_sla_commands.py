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
        "Реакция (2 ч работно време): 2026-11-27 17:00",
        "Пристигане (6 ч от началото на следващия работен ден): 2026-11-30 15:00",
        "Решаване (края на следващите 2 работни дни): 2026-12-01 17:30",
    )


async def test_sla_targets_are_told_in_the_reader_s_language(hgp_config, db_url: str) -> None:  # type: ignore[no-untyped-def]
    """Persian readers saw ``واکنش (4h business)``: the contract's wording is translated like the rest."""
    desk = DeskHarness(hgp_config, db_url, utc(2026, 11, 23, 8, 4))
    try:
        reply = await desk.say("sara", "/sla normal")
        assert not reply.is_error, reply.text
        reaction, resolution = reply.lines
        assert reaction.startswith("واکنش (۴ ساعت کاری): ")
        assert resolution.startswith("رفع (پایان ۲ روز کاری بعد): ")
        assert not any(word in reply.as_text() for word in ("business", "working day", "4h"))
    finally:
        desk.close()


def test_every_form_of_target_reads_in_en_bg_and_fa() -> None:
    from commands.domain.i18n.targets import describe_target

    expected = {
        "30m": ("30 min", "30 мин", "۳۰ دقیقه"),
        "1h30m": ("1 h 30 min", "1 ч 30 мин", "۱ ساعت و ۳۰ دقیقه"),
        "4h business": ("4 h of working time", "4 ч работно време", "۴ ساعت کاری"),
        "end of next working day": ("end of the next working day", "края на следващия работен ден",
                                    "پایان روز کاری بعد"),
        "end of the 2nd next working day": ("end of the next 2 working days", "края на следващите 2 работни дни",
                                            "پایان ۲ روز کاری بعد"),
        "6h from start of next working day": ("6 h from the start of the next working day",
                                              "6 ч от началото на следващия работен ден", "۶ ساعت از آغاز روز کاری بعد"),
        "10 working days after received": ("10 working days after the device is received",
                                           "10 работни дни след получаване на апарата", "۱۰ روز کاری پس از دریافت دستگاه"),
    }
    for target, words in expected.items():
        assert tuple(describe_target(target, locale) for locale in ("en", "bg", "fa")) == words, target


async def test_recategorising_back_to_phones_starts_the_handset_clock_at_its_receipt(desk: DeskHarness) -> None:
    n = (await desk.say("ivana", "/incident phones phones Headset of operator 7 crackles")).control_number
    desk.advance(days=2)  # Wednesday 2026-11-25 10:04 Sofia
    assert not (await desk.say("georgi", f"/received {n}")).is_error
    desk.advance(hours=1)
    assert not (await desk.say("georgi", f"/category {n} other")).is_error
    clocks = _clocks(desk)
    assert clocks["resolution"].started_at == utc(2026, 11, 23, 8, 4)  # other: from the first notification
    assert clocks["resolution"].deadline == utc(2026, 11, 25, 15, 30)  # end of the 2nd next working day
    desk.advance(hours=1)
    reply = await desk.say("georgi", f"/category {n} phones")
    assert not reply.is_error, reply.text
    clocks = _clocks(desk)
    assert sorted(clocks) == ["resolution"]
    assert clocks["resolution"].started_at == utc(2026, 11, 25, 8, 4)  # the handset's receipt
    assert clocks["resolution"].deadline == utc(2026, 12, 9, 15, 30)  # end of the 10th working day after it
    assert "започва при получаване" not in reply.as_text()


async def test_a_stopped_clock_without_a_new_deadline_keeps_no_outcome(desk: DeskHarness) -> None:
    n = (await desk.say("ivana", "/incident urgent phones All handsets of the floor are dead")).control_number
    await desk.say("georgi", f"/ack {n}")
    desk.advance(minutes=30)
    await desk.say("georgi", f"/arrive {n} onsite")
    desk.advance(hours=1)  # 11:34 Sofia, 09:34 UTC: within the urgent 4 h
    assert not (await desk.say("georgi", f"/resolve {n} replaced the switch")).is_error
    assert _clocks(desk)["resolution"].met is True
    reply = await desk.say("georgi", f"/category {n} phones")  # a handset problem after all: not received yet
    assert not reply.is_error, reply.text
    c = _clocks(desk)["resolution"]
    assert (c.started_at, c.deadline, c.met, c.margin_seconds) == (None, None, None, None)
    assert c.stopped_at == utc(2026, 11, 23, 9, 34)  # the fix stays on record
    desk.advance(days=1)  # the handset reaches the service centre on Tuesday, received as of Monday 12:00
    reply = await desk.say("georgi", f'/received {n} --at "2026-11-23 12:00"')
    assert not reply.is_error, reply.text
    c = _clocks(desk)["resolution"]
    assert (c.started_at, c.deadline) == (utc(2026, 11, 23, 10, 0), utc(2026, 12, 7, 15, 30))
    assert c.met is True and c.margin_seconds == int((utc(2026, 12, 7, 15, 30) - utc(2026, 11, 23, 9, 34)).total_seconds())
