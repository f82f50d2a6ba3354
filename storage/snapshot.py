"""A consistent copy of the desk's own database: SQLite by its online backup API, PostgreSQL by advice.

SQLite: ``sqlite3.Connection.backup`` copies every page in one step, i.e. inside one read transaction, so
the copy is one committed state of the register (WAL content included) while the desk keeps writing — in
WAL mode a reader never blocks the writer. A step-wise copy would restart each time the desk commits and
might never finish on a busy desk. The copy goes to a temporary file beside the target, is checked
(``PRAGMA integrity_check``), made durable (fsync) and only then renamed onto the target, so a failed or
interrupted backup never leaves a half file under the name an operator trusts.

PostgreSQL is backed up by ``pg_dump``; this module only builds the command (without the password).
"""

from __future__ import annotations

import os
import shlex
import sqlite3
from dataclasses import dataclass
from pathlib import Path

from sqlalchemy.engine import URL, make_url


class SnapshotError(Exception):
    """The backup could not be made or did not verify; nothing was written under the target's name."""


@dataclass(frozen=True)
class Snapshot:
    path: Path
    size: int
    incidents: int | None  # None when the database has no incident table (never upgraded)
    integrity: str  # "ok"


def backup_sqlite(source: Path, target: Path, *, force: bool = False) -> Snapshot:
    if not source.is_file():
        raise SnapshotError(f"{source}: no such database file")
    if target.exists() and not force:
        raise FileExistsError(target)
    if target.exists() and target.resolve() == source.resolve():
        raise SnapshotError(f"{target} is the database itself")
    if not target.parent.is_dir():
        raise SnapshotError(f"{target.parent}: no such directory")
    tmp = target.with_name(f".{target.name}.partial-{os.getpid()}")
    try:
        _copy(source, tmp)
        snap = verify(tmp)
        _fsync(tmp)
        os.replace(tmp, target)
        _fsync(target.parent)
    finally:
        tmp.unlink(missing_ok=True)
    return Snapshot(target, target.stat().st_size, snap.incidents, snap.integrity)


def _copy(source: Path, tmp: Path) -> None:
    # mode=rw: never create a database where none was (sqlite3.connect would)
    src = sqlite3.connect(f"file:{source}?mode=rw", uri=True, timeout=30)
    try:
        src.execute("PRAGMA busy_timeout=30000")
        tmp.unlink(missing_ok=True)
        dst = sqlite3.connect(tmp)
        try:
            src.backup(dst, pages=-1)  # all pages in one step: one snapshot (see the module's note)
            # The copy is one self-contained file: a rollback journal, not WAL (the desk sets WAL again on
            # the first connection after a restore).
            dst.execute("PRAGMA journal_mode=DELETE")
        finally:
            dst.close()
    except sqlite3.Error as exc:
        raise SnapshotError(f"sqlite backup failed: {exc}") from exc
    finally:
        src.close()


def verify(path: Path) -> Snapshot:
    """``PRAGMA integrity_check`` and the number of incidents of a database file."""
    conn = sqlite3.connect(f"file:{path}?mode=ro", uri=True)
    try:
        result = [str(r[0]) for r in conn.execute("PRAGMA integrity_check")]
        if result != ["ok"]:
            raise SnapshotError("integrity check of the copy failed: " + "; ".join(result[:5]))
        has = conn.execute("SELECT 1 FROM sqlite_master WHERE type='table' AND name='incident'").fetchone()
        count = int(conn.execute("SELECT count(*) FROM incident").fetchone()[0]) if has else None
    except sqlite3.Error as exc:
        raise SnapshotError(f"cannot read the copy: {exc}") from exc
    finally:
        conn.close()
    return Snapshot(path, path.stat().st_size, count, "ok")


def _fsync(path: Path) -> None:
    fd = os.open(path, os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)


def libpq_url(url: str) -> str:
    """The URL as libpq (pg_dump, psql) takes it: no driver suffix and no password — the tools read that
    from ``PGPASSWORD`` or ``~/.pgpass``, and a command line must not carry it into logs or shell history."""
    u = make_url(url)
    # URL.create, not u.set(password=None): set() treats None as "leave unchanged"
    return URL.create("postgresql", username=u.username, host=u.host, port=u.port, database=u.database,
                      query=u.query).render_as_string(hide_password=False)


def pg_dump_command(url: str, target: str) -> str:
    return f"pg_dump --format=custom --file={shlex.quote(target)} --dbname={shlex.quote(libpq_url(url))}"
