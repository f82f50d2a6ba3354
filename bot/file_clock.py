"""A clock read from a file: a testing aid that lets a test drive time in real ``dutydesk`` processes.

``DUTYDESK_CLOCK_FILE=/path`` makes the file the process's one clock: it holds an ISO 8601 instant with
an offset (``2026-11-23T10:00:00+02:00``); a test moves time by rewriting it (atomically: write a
temporary file, then rename). Never set it in production — time would stand still.
"""

from __future__ import annotations

import contextlib
import os
from datetime import UTC, datetime
from pathlib import Path

ENV = "DUTYDESK_CLOCK_FILE"


class ClockFileError(Exception):
    """The clock file is missing or does not hold an aware ISO 8601 instant."""


def parse_instant(text: str, path: Path) -> datetime:
    try:
        at = datetime.fromisoformat(text.strip())
    except ValueError:
        raise ClockFileError(f"{path}: {text.strip()[:40]!r} is not an ISO 8601 instant") from None
    if at.tzinfo is None:
        raise ClockFileError(f"{path}: {text.strip()!r} has no UTC offset")
    return at.astimezone(UTC)


class FileClock:
    """``now()`` is the instant in the file, re-read only when the file changes (stat per call, cheap)."""

    def __init__(self, path: str | Path) -> None:
        self.path = Path(path)
        self._stamp: tuple[int, int, int] | None = None
        self._now = self._read()  # refuses to start without a valid file

    def _read(self) -> datetime:
        try:
            st = os.stat(self.path)
            text = self.path.read_text(encoding="utf-8")
        except OSError as exc:
            raise ClockFileError(f"{self.path}: {exc.strerror or exc}") from None
        at = parse_instant(text, self.path)
        self._stamp = (st.st_mtime_ns, st.st_size, st.st_ino)
        return at

    def now(self) -> datetime:
        try:
            st = os.stat(self.path)
        except OSError:
            return self._now  # being replaced this instant: the last value stands
        if (st.st_mtime_ns, st.st_size, st.st_ino) != self._stamp:
            with contextlib.suppress(ClockFileError):  # half-written (not renamed in): keep the last instant
                self._now = self._read()
        return self._now


def write_clock_file(path: str | Path, at: datetime) -> None:
    """Set the clock file to ``at`` atomically (for tests and scripts)."""
    if at.tzinfo is None:
        raise ValueError("the clock file needs an aware datetime")
    path = Path(path)
    tmp = path.with_name(f".{path.name}.{os.getpid()}.tmp")
    tmp.write_text(at.astimezone(UTC).isoformat(), encoding="utf-8")
    os.replace(tmp, path)
