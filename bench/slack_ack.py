"""Time to ack Slack slash commands in HTTP mode while the database is slow.

Run: .venv/bin/python bench/slack_ack.py [--commands 500] [--concurrency 50] [--delay 1.0] [--pg URL]

Sends signed `/incident` slash commands to the real Bolt endpoint (uvicorn + Starlette, signature
verified), at most `--concurrency` in flight, while every database write is delayed by `--delay` seconds.
Slack wants each answered within 3 s; the desk acks first and works after, so the time to ack must not
depend on the database. Prints p50/p99/max time to ack, then how long until every command was
registered and answered (through its response_url on the fake Slack), and checks the register.
"""

from __future__ import annotations

import argparse
import asyncio
import statistics
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

import aiohttp
from sqlmodel import func, select

from bot.app import build_app
from bot.settings import load_config
from commands.domain.clock import SystemClock
from integrations.chat.slack import SlackTransport
from storage.db import Database
from storage.models import Incident
from tests.fakes.slack_api import FakeSlack, SlackSigner, slash_body
from tests.pgschema import temporary_schema

EXAMPLE = Path(__file__).resolve().parent.parent / "examples" / "noi.toml"
SECRET = "bench-signing-secret"


def slow_down(db: Database, delay: float) -> None:
    """Every write waits `delay` seconds before it reaches the writer (a slow disk or a far database)."""
    write = db.write

    async def slow_write(unit: Callable[[Any], Any], **options: Any) -> Any:
        await asyncio.sleep(delay)
        return await write(unit, **options)

    db.write = slow_write  # type: ignore[method-assign]


async def run(url: str, commands: int, concurrency: int, delay: float) -> int:
    fake = await FakeSlack().start()
    config = load_config(EXAMPLE).without_rate_limits()  # one reporter, hundreds of commands at once
    app = build_app(config, url, clock=SystemClock())
    slow_down(app.db, delay)
    slack = SlackTransport(app.desk, app.db, config, bot_token="xoxb-bench", signing_secret=SECRET, mode="http",
                           base_url=fake.base_url, http_port=0)
    await slack.start()
    endpoint = f"http://127.0.0.1:{slack.port}/slack/events"
    signer = SlackSigner(SECRET)
    gate = asyncio.Semaphore(concurrency)
    acks: list[float] = []
    statuses: list[int] = []

    async def one(session: aiohttp.ClientSession, i: int) -> None:
        body = slash_body("/incident", f"urgent cucm Calls fail on floor {i}", user="U0IVANA", channel="C0NOIDESK",
                          trigger_id=f"bench-{i}", response_url=fake.response_url(f"r{i}"))
        async with gate:
            started = time.perf_counter()
            async with session.post(endpoint, data=body.encode(), headers=signer.headers(body)) as resp:
                await resp.read()
                acks.append(time.perf_counter() - started)
                statuses.append(resp.status)

    t0 = time.perf_counter()
    connector = aiohttp.TCPConnector(limit=concurrency)
    async with aiohttp.ClientSession(connector=connector) as session:
        await asyncio.gather(*(one(session, i) for i in range(commands)))
    sent_in = time.perf_counter() - t0

    def answered(f: FakeSlack) -> bool:
        return sum(1 for c in f.calls if c.method.startswith("respond:")) >= commands

    await fake.wait_for(answered, timeout=60 + commands * delay)
    done_in = time.perf_counter() - t0
    count = app.db.read_sync(lambda s: s.exec(select(func.count()).select_from(Incident)).one())
    await slack.stop()
    await fake.close()
    app.close()

    ms = sorted(x * 1000 for x in acks)
    p99 = ms[max(0, int(len(ms) * 0.99) - 1)]
    print(f"{commands} signed slash commands, {concurrency} in flight, every database write delayed {delay:.1f} s")
    print(f"time to ack: p50 {statistics.median(ms):.1f} ms · p99 {p99:.1f} ms · max {ms[-1]:.1f} ms"
          f"  (Slack's limit: 3000 ms)")
    print(f"all acked in {sent_in:.2f} s; all registered and answered in {done_in:.2f} s")
    print(f"HTTP 200: {statuses.count(200)}/{commands}; incidents in the register: {count}")
    ok = statuses.count(200) == commands and count == commands and p99 < 1000
    print("OK" if ok else "FAILED")
    return 0 if ok else 1


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--commands", type=int, default=500)
    parser.add_argument("--concurrency", type=int, default=50)
    parser.add_argument("--delay", type=float, default=1.0)
    parser.add_argument("--pg", help="a PostgreSQL URL (default: a temporary SQLite file)")
    args = parser.parse_args()
    if args.pg:
        with temporary_schema(args.pg) as url:
            return asyncio.run(run(url, args.commands, args.concurrency, args.delay))
    with tempfile.TemporaryDirectory() as tmp:
        return asyncio.run(run(f"sqlite:///{Path(tmp) / 'bench.db'}", args.commands, args.concurrency, args.delay))


if __name__ == "__main__":
    sys.exit(main())
