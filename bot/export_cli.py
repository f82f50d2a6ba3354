"""``dutydesk export --config F --customer C [--from D] [--to D] [--out FILE] [--as-of T]``: the register as CSV.

UTF-8 with a byte-order mark (spreadsheet programs then read Cyrillic and Persian correctly), a header
row, CRLF line ends (RFC 4180), every field quoted where it needs to be, text that could start a
spreadsheet formula prefixed with ``'`` (``integrations.reports.cells``). Rows are written as the query
streams them, so a register of any size is never held in memory. Standard output unless ``--out``; a
file is written beside its target and renamed when complete, so a failed export leaves no partial file.
Exit codes: 0 written; 1 the register cannot be read (e.g. a database never upgraded); 2 bad use (an
unknown customer — the customers are listed —, a bad date, no database file).
"""

from __future__ import annotations

import argparse
import csv
import io
import os
import sys
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import date, datetime
from pathlib import Path
from typing import IO

from sqlalchemy.exc import DBAPIError
from sqlmodel import Session

from bot.settings import load_config

EXIT_FAILED = 1
EXIT_USAGE = 2


def add_parser(sub: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    exp = sub.add_parser("export", help="the register of a customer as CSV (all incidents, or a period)")
    exp.add_argument("--config", required=True)
    exp.add_argument("--customer", required=True)
    exp.add_argument("--from", dest="start", help="YYYY-MM-DD: first notified on or after this local date")
    exp.add_argument("--to", dest="end", help="YYYY-MM-DD: first notified on or before this local date")
    exp.add_argument("--out", help="file to write (default: standard output)")
    exp.add_argument("--as-of", dest="as_of",
                     help="ISO 8601 instant at which running clocks are judged (default: now)")


def _date(text: str | None, flag: str) -> date | None:
    if text is None:
        return None
    try:
        return date.fromisoformat(text)
    except ValueError:
        raise ValueError(f"{flag} {text!r} is not a date like 2026-11-23") from None


def _usage(message: str) -> int:
    print(f"dutydesk: {message}", file=sys.stderr)
    return EXIT_USAGE


def run_export(args: argparse.Namespace, database_url: str) -> int:
    from bot.app import build_app
    from commands.reports.export import HEADER, export_rows, period
    from integrations.reports.cells import csv_row
    from storage.db import sqlite_path

    cfg = load_config(args.config)
    customer = cfg.customers.get(args.customer)
    if customer is None:
        return _usage(f"no customer {args.customer!r}; customers: {', '.join(cfg.customers)}")
    try:
        start, end = _date(args.start, "--from"), _date(args.end, "--to")
    except ValueError as exc:
        return _usage(str(exc))
    if start and end and start > end:
        return _usage(f"--from {start} is after --to {end}")
    as_of: datetime | None = None
    if args.as_of:
        try:
            as_of = datetime.fromisoformat(args.as_of)
        except ValueError:
            return _usage(f"--as-of {args.as_of!r} is not an ISO 8601 time")
        if as_of.tzinfo is None:
            as_of = as_of.replace(tzinfo=customer.tz)
    path = sqlite_path(database_url)
    if path is not None and not path.is_file():  # connecting would create an empty database
        return _usage(f"no database at {path}")
    lo, hi = period(start, end, customer.tz)
    # No migrations: an export reads the evidence, it never changes its schema.
    app = build_app(cfg, database_url, migrate=False)
    judged_at = as_of or app.services.clock.now()
    try:
        with _output(args.out) as out:
            writer = csv.writer(out, lineterminator="\r\n")
            writer.writerow(csv_row(HEADER))

            def write(session: Session) -> int:
                count = 0
                for row in export_rows(session, cfg, args.customer, lo, hi, judged_at):
                    writer.writerow(csv_row(row))
                    count += 1
                return count

            count = app.db.read_sync(write)
    except DBAPIError as exc:  # e.g. a database never upgraded: no register tables (no file is left)
        print(f"dutydesk: cannot read the register: {exc.orig}", file=sys.stderr)
        return EXIT_FAILED
    finally:
        app.close()
    print(f"{args.out or 'stdout'}: {count} incidents of {args.customer}, running clocks judged at "
          f"{judged_at.astimezone(customer.tz).isoformat(timespec='seconds')}", file=sys.stderr)
    return 0


@contextmanager
def _output(out: str | None) -> Iterator[IO[str]]:
    """Standard output, or a temporary file renamed onto ``out`` once everything was written."""
    if out is None:
        stream = io.TextIOWrapper(sys.stdout.buffer, encoding="utf-8-sig", newline="")
        try:
            yield stream
        finally:
            stream.flush()
            stream.detach()  # leave sys.stdout open
        return
    target = Path(out)
    tmp = target.with_name(f".{target.name}.partial-{os.getpid()}")
    try:
        with open(tmp, "w", encoding="utf-8-sig", newline="") as stream:
            yield stream
        os.replace(tmp, target)
    finally:
        tmp.unlink(missing_ok=True)
