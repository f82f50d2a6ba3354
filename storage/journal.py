"""The report journal: new reports the register could not take, kept on local disk until it can.

One append-only file per process (``journal-<pid>-<random>.jsonl`` in the journal's directory), created
at its first report. Each report is one JSON line, written and ``fsync``'d before the reporter is
answered, so what a reporter was told is received survives a crash of the process (and, with the
directory's entry fsync'd too, of the machine). A line cut short by a crash was never answered and is
skipped when read.

The process holds an exclusive ``flock`` on its file while it lives. Another process of the same
directory (a restart after ``kill -9``) takes over the files whose lock it can get — their owners are
dead — and registers what they hold. A file is removed (its owner's own: emptied) once everything in it
is registered; registering twice is harmless, the delivery id makes it exactly once.

Bounded: a file never grows past ``max_bytes``; a report that would not fit is refused
(``JournalFull``), and the reporter is told to try again as before the journal existed.
"""

from __future__ import annotations

import contextlib
import fcntl
import json
import logging
import os
import secrets
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path
from typing import Any

log = logging.getLogger(__name__)
DEFAULT_MAX_BYTES = 64 * 1024 * 1024  # 100,000+ usual reports (200-500 bytes a line): hours of a busy intake
_PREFIX, _SUFFIX = "journal-", ".jsonl"


class JournalFull(Exception):
    """The journal has no room for this report (its size bound)."""


@dataclass(frozen=True)
class JournalEntry:
    """A report as it arrived: who, where, what, and when by the desk's clock."""

    delivery_id: str  # the platform's (or one the desk made up): registering it again changes nothing
    transport: str
    user_id: str
    channel_id: str
    text: str
    arrived_at: datetime  # the first notification
    form: dict[str, Any] | None = None  # a form's fields ({"command", "fields", "text", "options"})
    locale: str = "en"  # the reporter's language when it arrived

    def to_json(self) -> str:
        return json.dumps({"v": 1, "id": self.delivery_id, "transport": self.transport, "user": self.user_id,
                           "channel": self.channel_id, "text": self.text,
                           "form": self.form, "at": self.arrived_at.isoformat(), "locale": self.locale},
                          ensure_ascii=False, separators=(",", ":"))

    @classmethod
    def from_json(cls, line: str) -> JournalEntry:
        data = json.loads(line)
        return cls(delivery_id=str(data["id"]), transport=str(data["transport"]), user_id=str(data["user"]),
                   channel_id=str(data["channel"]), text=str(data["text"]),
                   arrived_at=datetime.fromisoformat(str(data["at"])), form=data.get("form"), locale=str(data.get("locale") or "en"))


@dataclass
class _Taken:
    """A dead process's file this process holds the lock of, until what it holds is registered."""

    path: Path
    fd: int


@dataclass
class Journal:
    directory: Path
    max_bytes: int = DEFAULT_MAX_BYTES
    _fd: int | None = None
    _path: Path | None = None
    _size: int = 0
    _waiting: list[JournalEntry] = field(default_factory=list)  # not yet registered, in arrival order
    _taken: list[_Taken] = field(default_factory=list)
    _set_aside: int = 0  # reports that failed to register for a lasting reason: their files stay

    @property
    def path(self) -> Path | None:
        """This process's file (None until the first report)."""
        return self._path

    def pending(self) -> int:
        """Reports kept and not yet registered (this process's and the dead ones' it took over)."""
        return len(self._waiting)

    def waiting(self) -> list[JournalEntry]:
        """What is to be registered, in arrival order."""
        return list(self._waiting)

    def kept(self, delivery_id: str) -> JournalEntry | None:
        """The waiting report of this delivery id, if one is kept (a platform delivered it again)."""
        return next((e for e in self._waiting if e.delivery_id == delivery_id), None)

    def room(self) -> int:
        """Bytes this process's file can still take before it refuses reports (``JournalFull``)."""
        return max(0, self.max_bytes - self._size)

    def append(self, entry: JournalEntry) -> None:
        """Write the report and fsync it; raises ``JournalFull`` or ``OSError`` (nothing was kept)."""
        line = (entry.to_json() + "\n").encode("utf-8", "surrogatepass")
        fd = self._own()
        if self._size + len(line) > self.max_bytes:
            raise JournalFull(f"{self._path}: {self._size} bytes kept, the bound is {self.max_bytes}")
        written = os.write(fd, line)  # O_APPEND: one write of one line
        if written != len(line):  # a full disk mid-line: cut it off, nothing was kept
            os.ftruncate(fd, self._size)
            raise OSError(f"{self._path}: short write ({written} of {len(line)} bytes)")
        os.fsync(fd)
        self._size += len(line)
        self._waiting.append(entry)

    def registered(self, entry: JournalEntry) -> None:
        """``entry`` is in the register: forget it; with nothing left, empty this process's file and remove
        the dead processes' ones."""
        with contextlib.suppress(ValueError):
            self._waiting.remove(entry)
        if self._waiting or self._set_aside:
            return
        if self._fd is not None and self._size:
            os.ftruncate(self._fd, 0)
            os.fsync(self._fd)
            self._size = 0
        for taken in self._taken:
            with contextlib.suppress(OSError):
                taken.path.unlink()
            os.close(taken.fd)
        self._taken.clear()

    def set_aside(self, entry: JournalEntry) -> None:
        """``entry`` cannot be registered (a lasting error, logged): stop trying, and keep the files that
        hold it for an operator."""
        with contextlib.suppress(ValueError):
            self._waiting.remove(entry)
        self._set_aside += 1

    def take_over(self) -> int:
        """Take the files of dead processes in the directory (those whose lock is free); their reports
        join the waiting ones, all in arrival order. Returns how many reports were taken."""
        if not self.directory.is_dir():
            return 0
        held = {t.path for t in self._taken}
        found: list[JournalEntry] = []
        for path in sorted(self.directory.glob(f"{_PREFIX}*{_SUFFIX}")):
            if path == self._path or path in held:
                continue
            try:
                fd = os.open(path, os.O_RDWR)
            except FileNotFoundError:  # another process took it and finished
                continue
            try:
                fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
            except BlockingIOError:  # its process lives and registers its own
                os.close(fd)
                continue
            entries = _read(path)
            if not entries:
                path.unlink(missing_ok=True)
                os.close(fd)
                continue
            self._taken.append(_Taken(path, fd))
            found.extend(entries)
        if found:
            log.warning("journal: %d report(s) of a process that ended are to be registered", len(found))
            known = {e.delivery_id for e in self._waiting}
            merged = self._waiting + [e for e in found if e.delivery_id not in known]
            self._waiting = sorted(merged, key=lambda e: e.arrived_at)  # stable: a file's order kept
        return len(found)

    def close(self) -> None:
        """Release the files (what is in them stays for the next start)."""
        if self._fd is not None:
            os.close(self._fd)
            self._fd = None
        for taken in self._taken:
            os.close(taken.fd)
        self._taken.clear()

    def _own(self) -> int:
        if self._fd is not None:
            return self._fd
        self.directory.mkdir(parents=True, exist_ok=True)
        path = self.directory / f"{_PREFIX}{os.getpid()}-{secrets.token_hex(4)}{_SUFFIX}"
        fd = os.open(path, os.O_WRONLY | os.O_APPEND | os.O_CREAT | os.O_EXCL, 0o600)
        fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        _fsync_directory(self.directory)  # the file's name survives a power loss too
        self._fd, self._path, self._size = fd, path, 0
        return fd


def _read(path: Path) -> list[JournalEntry]:
    entries = []
    for number, line in enumerate(path.read_bytes().split(b"\n"), 1):
        if not line.strip():
            continue
        try:
            entries.append(JournalEntry.from_json(line.decode("utf-8", "surrogatepass")))
        except (ValueError, KeyError, TypeError):  # cut short by a crash before its fsync: never answered
            log.warning("journal %s: line %d is incomplete and was never acknowledged: skipped", path, number)
    return entries


def _fsync_directory(directory: Path) -> None:
    fd = os.open(directory, os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)


def journal_directory(environ: dict[str, str] | Any, database_url: str, data_dir: str) -> Path:
    """Where the journal lives: ``DUTYDESK_JOURNAL_DIR``; else beside a SQLite file
    (``<file>.journal/``); else ``<desk.data_dir>/journal``."""
    from storage.db import sqlite_path

    chosen = str(environ.get("DUTYDESK_JOURNAL_DIR", "")).strip()
    if chosen:
        return Path(chosen)
    path = sqlite_path(database_url)
    if path is not None:
        return path.parent / f"{path.name}.journal"
    return Path(data_dir) / "journal"


def journal_max_bytes(environ: dict[str, str] | Any) -> int:
    """``DUTYDESK_JOURNAL_MAX_MB`` (a whole number of megabytes), or 64 MB; ValueError names the variable."""
    value = str(environ.get("DUTYDESK_JOURNAL_MAX_MB", "")).strip()
    if not value:
        return DEFAULT_MAX_BYTES
    if not value.isdigit() or not 1 <= int(value) <= 1_000_000:
        raise ValueError(f"DUTYDESK_JOURNAL_MAX_MB is a whole number of megabytes, not {value!r}")
    return int(value) * 1024 * 1024
