"""Issue 24: the resolution clock stops when the fix is in place (provisionally), the customer's confirmation
makes that stop final, a reopen resumes it as if it had never stopped; ``resolution_stops = "confirmed"``
keeps the stop at the confirmation. Literal instants: an urgent noi incident reported Monday 2026-11-23
10:00 Sofia (08:00 UTC), resolution due 14:00."""

from __future__ import annotations

import itertools
import json
from collections.abc import Iterator
from typing import Any

import pytest
from sqlmodel import select

from commands.domain.config import Config
from commands.sweep import sweep_unit
from storage.models import Incident, OutboxMessage, SlaClock, TimelineEvent
from tests.conftest import utc
from tests.harness import DeskHarness

MONDAY_1000_SOFIA = utc(2026, 11, 23, 8, 0)


def with_noi(config: Config, **update: Any) -> Config:
    """The example configuration with customer noi's settings changed."""
    noi = config.customers["noi"].model_copy(update=update)
    return config.model_copy(update={"customers": {**config.customers, "noi": noi}})


def with_category(config: Config, category: str, **update: Any) -> Config:
    noi = config.customers["noi"]
    cat = noi.categories[category].model_copy(update=update)
    return with_noi(config, categories={**noi.categories, category: cat})


@pytest.fixture
def desk(noi_config: Config, db_url: str) -> Iterator[DeskHarness]:
    h = DeskHarness(noi_config, db_url, MONDAY_1000_SOFIA)
    yield h
    h.close()


def at(h: DeskHarness, hour: int, minute: int = 0) -> None:
    """Move the desk's clock to hh:mm Sofia on Monday 2026-11-23 (UTC+2)."""
    target = utc(2026, 11, 23, hour - 2, minute)
    assert target >= h.clock.now()
    h.clock.advance(target - h.clock.now())


def tick(h: DeskHarness) -> list[tuple[str, str]]:
    """One sweep; the SLA messages it queued, as (kind, text) of the customer's channel."""
    before = {m.id for m in sla_messages(h)}
    h.db.write_sync(sweep_unit(h.app.services, h.clock.now()))
    return [(m.kind, json.loads(m.payload)["text"]) for m in sla_messages(h)
            if m.id not in before and m.audience == "customer:noi"]


def sla_messages(h: DeskHarness) -> list[OutboxMessage]:
    rows = h.db.read_sync(lambda s: list(s.exec(select(OutboxMessage).order_by(OutboxMessage.id))))
    return [m for m in rows if m.kind.startswith("sla.")]


def resolution(h: DeskHarness) -> SlaClock:
    return h.db.read_sync(lambda s: s.exec(select(SlaClock).where(SlaClock.name == "resolution")).one())


async def report_and_work(h: DeskHarness) -> str:
    n = (await h.say("ivana", "/incident urgent cucm Inbound calls fail for all operators")).control_number
    at(h, 10, 10)
    assert not (await h.say("georgi", f"/ack {n}")).is_error
    at(h, 10, 30)
    assert not (await h.say("georgi", f"/arrive {n} remote")).is_error
    return n


async def test_resolved_at_13_confirmed_at_15_is_met_by_an_hour(desk: DeskHarness) -> None:
    n = await report_and_work(desk)
    at(desk, 13)
    resolved = await desk.say("georgi", f"/resolve {n} Restarted the CallManager service")
    assert "Решаване: спазено 13:00 (резерв 1 ч 00 мин) — очаква потвърждение" in resolved.lines
    clock = resolution(desk)
    assert (clock.stopped_at, clock.final_at, clock.met, clock.margin_seconds) == (
        utc(2026, 11, 23, 11, 0), None, True, 3600)

    at(desk, 15)
    confirmed = await desk.say("ivana", f"/confirm {n}")
    assert not confirmed.is_error, confirmed.text
    clock = resolution(desk)
    assert (clock.stopped_at, clock.final_at, clock.met, clock.margin_seconds) == (
        utc(2026, 11, 23, 11, 0), utc(2026, 11, 23, 13, 0), True, 3600)
    status = (await desk.say("ivana", f"/status {n}")).as_text()
    assert "Решаване: спазено 13:00 (резерв 1 ч 00 мин); потвърдено 15:00" in status
    # the timeline shows both instants: the fix and the confirmation
    assert "2026-11-23 13:00 · решен" in status and "2026-11-23 15:00 · потвърден" in status


async def test_no_warning_or_breach_while_awaiting_confirmation(desk: DeskHarness) -> None:
    n = await report_and_work(desk)
    at(desk, 12)
    assert [k for k, _ in tick(desk)] == ["sla.warning"]  # 50% of the resolution time, while it runs
    at(desk, 13)
    await desk.say("georgi", f"/resolve {n} Restarted the CallManager service")
    inc = desk.db.read_sync(lambda s: s.exec(select(Incident)).one())
    assert inc.next_check_at is None  # nothing for the sweeper while the fix awaits confirmation
    for hh, mm in ((13, 12), (13, 30), (14, 0), (14, 1), (14, 30), (14, 59)):  # 80% is 13:12, the deadline 14:00
        at(desk, hh, mm)
        assert tick(desk) == []
    at(desk, 15)
    await desk.say("ivana", f"/confirm {n}")
    assert tick(desk) == []
    assert [m.kind for m in sla_messages(desk) if m.audience == "customer:noi"] == ["sla.warning"]


async def test_reopened_it_runs_as_if_it_had_never_stopped(desk: DeskHarness) -> None:
    n = await report_and_work(desk)
    at(desk, 11)
    await desk.say("georgi", f"/resolve {n} Restarted the CallManager service")
    assert tick(desk) == []
    at(desk, 12)
    reopened = await desk.say("ivana", f"/reopen {n} Calls drop again")
    assert not reopened.is_error, reopened.text
    assert "Решаване до 14:00 (остават 2 ч 00 мин)" in reopened.lines  # the hour it stood counts
    assert tick(desk) == []  # 50% fell at 12:00, the reopen's own moment: not announced after the fact
    at(desk, 13, 12)
    assert tick(desk) == [("sla.warning", f"{n}: изтекли са 80% от времето за решаване — срок 2026-11-23 14:00 "
                                          "(остават 48 мин)")]
    at(desk, 14)
    assert tick(desk) == [("sla.breach", f"{n}: срокът за решаване 2026-11-23 14:00 е изтекъл")]
    at(desk, 15)
    resolved = await desk.say("georgi", f"/resolve {n} Replaced the publisher's power supply")
    assert "Решаване: нарушено 15:00 (закъснение 1 ч 00 мин) — очаква потвърждение" in resolved.lines
    at(desk, 15, 30)
    await desk.say("ivana", f"/confirm {n}")
    clock = resolution(desk)
    assert (clock.stopped_at, clock.final_at, clock.met, clock.margin_seconds) == (
        utc(2026, 11, 23, 13, 0), utc(2026, 11, 23, 13, 30), False, -3600)
    status = (await desk.say("ivana", f"/status {n}")).as_text()
    assert "Решаване: нарушено 15:00 (закъснение 1 ч 00 мин); потвърдено 15:30" in status
    kinds = desk.db.read_sync(lambda s: [e.kind for e in s.exec(select(TimelineEvent).order_by(TimelineEvent.id))])
    assert [k for k in kinds if k in ("resolved", "reopened", "confirmed")] == [
        "resolved", "reopened", "resolved", "confirmed"]


async def test_a_deadline_that_passed_while_it_stood_is_announced_once_at_the_reopen(desk: DeskHarness) -> None:
    n = await report_and_work(desk)
    at(desk, 12)
    tick(desk)  # 50%
    at(desk, 13)
    await desk.say("georgi", f"/resolve {n} Restarted the CallManager service")
    at(desk, 14, 30)
    assert tick(desk) == []
    await desk.say("ivana", f"/reopen {n} Calls drop again")
    breach = [m for m in sla_messages(desk) if m.kind == "sla.breach"]
    assert [m.audience for m in breach] == ["customer:noi", "person:georgi"]
    assert all(not m.late for m in breach)  # the desk was running: nothing was sent late
    assert json.loads(breach[0].payload)["text"] == f"{n}: срокът за решаване 2026-11-23 14:00 е изтекъл"
    assert tick(desk) == []  # the 80% of 13:12 is a moment already gone; the breach is not repeated
    at(desk, 16)
    assert tick(desk) == []


async def test_paused_time_still_does_not_count(desk: DeskHarness) -> None:
    n = await report_and_work(desk)
    at(desk, 11)
    await desk.say("georgi", f"/pause {n} Waiting for the customer's maintenance window")
    at(desk, 12)
    await desk.say("georgi", f"/resume {n}")  # the deadline moves by the hour: 15:00
    at(desk, 14, 30)
    resolved = await desk.say("georgi", f"/resolve {n} Restarted the CallManager service")
    assert "Решаване: спазено 14:30 (резерв 30 мин) — очаква потвърждение" in resolved.lines
    at(desk, 15, 30)
    reopened = await desk.say("ivana", f"/reopen {n} Calls drop again")
    assert "Решаване до 15:00 (просрочено с 30 мин)" in reopened.lines


async def test_resolved_while_paused_stops_with_the_pause_counted(desk: DeskHarness) -> None:
    n = await report_and_work(desk)
    at(desk, 13)
    await desk.say("georgi", f"/pause {n} Waiting for the customer's maintenance window")
    at(desk, 14, 30)
    resolved = await desk.say("georgi", f"/resolve {n} Restarted the CallManager service")
    # paused 13:00-14:30: the deadline is 15:30, the fix at 14:30 is an hour early
    assert "Решаване: спазено 14:30 (резерв 1 ч 00 мин) — очаква потвърждение" in resolved.lines


async def test_resolution_stops_confirmed_keeps_the_stop_at_the_confirmation(noi_config: Config,
                                                                              db_url: str) -> None:
    h = DeskHarness(with_noi(noi_config, resolution_stops="confirmed"), db_url, MONDAY_1000_SOFIA)
    try:
        n = await report_and_work(h)
        at(h, 13)
        resolved = await h.say("georgi", f"/resolve {n} Restarted the CallManager service")
        assert "Решаване до 14:00 (остават 1 ч 00 мин)" in resolved.lines
        at(h, 13, 12)
        assert [k for k, _ in tick(h)] == ["sla.warning", "sla.warning"]  # 50% and 80%: the clock runs
        at(h, 14)
        assert [k for k, _ in tick(h)] == ["sla.breach"]
        at(h, 15)
        await h.say("ivana", f"/confirm {n}")
        clock = resolution(h)
        assert (clock.stopped_at, clock.final_at, clock.met, clock.margin_seconds) == (
            utc(2026, 11, 23, 13, 0), utc(2026, 11, 23, 13, 0), False, -3600)
        status = (await h.say("ivana", f"/status {n}")).as_text()
        assert "Решаване: нарушено 15:00 (закъснение 1 ч 00 мин)" in status
        assert "потвърдено 15:00" not in status
    finally:
        h.close()


async def test_a_category_may_say_otherwise_than_its_customer(noi_config: Config, db_url: str) -> None:
    config = with_category(with_noi(noi_config, resolution_stops="confirmed"), "urgent", resolution_stops="resolved")
    h = DeskHarness(config, db_url, MONDAY_1000_SOFIA)
    try:
        assert config.customers["noi"].resolution_stops_for("urgent") == "resolved"
        assert config.customers["noi"].resolution_stops_for("other") == "confirmed"
        n = await report_and_work(h)
        at(h, 13)
        await h.say("georgi", f"/resolve {n} Restarted the CallManager service")
        at(h, 15)
        await h.say("ivana", f"/confirm {n}")
        assert resolution(h).met is True
    finally:
        h.close()


async def test_english_and_persian_say_awaiting_confirmation(noi_config: Config, db_url: str) -> None:
    from commands.domain.i18n.catalog import t

    assert t("en", "clock.awaiting", line="Resolution: met 13:00 (1h to spare)") == (
        "Resolution: met 13:00 (1h to spare) — awaiting confirmation")
    assert t("fa", "clock.awaiting", line="x") == "x — در انتظار تأیید"
    assert t("en", "clock.final", line="L", when="15:00") == "L; confirmed 15:00"


async def test_a_setting_changed_while_a_fix_awaits_is_honoured_at_the_confirmation(noi_config: Config,
                                                                                   db_url: str) -> None:
    """A fix resolved under "confirmed" (its clock still running) and confirmed under "resolved" stops at
    the fix; a provisional stop confirmed under "confirmed" stops at the confirmation, as the contract
    then says (the same holds for incidents the upgrade carried over: storage/migrations 0002)."""
    confirmed_cfg = with_noi(noi_config, resolution_stops="confirmed")
    h = DeskHarness(confirmed_cfg, db_url, MONDAY_1000_SOFIA)
    n = await report_and_work(h)
    at(h, 13)
    await h.say("georgi", f"/resolve {n} Restarted the CallManager service")
    now = h.clock.now()
    h.close()
    h = DeskHarness(noi_config, db_url, now)
    h._ids = itertools.count(100)  # a new process: new platform delivery ids
    try:
        at(h, 15)
        reply = await h.say("ivana", f"/confirm {n}")
        assert not reply.is_error, reply.text
        clock = resolution(h)
        assert (clock.stopped_at, clock.final_at, clock.met) == (utc(2026, 11, 23, 11, 0), utc(2026, 11, 23, 13, 0), True)
        at(h, 15, 10)
        await h.say("ivana", f"/reopen {n} Calls drop again")
        at(h, 15, 20)
        await h.say("georgi", f"/resolve {n} Replaced the power supply")
        now = h.clock.now()
    finally:
        h.close()
    h = DeskHarness(confirmed_cfg, db_url, now)
    h._ids = itertools.count(200)
    try:
        at(h, 15, 40)
        await h.say("ivana", f"/confirm {n}")
        clock = resolution(h)
        assert (clock.stopped_at, clock.final_at, clock.met) == (utc(2026, 11, 23, 13, 40), utc(2026, 11, 23, 13, 40), False)
    finally:
        h.close()
