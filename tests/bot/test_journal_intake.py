"""The HTTP intake and readiness while the database is away (issue 25): a report is 202 Accepted with a
receipt, kept in the journal; other commands are 503 with Retry-After; /readyz says "database
unavailable" without the driver's text (degraded: still in traffic, as long as the journal takes the
reports); after the outage the same request with the receipt's key gets the control number."""

from __future__ import annotations

from pathlib import Path

import httpx
import pytest
from sqlalchemy import event

from bot.api_intake import CommandIntake
from bot.metrics import OpsMetrics
from bot.ops_http import OpsServer
from bot.readiness import JOURNAL_ROOM, Readiness
from commands.desk.journaled import Replayer
from commands.domain.config import Config
from commands.domain.i18n.catalog import t
from storage.db import make_engine
from storage.retry import Backoff
from tests.conftest import utc
from tests.db_outage import database_outage
from tests.harness import DeskHarness

TOKEN = "tok-noi-1234567890"


async def test_the_intake_accepts_reports_and_refuses_the_rest_while_the_database_is_away(
        noi_config: Config, db_url: str, tmp_path: Path) -> None:
    h = DeskHarness(noi_config, db_url, utc(2026, 11, 23, 8, 4), journal_dir=tmp_path / "journal")
    h.db.retry = Backoff(sleep=lambda _: None)
    h.db.start_writer()
    journal = h.app.desk.journal
    assert journal is not None
    readiness = Readiness(h.db, expected_transports=[], journal=journal.journal)
    intake = CommandIntake(h.app.desk, h.app.services.directory, {"noi-monitoring": TOKEN}, lambda: False)
    server = OpsServer("127.0.0.1", 0, readiness, OpsMetrics(h.db, h.clock.now, noi_config.customers), intake)
    await server.start()
    auth = {"Authorization": f"Bearer {TOKEN}"}
    try:
        async with httpx.AsyncClient(base_url=f"http://127.0.0.1:{server.port}", timeout=30) as http:
            with database_outage(h.db.engine) as refused:
                keyed = await http.post("/api/v1/commands", json={"text": "/incident urgent cucm Calls fail"},
                                        headers={**auth, "Idempotency-Key": "mon-1"})
                bare = await http.post("/api/v1/commands", json={"text": "/incident other crm Slow"}, headers=auth)
                other = await http.post("/api/v1/commands", json={"text": "/incidents"}, headers=auth)
                ready = await http.get("/readyz")
            assert refused
            assert keyed.status_code == 202 and keyed.json()["receipt"] == {"idempotency_key": "mon-1"}
            assert keyed.json()["text"] == t("bg", "journal.received", when="2026-11-23 10:04 (Europe/Sofia)")
            assert keyed.json()["control_number"] is None
            made_up = bare.json()["receipt"]["idempotency_key"]
            assert bare.status_code == 202 and made_up.startswith("auto-")
            assert other.status_code == 503 and other.headers["retry-after"] == "5"
            assert other.json()["text"] == t("bg", "error.register_unavailable")
            # degraded, not out of traffic: every report is still taken (docs/operations.md)
            assert ready.status_code == 200 and ready.json()["status"] == "degraded"
            body = ready.text
            assert "database unavailable" in body and "1 report" not in body and "2 report(s) kept" in body
            for leak in ("server closed", "OperationalError", "127.0.0.1", "5432", "psycopg", "sqlite"):
                assert leak not in body

            assert await Replayer(h.app.desk, journal).once()
            h.advance(minutes=1)
            for key, text, number in (("mon-1", "/incident urgent cucm Calls fail", "NOI-2026-00001"),
                                      (made_up, "/incident other crm Slow", "NOI-2026-00002")):
                again = await http.post("/api/v1/commands", json={"text": text}, headers={**auth, "Idempotency-Key": key})
                assert again.status_code == 200 and again.json()["control_number"] == number
            assert (await http.get("/readyz")).status_code == 200
    finally:
        await server.stop()
        h.close()


@pytest.mark.parametrize("db_url", ["sqlite"], indirect=True)
async def test_a_sqlite_file_that_cannot_be_written_takes_the_same_path(
        noi_config: Config, db_url: str, tmp_path: Path) -> None:
    """Not an injected error: the database file is opened read-only, as a read-only mount opens it (a
    chmod does not stop root, who runs CI); SQLite itself refuses the write ("attempt to write a readonly
    database"), the report is kept, and registered when the file can be written again."""
    h = DeskHarness(noi_config, db_url, utc(2026, 11, 23, 8, 4), journal_dir=tmp_path / "journal")
    waits: list[float] = []
    h.db.retry = Backoff(sleep=waits.append)
    journal = h.app.desk.journal
    assert journal is not None
    writable = h.db.engine
    read_only = make_engine(f"sqlite:///file:{tmp_path / 'desk.db'}?mode=ro&uri=true")
    try:
        assert (await h.say("ivana", "/incident other crm Before")).control_number == "NOI-2026-00001"
        h.db.engine = read_only
        h.db._drop_connection(invalidate=False)  # the writer keeps its connection between batches
        kept = await h.say("ivana", "/incident urgent cucm Calls fail")
        assert kept.kept, kept.text
        assert len(waits) == 4  # tried five times, then kept
        refused = await h.say("georgi", "/ack NOI-2026-00001")
        assert refused.transient and refused.text == t("bg", "error.register_unavailable")
        h.db.engine = writable
        h.db._drop_connection(invalidate=False)
        assert await Replayer(h.app.desk, journal).once()
        assert (await h.say("ivana", "/status NOI-2026-00002")).control_number == "NOI-2026-00002"
    finally:
        h.db.engine = writable
        read_only.dispose()
        h.close()


@pytest.mark.parametrize("db_url", ["sqlite"], indirect=True)
async def test_a_full_sqlite_database_takes_the_same_path(noi_config: Config, db_url: str, tmp_path: Path) -> None:
    """A full disk, as SQLite itself reports it: the file may not grow past its pages now
    (``PRAGMA max_page_count``), so the write fails with SQLITE_FULL ("database or disk is full")."""
    h = DeskHarness(noi_config, db_url, utc(2026, 11, 23, 8, 4), journal_dir=tmp_path / "journal")
    h.db.retry = Backoff(sleep=lambda _: None)
    journal = h.app.desk.journal
    assert journal is not None
    full = [True]

    def cap(dbapi_conn, _record) -> None:  # type: ignore[no-untyped-def]
        if full[0]:
            pages = dbapi_conn.execute("PRAGMA page_count").fetchone()[0]
            dbapi_conn.execute(f"PRAGMA max_page_count = {pages}")

    try:
        assert (await h.say("ivana", "/incident other crm Before")).control_number == "NOI-2026-00001"
        event.listen(h.db.engine, "connect", cap)
        h.db._drop_connection(invalidate=True)  # the writer keeps its connection between batches
        h.db.engine.dispose()
        kept = await h.say("ivana", "/incident urgent cucm Calls fail " + "z" * 3900)  # more than the free pages
        assert kept.kept, kept.text
        full[0] = False
        h.db._drop_connection(invalidate=True)
        h.db.engine.dispose()
        assert await Replayer(h.app.desk, journal).once()
        assert (await h.say("ivana", "/status NOI-2026-00002")).control_number == "NOI-2026-00002"
    finally:
        h.close()


async def test_readiness_during_an_outage_is_degraded_only_while_a_journal_takes_the_reports(
        noi_config: Config, db_url: str, tmp_path: Path) -> None:
    """A load balancer keeps a degraded desk (200): it still takes every report. Without a journal, or
    with one that cannot take a large report any more, the desk is out of traffic (503)."""
    h = DeskHarness(noi_config, db_url, utc(2026, 11, 23, 8, 4), journal_dir=tmp_path / "journal")
    h.db.retry = Backoff(sleep=lambda _: None)
    h.db.start_writer()
    journal = h.app.desk.journal
    assert journal is not None
    with_journal = Readiness(h.db, journal=journal.journal)
    without = Readiness(h.db)
    try:
        assert await with_journal.verdict() == ("ready", {})
        with database_outage(h.db.engine):
            status, problems = await with_journal.verdict()
            assert status == "degraded" and problems == {"database": "database unavailable"}
            assert (await without.verdict())[0] == "not ready"
            journal.journal.max_bytes = JOURNAL_ROOM - 1  # (nearly) full: the next large report is refused
            assert (await with_journal.verdict())[0] == "not ready"
            journal.journal.max_bytes = 64 * 1024 * 1024
            with_journal.shutting_down = True  # anything else wrong besides: not ready
            assert (await with_journal.verdict())[0] == "not ready"
    finally:
        h.close()
