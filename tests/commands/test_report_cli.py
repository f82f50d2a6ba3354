"""``dutydesk report monthly``: Markdown/CSV to stdout, XLSX/PDF to a file named after the protocol."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from bot.cli import run
from tests.conftest import EXAMPLES
from tests.harness import DeskHarness
from tests.integrations.reports.seed import REPORT_AT_NOI, seed_noi

pytestmark = pytest.mark.usefixtures("pinned_environment_clock")  # the CLI reads the clock from the environment


@pytest.fixture
async def seeded(noi_config, tmp_path: Path) -> str:  # type: ignore[no-untyped-def]
    url = f"sqlite:///{tmp_path / 'desk.db'}"
    h = DeskHarness(noi_config, url, REPORT_AT_NOI)
    await seed_noi(h)
    h.close()
    return url


def test_csv_goes_to_stdout(seeded: str, capsysbinary: pytest.CaptureFixture[bytes]) -> None:
    code = run(["--database", seeded, "report", "monthly", "--config", str(EXAMPLES / "noi.toml"),
                "--customer", "noi", "--month", "2026-11", "--format", "csv"])
    assert code == 0
    out = capsysbinary.readouterr().out.decode("utf-8")
    assert "NOI-2026-00003" in out and "спешен,Реакция,24,7,17,0,0,29.2,44.5,79,-49" in out


def test_pdf_goes_to_a_file_named_after_the_protocol(seeded: str, tmp_path: Path) -> None:
    cwd = os.getcwd()
    os.chdir(tmp_path)
    try:
        code = run(["--database", seeded, "report", "monthly", "--config", str(EXAMPLES / "noi.toml"),
                    "--customer", "noi", "--month", "2026-11", "--format", "pdf"])
    finally:
        os.chdir(cwd)
    assert code == 0
    assert (tmp_path / "protocol-noi-2026-11.pdf").read_bytes().startswith(b"%PDF")
    out = tmp_path / "x.xlsx"
    assert run(["--database", seeded, "report", "monthly", "--config", str(EXAMPLES / "noi.toml"),
                "--customer", "noi", "--month", "2026-11", "--format", "xlsx", "--output", str(out)]) == 0
    assert out.read_bytes().startswith(b"PK")


def test_bad_month_or_customer(seeded: str) -> None:
    base = ["--database", seeded, "report", "monthly", "--config", str(EXAMPLES / "noi.toml")]
    assert run([*base, "--customer", "noi", "--month", "2026-13"]) == 2
    assert run([*base, "--customer", "xyz", "--month", "2026-11"]) == 2
