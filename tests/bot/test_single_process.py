"""SQLite serves one dutydesk process: a second ``run`` or ``chat`` on the same file is refused, clearly;
the lock dies with its process, however it ends."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from pathlib import Path

from tests.conftest import EXAMPLES, pinned_clock

CONFIG = str(EXAMPLES / "noi.toml")


def _dutydesk(db: Path, *args: str) -> list[str]:
    return [sys.executable, "-m", "bot", "--database", f"sqlite:///{db}", *args]


def _env(db: Path) -> dict[str, str]:
    return {**os.environ, **pinned_clock(db.parent)}


def _holding(db: Path) -> subprocess.Popen[str]:
    """A console desk that keeps running (its stdin stays open) and so holds the database."""
    proc = subprocess.Popen(_dutydesk(db, "chat", "--config", CONFIG, "--as", "georgi"), stdin=subprocess.PIPE,
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, env=_env(db))
    lock = db.with_name(db.name + ".lock")
    deadline = time.monotonic() + 60
    while not (lock.exists() and lock.read_text().strip() == str(proc.pid)):  # it holds the lock
        assert proc.poll() is None and time.monotonic() < deadline
        time.sleep(0.05)
    return proc


def test_a_second_process_on_one_sqlite_file_is_refused_until_the_first_is_gone(tmp_path: Path) -> None:
    db = tmp_path / "dutydesk.db"
    first = _holding(db)
    try:
        second = subprocess.run(_dutydesk(db, "run", "--no-health", "--no-backups", "--config", CONFIG),
                                capture_output=True, text=True, timeout=60, env=_env(db))
        assert second.returncode == 2
        assert (f"another dutydesk process (pid {first.pid}) is using dutydesk.db; SQLite serves one process — "
                "set DATABASE_URL to PostgreSQL to run several") in second.stderr
        chat = subprocess.run(_dutydesk(db, "chat", "--config", CONFIG, "--as", "georgi"), input="/help\n",
                              capture_output=True, text=True, timeout=60, env=_env(db))
        assert chat.returncode == 2 and "another dutydesk process" in chat.stderr
        # read-only commands need no lock
        report = subprocess.run(_dutydesk(db, "report", "monthly", "--config", CONFIG, "--customer", "noi",
                                          "--month", "2026-11", "--format", "csv"),
                                capture_output=True, text=True, timeout=120, env=_env(db))
        assert report.returncode == 0, report.stderr
    finally:
        os.kill(first.pid, signal.SIGKILL)  # no clean exit: the kernel releases the lock
        first.communicate(timeout=30)
    after = subprocess.run(_dutydesk(db, "chat", "--config", CONFIG, "--as", "georgi"), input="/help\n",
                           capture_output=True, text=True, timeout=60, env=_env(db))
    assert after.returncode == 0, after.stderr
