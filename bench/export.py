"""``dutydesk export`` of a 100,000-incident register: time, rows/s, and the memory it takes.

Run: .venv/bin/python bench/export.py [--incidents 100000] [--pg URL]

Seeds customer noi with bench/report.py's seeder (incidents with three clocks each, straight into the
tables), then runs the command as an operator would (``dutydesk export --out FILE``, in this process).
Printed: the time, rows/s and file size; tracemalloc's peak of Python allocations during a second run;
and that peak as a fraction of the file — a register held in memory would cost several times the file,
a streamed one a few batches of rows.
"""

from __future__ import annotations

import argparse
import os
import sys
import tempfile
import time
import tracemalloc
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))


from bench.report import EXAMPLE, NOW, seed_pg, seed_sqlite
from bot.cli import run
from storage.db import Database
from tests.pgschema import temporary_schema


def bench(url: str, incidents: int, out: Path) -> None:
    db = Database(url)
    db.upgrade()
    t = time.perf_counter()
    (seed_pg if db.dialect == "postgresql" else seed_sqlite)(db.engine, incidents, incidents // 10)
    print(f"{db.dialect}: seeded {incidents:,} incidents with 3 clocks each in {time.perf_counter() - t:.1f} s")
    db.close()
    argv = ["--database", url, "export", "--config", str(EXAMPLE), "--customer", "noi", "--out", str(out),
            "--as-of", NOW.isoformat()]
    t = time.perf_counter()
    assert run(argv) == 0
    took = time.perf_counter() - t
    size = out.stat().st_size
    with out.open(encoding="utf-8-sig") as f:
        lines = sum(1 for _ in f)
    tracemalloc.start()
    assert run(argv) == 0
    _cur, peak = tracemalloc.get_traced_memory()
    tracemalloc.stop()
    print(f"  export {took:.2f} s ({incidents / took:,.0f} rows/s), {size / 2**20:.1f} MiB, {lines:,} lines "
          f"(header + {lines - 1:,} incidents; more if descriptions span lines)")
    print(f"  peak Python allocations {peak / 2**20:.1f} MiB (tracemalloc) = {peak / size:.2f} x the file")


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--incidents", type=int, default=100_000)
    ap.add_argument("--pg", default=os.environ.get("DUTYDESK_TEST_PG"), help="PostgreSQL URL (a schema is made)")
    args = ap.parse_args()
    with tempfile.TemporaryDirectory() as d:
        bench(f"sqlite:///{d}/bench.db", args.incidents, Path(d) / "register.csv")
        if args.pg:
            with temporary_schema(args.pg) as url:
                bench(url, args.incidents, Path(d) / "register-pg.csv")

if __name__ == "__main__":
    main()
