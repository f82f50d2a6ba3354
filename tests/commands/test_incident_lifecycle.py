"""Filing an incident and taking it through its lifecycle, through the desk as a transport calls it."""

from __future__ import annotations

from sqlmodel import select

from storage.models import Incident, SlaClock, TimelineEvent
from tests.commands.conftest import MONDAY_1004_SOFIA
from tests.conftest import utc
from tests.harness import DeskHarness


async def test_an_urgent_report_gets_a_control_number_and_its_deadlines(desk: DeskHarness) -> None:
    reply = await desk.say("ivana", "/incident urgent cucm Inbound calls fail for all operators")
    assert not reply.is_error, reply.text
    assert reply.text == "NOI-2026-00001 регистриран 2026-11-23 10:04 (Europe/Sofia) · спешен · CUCM"
    assert reply.lines == ("Реакция до 10:34 · Пристигане до 11:04 · Решаване до 14:04",)
    assert reply.control_number == "NOI-2026-00001"
    assert reply.buttons == ()  # ivana reports; taking it (/ack) is the engineers' (issue 23)
    engineer = await desk.say("georgi", "/incident urgent uccx IVR does not answer")
    assert [b.command for b in engineer.buttons] == ["/ack NOI-2026-00002"]


async def test_aliases_and_case_of_category_and_component(desk: DeskHarness) -> None:
    a = await desk.say("ivana", "/incident СПЕШЕН CallManager Няма входящи обаждания")
    b = await desk.say("ivana", "/incident 1 PBX Няма входящи обаждания")
    assert a.control_number == "NOI-2026-00001" and b.control_number == "NOI-2026-00002"
    rows = desk.db.read_sync(lambda s: list(s.exec(select(Incident).order_by(Incident.seq))))
    assert [(r.category, r.component) for r in rows] == [("urgent", "cucm"), ("urgent", "cucm")]


async def test_reported_earlier_by_phone_starts_the_clocks_at_the_first_notification(desk: DeskHarness) -> None:
    reply = await desk.say("ivana", '/incident other crm Report export slow --reported "today 08:55 by phone"')
    assert not reply.is_error, reply.text
    assert "Първо уведомяване: 2026-11-23 08:55" in reply.lines
    inc = desk.db.read_sync(lambda s: s.exec(select(Incident)).one())
    assert inc.reported_at == utc(2026, 11, 23, 6, 55)
    assert inc.registered_at == MONDAY_1004_SOFIA
    # other: reaction is 2 business hours from 09:00 (opening) → 11:00
    clocks = desk.db.read_sync(lambda s: {c.name: c for c in s.exec(select(SlaClock))})
    assert clocks["reaction"].deadline == utc(2026, 11, 23, 9, 0)


async def test_the_whole_lifecycle_is_on_the_timeline(desk: DeskHarness) -> None:
    filed = await desk.say("ivana", "/incident urgent cucm Inbound calls fail for all operators")
    n = filed.control_number
    desk.advance(minutes=10)
    ack = await desk.say("georgi", f"/ack {n} looking at it")
    assert ack.text == f"{n} е поет от Георги Иванов"
    desk.advance(minutes=30)
    arrived = await desk.say("georgi", f"/arrive {n} remote")
    assert "отдалечено" in arrived.text
    desk.advance(hours=1)
    resolved = await desk.say("georgi", f"/resolve {n} Restarted the CallManager service on the publisher")
    assert not resolved.is_error, resolved.text
    assert [b.command for b in resolved.buttons] == [f"/confirm {n}"]
    desk.advance(minutes=20)
    confirmed = await desk.say("ivana", f"/confirm {n}")
    assert confirmed.text == f"{n} е потвърден от Ивана Петрова и приключен"

    status = await desk.say("ivana", f"/status {n}")
    text = status.as_text()
    assert "потвърден" in status.text
    assert "Реакция: спазено 10:14 (резерв 20 мин)" in text
    assert "Пристигане: спазено 10:44 (резерв 20 мин)" in text
    # the resolution clock stopped at the fix (11:44), made final by the confirmation (12:04)
    assert "Решаване: спазено 11:44 (резерв 2 ч 20 мин); потвърдено 12:04" in text
    kinds = desk.db.read_sync(lambda s: [e.kind for e in s.exec(select(TimelineEvent).order_by(TimelineEvent.id))])
    assert kinds == ["registered", "acknowledged", "arrived", "resolved", "confirmed"]  # no sweep ran: no pages
    for line in ("регистриран", "поет", "започната работа", "решен", "потвърден"):
        assert line in text
    inc = desk.db.read_sync(lambda s: s.exec(select(Incident)).one())
    assert inc.state == "confirmed"
    assert (inc.acknowledged_at, inc.arrived_at, inc.resolved_at, inc.confirmed_at) == (
        utc(2026, 11, 23, 8, 14), utc(2026, 11, 23, 8, 44), utc(2026, 11, 23, 9, 44), utc(2026, 11, 23, 10, 4))


async def test_an_illegal_transition_says_what_is_possible(desk: DeskHarness) -> None:
    n = (await desk.say("ivana", "/incident urgent cucm Down")).control_number
    reply = await desk.say("ivana", f"/confirm {n}")
    assert reply.is_error
    # only what the reader may do (issue 23): the reporter may take none of them ...
    assert reply.text == f"{n} е регистриран, затова /confirm не е възможно сега. Възможно сега: нищо."
    # ... an engineer may acknowledge and start work, an admin may also cancel
    engineer = await desk.say("georgi", f"/confirm {n}")
    assert engineer.text.endswith("Възможно сега: /ack, /arrive.")
    admin = await desk.say("maria", f"/confirm {n}")
    assert admin.text == f"{n} е регистриран, затова /confirm не е възможно сега. Възможно сега: /ack, /arrive, /cancel."


async def test_reopen_and_cancel(desk: DeskHarness) -> None:
    n = (await desk.say("ivana", "/incident pressing uccx Queue music missing")).control_number
    await desk.say("georgi", f"/ack {n}")
    await desk.say("georgi", f"/resolve {n} Re-uploaded the prompt")
    await desk.say("ivana", f"/confirm {n}")
    reopened = await desk.say("ivana", f"/reopen {n} Music is missing again")
    assert not reopened.is_error, reopened.text
    refused = await desk.say("georgi", f"/cancel {n} duplicate")
    assert refused.is_error and "/cancel" in refused.text
    cancelled = await desk.say("maria", f"/cancel {n} Reported twice")
    assert not cancelled.is_error, cancelled.text
    inc = desk.db.read_sync(lambda s: s.exec(select(Incident)).one())
    assert inc.state == "cancelled"


async def test_notes_and_the_register_list(desk: DeskHarness) -> None:
    n1 = (await desk.say("ivana", "/incident urgent cucm Down")).control_number
    n2 = (await desk.say("ivana", "/incident other crm Slow search")).control_number
    assert not (await desk.say("ivana", f"/note {n1} Called the duty phone as well")).is_error
    await desk.say("georgi", f"/ack {n2}")
    await desk.say("georgi", f"/resolve {n2} Rebuilt the index")
    await desk.say("ivana", f"/confirm {n2}")
    open_list = await desk.say("ivana", "/incidents")
    assert open_list.text.startswith("1 ")
    assert any(line.startswith(n1) for line in open_list.lines)
    all_list = await desk.say("ivana", "/incidents all crm")
    assert [line.split(" ")[0] for line in all_list.lines] == [n2]


async def test_help_lists_what_the_person_may_do(desk: DeskHarness) -> None:
    reporter = await desk.say("ivana", "/help")
    engineer = await desk.say("georgi", "/help")
    assert not any(line.startswith("/ack") for line in reporter.lines)
    assert any(line.startswith("/ack") for line in engineer.lines)
    assert not any(line.startswith("/cancel") for line in engineer.lines)
