"""What people wait for: report → page in the on-call engineer's Slack DM, through a real `dutydesk run`.

Run: .venv/bin/python bench/latency.py [--rate 1 --rate 50] [--seconds 30] [--reporters 5] [--pg URL]

Starts `dutydesk run` (Slack in Socket Mode) against the fake Slack on 127.0.0.1, with the example
config (examples/noi.toml) plus ``--reporters`` reporters of its customer, and its clock pinned by
DUTYDESK_CLOCK_FILE to a Monday 10:00 in Sofia (the on-call engineer is petar, whatever today is). For each
rate it sends urgent `/incident` reports as Socket Mode envelopes, the reporters in turn, for
``--seconds``, and measures from the moment each envelope is sent to the moment the fake Slack received
the chat.postMessage of that incident's page to petar's DM (the fake stamps each post with the real time
it took it). Prints p50/p99/max per rate; every report must be registered and paged.
"""

from __future__ import annotations

import argparse
import asyncio
import os
import re
import signal
import statistics
import sys
import tempfile
import time
import urllib.parse
from datetime import UTC, datetime
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bot.file_clock import write_clock_file
from tests.fakes.slack_api import FakeSlack, slash_body
from tests.pgschema import temporary_schema

ROOT = Path(__file__).resolve().parent.parent
EXAMPLE = ROOT / "examples" / "noi.toml"
MONDAY_10_SOFIA = datetime(2026, 11, 23, 8, 0, tzinfo=UTC)
PAGE_DM = "D0PETAR"  # petar is on call then (examples/noi.toml)
NUMBER = re.compile(r"NOI-\d{4}-\d{5}")


def bench_config(folder: Path, reporters: int) -> Path:
    """The example config with ``reporters`` more reporters of customer noi (Slack users U0BENCH<n>), and
    the command rate limits off: they all report in the customer's one channel (60 a minute by default),
    and what is measured is delivery, not the limits."""
    extra = "\n[desk.rate_limits]\nenabled = false\n" + "".join(f'\n[people.bench{n}]\nname = "Reporter {n}"\nidentities = ["slack:U0BENCH{n}"]\n'
                    f'roles = {{ noi = ["reporter"] }}\n' for n in range(reporters))
    path = folder / "latency.toml"
    path.write_text(EXAMPLE.read_text(encoding="utf-8") + extra, encoding="utf-8")
    return path


async def start_desk(url: str, folder: Path, fake: FakeSlack, config: Path) -> asyncio.subprocess.Process:
    clock = folder / "clock"
    write_clock_file(clock, MONDAY_10_SOFIA)
    env = {**os.environ, "DUTYDESK_CLOCK_FILE": str(clock), "SLACK_BOT_TOKEN": "xoxb-bench",
           "SLACK_APP_TOKEN": "xapp-bench", "SLACK_API_URL": fake.base_url}
    proc = await asyncio.create_subprocess_exec(
        sys.executable, "-m", "bot", "--database", url, "run", "--no-health", "--no-backups", "--config",
        str(config), env=env, cwd=ROOT, stderr=asyncio.subprocess.PIPE)
    assert proc.stderr is not None
    seen: list[str] = []
    while not any("dutydesk running on" in x for x in seen):
        seen.append((await asyncio.wait_for(proc.stderr.readline(), 60)).decode())
        if not seen[-1]:
            raise SystemExit("dutydesk run ended before it was running:\n" + "".join(seen))

    async def drain() -> None:  # the process logs on; a full pipe would stop it
        assert proc.stderr is not None
        while await proc.stderr.readline():
            pass

    asyncio.get_running_loop().create_task(drain())
    return proc


async def one_rate(fake: FakeSlack, rate: float, seconds: float, reporters: int, first: int) -> tuple[list[float], int]:
    """Send ``rate`` reports a second for ``seconds``; returns the latencies (s) and how many were sent."""
    count = max(1, int(rate * seconds))
    sent: dict[str, float] = {}
    tasks: list[asyncio.Task[None]] = []

    async def send(i: int) -> None:
        name = f"r{first + i}"
        body = slash_body("/incident", f"urgent cucm Calls fail on floor {first + i}", user=f"U0BENCH{i % reporters}",
                          channel="C0NOIDESK", trigger_id=name, response_url=fake.response_url(name))
        sent[name] = time.time()
        await fake.send_envelope({"envelope_id": f"e{first + i}", "type": "slash_commands",
                                  "payload": dict(urllib.parse.parse_qsl(body))}, timeout=30)

    start = time.monotonic()
    for i in range(count):
        delay = start + i / rate - time.monotonic()
        if delay > 0:
            await asyncio.sleep(delay)
        tasks.append(asyncio.get_running_loop().create_task(send(i)))
    await asyncio.gather(*tasks)

    def numbers() -> dict[str, str]:  # envelope → control number, from the replies
        out = {}
        for call in fake.calls:
            if call.method.startswith("respond:r") and "!" not in call.method:
                found = NUMBER.search(str(call.args))
                if found:
                    out[call.method.removeprefix("respond:")] = found.group()
        return out

    def pages() -> dict[str, float]:  # control number → when the fake took its first page to petar
        out: dict[str, float] = {}
        for call in fake.calls:
            if call.method == "chat.postMessage" and call.result.get("channel") == PAGE_DM:
                found = NUMBER.search(str(call.args))
                if found and found.group() not in out:
                    out[found.group()] = float(call.result["ts"])
        return out

    def all_paged(f: FakeSlack) -> bool:
        got, paged = numbers(), pages()
        return all(n in got and got[n] in paged for n in sent)

    await fake.wait_for(all_paged, timeout=120 + seconds)
    got, paged = numbers(), pages()
    return [paged[got[name]] - at for name, at in sent.items()], count


def figures(latencies: list[float]) -> str:
    ms = sorted(x * 1000 for x in latencies)
    p99 = ms[max(0, -(-len(ms) * 99 // 100) - 1)]
    return f"p50 {statistics.median(ms):.0f} ms · p99 {p99:.0f} ms · max {ms[-1]:.0f} ms"


async def run(url: str, rates: list[float], seconds: float, reporters: int, folder: Path) -> int:
    fake = await FakeSlack().start()
    proc = await start_desk(url, folder, fake, bench_config(folder, reporters))
    try:
        first = 0
        dialect = "postgresql" if url.startswith("postgres") else "sqlite"
        for rate in rates:
            latencies, count = await one_rate(fake, rate, seconds, reporters, first)
            first += count
            print(f"{dialect}, {rate:g} urgent report(s)/s for {seconds:g} s ({count} reports, {reporters} reporters): "
                  f"report → page in the on-call DM: {figures(latencies)}", flush=True)
    finally:
        if proc.returncode is None:
            proc.send_signal(signal.SIGTERM)
            try:
                await asyncio.wait_for(proc.wait(), 60)
            except TimeoutError:
                proc.kill()
                await proc.wait()
        await fake.close()
    return 0


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rate", type=float, action="append", help="reports a second (repeatable; default 1 and 50)")
    parser.add_argument("--seconds", type=float, default=30.0)
    parser.add_argument("--reporters", type=int, default=5)
    parser.add_argument("--pg", help="a PostgreSQL URL (default: a temporary SQLite file)")
    args = parser.parse_args()
    rates = args.rate or [1.0, 50.0]
    with tempfile.TemporaryDirectory() as tmp:
        folder = Path(tmp)
        if args.pg:
            with temporary_schema(args.pg) as url:
                return asyncio.run(run(url, rates, args.seconds, args.reporters, folder))
        return asyncio.run(run(f"sqlite:///{folder / 'latency.db'}", rates, args.seconds, args.reporters, folder))


if __name__ == "__main__":
    sys.exit(main())
