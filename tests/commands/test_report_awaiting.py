"""Issue 24 in the reports: the daily summary and the monthly protocol show fixes awaiting confirmation
apart and count compliance from final stops only; ``dutydesk export`` has each clock's provisional stop
and the instant it became final. November 2026, noi (Europe/Sofia), urgent: resolution 4 h."""

from __future__ import annotations

from datetime import date, datetime, timedelta
from pathlib import Path

import pytest

from commands.reports.report import daily_summary, monthly_protocol, summary_lines
from integrations import reports
from tests.commands.test_export import _export
from tests.harness import DeskHarness
from tests.integrations.reports.seed import SOFIA, Script, local
from tests.integrations.reports.test_protocol import by_number, sections

DEC_1_1000 = local(date(2026, 12, 1), 10, 0, SOFIA)


async def seed(h: DeskHarness) -> None:
    """NOI-2026-00001 (23 Nov 10:00) resolved 13:00, confirmed 15:00: met, final.
    NOI-2026-00002 (24 Nov 10:00) resolved 15:00, never confirmed: breached by an hour, provisionally.
    NOI-2026-00003 (25 Nov 10:00) resolved 12:00, confirmed only on 2 Dec: awaiting at the month's end.
    NOI-2026-00004 (26 Nov 10:00) resolved 11:00, reopened 12:00, still open."""
    s = Script()
    for i, (resolve, confirm) in enumerate(((13, 15), (15, None), (12, None), (11, None))):
        d = date(2026, 11, 23) + timedelta(days=i)
        n = f"NOI-2026-{i + 1:05d}"
        s.at(local(d, 10, 0, SOFIA), "ivana", f"/incident urgent cucm Calls fail {i}")
        s.at(local(d, 10, 10, SOFIA), "georgi", f"/ack {n}")
        s.at(local(d, 10, 30, SOFIA), "georgi", f"/arrive {n} remote")
        s.at(local(d, resolve, 0, SOFIA), "georgi", f"/resolve {n} restarted the service")
        if confirm is not None:
            s.at(local(d, confirm, 0, SOFIA), "ivana", f"/confirm {n}")
    s.at(local(date(2026, 11, 26), 12, 0, SOFIA), "ivana", "/reopen NOI-2026-00004 calls fail again")
    await s.run(h)


def _protocol(h: DeskHarness, now: datetime):  # type: ignore[no-untyped-def]
    services = h.app.services
    return h.db.read_sync(lambda s: monthly_protocol(s, services, "noi", 2026, 11, now))


async def test_the_protocol_counts_final_stops_and_lists_the_awaiting_apart(noi_config, db_url: str) -> None:  # type: ignore[no-untyped-def]
    h = DeskHarness(noi_config, db_url, local(date(2026, 11, 23), 9, 0, SOFIA))
    try:
        await seed(h)
        h.clock.set(DEC_1_1000)
        p = _protocol(h, DEC_1_1000)
        [resolution] = [c for c in p.compliance if c.clock == "resolution"]
        # decided: 00001 met (final); awaiting: 00002 and 00003; 00004 running, overdue since 14:00 on 26 Nov
        assert (resolution.total, resolution.met, resolution.breached, resolution.running, resolution.awaiting) == (
            2, 1, 1, 0, 2)
        assert [e.row.control_number for e in p.awaiting] == ["NOI-2026-00002", "NOI-2026-00003"]
        s = sections(reports.render(p, "csv"))
        assert s["Очакват потвърждение"] == [  # only the clocks stopped provisionally; reaction is final
            ["Контролен номер", "Категория", "Решен", "Срок", "Резултат", "Резерв (мин)"],
            ["NOI-2026-00002", "спешен", "2026-11-24 15:00", "Решаване", "нарушен, очаква потвърждение", "-60"],
            ["NOI-2026-00003", "спешен", "2026-11-25 12:00", "Решаване", "спазен, очаква потвърждение", "120"],
        ]
        reg = by_number(s["Регистър за месеца"])
        assert (reg["NOI-2026-00001"]["Решен"], reg["NOI-2026-00001"]["Потвърден"]) == (
            "2026-11-23 13:00", "2026-11-23 15:00")
        assert reg["NOI-2026-00001"]["Решаване: резултат"] == "спазен"
        assert reg["NOI-2026-00001"]["Решаване (мин)"] == "180"  # to the fix, not to the confirmation
        header, *rows = s["Спазване на сроковете по категории"]
        assert header[6] == "Очакват потвърждение"
        assert rows[2][:8] == ["спешен", "Решаване", "2", "1", "1", "0", "2", "50.0"]
        _title, lines = summary_lines(p)
        assert "Очакват потвърждение, още не са отчетени по-горе: 2" in lines
        assert "• NOI-2026-00002 · решен 2026-11-24 15:00 · Решаване: нарушен (предварително)" in lines

        # confirmed on 2 Dec: the protocol made afterwards counts it, measured to its fix
        h.clock.set(local(date(2026, 12, 2), 9, 0, SOFIA))
        assert not (await h.say("ivana", "/confirm NOI-2026-00003")).is_error
        later = _protocol(h, h.clock.now())
        [resolution] = [c for c in later.compliance if c.clock == "resolution"]
        assert (resolution.total, resolution.met, resolution.awaiting) == (3, 2, 1)
        for fmt in ("pdf", "xlsx", "md"):  # every format renders the new section and columns
            assert reports.render(later, fmt)
    finally:
        h.close()


async def test_the_daily_summary_shows_fixes_awaiting_confirmation_apart(noi_config, db_url: str) -> None:  # type: ignore[no-untyped-def]
    h = DeskHarness(noi_config, db_url, local(date(2026, 11, 23), 9, 0, SOFIA))
    try:
        await seed(h)
        services, now = h.app.services, local(date(2026, 11, 25), 8, 30, SOFIA)
        reply = h.db.read_sync(lambda s: daily_summary(s, services, "noi", date(2026, 11, 25), now))
        lines = list(reply.lines)
        assert lines[0] == "Няма отворени инциденти"
        i = lines.index("Очакват потвърждение от клиента: 1")
        assert lines[i + 1].startswith("• NOI-2026-00002 · решен")
        assert "   Решаване: нарушено 2026-11-24 15:00 (закъснение 1 ч 00 мин) — очаква потвърждение" in lines
    finally:
        h.close()


@pytest.mark.usefixtures("pinned_environment_clock")  # the CLI reads the clock from the environment
async def test_export_has_the_provisional_and_the_final_stop(noi_config, db_url: str, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    h = DeskHarness(noi_config, db_url, local(date(2026, 11, 23), 9, 0, SOFIA))
    await seed(h)
    h.close()
    rows = {r["control_number"]: r for r in _export(db_url, "noi.toml", "noi", "--as-of", DEC_1_1000.isoformat(),
                                                     out=tmp_path / "noi.csv")}
    first, second, reopened = rows["NOI-2026-00001"], rows["NOI-2026-00002"], rows["NOI-2026-00004"]
    assert (first["resolution_stopped"], first["resolution_final"], first["resolution_outcome"]) == (
        "2026-11-23T13:00:00+02:00", "2026-11-23T15:00:00+02:00", "met")
    assert (second["resolution_stopped"], second["resolution_final"], second["resolution_outcome"]) == (
        "2026-11-24T15:00:00+02:00", "", "breached")
    assert (first["reaction_stopped"], first["reaction_final"]) == ("2026-11-23T10:10:00+02:00",) * 2
    assert (reopened["resolution_stopped"], reopened["resolution_final"], reopened["resolution_outcome"]) == (
        "", "", "breached")
