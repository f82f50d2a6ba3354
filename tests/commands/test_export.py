"""``dutydesk export``: the register as CSV, parsed back and compared with the tables, on each database."""

from __future__ import annotations

import csv
from datetime import UTC, datetime, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest
from sqlmodel import Session, col, select

from bot.cli import run
from commands.domain.config import CLOCKS
from commands.reports.export import HEADER
from storage.models import Incident, SlaClock
from tests.conftest import EXAMPLES, utc
from tests.harness import DeskHarness
from tests.integrations.reports.seed import REPORT_AT_HGP, REPORT_AT_NOI, seed_hgp, seed_noi

pytestmark = pytest.mark.usefixtures("pinned_environment_clock")  # the CLI reads the clock from the environment

SOFIA = ZoneInfo("Europe/Sofia")
TRICKY = 'Calls fail, "all" of them;\nsecond line, with a comma'


def _export(db_url: str, config: str, customer: str, *extra: str, out: Path) -> list[dict[str, str]]:
    code = run(["--database", db_url, "export", "--config", str(EXAMPLES / config), "--customer", customer,
                "--out", str(out), *extra])
    assert code == 0
    raw = out.read_bytes()
    assert raw.startswith(b"\xef\xbb\xbf")  # the BOM spreadsheet programs need for Cyrillic and Persian
    with out.open(encoding="utf-8-sig", newline="") as f:
        reader = csv.reader(f)
        assert tuple(next(reader)) == HEADER
        return [dict(zip(HEADER, r, strict=True)) for r in reader]


def _instant(text: str, tz: ZoneInfo) -> datetime | None:
    """An exported time: ISO 8601 with the customer's offset at that instant."""
    if text == "":
        return None
    at = datetime.fromisoformat(text)
    assert at.utcoffset() == at.astimezone(tz).utcoffset()
    return at.astimezone(UTC)


def _secs(at: datetime | None) -> datetime | None:
    return None if at is None else at.replace(microsecond=0)


def _matches_register(rows: list[dict[str, str]], db_url: str, customer: str, tz: ZoneInfo,
                      as_of: datetime) -> None:
    from storage.db import make_engine

    engine = make_engine(db_url)
    with Session(engine) as s:
        incidents = list(s.exec(select(Incident).where(Incident.customer_id == customer).order_by(col(Incident.seq))))
        assert [r["control_number"] for r in rows] == [i.control_number for i in incidents]
        for row, inc in zip(rows, incidents, strict=True):
            assert row["customer"] == customer
            assert (row["category"], row["component"], row["description"]) == (inc.category, inc.component,
                                                                               inc.description)
            assert (row["reporter"], row["source"], row["state"]) == (inc.reporter, inc.source, inc.state)
            assert (row["resolution"], row["arrival_mode"]) == (inc.resolution or "", inc.arrival_mode or "")
            for column, value in (("first_notification", inc.reported_at), ("registered", inc.registered_at),
                                  ("acknowledged", inc.acknowledged_at), ("arrived", inc.arrived_at),
                                  ("resolved", inc.resolved_at), ("confirmed", inc.confirmed_at),
                                  ("cancelled", inc.cancelled_at), ("received", inc.received_at)):
                assert _instant(row[column], tz) == _secs(value), column
            clocks = {c.name: c for c in s.exec(select(SlaClock).where(SlaClock.incident_id == inc.id))}
            for name in CLOCKS:
                c = clocks.get(name)
                if c is None:
                    assert row[f"{name}_outcome"] == row[f"{name}_deadline"] == ""
                    continue
                assert row[f"{name}_target"] == c.target
                assert _instant(row[f"{name}_deadline"], tz) == _secs(c.deadline)
                assert _instant(row[f"{name}_stopped"], tz) == _secs(c.stopped_at)
                assert _instant(row[f"{name}_final"], tz) == _secs(c.final_at)
                outcome, margin = row[f"{name}_outcome"], row[f"{name}_margin_seconds"]
                if inc.state == "cancelled" and c.stopped_at is None:
                    assert (outcome, margin) == ("cancelled", "")
                elif c.stopped_at is not None:
                    assert outcome == ("met" if c.met else "breached")
                    assert int(margin) == c.margin_seconds
                elif c.deadline is None:
                    assert outcome == "waiting"
                else:
                    left = int((c.deadline - as_of).total_seconds())
                    assert (outcome, int(margin)) == ("running" if left >= 0 else "breached", left)
    engine.dispose()


async def test_export_matches_the_register(noi_config, db_url: str, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    h = DeskHarness(noi_config, db_url, REPORT_AT_NOI)
    await seed_noi(h)
    h.close()
    rows = _export(db_url, "noi.toml", "noi", "--as-of", REPORT_AT_NOI.isoformat(), out=tmp_path / "noi.csv")
    assert len(rows) == 29
    _matches_register(rows, db_url, "noi", SOFIA, REPORT_AT_NOI)
    by_number = {r["control_number"]: r for r in rows}
    cancelled = by_number["NOI-2026-00002"]
    assert (cancelled["state"], cancelled["cancel_reason"]) == ("cancelled", "filed twice")
    first = by_number["NOI-2026-00003"]  # urgent 2 Nov 10:00 Sofia: ack after 10 min, arrival 30, confirm 120
    assert first["first_notification"] == "2026-11-02T10:00:00+02:00"
    assert (first["reaction_outcome"], first["reaction_margin_seconds"]) == ("met", str(20 * 60))
    assert (first["arrival_outcome"], first["arrival_mode"], first["resolution"]) == ("met", "remote",
                                                                                      "restarted the service")
    assert (first["resolution_outcome"], first["resolution_margin_seconds"]) == ("met", str(120 * 60))
    assert first["category_title"] == "спешен" and first["reporter_name"]
    phones = by_number["NOI-2026-00027"]  # its clock waits for the handset
    assert (phones["resolution_outcome"], phones["reaction_outcome"]) == ("waiting", "")


async def test_period_is_the_customers_local_dates(noi_config, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    db_url = f"sqlite:///{tmp_path / 'desk.db'}"
    h = DeskHarness(noi_config, db_url, REPORT_AT_NOI)
    await seed_noi(h)
    h.close()
    # 00001 is 31 Oct 23:30 Sofia (21:30 UTC), 00029 is 1 Dec 00:05 Sofia (30 Nov 22:05 UTC)
    rows = _export(db_url, "noi.toml", "noi", "--from", "2026-11-01", "--to", "2026-11-30", out=tmp_path / "a.csv")
    assert [r["control_number"] for r in rows] == [f"NOI-2026-{i:05d}" for i in range(2, 29)]
    rows = _export(db_url, "noi.toml", "noi", "--from", "2026-12-01", out=tmp_path / "b.csv")
    assert [r["control_number"] for r in rows] == ["NOI-2026-00029"]
    rows = _export(db_url, "noi.toml", "noi", "--to", "2026-10-31", out=tmp_path / "c.csv")
    assert [r["control_number"] for r in rows] == ["NOI-2026-00001"]


async def test_quoting_and_persian_survive(hgp_config, noi_config, db_url: str, tmp_path: Path,  # type: ignore[no-untyped-def]
                                           capsysbinary: pytest.CaptureFixture[bytes]) -> None:
    h = DeskHarness(hgp_config, db_url, REPORT_AT_HGP)
    await seed_hgp(h)
    persian = "سامانه CRM از کار افتاده، «همه» کاربران\nخط دوم"
    reply = await h.say("sara", f"/incident critical crm {persian}")
    assert not reply.is_error, reply.text
    reply = await h.say("sara", f"/incident normal crm {TRICKY}")
    assert not reply.is_error, reply.text
    h.close()
    rows = _export(db_url, "hgp.toml", "hgp", "--as-of", REPORT_AT_HGP.isoformat(), out=tmp_path / "hgp.csv")
    assert [r["description"] for r in rows[-2:]] == [persian, TRICKY]
    assert rows[0]["reporter_name"] == "سارا احمدی"
    assert rows[0]["first_notification"].endswith("+03:30")
    _matches_register(rows, db_url, "hgp", ZoneInfo("Asia/Tehran"), REPORT_AT_HGP)
    # standard output is the same bytes as the file
    code = run(["--database", db_url, "export", "--config", str(EXAMPLES / "hgp.toml"), "--customer", "hgp",
                "--as-of", REPORT_AT_HGP.isoformat()])
    assert code == 0
    assert capsysbinary.readouterr().out == (tmp_path / "hgp.csv").read_bytes()


async def test_unknown_customer_and_bad_dates(noi_config, tmp_path: Path,  # type: ignore[no-untyped-def]
                                              capsys: pytest.CaptureFixture[str]) -> None:
    db_url = f"sqlite:///{tmp_path / 'desk.db'}"
    h = DeskHarness(noi_config, db_url, utc(2026, 11, 23, 8, 4))
    await h.say("ivana", "/incident urgent cucm Calls fail")
    h.close()
    base = ["--database", db_url, "export", "--config", str(EXAMPLES / "noi.toml")]
    assert run([*base, "--customer", "acme"]) == 2
    assert "no customer 'acme'; customers: noi" in capsys.readouterr().err
    assert run([*base, "--customer", "noi", "--from", "2026-13-01"]) == 2
    assert run([*base, "--customer", "noi", "--from", "2026-11-30", "--to", "2026-11-01"]) == 2
    out = tmp_path / "x.csv"
    assert run([*base, "--customer", "noi", "--out", str(out), "--as-of", "yesterday"]) == 2
    assert not out.exists()
    missing = tmp_path / "none.db"
    assert run(["--database", f"sqlite:///{missing}", "export", "--config", str(EXAMPLES / "noi.toml"),
                "--customer", "noi"]) == 2
    assert not missing.exists()


def test_a_database_without_the_register_fails_cleanly(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    import sqlite3

    empty = tmp_path / "empty.db"
    sqlite3.connect(empty).close()
    out = tmp_path / "x.csv"
    assert run(["--database", f"sqlite:///{empty}", "export", "--config", str(EXAMPLES / "noi.toml"),
                "--customer", "noi", "--out", str(out)]) == 1
    assert "cannot read the register: no such table" in capsys.readouterr().err
    assert not out.exists() and not list(tmp_path.glob(".x.csv.partial-*"))


def test_a_running_clock_is_judged_at_as_of(noi_config, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    import asyncio

    db_url = f"sqlite:///{tmp_path / 'desk.db'}"
    t0 = utc(2026, 11, 23, 8, 4)
    h = DeskHarness(noi_config, db_url, t0)
    asyncio.run(h.say("ivana", "/incident urgent cucm Calls fail"))
    h.close()
    early = _export(db_url, "noi.toml", "noi", "--as-of", (t0 + timedelta(minutes=10)).isoformat(),
                    out=tmp_path / "a.csv")[0]
    late = _export(db_url, "noi.toml", "noi", "--as-of", "2026-11-23T10:44:00", out=tmp_path / "b.csv")[0]
    assert (early["reaction_outcome"], early["reaction_margin_seconds"]) == ("running", str(20 * 60))
    assert (late["reaction_outcome"], late["reaction_margin_seconds"]) == ("breached", str(-10 * 60))
