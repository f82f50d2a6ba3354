"""The web pages under load: the register of a customer with 100,000 incidents and the board with 1,000
open, read by 50 signed-in people at once, through a real ``dutydesk run``.

Run: .venv/bin/python bench/web.py [--incidents 100000] [--open 1000] [--users 50] [--seconds 20]
                                   [--pg URL | --no-pg]

For each database (SQLite in a temporary directory; PostgreSQL — ``--pg``, default $DUTYDESK_TEST_PG —
in a fresh schema dropped afterwards) it seeds customer noi of examples/noi.toml with ``--incidents``
incidents (``--open`` of them open, with their three clocks running, the rest confirmed, first
notifications over three years) and ``--users`` people (four in five reporters, the rest engineers),
each with a session made the way a sign-in link makes it. Then ``dutydesk run`` serves the pages
(DUTYDESK_HTTP_PORT, DUTYDESK_PUBLIC_URL; command rate limits off, the load is the point) with its clock
pinned to a Monday 10:00 in Sofia, and every user, in a closed loop for ``--seconds``: a reporter reads
the register (open; all, page 1; all, a page far down; a text search; a month) and reads it for an
exponentially distributed ``--think`` time (mean 5 s; 0 = closed loop, everyone at once), an engineer
the board's rows every 10 s (what its page polls). Prints p50/p99/max per page kind; every answer must
be 200.
"""

from __future__ import annotations

import argparse
import asyncio
import os
import random
import socket
import statistics
import sys
import tempfile
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

import httpx
from sqlalchemy import insert

from bot.file_clock import write_clock_file
from storage.db import Database
from storage.models import Incident, SlaClock
from storage.web_auth import WebAuth, new_secret
from tests.pgschema import LOCAL_PG, local_pg_reachable, temporary_schema

ROOT = Path(__file__).resolve().parent.parent
EXAMPLE = ROOT / "examples" / "noi.toml"
MONDAY_10_SOFIA = datetime(2026, 11, 23, 8, 0, tzinfo=UTC)
CHUNK = 5_000
BOARD_POLL = 10  # seconds between the board page's refreshes (WebApp poll_seconds)


def bench_config(folder: Path, users: int) -> tuple[Path, list[str], list[str]]:
    """examples/noi.toml with ``users`` more people of customer noi and the command rate limits off."""
    engineers = max(1, users // 5)
    reporters, staff, extra = [], [], "\n[desk.rate_limits]\nenabled = false\n"
    for n in range(users):
        role = "engineer" if n < engineers else "reporter"
        (staff if role == "engineer" else reporters).append(f"web{n}")
        extra += f'\n[people.web{n}]\nname = "Web user {n}"\nidentities = ["console:web{n}"]\nroles = {{ noi = ["{role}"] }}\n'
    path = folder / "web.toml"
    path.write_text(EXAMPLE.read_text(encoding="utf-8") + extra, encoding="utf-8")
    return path, reporters, staff


def seed(url: str, incidents: int, open_count: int) -> None:
    """Incidents of customer noi and their clocks, inserted in bulk (what years of reports would leave)."""
    db = Database(url)
    db.upgrade()
    rng = random.Random(19)
    components = ["cucm", "uccx", "callrec", "crm", "gw1", "gw2", "integration", "phones"]
    categories = ["urgent", "pressing", "other"]
    start = MONDAY_10_SOFIA - timedelta(days=3 * 365)
    span = (MONDAY_10_SOFIA - start).total_seconds()
    with db.engine.begin() as conn:
        seq: dict[int, int] = {}
        for first in range(0, incidents, CHUNK):
            rows, clocks = [], []
            for i in range(first, min(incidents, first + CHUNK)):
                is_open = i >= incidents - open_count
                reported = (MONDAY_10_SOFIA - timedelta(hours=rng.uniform(0, 20)) if is_open
                            else start + timedelta(seconds=span * i / incidents))
                year = reported.year
                seq[year] = seq.get(year, 0) + 1
                rows.append({"id": i + 1, "control_number": f"NOI-{year}-{seq[year]:05d}", "customer_id": "noi",
                             "year": year, "seq": seq[year], "category": rng.choice(categories),
                             "component": rng.choice(components),
                             "description": f"Calls drop on queue {i % 97} after the {i % 13}th transfer",
                             "reporter": "ivana", "source": "web:ivana",
                             "state": rng.choice(["registered", "acknowledged", "in_progress"]) if is_open else "confirmed",
                             "reported_at": reported, "registered_at": reported,
                             "confirmed_at": None if is_open else reported + timedelta(hours=5)})
                for name, hours in (("reaction", 1), ("arrival", 6), ("resolution", 24)):
                    deadline = reported + timedelta(hours=hours)
                    stopped = None if is_open else reported + timedelta(hours=hours * 0.7)
                    clocks.append({"incident_id": i + 1, "name": name, "target": f"{hours}h", "started_at": reported,
                                   "deadline": deadline, "stopped_at": stopped, "met": None if is_open else True,
                                   "final_at": stopped, "rev": 0, "warned": "", "breach_sent": False})
            conn.execute(insert(Incident.__table__), rows)  # type: ignore[attr-defined]
            conn.execute(insert(SlaClock.__table__), clocks)  # type: ignore[attr-defined]
        if conn.dialect.name == "postgresql":
            for table in ("incident", "sla_clock"):
                conn.exec_driver_sql(f"SELECT setval(pg_get_serial_sequence('{table}', 'id'), (SELECT max(id) FROM {table}))")
            conn.exec_driver_sql("ANALYZE")
    db.close()


def sessions(url: str, people: list[str]) -> dict[str, str]:
    """A session per person, made as a sign-in link makes it: {person: the cookie's secret}."""
    db = Database(url)
    out: dict[str, str] = {}

    def unit(session) -> None:  # type: ignore[no-untyped-def]
        for pid in people:
            link, secret = new_secret(), new_secret()
            WebAuth(session).issue_link(link, pid, "chat", MONDAY_10_SOFIA)
            assert WebAuth(session).use_link(link, secret, new_secret(), MONDAY_10_SOFIA) == pid
            out[pid] = secret

    db.write_sync(unit)
    db.close()
    return out


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


async def _serve(url: str, config: Path, folder: Path) -> tuple[asyncio.subprocess.Process, str]:
    clock = folder / "clock"
    write_clock_file(clock, MONDAY_10_SOFIA)
    port = _free_port()
    base = f"http://127.0.0.1:{port}"
    env = {**os.environ, "DUTYDESK_CLOCK_FILE": str(clock), "DUTYDESK_HTTP_PORT": str(port),
           "DUTYDESK_PUBLIC_URL": base, "DUTYDESK_LOG_FORMAT": "text"}
    proc = await asyncio.create_subprocess_exec(
        sys.executable, "-m", "bot", "--database", url, "run", "--no-health", "--no-backups", "--config",
        str(config), env=env, cwd=ROOT, stderr=asyncio.subprocess.PIPE)
    assert proc.stderr is not None
    seen = ""
    while "dutydesk running on" not in seen:
        line = (await asyncio.wait_for(proc.stderr.readline(), 120)).decode()
        if not line:
            raise RuntimeError(f"dutydesk run ended:\n{seen}")
        seen += line
    return proc, base


def _register_paths(pages: int) -> list[str]:
    return ["/incidents", "/incidents?scope=all", f"/incidents?scope=all&page={max(1, pages // 2)}",
            "/incidents?scope=all&text=queue+42", "/incidents?scope=all&month=2025-06&category=urgent"]


async def _user(base: str, secret: str, paths: list[str], until: float, out: dict[str, list[float]],
                think: float, rng: random.Random, measure_from: float) -> None:
    async with httpx.AsyncClient(base_url=base, cookies={"dd_session": secret}, timeout=60) as client:
        i = rng.randrange(len(paths))  # each starts on a page of its own
        await asyncio.sleep(rng.uniform(0, think))  # people do not all click in the same instant
        while time.perf_counter() < until:
            path = paths[i % len(paths)]
            i += 1
            t0 = time.perf_counter()
            resp = await client.get(path)
            elapsed = time.perf_counter() - t0
            if resp.status_code != 200:
                raise RuntimeError(f"{path}: {resp.status_code} {resp.text[:300]}")
            kind = "board" if path.startswith("/board") else "register"
            if t0 >= measure_from:  # the first seconds warm the caches and are not counted
                out[kind].append(elapsed)
                out.setdefault(path, []).append(elapsed)
            if think:  # reading the page; the board's page polls every BOARD_POLL seconds
                await asyncio.sleep(BOARD_POLL if kind == "board" else rng.expovariate(1 / think))


async def run(url: str, args: argparse.Namespace, name: str) -> None:
    with tempfile.TemporaryDirectory() as tmp:
        folder = Path(tmp)
        config, reporters, staff = bench_config(folder, args.users)
        t0 = time.perf_counter()
        seed(url, args.incidents, args.open)
        seeded = time.perf_counter() - t0
        secrets = sessions(url, reporters + staff)
        proc, base = await _serve(url, config, folder)
        try:
            pages = -(-args.incidents // 50)
            out: dict[str, list[float]] = {"register": [], "board": []}
            async with httpx.AsyncClient(base_url=base, cookies={"dd_session": secrets[staff[0]]}, timeout=120) as c:
                for path in ["/board/rows", *_register_paths(pages)]:  # warm: first reads fill the caches
                    assert (await c.get(path)).status_code == 200
            measure_from = time.perf_counter() + args.warmup
            until = measure_from + args.seconds
            rng = random.Random(50)
            await asyncio.gather(*(
                _user(base, secrets[p], ["/board/rows"] if p in staff else _register_paths(pages), until, out,
                      args.think, rng, measure_from)
                for p in reporters + staff))
        finally:
            proc.terminate()
            await proc.wait()
    print(f"{name:<9} seeded {args.incidents:,} incidents ({args.open:,} open) in {seeded:.0f} s; "
          f"{args.users} users for {args.seconds:.0f} s after {args.warmup:.0f} s of warm-up, " +
          (f"think time {args.think:g} s (board: its {BOARD_POLL} s poll)" if args.think else "no think time (closed loop)"))
    for kind, times in out.items():
        if not times:
            continue
        if kind.startswith("/"):
            kind = "  " + kind.split("?")[-1][:40] if "?" in kind else "  " + kind
        ms = sorted(x * 1000 for x in times)
        p99 = ms[min(len(ms) - 1, round(0.99 * (len(ms) - 1)))]
        print(f"  {kind:<22} {len(ms):>6} requests  {len(ms) / args.seconds:7.1f}/s  p50 {statistics.median(ms):7.1f} ms"
              f"  p99 {p99:7.1f} ms  max {ms[-1]:7.1f} ms")


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--incidents", type=int, default=100_000)
    ap.add_argument("--open", type=int, default=1_000)
    ap.add_argument("--users", type=int, default=50)
    ap.add_argument("--seconds", type=float, default=20.0)
    ap.add_argument("--warmup", type=float, default=10.0, help="seconds of load before measuring")
    ap.add_argument("--think", type=float, default=5.0,
                    help="mean seconds a reporter reads a page before the next (0: closed loop)")
    ap.add_argument("--pg", default=os.environ.get("DUTYDESK_TEST_PG"))
    ap.add_argument("--no-pg", action="store_true")
    args = ap.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        asyncio.run(run(f"sqlite:///{Path(tmp) / 'web.db'}", args, "sqlite"))
    if args.no_pg:
        return
    pg = args.pg or (LOCAL_PG if local_pg_reachable() else None)
    if pg is None:
        print("postgres  skipped (not reachable; give --pg URL)")
        return
    with temporary_schema(pg, "bench_web") as url:
        asyncio.run(run(url, args, "postgres"))


if __name__ == "__main__":
    main()
