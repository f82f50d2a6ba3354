"""SLA warnings and breaches: found by the sweeper, written to the outbox exactly once."""

from __future__ import annotations

from sqlmodel import select

from bot.app import build_app
from commands.incidents.sweep import sweep_unit
from storage.models import Incident, OutboxMessage
from tests.conftest import utc
from tests.harness import DeskHarness

MONDAY_1004_SOFIA = utc(2026, 11, 23, 8, 4)


def _tick(h: DeskHarness) -> int:
    """One sweep; returns how many SLA messages it queued (escalation pages are tested elsewhere)."""
    before = len(_outbox(h))
    h.db.write_sync(sweep_unit(h.app.services, h.clock.now()))
    return len(_outbox(h)) - before


def _outbox(h: DeskHarness) -> list[OutboxMessage]:
    """The SLA messages (cards and pages are tested elsewhere)."""
    rows = h.db.read_sync(lambda s: list(s.exec(select(OutboxMessage).order_by(OutboxMessage.id))))
    return [m for m in rows if m.kind.startswith("sla.")]


def _kinds(h: DeskHarness, audience: str = "customer:noi") -> list[tuple[str, str]]:
    import json

    return [(m.kind, json.loads(m.payload)["text"]) for m in _outbox(h) if m.audience == audience]


async def test_an_urgent_incident_walks_through_50_80_percent_and_breach(noi_config, db_url: str) -> None:  # type: ignore[no-untyped-def]
    h = DeskHarness(noi_config, db_url, MONDAY_1004_SOFIA)
    try:
        n = (await h.say("ivana", "/incident urgent cucm Inbound calls fail")).control_number
        assert _tick(h) == 0
        h.advance(minutes=14)  # 14 of the 30 reaction minutes
        assert _tick(h) == 0
        h.advance(minutes=1)  # 15: half of the reaction time
        assert _tick(h) == 2  # the customer's channel and the engineers
        assert _tick(h) == 0  # a second tick at the same moment says nothing again
        h.advance(minutes=9)  # 24 = 80% of 30
        assert _tick(h) == 2
        h.advance(minutes=6)  # 30: the reaction deadline
        _tick(h)
        got = _kinds(h)
        assert got[:3] == [
            ("sla.warning", f"{n}: изтекли са 50% от времето за реакция — срок 2026-11-23 10:34 (остават 15 мин)"),
            ("sla.warning", f"{n}: изтекли са 80% от времето за реакция — срок 2026-11-23 10:34 (остават 6 мин)"),
            ("sla.breach", f"{n}: срокът за реакция 2026-11-23 10:34 е изтекъл"),
        ]
        # 50% of the arrival hour (10:34) fell at the same moment as the reaction breach
        assert ("sla.warning", f"{n}: изтекли са 50% от времето за пристигане — срок 2026-11-23 11:04 (остават 30 мин)") in got
        assert all(m.audience in ("customer:noi", "engineers:noi") for m in _outbox(h))
    finally:
        h.close()


async def test_acknowledging_stops_the_reaction_clock_warnings(noi_config, db_url: str) -> None:  # type: ignore[no-untyped-def]
    h = DeskHarness(noi_config, db_url, MONDAY_1004_SOFIA)
    try:
        n = (await h.say("ivana", "/incident urgent cucm Down")).control_number
        h.advance(minutes=10)
        await h.say("georgi", f"/ack {n}")
        await h.say("georgi", f"/arrive {n} remote")
        h.advance(minutes=111)  # 12:05, past 50% of the 4 h resolution clock (12:04)
        _tick(h)
        got = [(m.audience, m.kind) for m in _outbox(h)]
        # nothing about reaction or arrival; the resolution warning goes to the customer and the assignee
        assert got == [("customer:noi", "sla.warning"), ("person:georgi", "sla.warning")]
        assert "решаване" in _outbox(h)[0].payload
    finally:
        h.close()


async def test_a_restart_in_the_middle_loses_and_duplicates_nothing(noi_config, db_url: str) -> None:  # type: ignore[no-untyped-def]
    h = DeskHarness(noi_config, db_url, MONDAY_1004_SOFIA)
    n = (await h.say("ivana", "/incident urgent cucm Inbound calls fail")).control_number
    h.advance(minutes=15)
    assert _tick(h) == 2  # 50% sent, then the process stops
    h.close()

    # The desk was down from 10:19 to 10:40: the 80% warning (10:28) and the breach (10:34) fell due.
    restarted = build_app(noi_config, db_url, clock=h.clock)
    h.app = restarted
    h.advance(minutes=21)
    try:
        _tick(h)
        _tick(h)
        reaction = [(k, t) for k, t in _kinds(h) if "реакция" in t]
        assert [k for k, _ in reaction] == ["sla.warning", "sla.warning", "sla.breach"]
        late = [m for m in _outbox(h) if m.late]
        assert {m.kind for m in late} == {"sla.warning", "sla.breach"}
        assert all("изпратено със закъснение" in m.payload for m in late)
        keys = [m.dedupe_key for m in _outbox(h)]
        assert len(keys) == len(set(keys))
        inc = h.db.read_sync(lambda s: s.exec(select(Incident)).one())
        assert inc.control_number == n and inc.next_check_at is not None
    finally:
        h.close()


async def test_a_report_typed_in_late_gets_no_stale_warnings_but_its_breach(noi_config, db_url: str) -> None:  # type: ignore[no-untyped-def]
    h = DeskHarness(noi_config, db_url, MONDAY_1004_SOFIA)
    try:
        await h.say("ivana", '/incident urgent cucm Down --reported "today 09:20"')  # 44 min before
        _tick(h)
        kinds = [(m.kind, m.late) for m in _outbox(h) if m.audience == "customer:noi"]
        assert ("sla.breach", False) in kinds  # reaction (09:50) is already breached, not "late"
        assert not any("реакция" in m.payload and m.kind == "sla.warning" for m in _outbox(h))
    finally:
        h.close()


async def test_a_tick_only_touches_due_incidents(noi_config, db_url: str) -> None:  # type: ignore[no-untyped-def]
    h = DeskHarness(noi_config, db_url, MONDAY_1004_SOFIA)
    try:
        for _ in range(5):
            await h.say("ivana", "/incident other crm Slow")  # other: reaction due 11:04 business time
        await h.say("ivana", "/incident urgent cucm Down")
        assert h.db.write_sync(sweep_unit(h.app.services, h.clock.now())).incidents == 6  # everyone's first page
        h.advance(minutes=15)
        result = h.db.write_sync(sweep_unit(h.app.services, h.clock.now()))
        assert result.incidents == 1  # only the urgent one is due (its 50% warning and escalation steps)
    finally:
        h.close()
