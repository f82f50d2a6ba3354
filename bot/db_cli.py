"""``dutydesk db backup --to FILE [--force]``: a verified copy of the desk's own database.

Exit codes: 0 copied and verified; 1 the copy failed or did not verify (nothing left under FILE);
2 bad use (FILE exists without --force, no such database, an in-memory database);
3 the database is PostgreSQL: this command does not back it up, it prints the ``pg_dump`` command to run.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from storage.db import normalise_url, sqlite_path
from storage.snapshot import SnapshotError, backup_sqlite, pg_dump_command

EXIT_FAILED = 1
EXIT_USAGE = 2
EXIT_USE_PG_DUMP = 3


def add_parser(db_sub: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    backup = db_sub.add_parser("backup", help="a consistent, verified copy of the SQLite database (online)")
    backup.add_argument("--to", required=True, dest="target", help="the file to write")
    backup.add_argument("--force", action="store_true", help="overwrite the file if it exists")


def run_backup(args: argparse.Namespace, database_url: str) -> int:
    url = normalise_url(database_url)
    if url.startswith("postgresql"):
        print("dutydesk: the database is PostgreSQL; back it up with pg_dump (this command does not):\n"
              f"  {pg_dump_command(url, args.target)}\n"
              "The password comes from PGPASSWORD or ~/.pgpass. Restoring: see docs/deployment.md.",
              file=sys.stderr)
        return EXIT_USE_PG_DUMP
    source = sqlite_path(url)
    if source is None:
        print(f"dutydesk: cannot back up {url!r}: only a SQLite file or PostgreSQL", file=sys.stderr)
        return EXIT_USAGE
    if not source.is_file():
        print(f"dutydesk: no database at {source}", file=sys.stderr)
        return EXIT_USAGE
    target = Path(args.target)
    try:
        snap = backup_sqlite(source, target, force=args.force)
    except FileExistsError:
        print(f"dutydesk: {target} exists; give --force to overwrite it", file=sys.stderr)
        return EXIT_USAGE
    except SnapshotError as exc:
        print(f"dutydesk: backup failed: {exc}", file=sys.stderr)
        return EXIT_FAILED
    incidents = "no incident table" if snap.incidents is None else f"{snap.incidents} incidents"
    print(f"{snap.path}: {snap.size} bytes, integrity {snap.integrity}, {incidents}")
    return 0
