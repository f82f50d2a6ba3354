"""The sweeper's cost for one tick with 10,000 incidents in escalation, 100 of them due.

Run: .venv/bin/python bench/escalation.py [--open 10000] [--due 100] [--pg URL]

Seeds incidents of customer noi (examples/noi.toml, urgent policy: primary now, +5 min primary and
secondary, +15 min the team lead) straight into the tables, with their escalation rows at step 1 (the
first page already sent). The due ones have next_check_at = their 5-minute step; the others are due in
an hour. One tick pages the due ones (primary + secondary each) and moves them on. Prints the median
of 5 ticks (the due set reset between them) and the pages queued.
"""

from __future__ import annotations

import argparse
import os
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
from commands.incidents.sweep import sweep_unit
from storage.models import Escalation, Incident, OutboxMessage, SlaClock, TimelineEvent
from tests.pgschema import temporary_schema

EXAMPLE = Path(__file__).resolve().parent.parent / "examples" / "noi.toml"
T0 = datetime(2026, 11, 23, 8, 0, tzinfo=UTC)


def seed(engine: sa.Engine, total: int, due: int) -> None:
    inc, clk, esc = Incident.__table__, SlaClock.__table__, Escalation.__table__  # type: ignore[attr-defined]
    with engine.begin() as conn:
        for start in range(0, total, 5000):
            rows, clocks, escs = [], [], []
            for i in range(start + 1, min(total, start + 5000) + 1):
                is_due = i <= due
                rows.append({"id": i, "control_number": f"NOI-2026-{i:06d}", "customer_id": "noi", "year": 2026,
                             "seq": i, "category": "urgent", "component": "cucm", "description": f"bench {i}",
                             "reporter": "ivana", "source": "console:console", "state": "registered",
                             "reported_at": T0, "registered_at": T0,
                             "next_check_at": T0 + (timedelta(minutes=5) if is_due else timedelta(hours=1))})
                for name, minutes in (("reaction", 600), ("arrival", 1200), ("resolution", 2400)):
                    # far deadlines, warnings already sent: the tick's work is the escalation alone
                    clocks.append({"incident_id": i, "name": name, "target": f"{minutes}m", "started_at": T0,
                                   "deadline": T0 + timedelta(minutes=minutes), "warned": "0.5,0.8",
                                   "breach_sent": False, "rev": 0})
                escs.append({"incident_id": i, "policy": "urgent", "round": 0, "step": 1, "round_started_at": T0,
                             "next_at": T0 + (timedelta(minutes=5) if is_due else timedelta(hours=1)),
                             "paged": "petar"})
            conn.execute(sa.insert(inc), rows)
            conn.execute(sa.insert(clk), clocks)
            conn.execute(sa.insert(esc), escs)


def reset(engine: sa.Engine, due: int) -> None:
    inc, esc = Incident.__table__, Escalation.__table__  # type: ignore[attr-defined]
    with engine.begin() as conn:
        conn.execute(sa.delete(OutboxMessage.__table__))  # type: ignore[attr-defined]
        conn.execute(sa.delete(TimelineEvent.__table__))  # type: ignore[attr-defined]
        conn.execute(sa.update(inc).where(inc.c.id <= due).values(next_check_at=T0 + timedelta(minutes=5)))
        conn.execute(sa.update(esc).where(esc.c.incident_id <= due).values(
            step=1, round=0, round_started_at=T0, next_at=T0 + timedelta(minutes=5), paged="petar"))


def run(url: str, label: str, total: int, due: int) -> None:
    clock = FakeClock(T0 + timedelta(minutes=5, seconds=1))
    app = build_app(load_config(EXAMPLE), url, clock=clock)
    started = time.perf_counter()
    seed(app.db.engine, total, due)
    seeded = time.perf_counter() - started
    times, pages = [], 0
    for _ in range(5):
        reset(app.db.engine, due)
        t = time.perf_counter()
        result = app.db.write_sync(sweep_unit(app.services, clock.now()))
        times.append(time.perf_counter() - t)
        assert result.incidents == due, result
        pages = result.messages
    app.close()
    print(f"{label:<8} {total:>7} in escalation, {due} due: one tick {statistics.median(times) * 1000:7.1f} ms "
          f"(median of 5; {pages} pages queued; seeding took {seeded:.1f} s)")


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--open", type=int, default=10_000)
    ap.add_argument("--due", type=int, default=100)
    ap.add_argument("--pg", default=os.environ.get("DUTYDESK_TEST_PG"))
    args = ap.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        run(f"sqlite:///{tmp}/esc.db", "sqlite", args.open, args.due)
    if args.pg:
        with temporary_schema(args.pg, "bench_escalation") as url:
            run(url, "postgres", args.open, args.due)

if __name__ == "__main__":
    main()
