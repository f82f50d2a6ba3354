"""The preventive sweeper's cost per tick: what every sweep of the running desk adds (commands/preventive/sweep.py).

Run: .venv/bin/python bench/preventive.py [--months 24] [--ticks 200] [--pg URL]

Customer noi (examples/noi.toml: three tasks, two monthly and one quarterly, the archive task completed by
four backup targets) ``--months`` after its contract start, with every past occurrence stored and closed
and 2,000 successful backup runs on record. Prints the median and 95th percentile of ``--ticks`` idle ticks
(nothing due: the plan is checked, the archive task's window searched for backups) and of a tick that
stores the next occurrences and sends their reminders.
"""

from __future__ import annotations

import argparse
import statistics
import sys
import tempfile
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

import sqlalchemy as sa

from bot.app import build_app
from bot.settings import load_config
from commands.domain.clock import FakeClock
from commands.preventive.sweep import preventive_sweep_unit
from storage.models_backup import BackupRun
from storage.models_maintenance import MaintenanceTask
from tests.pgschema import temporary_schema

EXAMPLE = Path(__file__).resolve().parent.parent / "examples" / "noi.toml"
START = datetime(2026, 12, 14, 8, 0, tzinfo=UTC)


def run(url: str, months: int, ticks: int) -> None:
    clock = FakeClock(START)
    app = build_app(load_config(EXAMPLE), url, clock=clock)
    try:
        services = app.services
        app.db.write_sync(preventive_sweep_unit(services, clock.now()))
        now = START
        end = START + timedelta(days=30 * months)
        while now < end:  # store the plan month by month, each occurrence closed as done
            now += timedelta(days=7)
            clock.set(now)
            app.db.write_sync(preventive_sweep_unit(services, now))
            app.db.write_sync(lambda s, at=now: s.execute(sa.update(MaintenanceTask).where(  # type: ignore[misc]
                MaintenanceTask.due_at < at).values(state="done", closed_at=at, next_check_at=None)))
        runs = [{"customer_id": "noi", "target_id": t, "driver": "ssh", "trigger": "schedule", "requested_by": "schedule",
                 "attempt": 1, "status": "succeeded", "queued_at": START + timedelta(hours=i),
                 "finished_at": START + timedelta(hours=i), "owner": "", "note": "", "pruned": False}
                for i in range(500) for t in ("gw1", "gw2", "cucm", "uccx")]
        app.db.write_sync(lambda s: s.execute(sa.insert(BackupRun.__table__), runs))  # type: ignore[attr-defined]
        idle = []
        for _ in range(ticks):
            t0 = time.perf_counter()
            app.db.write_sync(preventive_sweep_unit(services, now))
            idle.append(time.perf_counter() - t0)
        stored = app.db.read_sync(lambda s: s.execute(sa.select(sa.func.count()).select_from(MaintenanceTask)).scalar())
        q = statistics.quantiles(idle, n=20)
        print(f"{url.split(':')[0]}: {stored} occurrences stored, {len(runs)} backup runs; idle tick "
              f"median {statistics.median(idle) * 1000:.2f} ms, p95 {q[18] * 1000:.2f} ms ({ticks} ticks)")
        clock.set(now + timedelta(days=30))
        t0 = time.perf_counter()
        result = app.db.write_sync(preventive_sweep_unit(services, clock.now()))
        print(f"  a month later: one tick stored {result.planned}, sent {result.reminders} reminder(s) and "
              f"{result.overdue} overdue notice(s) in {(time.perf_counter() - t0) * 1000:.1f} ms")
    finally:
        app.close()


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--months", type=int, default=24)
    parser.add_argument("--ticks", type=int, default=200)
    parser.add_argument("--pg", default=None, help="a PostgreSQL URL (a temporary schema is used)")
    args = parser.parse_args()
    if args.pg:
        with temporary_schema(args.pg) as url:
            run(url, args.months, args.ticks)
    else:
        with tempfile.TemporaryDirectory() as d:
            run(f"sqlite:///{d}/bench.db", args.months, args.ticks)


if __name__ == "__main__":
    main()
