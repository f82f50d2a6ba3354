"""/health over 50 components where 10 hang until their timeout: the wall time must follow the timeout,
not the sum of the timeouts.

Run: .venv/bin/python bench/health.py [--components 50] [--hanging 10] [--timeout 2]

Starts, on 127.0.0.1, one TCP listener (the 40 healthy components: a TCP check each) and one HTTP server
whose every answer hangs (the 10 others: an HTTP check each with ``timeout``). Builds a desk for customer
noi of examples/noi.toml with those 50 components and checks, the real probes (bot/health_jobs.py), and
asks ``/health`` as an engineer through the desk. Prints the wall time, the sum of the probes' own
latencies, and their ratio.
"""

from __future__ import annotations

import argparse
import asyncio
import sys
import tempfile
import time
import tomllib
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bot.app import build_app
from bot.health_jobs import default_runtime, wire_health
from commands.desk.reply import Request
from commands.domain.config import Config
from commands.health.health import probe_now

ROOT = Path(__file__).resolve().parent.parent


async def _hang(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
    try:
        await asyncio.sleep(3600)  # reads nothing, answers nothing
    except asyncio.CancelledError:
        writer.close()


async def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--components", type=int, default=50)
    ap.add_argument("--hanging", type=int, default=10)
    ap.add_argument("--timeout", type=float, default=2.0)
    args = ap.parse_args()

    healthy = await asyncio.start_server(lambda r, w: w.close(), "127.0.0.1", 0)
    hanging = await asyncio.start_server(_hang, "127.0.0.1", 0)
    ok_port, hang_port = (s.sockets[0].getsockname()[1] for s in (healthy, hanging))

    raw = tomllib.loads((ROOT / "examples" / "noi.toml").read_text(encoding="utf-8"))
    cust = raw["customers"]["noi"]
    cust["components"] = {f"c{n:02d}": {"name": f"Component {n}"} for n in range(args.components)}
    cust["checks"] = {}
    cust["backups"] = {}  # the bench's components replace the example's
    for n in range(args.components):
        if n < args.hanging:
            check = {"type": "http", "url": f"http://127.0.0.1:{hang_port}/", "timeout": f"{args.timeout:g}s"}
        else:
            check = {"type": "tcp", "host": "127.0.0.1", "port": ok_port, "timeout": f"{args.timeout:g}s"}
        cust["checks"][f"k{n:02d}"] = {"component": f"c{n:02d}", **check}
    config = Config.model_validate(raw)

    with tempfile.TemporaryDirectory() as tmp:
        app = build_app(config, f"sqlite:///{tmp}/bench.db")
        runtime = wire_health(app.services, default_runtime(app.services, total_timeout=args.timeout * 5))
        checks = list(config.customers["noi"].checks)
        await probe_now(runtime, "noi", checks[-1:])  # warm-up: imports, first connection
        started = time.perf_counter()
        reply = await app.desk.handle(Request(text="/health", transport="console", user_id="georgi",
                                              channel_id="console"))
        wall = time.perf_counter() - started
        results = await probe_now(runtime, "noi", checks)
        app.close()
    total = sum(r.latency_ms or 0 for r in results.values()) / 1000
    down = sum(1 for r in results.values() if r.status == "down")
    healthy.close()
    hanging.close()
    print(f"/health over {args.components} components, {args.hanging} hanging until their {args.timeout:g}s timeout")
    print(f"  reply: {reply.text}")
    print(f"  wall time:                 {wall:.2f} s")
    print(f"  sum of probe latencies:    {total:.2f} s  ({down} down)")
    print(f"  wall / one timeout:        {wall / args.timeout:.2f}")
    print(f"  wall / sum:                {wall / total:.2f}" if total else "")
    if wall > args.timeout * 1.5:
        sys.exit("FAIL: /health was not bounded by the timeout")


if __name__ == "__main__":
    asyncio.run(main())
