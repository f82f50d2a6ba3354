"""Building the monthly protocol of a customer with 50,000 incidents in the month and 1,000,000 in its
history, on SQLite and PostgreSQL: the time of each step and the peak memory.

Run: .venv/bin/python bench/report.py [--month-incidents 50000] [--history 1000000] [--pg URL] [--skip-pdf]
     [--customer noi|hgp]

Seeds customer noi (examples/noi.toml) straight into the tables (raw DBAPI executemany on SQLite, COPY on
PostgreSQL): ``history`` incidents from 2024 on, ``month-incidents`` of them in November 2026 (Sofia),
each with its three clocks, closed with a mix of met and breached. ``--customer hgp`` seeds the Persian
customer of examples/hgp.toml instead (Asia/Tehran, its categories and components, Persian descriptions
with a Latin word and digits in them): its protocol is in locale fa, shaped and right to left. Then, against the migrated schema with
its indexes: the protocol's data (the month's register streamed through the (customer_id, reported_at)
index and the unique clock index), and the CSV, XLSX and PDF renderings. Peak memory: tracemalloc's
peak of Python allocations during the step (run separately from the timing), and the process's max RSS.
"""

from __future__ import annotations

import argparse
import json
import os
import random
import subprocess
import sys
import tempfile
import time
import tracemalloc
from collections.abc import Iterator
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

EXAMPLES = Path(__file__).resolve().parent.parent / "examples"
EXAMPLE = EXAMPLES / "noi.toml"
SOFIA = ZoneInfo("Europe/Sofia")
MONTH_SECONDS = 30 * 86400
HISTORY_START = datetime(2024, 1, 1, tzinfo=UTC)
NOW = datetime(2026, 12, 1, 8, 0, tzinfo=UTC)
INCIDENT_COLS = ("id", "control_number", "customer_id", "year", "seq", "category", "component", "description",
                 "reporter", "source", "state", "reported_at", "registered_at", "acknowledged_at", "arrived_at",
                 "resolved_at", "confirmed_at", "arrival_mode")
CLOCK_COLS = ("incident_id", "name", "target", "started_at", "deadline", "stopped_at", "met", "margin_seconds",
              "final_at", "rev", "warned", "breach_sent")
TARGETS = {"reaction": 1800, "arrival": 3600, "resolution": 14400}
# what differs per customer: its example file, prefix, time zone, categories, components, reporter and
# descriptions ({i}: the incident's number)
CUSTOMERS: dict[str, dict[str, Any]] = {
    "noi": {"example": EXAMPLE, "prefix": "NOI", "tz": SOFIA, "categories": ["urgent"], "components": ["cucm"],
            "reporter": "ivana", "descriptions": ["Bench incident {i}: calls fail"]},
    "hgp": {"example": EXAMPLES / "hgp.toml", "prefix": "HGP", "tz": ZoneInfo("Asia/Tehran"),
            "categories": ["critical", "normal"],
            "components": ["crm", "sql", "reporting", "email", "sms", "telephony", "accounting", "powerbi"],
            "reporter": "sara",
            "descriptions": ["حادثه {i}: سامانه CRM پاسخ نمی‌دهد و کاربران نمی‌توانند وارد شوند",
                             "گزارش‌های Reporting Services ساخته نمی‌شوند (شماره {i})",
                             "پیامک‌ها ارسال نمی‌شوند؛ صف SMS پر است — مورد {i}",
                             "تماس‌های ورودی در CRM ثبت نمی‌شوند، کاربر ۱۲ و ۱۴ گزارش داده‌اند {i}"]},
}


def rows(history: int, month: int, customer: str = "noi") -> Iterator[tuple[tuple[Any, ...], list[tuple[Any, ...]]]]:
    """(incident, clocks) tuples with aware datetimes; the last ``month`` incidents are in November 2026,
    all confirmed (each stop final) but the month's last 1 %, resolved and awaiting confirmation."""
    c = CUSTOMERS[customer]
    tz: ZoneInfo = c["tz"]
    month_start = datetime(2026, 11, 1, tzinfo=tz).astimezone(UTC)
    rnd = random.Random(42)
    before = history - month
    awaiting_from = history - max(1, month // 100)
    span = (month_start - HISTORY_START).total_seconds()
    for i in range(1, history + 1):
        if i <= before:
            t0 = HISTORY_START + timedelta(seconds=span * (i - 1) / max(1, before))
        else:
            t0 = month_start + timedelta(seconds=MONTH_SECONDS * (i - before - 1) / month)
        ack = t0 + timedelta(seconds=rnd.randint(60, 3600))
        arrive = ack + timedelta(seconds=rnd.randint(60, 3600))
        confirm = arrive + timedelta(seconds=rnd.randint(600, 20000))
        resolved = confirm - timedelta(minutes=5)
        awaiting = i > awaiting_from
        year = t0.astimezone(tz).year
        pick = i % 7  # categories, components and descriptions in a fixed mix
        inc = (i, f"{c['prefix']}-{year}-{i:07d}", customer, year, i, c["categories"][pick % len(c["categories"])],
               c["components"][pick % len(c["components"])],
               c["descriptions"][i % len(c["descriptions"])].format(i=i), c["reporter"], "console:console",
               "resolved" if awaiting else "confirmed", t0, t0, ack, arrive, resolved, None if awaiting else confirm,
               "remote")
        clocks = []
        for name, stop in (("reaction", ack), ("arrival", arrive), ("resolution", resolved)):
            deadline = t0 + timedelta(seconds=TARGETS[name])
            margin = int((deadline - stop).total_seconds())
            final = stop if name != "resolution" else None if awaiting else confirm
            clocks.append((i, name, f"{TARGETS[name] // 60}m", t0, deadline, stop, margin >= 0, margin, final, 0, "",
                           False))
        yield inc, clocks


def _sqlite_value(v: Any) -> Any:
    if isinstance(v, datetime):
        return v.astimezone(UTC).replace(tzinfo=None).strftime("%Y-%m-%d %H:%M:%S.%f")
    return v


def seed_sqlite(engine: sa.Engine, history: int, month: int, customer: str) -> None:
    raw = engine.raw_connection()
    try:
        cur = raw.cursor()
        cur.execute("BEGIN")
        ins_i = f"INSERT INTO incident ({', '.join(INCIDENT_COLS)}) VALUES ({', '.join('?' * len(INCIDENT_COLS))})"
        ins_c = f"INSERT INTO sla_clock ({', '.join(CLOCK_COLS)}) VALUES ({', '.join('?' * len(CLOCK_COLS))})"
        incs: list[tuple[Any, ...]] = []
        clks: list[tuple[Any, ...]] = []
        for inc, clocks in rows(history, month, customer):
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


def seed_pg(engine: sa.Engine, history: int, month: int, customer: str) -> None:
    raw = engine.raw_connection()
    try:
        cur: Any = raw.cursor()
        with cur.copy(f"COPY incident ({', '.join(INCIDENT_COLS)}) FROM STDIN") as copy_i:
            clocks_all: list[list[tuple[Any, ...]]] = []
            for inc, clocks in rows(history, month, customer):
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


def _pg_schema_url(base: str, schema: str) -> str:
    return f"{base}{'&' if '?' in base else '?'}options=-csearch_path%3D{schema}"


def prepare(kind: str, args: argparse.Namespace) -> str:
    """The URL of a database seeded with ``history``/``month`` incidents: made once, then reused by every
    run (a file under --work-dir on SQLite, a schema named by the sizes on PostgreSQL; --reseed makes it
    again, --drop removes it at the end)."""
    tag = f"{args.history}_{args.month_incidents}" + ("" if args.customer == "noi" else f"_{args.customer}")
    if kind == "sqlite":
        path = Path(args.work_dir) / f"report_{tag}.db"
        path.parent.mkdir(parents=True, exist_ok=True)
        if args.reseed and path.exists():
            path.unlink()
        url = f"sqlite:///{path}"
        done = path.with_suffix(".seeded")
        if args.reseed or not done.exists():
            done.unlink(missing_ok=True)
            path.unlink(missing_ok=True)
            _seed(url, args)
            done.touch()
        _migrate(url, args.customer)
        return url
    from storage.db import normalise_url

    schema = f"bench_report_{tag}"
    admin = sa.create_engine(normalise_url(args.pg), isolation_level="AUTOCOMMIT")
    try:
        with admin.connect() as c:
            seeded = c.exec_driver_sql("SELECT 1 FROM pg_tables WHERE schemaname = %s AND tablename = 'bench_seeded'",
                                       (schema,)).first() is not None
            if args.reseed or not seeded:
                c.exec_driver_sql(f"DROP SCHEMA IF EXISTS {schema} CASCADE")
                c.exec_driver_sql(f"CREATE SCHEMA {schema}")
        url = _pg_schema_url(args.pg, schema)
        if args.reseed or not seeded:
            _seed(url, args)
            with admin.connect() as c:
                c.exec_driver_sql(f"CREATE TABLE {schema}.bench_seeded (at text)")
    finally:
        admin.dispose()
    _migrate(url, args.customer)
    return url


def _migrate(url: str, customer: str) -> None:
    """A database seeded by an older checkout gets the indexes added since (nothing to do otherwise)."""
    build_app(load_config(CUSTOMERS[customer]["example"]), url, clock=FakeClock(NOW)).close()


def drop(kind: str, args: argparse.Namespace) -> None:
    tag = f"{args.history}_{args.month_incidents}" + ("" if args.customer == "noi" else f"_{args.customer}")
    if kind == "sqlite":
        for suffix in (".db", ".seeded"):
            (Path(args.work_dir) / f"report_{tag}{suffix}").unlink(missing_ok=True)
        return
    from storage.db import normalise_url

    admin = sa.create_engine(normalise_url(args.pg), isolation_level="AUTOCOMMIT")
    with admin.connect() as c:
        c.exec_driver_sql(f"DROP SCHEMA IF EXISTS bench_report_{tag} CASCADE")
    admin.dispose()


def _seed(url: str, args: argparse.Namespace) -> None:
    app = build_app(load_config(CUSTOMERS[args.customer]["example"]), url, clock=FakeClock(NOW))
    try:
        t = time.perf_counter()
        (seed_pg if app.db.dialect == "postgresql" else seed_sqlite)(app.db.engine, args.history, args.month_incidents,
                                                                      args.customer)
        print(f"{app.db.dialect}: seeded {args.history:,} {args.customer} incidents ({args.month_incidents:,} in 2026-11) with 3 clocks "
              f"each in {time.perf_counter() - t:.1f} s", flush=True)
    finally:
        app.close()


def _rss_mib() -> float:
    with open("/proc/self/status") as f:
        for line in f:
            if line.startswith("VmRSS:"):
                return int(line.split()[1]) / 1024
    return 0.0


def child(url: str, fmt: str, month: int, trace: bool, customer: str = "noi") -> None:
    """One user's request in a process that did not seed: the app is built and the renderer's modules
    imported first (a running desk has both; the PDF's include the chart's, which draws the PDF's charts),
    then the protocol's data and the file are timed."""
    from integrations import reports

    app = build_app(load_config(CUSTOMERS[customer]["example"]), url, clock=FakeClock(NOW), migrate=False)
    try:
        services = app.services
        if fmt != "data":
            import importlib

            modules = {"csv": ["integrations.reports.csv_out"], "md": ["integrations.reports.markdown"],
                       "xlsx": ["integrations.reports.xlsx"], "chart": ["integrations.reports.chart"],
                       "pdf": ["integrations.reports.pdf", "integrations.reports.chart"]}  # the PDF holds the chart
            for module in modules[fmt]:
                importlib.import_module(module)
        app.db.read_sync(lambda s: s.connection().exec_driver_sql("SELECT 1").all())  # a pooled connection
        rss0 = _rss_mib()
        if trace:
            tracemalloc.start()
        w0, c0 = time.perf_counter(), time.process_time()
        protocol = app.db.read_sync(lambda s: monthly_protocol(s, services, customer, 2026, 11, NOW))
        w1, c1 = time.perf_counter(), time.process_time()
        assert protocol.totals["total"] == month, protocol.totals
        size = 0
        if fmt != "data":
            size = len(render(protocol, fmt, reports.render).content)
        w2, c2 = time.perf_counter(), time.process_time()
        peak = tracemalloc.get_traced_memory()[1] if trace else 0
        print(json.dumps({"data_s": w1 - w0, "data_cpu": c1 - c0, "render_s": w2 - w1, "render_cpu": c2 - c1,
                          "bytes": size, "rss0": rss0, "trace_peak": peak / 2**20}), flush=True)
    finally:
        app.close()


def run_child(url: str, fmt: str, month: int, trace: bool, customer: str = "noi") -> dict[str, Any]:
    """The child's figures, with its own max RSS (os.wait4: this child's, not the largest of all children)."""
    cmd = [sys.executable, __file__, "--child", fmt, "--url", url, "--month-incidents", str(month),
           "--customer", customer, *(["--trace"] if trace else [])]
    p = subprocess.Popen(cmd, stdout=subprocess.PIPE, text=True)
    assert p.stdout is not None
    out = p.stdout.read()
    _pid, status, usage = os.wait4(p.pid, 0)
    p.returncode = os.waitstatus_to_exitcode(status)
    if p.returncode != 0:
        raise RuntimeError(f"{fmt} child failed ({p.returncode}): {out}")
    fig: dict[str, Any] = json.loads(out.strip().splitlines()[-1])
    fig["max_rss"] = usage.ru_maxrss / 1024
    return fig


def bench(kind: str, url: str, args: argparse.Namespace) -> None:
    formats = ["data", *args.formats.split(",")]
    print(f"{kind}, customer {args.customer}: {args.month_incidents:,} incidents in the month, {args.history:,} in history; "
          f"load average {' '.join(f'{x:.2f}' for x in os.getloadavg())}", flush=True)
    print(f"  {'format':<6} {'data s':>8} {'(cpu)':>7} {'render s':>9} {'(cpu)':>7} {'total s':>8} {'bytes':>11} "
          f"{'max RSS':>9} {'(before)':>9} {'tracemalloc':>12}", flush=True)
    for fmt in formats:
        best: dict[str, Any] | None = None
        for _ in range(args.repeat):  # the best of n runs: the machine is shared, the noise only adds
            fig = run_child(url, fmt, args.month_incidents, trace=False, customer=args.customer)
            if best is None or fig["data_s"] + fig["render_s"] < best["data_s"] + best["render_s"]:
                best = fig
        assert best is not None
        traced = run_child(url, fmt, args.month_incidents, trace=True, customer=args.customer)["trace_peak"] if args.tracemalloc else 0.0
        print(f"  {fmt:<6} {best['data_s']:8.2f} {best['data_cpu']:7.2f} {best['render_s']:9.2f} {best['render_cpu']:7.2f} "
              f"{best['data_s'] + best['render_s']:8.2f} {best['bytes']:11,} {best['max_rss']:6.0f} MiB "
              f"{best['rss0']:5.0f} MiB {traced:8.0f} MiB", flush=True)
    print(f"  load average after: {' '.join(f'{x:.2f}' for x in os.getloadavg())}", flush=True)


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--month-incidents", type=int, default=50_000)
    ap.add_argument("--history", type=int, default=1_000_000)
    ap.add_argument("--pg", default=os.environ.get("DUTYDESK_TEST_PG"), help="PostgreSQL URL (a schema is made)")
    ap.add_argument("--only", choices=("sqlite", "postgresql"))
    ap.add_argument("--customer", choices=tuple(CUSTOMERS), default="noi",
                    help="noi (Bulgarian, examples/noi.toml) or hgp (Persian, shaped right to left, examples/hgp.toml)")
    ap.add_argument("--formats", default="csv,xlsx,md,chart,pdf", help="comma-separated; the data alone always runs")
    ap.add_argument("--skip-pdf", action="store_true")
    ap.add_argument("--repeat", type=int, default=1, help="runs per format, the fastest shown")
    ap.add_argument("--no-tracemalloc", dest="tracemalloc", action="store_false",
                    help="skip the extra run per format under tracemalloc")
    ap.add_argument("--work-dir", default=os.path.join(tempfile.gettempdir(), "dutydesk-bench"))
    ap.add_argument("--reseed", action="store_true", help="seed again even if a seeded database is there")
    ap.add_argument("--seed-only", action="store_true", help="seed (if needed) and stop")
    ap.add_argument("--drop", action="store_true", help="remove the seeded databases at the end")
    ap.add_argument("--child", help=argparse.SUPPRESS)
    ap.add_argument("--url", help=argparse.SUPPRESS)
    ap.add_argument("--trace", action="store_true", help=argparse.SUPPRESS)
    args = ap.parse_args()
    if args.child:
        child(args.url, args.child, args.month_incidents, args.trace, args.customer)
        return
    if args.skip_pdf:
        args.formats = ",".join(f for f in args.formats.split(",") if f != "pdf")
    kinds = [k for k in ("sqlite", "postgresql") if args.only in (None, k) and (k == "sqlite" or args.pg)]
    for kind in kinds:
        url = prepare(kind, args)
        if args.seed_only:
            continue
        try:
            bench(kind, url, args)
        finally:
            if args.drop:
                drop(kind, args)


if __name__ == "__main__":
    main()
