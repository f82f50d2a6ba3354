"""Load: concurrent users sending a mix of reports and reads through the command layer for a while.

Run: .venv/bin/python bench/load.py [--seconds 60] [--users 100] [--mix 20,50,30] [--pg URL | --no-pg]

Each user is a coroutine that sends its next command as soon as the previous one is answered (a closed
loop, no think time: the figures are what the desk sustains with that many requests in flight), chosen at
random by the mix: ``/incident`` reports, ``/status <number>`` of an incident registered earlier, and
``/incidents``. Every command goes through ``Desk.handle`` with the real database writer (group commit),
as bench/intake.py does; the sweeper and dispatcher do not run. The register starts with --seed
incidents so ``/status`` has something to read.

Each database runs in a child process of its own, so its RSS figures are its own: SQLite in a file of a
temporary directory, PostgreSQL (``--pg``, default $DUTYDESK_TEST_PG, or 127.0.0.1:5432/test when it
answers) in a fresh schema dropped afterwards. Printed per database: commands/s (all, and per kind),
p50/p99 latency per kind, errors (must be 0), peak RSS (``getrusage``) and current RSS (/proc/self/status), the process's CPU time per command,
and a check that every answered report is in the register.
"""

from __future__ import annotations

import argparse
import asyncio
import os
import random
import re
import resource
import subprocess
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bot.app import build_app
from bot.settings import load_config
from commands.desk.reply import Request
from commands.domain.clock import SystemClock
from tests.pgschema import LOCAL_PG, local_pg_reachable, temporary_schema

EXAMPLE = Path(__file__).resolve().parent.parent / "examples" / "noi.toml"
KINDS = ("incident", "status", "incidents")
USERS = ("ivana", "georgi", "petar", "maria")  # noi's people with a console identity
NUMBER = re.compile(r"NOI-\d{4}-\d{5}")


def _command(kind: str, rng: random.Random, numbers: list[str]) -> str:
    if kind == "incident":
        return f"/incident {rng.choice(('urgent', 'pressing', 'other'))} cucm Calls drop after {rng.randint(1, 90)} s"
    if kind == "status":
        return f"/status {rng.choice(numbers)}"
    return "/incidents"


def _pct(values: list[float], q: float) -> float:
    """Nearest-rank percentile."""
    s = sorted(values)
    return s[min(len(s) - 1, max(0, round(q * len(s) + 0.5) - 1))]


def _cpu_seconds() -> float:
    ru = resource.getrusage(resource.RUSAGE_SELF)
    return ru.ru_utime + ru.ru_stime


def _rss_now_kib() -> int:
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1])
    return 0


async def _load(url: str, seconds: float, users: int, mix: tuple[int, ...], seed: int) -> dict[str, object]:
    app = build_app(load_config(EXAMPLE).without_rate_limits(), url, clock=SystemClock())  # 100 users on the config's few people
    desk = app.desk
    numbers: list[str] = []
    ids = iter(range(10**9))

    async def say(user: str, text: str) -> tuple[bool, str]:
        reply = await desk.handle(Request(text=text, transport="console", user_id=user, channel_id="console",
                                          delivery_id=f"d{next(ids)}"))
        return not reply.is_error, reply.text

    async def seeder(k: int) -> None:
        for _ in range(seed // 50):
            ok, text = await say("ivana", f"/incident other crm Seeded report {k}")
            m = NUMBER.search(text)
            assert ok and m, text
            numbers.append(m.group(0))

    await asyncio.gather(*(seeder(k) for k in range(50)))
    latencies: dict[str, list[float]] = {k: [] for k in KINDS}
    errors: dict[str, int] = dict.fromkeys(KINDS, 0)
    reported: list[str] = []
    deadline = time.perf_counter() + seconds

    async def user(u: int) -> None:
        rng = random.Random(u)
        who = USERS[u % len(USERS)]
        while time.perf_counter() < deadline:
            kind = rng.choices(KINDS, weights=mix)[0]
            text = _command(kind, rng, numbers)
            t0 = time.perf_counter()
            try:
                ok, reply = await say(who, text)
            except Exception:  # Desk.handle answers errors itself; anything here is a bug: count it
                ok, reply = False, ""
            latencies[kind].append(time.perf_counter() - t0)
            if not ok:
                errors[kind] += 1
            elif kind == "incident":
                m = NUMBER.search(reply)
                if m is None:
                    errors[kind] += 1
                else:
                    numbers.append(m.group(0))
                    reported.append(m.group(0))

    start, cpu0 = time.perf_counter(), _cpu_seconds()
    await asyncio.gather(*(user(u) for u in range(users)))
    elapsed, cpu = time.perf_counter() - start, _cpu_seconds() - cpu0
    from sqlmodel import col, select

    from storage.models import Incident

    in_register = set(app.db.read_sync(lambda s: list(s.exec(select(col(Incident.control_number))))))
    commits, units = app.db.commits, app.db.units
    app.close()
    return {"elapsed": elapsed, "cpu": cpu, "latencies": latencies, "errors": errors, "reported": len(reported),
            "missing": len(set(reported) - in_register), "register": len(in_register), "commits": commits,
            "units": units}


def _report(name: str, r: dict[str, object], users: int) -> None:
    lat: dict[str, list[float]] = r["latencies"]  # type: ignore[assignment]
    errors: dict[str, int] = r["errors"]  # type: ignore[assignment]
    elapsed = float(r["elapsed"])  # type: ignore[arg-type]
    total = sum(len(v) for v in lat.values())
    per = ", ".join(f"{k} {len(lat[k]) / elapsed:,.0f}/s" for k in KINDS)
    print(f"{name:<9} {elapsed:.1f} s, {users} users: {total / elapsed:,.0f} commands/s ({per}); "
          f"errors {sum(errors.values())}")
    for k in KINDS:
        v = lat[k]
        if v:
            print(f"  {k:<10} p50 {_pct(v, 0.50) * 1000:7.1f} ms   p99 {_pct(v, 0.99) * 1000:7.1f} ms   "
                  f"(n={len(v):,}, errors {errors[k]})")
    cpu = float(r["cpu"])  # type: ignore[arg-type]
    print(f"  CPU of this process: {cpu:.1f} s in {elapsed:.1f} s ({cpu / elapsed:.2f} cores), "
          f"{cpu / max(total, 1) * 1000:.2f} ms per command")
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss  # KiB on Linux
    print(f"  RSS peak {peak / 1024:,.0f} MiB, now {_rss_now_kib() / 1024:,.0f} MiB")
    print(f"  register: {r['register']:,} incidents; {r['reported']:,} reports answered, "
          f"{r['missing']} of them missing; writer: {r['units']:,} units in {r['commits']:,} commits")


def _child(args: argparse.Namespace) -> None:
    mix = tuple(int(x) for x in args.mix.split(","))
    if args.child == "sqlite":
        with tempfile.TemporaryDirectory() as tmp:
            r = asyncio.run(_load(f"sqlite:///{Path(tmp) / 'load.db'}", args.seconds, args.users, mix, args.seed))
        _report("sqlite", r, args.users)
        return
    with temporary_schema(args.pg, "bench_load") as url:
        r = asyncio.run(_load(url, args.seconds, args.users, mix, args.seed))
    _report("postgres", r, args.users)


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--seconds", type=float, default=60.0)
    ap.add_argument("--users", type=int, default=100)
    ap.add_argument("--mix", default="20,50,30", help="weights of /incident, /status, /incidents")
    ap.add_argument("--seed", type=int, default=500, help="incidents registered before the clock starts")
    ap.add_argument("--pg", default=os.environ.get("DUTYDESK_TEST_PG"), help="PostgreSQL URL (a schema is made)")
    ap.add_argument("--no-pg", action="store_true")
    ap.add_argument("--child", choices=("sqlite", "postgres"), help=argparse.SUPPRESS)
    args = ap.parse_args()
    if args.child:
        _child(args)
        return
    if args.pg is None and local_pg_reachable():
        args.pg = LOCAL_PG
    print(f"mix /incident:/status:/incidents = {args.mix.replace(',', ':')}, {args.seed} incidents seeded")
    common = [sys.executable, __file__, "--seconds", str(args.seconds), "--users", str(args.users),
              "--mix", args.mix, "--seed", str(args.seed)]
    subprocess.run([*common, "--child", "sqlite"], check=True)
    if args.pg and not args.no_pg:
        subprocess.run([*common, "--child", "postgres", "--pg", args.pg], check=True)
    else:
        print("postgres  skipped (not reachable; give --pg URL)")


if __name__ == "__main__":
    main()
