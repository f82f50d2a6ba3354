"""The incidents' use cases called with typed values, as a channel that is not a chat calls them (the health
monitor, and whatever comes next): no Request, no command string (commands/incidents/actions.py)."""

from __future__ import annotations

from datetime import datetime, timedelta

import pytest
from sqlmodel import select

from commands.desk.context import Caller, DeskError, Write
from commands.incidents import actions
from commands.incidents.actions import IncidentReport
from storage.models import Incident, TimelineEvent
from tests.commands.conftest import MONDAY_1004_SOFIA
from tests.conftest import utc
from tests.harness import DeskHarness


def _caller(desk: DeskHarness, person: str, source: str = "web:board") -> Caller:
    actor = desk.app.services.directory.actor(f"console:{person}")
    assert actor is not None
    return Caller(desk.app.services, actor, "noi", "en", desk.clock.now(), source)


async def _run(desk: DeskHarness, outcome: Write) -> str:
    reply = await desk.db.write(outcome.unit)
    return reply.text


async def test_a_typed_report_is_registered_with_its_first_notification_and_source(desk: DeskHarness) -> None:
    report = IncidentReport("urgent", "CallManager", "Inbound calls fail", utc(2026, 11, 23, 7, 50))
    text = await _run(desk, actions.report_incident(_caller(desk, "ivana"), report))
    assert text.startswith("NOI-2026-00001 registered")
    inc = desk.db.read_sync(lambda s: s.exec(select(Incident)).one())
    assert (inc.category, inc.component, inc.source, inc.reporter) == ("urgent", "cucm", "web:board", "ivana")
    assert inc.reported_at == utc(2026, 11, 23, 7, 50) and inc.registered_at == MONDAY_1004_SOFIA


@pytest.mark.parametrize(("report", "msgid"), [
    (IncidentReport("nonsense", "cucm", "x"), "error.unknown_category"),
    (IncidentReport("urgent", "nonsense", "x"), "error.unknown_component"),
    (IncidentReport("urgent", "cucm", ""), "error.missing_description"),
    (IncidentReport("urgent", "cucm", "x" * 100_000), "error.too_long"),
    (IncidentReport("urgent", "cucm", "x", MONDAY_1004_SOFIA + timedelta(minutes=1)), "error.future_time"),
    (IncidentReport("urgent", "cucm", "x", datetime(2026, 1, 1, tzinfo=MONDAY_1004_SOFIA.tzinfo)), "error.too_old"),
])
async def test_a_typed_report_is_refused_before_anything_is_written(desk: DeskHarness, report: IncidentReport,
                                                                     msgid: str) -> None:
    with pytest.raises(DeskError) as err:
        actions.report_incident(_caller(desk, "ivana"), report)
    assert err.value.msgid == msgid
    assert desk.db.read_sync(lambda s: list(s.exec(select(Incident)))) == []


async def test_the_lifecycle_by_typed_values(desk: DeskHarness) -> None:
    await _run(desk, actions.report_incident(_caller(desk, "ivana"), IncidentReport("urgent", "cucm", "down")))
    number = "NOI-2026-00001"
    georgi = _caller(desk, "georgi", "email:georgi@example.com")
    await _run(desk, actions.acknowledge(georgi, number))
    await _run(desk, actions.arrive(georgi, number, "remote"))
    await _run(desk, actions.add_note(georgi, number, "publisher restarted"))
    await _run(desk, actions.resolve(georgi, number, "service restarted"))
    await _run(desk, actions.confirm(_caller(desk, "ivana"), number))
    with pytest.raises(DeskError) as err:  # refused inside the unit: the state is read under lock
        await _run(desk, actions.acknowledge(georgi, number))
    assert err.value.msgid == "error.transition"
    with pytest.raises(DeskError) as err:
        actions.resolve(georgi, number, "")
    assert err.value.msgid == "error.missing_text"
    inc = desk.db.read_sync(lambda s: s.exec(select(Incident)).one())
    assert inc.state == "confirmed" and inc.arrival_mode == "remote"
    events = desk.db.read_sync(lambda s: [(e.kind, e.channel) for e in s.exec(select(TimelineEvent).order_by(
        TimelineEvent.id))])
    assert events == [("registered", "web:board"), ("acknowledged", "email:georgi@example.com"),
                      ("arrived", "email:georgi@example.com"), ("note", "email:georgi@example.com"),
                      ("resolved", "email:georgi@example.com"), ("confirmed", "web:board")]


async def test_another_customers_number_is_a_missing_one(desk: DeskHarness) -> None:
    with pytest.raises(DeskError) as err:
        await _run(desk, actions.acknowledge(_caller(desk, "georgi"), "HGP-2026-00001"))
    assert err.value.msgid == "error.no_such_incident"
