"""Store and forward (issue 25), in-process on both databases: a report the register cannot take is kept
in the journal and answered at once; other commands are refused honestly; when the database is back the
replayer registers the kept reports in arrival order, first notification = arrival, exactly once, and
queues each reporter's control number in the outbox for the chat they asked in.

The outage is tests/db_outage.py (every transaction's start refused as by a server gone away); the
writer's waits between tries are recorded, not slept. The real outage (PostgreSQL stopped, the desk
killed) is tests/bot/test_db_outage_process.py."""

from __future__ import annotations

import json
from collections.abc import Iterator
from datetime import timedelta
from pathlib import Path

import pytest
from sqlmodel import col, select

from commands.desk.journaled import Replayer
from commands.desk.reply import Form, Request
from commands.domain.config import Config
from commands.domain.i18n.catalog import t
from storage.journal import Journal
from storage.models import Incident, OutboxMessage
from storage.retry import Backoff
from tests.conftest import utc
from tests.db_outage import database_outage
from tests.harness import DeskHarness

T0 = utc(2026, 11, 23, 8, 4)  # Monday 10:04 in Sofia


@pytest.fixture
def harness(noi_config: Config, db_url: str, tmp_path: Path) -> Iterator[tuple[DeskHarness, list[float]]]:
    h = DeskHarness(noi_config, db_url, T0, journal_dir=tmp_path / "journal")
    waits: list[float] = []
    h.db.retry = Backoff(sleep=waits.append, jitter=lambda: 0.5)
    yield h, waits
    h.close()


def _incidents(h: DeskHarness) -> list[Incident]:
    return h.db.read_sync(lambda s: list(s.exec(select(Incident).order_by(col(Incident.seq)))))


def _told(h: DeskHarness) -> list[OutboxMessage]:
    return h.db.read_sync(lambda s: list(s.exec(select(OutboxMessage).where(OutboxMessage.kind == "journal.registered")
                                                .order_by(col(OutboxMessage.id)))))


async def _ask(h: DeskHarness, request: Request):  # type: ignore[no-untyped-def]
    return await h.app.desk.handle(request)


async def test_reports_kept_during_an_outage_are_registered_in_arrival_order_once(
        harness: tuple[DeskHarness, list[float]]) -> None:
    h, waits = harness
    journal = h.app.desk.journal
    assert journal is not None
    arrivals = []
    with database_outage(h.db.engine) as refused:
        slack = await _ask(h, Request("/incident urgent cucm Calls fail <!channel> &<>", "slack", "U0IVANA",
                                      "C0NOIDESK", delivery_id="slack-1"))
        arrivals.append(h.clock.now())
        h.advance(seconds=7)
        telegram = await _ask(h, Request("/incident other crm Export slow --reported \"today 08:55\"", "telegram",
                                         "1001", "-1001000000001", delivery_id="msg:-1001000000001:77"))
        arrivals.append(h.clock.now())
        h.advance(seconds=3)
        form = Form("incident", ("urgent", "cucm"), "=HYPERLINK(\"x\") ‏RTL\nsecond line " + "x" * 3000)
        modal = await _ask(h, Request("/incident", "slack", "U0GEORGI", "C0NOIDESK", delivery_id="view:V1:h",
                                      form=form))
        arrivals.append(h.clock.now())
        status = await _ask(h, Request("/incidents", "console", "georgi", "console", delivery_id="c-1"))
        ack = await _ask(h, Request("/ack NOI-2026-00001", "console", "georgi", "console", delivery_id="c-2"))
    assert refused, "the outage was not hit"
    for kept in (slack, telegram, modal):
        assert kept.kept and not kept.is_error and not kept.transient and kept.control_number is None
    # answered at once in the reporter's language with the first notification (Bulgarian: noi's people)
    assert slack.text == t("bg", "journal.received", when="2026-11-23 10:04 (Europe/Sofia)")
    for refusal in (status, ack):  # honest: nothing changed, try again in a moment
        assert refusal.is_error and refusal.transient
        assert refusal.text == t("bg", "error.register_unavailable")
    # the writer waited between its tries, each wait longer (jitter fixed at half), never past the cap
    assert waits[:4] == [pytest.approx(x) for x in (0.0375, 0.075, 0.15, 0.3)]
    assert journal.pending() == 3 and _incidents(h) == []

    # the database is back half an hour later; a report arriving before the replayer ran waits its turn
    h.advance(minutes=30)
    late = await _ask(h, Request("/incident other crm After the outage", "console", "ivana", "console",
                                 delivery_id="c-3"))
    assert late.kept and journal.pending() == 4
    arrivals.append(h.clock.now())
    replayer = Replayer(h.app.desk, journal)
    assert await replayer.once()
    assert journal.pending() == 0 and replayer.registered == 4

    incidents = _incidents(h)
    assert [i.control_number for i in incidents] == [f"NOI-2026-{n:05d}" for n in (1, 2, 3, 4)]
    assert [i.source for i in incidents] == ["slack:C0NOIDESK", "telegram:-1001000000001", "slack:C0NOIDESK",
                                             "console:console"]
    # first notification = arrival (the phone call's "today 08:55" read as of the arrival), registered now
    reported = [arrivals[0], utc(2026, 11, 23, 6, 55), arrivals[2], arrivals[3]]
    assert [i.reported_at for i in incidents] == reported
    assert {i.registered_at for i in incidents} == {h.clock.now()}
    assert incidents[2].description == form.text  # a form's text verbatim, hostile characters and all

    told = _told(h)
    assert [m.audience for m in told] == ["chat:slack:C0NOIDESK", "chat:telegram:-1001000000001",
                                          "chat:slack:C0NOIDESK", "chat:console:console"]
    first = json.loads(told[0].payload)
    assert first["control_number"] == "NOI-2026-00001"
    assert first["text"] == t("bg", "journal.number", when="2026-11-23 10:04 (Europe/Sofia)", number="NOI-2026-00001")
    assert not any(b["command"].startswith("/ack") for b in first["buttons"])  # a reporter's buttons only

    # the same deliveries again (a crash before the journal was emptied; a platform's re-delivery): nothing new
    for again in (Request("/incident urgent cucm Calls fail <!channel> &<>", "slack", "U0IVANA", "C0NOIDESK",
                          delivery_id="slack-1", received_at=arrivals[0]),):
        reply, customer = await h.app.desk.replay(again)
        assert reply.control_number == "NOI-2026-00001" and customer == "noi"
    repeat = await _ask(h, Request("/incident urgent cucm Calls fail <!channel> &<>", "slack", "U0IVANA",
                                   "C0NOIDESK", delivery_id="slack-1"))
    assert repeat.control_number == "NOI-2026-00001"
    assert len(_incidents(h)) == 4 and len(_told(h)) == 4

    # and the desk is itself again: a new report is registered at once
    fresh = await _ask(h, Request("/incident other crm Fine now", "console", "ivana", "console", delivery_id="c-4"))
    assert fresh.control_number == "NOI-2026-00005" and not fresh.kept


async def test_a_journal_left_by_a_killed_process_is_registered_by_the_next(
        noi_config: Config, db_url: str, tmp_path: Path) -> None:
    """The first desk keeps two reports and dies without closing anything (its lock goes with it); the next
    takes its file over and registers them; a third replay (the same file read again) changes nothing."""
    directory = tmp_path / "journal"
    first = DeskHarness(noi_config, db_url, T0, journal_dir=directory)
    first.db.retry = Backoff(sleep=lambda _: None)
    with database_outage(first.db.engine):
        for n in (1, 2):
            kept = await first.say("ivana", f"/incident other crm Report {n}")
            assert kept.kept
            first.advance(seconds=1)
    journal = first.app.desk.journal
    assert journal is not None and journal.journal.path is not None
    saved = journal.journal.path.read_bytes()
    first.app.desk.journal = None
    first.close()
    journal.journal.close()  # as the kernel does for a killed process: the lock is released

    second = DeskHarness(noi_config, db_url, T0 + timedelta(minutes=5), journal_dir=directory)
    try:
        kept_by_second = second.app.desk.journal
        assert kept_by_second is not None
        assert kept_by_second.journal.take_over() == 2
        assert await Replayer(second.app.desk, kept_by_second).once()
        assert [i.reported_at for i in _incidents(second)] == [T0, T0 + timedelta(seconds=1)]
        assert list(directory.glob("journal-*")) == []  # registered: the dead process's file is gone
        # the file once more (as if the second desk had died before removing it): nothing twice
        (directory / "journal-1-00000000.jsonl").write_bytes(saved + b'{"v":1,"id":"cut sho')
        again = Journal(directory)
        assert again.take_over() == 2  # the line cut short by a crash was never answered: skipped
        from commands.desk.journaled import ReportJournal

        assert await Replayer(second.app.desk, ReportJournal(again, second.app.services)).once()
        assert len(_incidents(second)) == 2 and len(_told(second)) == 2
        again.close()
    finally:
        second.close()


async def test_a_full_journal_refuses_honestly(noi_config: Config, db_url: str, tmp_path: Path) -> None:
    h = DeskHarness(noi_config, db_url, T0, journal_dir=tmp_path / "journal")
    try:
        journal = h.app.desk.journal
        assert journal is not None
        journal.journal.max_bytes = 600  # room for one report
        h.db.retry = Backoff(sleep=lambda _: None)
        with database_outage(h.db.engine):
            assert (await h.say("ivana", "/incident other crm Kept")).kept
            full = await h.say("ivana", "/incident other crm " + "y" * 400)
        assert full.is_error and full.transient and full.text == t("bg", "error.register_unavailable")
        assert journal.pending() == 1
    finally:
        h.close()


async def test_a_kept_report_refused_when_registered_is_answered_in_its_chat(
        noi_config: Config, db_url: str, tmp_path: Path) -> None:
    """The configuration changed while the report waited (its component is gone): it is not registered, and
    the reporter is told why in the chat they asked in, once, instead of waiting for a number forever."""
    directory = tmp_path / "journal"
    first = DeskHarness(noi_config, db_url, T0, journal_dir=directory)
    first.db.retry = Backoff(sleep=lambda _: None)
    with database_outage(first.db.engine):
        kept = await first.app.desk.handle(Request("/incident other callrec Recordings missing", "telegram", "1001",
                                                   "-1001000000001", delivery_id="msg:-1001000000001:5"))
    assert kept.kept
    journal = first.app.desk.journal
    assert journal is not None
    first.app.desk.journal = None
    first.close()
    journal.journal.close()

    noi = noi_config.customers["noi"]
    without = noi.model_copy(update={"components": {k: v for k, v in noi.components.items() if k != "callrec"}})
    without.__dict__.pop("_component_names", None)  # a cached lookup the copy would keep
    assert without.component_key("callrec") is None
    changed = noi_config.model_copy(update={"customers": {"noi": without}})
    second = DeskHarness(changed, db_url, T0 + timedelta(minutes=2), journal_dir=directory)
    try:
        taken = second.app.desk.journal
        assert taken is not None and taken.journal.take_over() == 1
        replayer = Replayer(second.app.desk, taken)
        assert await replayer.once() and replayer.registered == 0
        assert _incidents(second) == [] and taken.pending() == 0
        [told] = second.db.read_sync(lambda s: list(s.exec(select(OutboxMessage))))
        assert told.audience == "chat:telegram:-1001000000001"
        text = json.loads(told.payload)["text"]
        assert text.startswith(t("bg", "journal.refused", when="2026-11-23 10:04 (Europe/Sofia)", reason="")[:40])
        assert "callrec" in text
    finally:
        second.close()
