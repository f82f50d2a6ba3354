"""What the monthly protocol's data costs in memory: the process's RSS before and after
``monthly_protocol`` and the deep size of its parts (the register's entries, the service protocols of the
month's fixes), in a fresh process on the database bench/report.py seeded (50,000 incidents in the month,
1,000,000 in history; it is made by bench/report.py if missing).

Run: .venv/bin/python bench/report_memory.py [--pg URL] [--only sqlite|postgresql]

Deep size: every object reachable from the part (through ``gc.get_referents``, slots included) counted
once by ``sys.getsizeof``; types, modules and the time zone are left out, and an object shared by two
parts (a word, an instant) is counted in the first only (entries, then awaiting, then fixed).
"""

from __future__ import annotations

import argparse
import gc
import json
import os
import subprocess
import sys
import tempfile
import time
import types
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bench.report import EXAMPLE, NOW, _rss_mib, prepare


def deep_size(root: object, seen: set[int]) -> tuple[int, int]:
    """(bytes, objects) reachable from ``root`` not in ``seen`` (which it extends)."""
    size = count = 0
    stack = [root]
    while stack:
        o = stack.pop()
        if id(o) in seen or isinstance(o, (type, types.ModuleType, types.FunctionType)):
            continue
        if o.__class__.__name__ in ("ZoneInfo", "timezone"):
            continue
        seen.add(id(o))
        size += sys.getsizeof(o)
        count += 1
        stack.extend(gc.get_referents(o))
    return size, count


def child(url: str) -> None:
    from bot.app import build_app
    from bot.settings import load_config
    from commands.domain.clock import FakeClock
    from commands.reports.report import monthly_protocol

    app = build_app(load_config(EXAMPLE), url, clock=FakeClock(NOW), migrate=False)
    try:
        app.db.read_sync(lambda s: s.connection().exec_driver_sql("SELECT 1").all())
        gc.collect()
        rss0 = _rss_mib()
        w0, c0 = time.perf_counter(), time.process_time()
        p = app.db.read_sync(lambda s: monthly_protocol(s, app.services, "noi", 2026, 11, NOW))
        w1, c1 = time.perf_counter(), time.process_time()
        rss1 = _rss_mib()
        seen: set[int] = set()
        parts = {}
        for name in ("entries", "awaiting", "fixed"):
            b, n = deep_size(getattr(p, name), seen)
            parts[name] = {"MiB": round(b / 2**20, 1), "objects": n, "items": len(getattr(p, name)),
                           "bytes_per_item": round(b / max(1, len(getattr(p, name))))}
        print(json.dumps({"data_s": round(w1 - w0, 2), "data_cpu": round(c1 - c0, 2), "rss_before": round(rss0),
                          "rss_after": round(rss1), "rss_growth": round(rss1 - rss0), "parts": parts}), flush=True)
    finally:
        app.close()


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--month-incidents", type=int, default=50_000)
    ap.add_argument("--history", type=int, default=1_000_000)
    ap.add_argument("--pg", default=os.environ.get("DUTYDESK_TEST_PG"), help="PostgreSQL URL")
    ap.add_argument("--only", choices=("sqlite", "postgresql"))
    ap.add_argument("--repeat", type=int, default=1, help="runs per database (fresh processes), all shown")
    ap.add_argument("--work-dir", default=os.path.join(tempfile.gettempdir(), "dutydesk-bench"))
    ap.add_argument("--child", help=argparse.SUPPRESS)
    args = ap.parse_args()
    if args.child:
        child(args.child)
        return
    args.reseed = False
    kinds = [k for k in ("sqlite", "postgresql") if args.only in (None, k) and (k == "sqlite" or args.pg)]
    for kind in kinds:
        url = prepare(kind, args)
        for _ in range(args.repeat):
            out = subprocess.run([sys.executable, __file__, "--child", url], check=True, capture_output=True,
                                 text=True).stdout
            fig: dict[str, Any] = json.loads(out.strip().splitlines()[-1])
            print(f"{kind}: {json.dumps(fig)}  (load {os.getloadavg()[0]:.2f})", flush=True)


if __name__ == "__main__":
    main()
