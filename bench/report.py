"""Building the monthly protocol of a customer with 50,000 incidents in the month and 1,000,000 in its
history, on SQLite and PostgreSQL: the time of each step and the peak memory.

Run: .venv/bin/python bench/report.py [--month-incidents 50000] [--history 1000000] [--pg URL] [--skip-pdf]

Seeds customer noi (examples/noi.toml) straight into the tables (raw DBAPI executemany on SQLite, COPY on
PostgreSQL): ``history`` incidents from 2024 on, ``month-incidents`` of them in November 2026 (Sofia),
each with its three clocks, closed with a mix of met and breached. Then, against the migrated schema with
its indexes: the protocol's data (the month's register streamed through the (customer_id, reported_at)
index and the unique clock index), and the CSV, XLSX and PDF renderings. Peak memory: tracemalloc's
peak of Python allocations during the step (run separately from the timing), and the process's max RSS.
"""

from __future__ import annotations

import argparse
import os
import random
import resource
import sys
import tempfile
import time
import tracemalloc
from collections.abc import Callable, Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

import sqlalchemy as sa

from bot.app import build_app
from bot.settings import load_config
from commands.domain.clock import FakeClock
from commands.reports.report import monthly_protocol, render
from tests.pgschema import temporary_schema

EXAMPLE = Path(__file__).resolve().parent.parent / "examples" / "noi.toml"
SOFIA = ZoneInfo("Europe/Sofia")
MONTH_START = datetime(2026, 11, 1, tzinfo=SOFIA).astimezone(UTC)
MONTH_SECONDS = 30 * 86400
HISTORY_START = datetime(2024, 1, 1, tzinfo=UTC)
NOW = datetime(2026, 12, 1, 8, 0, tzinfo=UTC)
INCIDENT_COLS = ("id", "control_number", "customer_id", "year", "seq", "category", "component", "description",
                 "reporter", "source", "state", "reported_at", "registered_at", "acknowledged_at", "arrived_at",
                 "resolved_at", "confirmed_at", "arrival_mode")
CLOCK_COLS = ("incident_id", "name", "target", "started_at", "deadline", "stopped_at", "met", "margin_seconds",
              "rev", "warned", "breach_sent")
TARGETS = {"reaction": 1800, "arrival": 3600, "resolution": 14400}


def rows(history: int, month: int) -> Iterator[tuple[tuple[Any, ...], list[tuple[Any, ...]]]]:
    """(incident, clocks) tuples with aware datetimes; the last ``month`` incidents are in November 2026."""
    rnd = random.Random(42)
    before = history - month
    span = (MONTH_START - HISTORY_START).total_seconds()
    for i in range(1, history + 1):
        if i <= before:
            t0 = HISTORY_START + timedelta(seconds=span * (i - 1) / max(1, before))
        else:
            t0 = MONTH_START + timedelta(seconds=MONTH_SECONDS * (i - before - 1) / month)
        ack = t0 + timedelta(seconds=rnd.randint(60, 3600))
        arrive = ack + timedelta(seconds=rnd.randint(60, 3600))
        confirm = arrive + timedelta(seconds=rnd.randint(600, 20000))
        year = t0.astimezone(SOFIA).year
        inc = (i, f"NOI-{year}-{i:07d}", "noi", year, i, "urgent", "cucm", f"Bench incident {i}: calls fail",
               "ivana", "console:console", "confirmed", t0, t0, ack, arrive, confirm - timedelta(minutes=5), confirm,
               "remote")
        clocks = []
        for name, stop in (("reaction", ack), ("arrival", arrive), ("resolution", confirm)):
            deadline = t0 + timedelta(seconds=TARGETS[name])
            margin = int((deadline - stop).total_seconds())
            clocks.append((i, name, f"{TARGETS[name] // 60}m", t0, deadline, stop, margin >= 0, margin, 0, "", False))
        yield inc, clocks


def _sqlite_value(v: Any) -> Any:
    if isinstance(v, datetime):
        return v.astimezone(UTC).replace(tzinfo=None).strftime("%Y-%m-%d %H:%M:%S.%f")
    return v


def seed_sqlite(engine: sa.Engine, history: int, month: int) -> None:
    raw = engine.raw_connection()
    try:
        cur = raw.cursor()
        cur.execute("BEGIN")
        ins_i = f"INSERT INTO incident ({', '.join(INCIDENT_COLS)}) VALUES ({', '.join('?' * len(INCIDENT_COLS))})"
        ins_c = f"INSERT INTO sla_clock ({', '.join(CLOCK_COLS)}) VALUES ({', '.join('?' * len(CLOCK_COLS))})"
        incs: list[tuple[Any, ...]] = []
        clks: list[tuple[Any, ...]] = []
        for inc, clocks in rows(history, month):
            incs.append(tuple(_sqlite_value(v) for v in inc))
            clks += [tuple(_sqlite_value(v) for v in c) for c in clocks]
            if len(incs) >= 20000:
                cur.executemany(ins_i, incs)
                cur.executemany(ins_c, clks)
                incs, clks = [], []
        cur.executemany(ins_i, incs)
        cur.executemany(ins_c, clks)
        cur.execute("COMMIT")
        cur.execute("ANALYZE")
    finally:
        raw.close()


def seed_pg(engine: sa.Engine, history: int, month: int) -> None:
    raw = engine.raw_connection()
    try:
        cur: Any = raw.cursor()
        with cur.copy(f"COPY incident ({', '.join(INCIDENT_COLS)}) FROM STDIN") as copy_i:
            clocks_all: list[list[tuple[Any, ...]]] = []
            for inc, clocks in rows(history, month):
                copy_i.write_row(inc)
                clocks_all.append(clocks)
        with cur.copy(f"COPY sla_clock ({', '.join(CLOCK_COLS)}) FROM STDIN") as copy_c:
            for clocks in clocks_all:
                for c in clocks:
                    copy_c.write_row(c)
        raw.commit()
        cur.execute("ANALYZE incident")
        cur.execute("ANALYZE sla_clock")
        raw.commit()
    finally:
        raw.close()


def measure(label: str, fn: Callable[[], Any]) -> Any:
    t = time.perf_counter()
    out = fn()
    took = time.perf_counter() - t
    tracemalloc.start()
    fn()
    _cur, peak = tracemalloc.get_traced_memory()
    tracemalloc.stop()
    size = f", {len(out):,} bytes" if isinstance(out, bytes | bytearray) else ""
    print(f"  {label:<34} {took:8.2f} s   peak {peak / 2**20:7.1f} MiB (tracemalloc){size}")
    return out


def bench(url: str, history: int, month: int, skip_pdf: bool) -> None:
    cfg = load_config(EXAMPLE)
    app = build_app(cfg, url, clock=FakeClock(NOW))
    try:
        t = time.perf_counter()
        (seed_pg if app.db.dialect == "postgresql" else seed_sqlite)(app.db.engine, history, month)
        print(f"{app.db.dialect}: seeded {history:,} incidents ({month:,} in 2026-11) with 3 clocks each "
              f"in {time.perf_counter() - t:.1f} s")
        services = app.services
        protocol = measure("protocol data (register + math)", lambda: app.db.read_sync(
            lambda s: monthly_protocol(s, services, "noi", 2026, 11, NOW)))
        assert protocol.totals["total"] == month, protocol.totals
        for fmt in ("csv", "xlsx", "md", "chart", *(() if skip_pdf else ("pdf",))):
            measure(f"render {fmt}", lambda f=fmt: render(protocol, f, services.render_report).content)  # type: ignore[misc]
        print(f"  process max RSS {resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024:.0f} MiB")
    finally:
        app.close()


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--month-incidents", type=int, default=50_000)
    ap.add_argument("--history", type=int, default=1_000_000)
    ap.add_argument("--pg", default=os.environ.get("DUTYDESK_TEST_PG"), help="PostgreSQL URL (a schema is made)")
    ap.add_argument("--skip-pdf", action="store_true")
    ap.add_argument("--only", choices=("sqlite", "postgresql"))
    args = ap.parse_args()
    if args.only != "postgresql":
        with tempfile.TemporaryDirectory() as d:
            bench(f"sqlite:///{d}/bench.db", args.history, args.month_incidents, args.skip_pdf)
    if args.pg and args.only != "sqlite":
        with temporary_schema(args.pg) as url:
            bench(url, args.history, args.month_incidents, args.skip_pdf)

if __name__ == "__main__":
    main()
