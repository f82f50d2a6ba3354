"""SQLite serves one dutydesk process: ``run`` and ``chat`` hold an exclusive lock beside the database.

Two processes on one SQLite file would each run the sweeper and the dispatcher with nothing to share
the work (SQLite has no ``SKIP LOCKED``) and could send everything twice. The lock is ``flock`` on
``<db>.lock``: held for the life of the process and released by the kernel however it ends (even
``kill -9``), so a stale lock file never blocks a restart. Read-only commands (report, sla,
check-config) do not take it.
"""

from __future__ import annotations

import fcntl
import os
from pathlib import Path
from types import TracebackType

from storage.db import sqlite_path


class AnotherProcess(Exception):
    """Another dutydesk process holds the database's lock."""


class SqliteLock:
    def __init__(self, db_path: Path) -> None:
        self.db_path = db_path
        self.path = db_path.with_name(db_path.name + ".lock")
        self._fd: int | None = None

    def acquire(self) -> None:
        fd = os.open(self.path, os.O_RDWR | os.O_CREAT, 0o644)
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            holder = os.pread(fd, 32, 0).decode(errors="replace").strip() or "?"
            os.close(fd)
            raise AnotherProcess(
                f"another dutydesk process (pid {holder}) is using {self.db_path.name}; SQLite serves one "
                "process — set DATABASE_URL to PostgreSQL to run several") from None
        os.ftruncate(fd, 0)
        os.pwrite(fd, f"{os.getpid()}\n".encode(), 0)  # who holds it, for the next one's message
        self._fd = fd

    def release(self) -> None:
        if self._fd is not None:
            os.close(self._fd)  # closing the descriptor releases the flock
            self._fd = None

    def __enter__(self) -> SqliteLock:
        self.acquire()
        return self

    def __exit__(self, *exc: type[BaseException] | BaseException | TracebackType | None) -> None:
        self.release()


def single_process_lock(database_url: str) -> SqliteLock | None:
    """The lock a long-running process must hold for this database (None: not a SQLite file)."""
    path = sqlite_path(database_url)
    return SqliteLock(path) if path is not None else None
