"""DUTYDESK_CLOCK_FILE: a test drives a real process's clock through a file."""

from __future__ import annotations

import os
import subprocess
import sys
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from bot.app import process_clock
from bot.file_clock import ClockFileError, FileClock, write_clock_file
from commands.domain.clock import SystemClock
from tests.conftest import EXAMPLES

T0 = datetime(2026, 11, 23, 8, 0, tzinfo=UTC)


def test_now_is_the_instant_in_the_file_and_follows_it(tmp_path: Path) -> None:
    path = tmp_path / "clock"
    path.write_text("2026-11-23T10:00:00+02:00\n")
    clock = FileClock(path)
    assert clock.now() == T0 and clock.now().tzinfo == UTC
    write_clock_file(path, T0 + timedelta(minutes=1))
    assert clock.now() == T0 + timedelta(minutes=1)
    path.write_text("not yet")  # a half-written file: the last good instant stands
    assert clock.now() == T0 + timedelta(minutes=1)


@pytest.mark.parametrize("text", [None, "tomorrow", "2026-11-23T08:00:00"])
def test_a_missing_or_unparseable_file_refuses(tmp_path: Path, text: str | None) -> None:
    path = tmp_path / "clock"
    if text is not None:
        path.write_text(text)
    with pytest.raises(ClockFileError):
        FileClock(path)


def test_the_environment_chooses_the_clock(tmp_path: Path) -> None:
    assert isinstance(process_clock({}), SystemClock)
    write_clock_file(tmp_path / "clock", T0)
    clock = process_clock({"DUTYDESK_CLOCK_FILE": str(tmp_path / "clock")})
    assert clock.now() == T0


def test_a_process_refuses_to_start_without_its_clock_file(tmp_path: Path) -> None:
    env = {**os.environ, "DUTYDESK_CLOCK_FILE": str(tmp_path / "missing")}
    done = subprocess.run(
        [sys.executable, "-m", "bot", "--database", f"sqlite:///{tmp_path / 'd.db'}", "run", "--no-health",
         "--no-backups", "--config", str(EXAMPLES / "noi.toml")], env=env, capture_output=True, text=True, timeout=60)
    assert done.returncode == 2
    assert "DUTYDESK_CLOCK_FILE" in done.stderr and "missing" in done.stderr
    assert not (tmp_path / "d.db").exists()  # refused before touching anything
