"""What people wait for, measured from outside a real `dutydesk run` (issue 21), all in one run:

1. report → page delivered: urgent `/incident` reports at each ``--rate`` for ``--seconds``, from the
   moment the report is sent to the moment the fake platform took the page to the on-call engineer
   (petar) — in Slack (Socket Mode envelopes, the page a chat.postMessage in his DM) and in Telegram
   (long polling updates from the reporters' private chats, the page a sendMessage to his chat);
2. deadline instant → message delivered: ``--deadlines`` urgent incidents filed, then the desk's file
   clock (DUTYDESK_CLOCK_FILE) written to their 50% reaction instant, 80%, the breach and the
   escalation's next step; each measured from the write to the fake Slack's post of that message;

on SQLite (one process: one writer per file) and, with ``--pg URL``, on PostgreSQL with one and with two
replicas (the second one delivers too: LISTEN/NOTIFY and SKIP LOCKED). The fakes are on 127.0.0.1; the
config is examples/noi.toml with ``--reporters`` more reporters of customer noi and the command rate
limits off (what is measured is delivery, not the limits); the desk's clock is pinned to a Monday 10:00
in Sofia, so petar is on call whatever today is. Prints p50/p99/max per line; every report must be
registered and paged, every deadline message delivered.

Telegram's own limits bound what it can carry: one chat takes about a message a second and a group 20 a
minute (the fake refuses past them as Telegram does, tests/fakes/telegram_limits.py), so its pages to one
engineer are measured at ``--telegram-rate`` (default one report every 2 seconds), not at 50: at one a
second the engineer's chat is full (a page a second, and the daily summary besides), and every page
queues for its turn. The group's cards, past its 20 a minute, wait for their retries: during the
Telegram run the desk's clock file moves on with real time, so the outbox's backoff comes due.

Every Slack rate line also gives the desk's CPU per report (/proc/<pid>/stat), and each line the load average.

3. the monthly protocol of 50,000 incidents in the month (1,000,000 in history) in every format, data +
   render in a fresh process with its max RSS: bench/report.py, run last (part ``protocol``), on the same
   databases (it seeds them once and keeps them: the first run takes a few minutes more).

Run: .venv/bin/python bench/latency.py [--rate 1 --rate 50] [--seconds 30] [--pg URL]
     [--parts slack,deadlines,telegram,protocol] [--only-db sqlite|postgresql]
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import os
import re
import signal
import statistics
import subprocess
import sys
import tempfile
import time
import urllib.parse
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bot.file_clock import write_clock_file
from tests.fakes.slack_api import FakeSlack, slash_body
from tests.fakes.telegram_api import TOKEN as TELEGRAM_TOKEN
from tests.fakes.telegram_api import FakeTelegram
from tests.pgschema import temporary_schema

ROOT = Path(__file__).resolve().parent.parent
EXAMPLE = ROOT / "examples" / "noi.toml"
MONDAY_10_SOFIA = datetime(2026, 11, 23, 8, 0, tzinfo=UTC)
PAGE_DM = "D0PETAR"  # petar is on call then (examples/noi.toml)
PETAR_TELEGRAM = 1004
TELEGRAM_GROUP = "-1001000000001"  # customer noi's group (examples/noi.toml): its cards
NUMBER = re.compile(r"NOI-\d{4}-\d{5}")
REPORTER_TG = 2000  # the bench reporters' Telegram user ids: 2000 + n
# examples/noi.toml, urgent: the escalation's second step 5 minutes after the report, the 30-minute
# reaction's warnings at 50% and 80% and its breach. (title, minutes after the report, outbox key pattern)
DEADLINE_STEPS = (
    ("escalation step 2: the page", 5, r"page:(\d+):r0:s1:"),
    ("50% reaction warning to the customer", 15, r"sla:(\d+):reaction:r\d+:warn50:customer:noi"),
    ("80% reaction warning to the customer", 24, r"sla:(\d+):reaction:r\d+:warn80:customer:noi"),
    ("reaction breach to the customer", 30, r"sla:(\d+):reaction:r\d+:breach:customer:noi"),
)


def bench_config(folder: Path, reporters: int) -> Path:
    """The example config with ``reporters`` more reporters of customer noi (Slack users U0BENCH<n>,
    Telegram users 2000+n), and the command rate limits off."""
    extra = "\n[desk.rate_limits]\nenabled = false\n" + "".join(
        f'\n[people.bench{n}]\nname = "Reporter {n}"\nidentities = ["slack:U0BENCH{n}", "telegram:{REPORTER_TG + n}"]\n'
        f'roles = {{ noi = ["reporter"] }}\n' for n in range(reporters))
    path = folder / "latency.toml"
    path.write_text(EXAMPLE.read_text(encoding="utf-8") + extra, encoding="utf-8")
    return path


@dataclass
class Desk:
    procs: list[asyncio.subprocess.Process]
    clock: Path

    def cpu(self) -> float:
        """CPU seconds the desk's processes have used so far (user + system, /proc/<pid>/stat): a figure
        that moves less with the machine's load than the latencies do."""
        tick = os.sysconf("SC_CLK_TCK")
        total = 0.0
        for proc in self.procs:
            with contextlib.suppress(OSError):
                fields = Path(f"/proc/{proc.pid}/stat").read_text().rsplit(")", 1)[1].split()
                total += (int(fields[11]) + int(fields[12])) / tick
        return total

    async def stop(self) -> None:
        for proc in self.procs:
            if proc.returncode is None:
                proc.send_signal(signal.SIGTERM)
        for proc in self.procs:
            try:
                await asyncio.wait_for(proc.wait(), 60)
            except TimeoutError:
                proc.kill()
                await proc.wait()


async def start_desk(url: str, folder: Path, config: Path, env: dict[str, str], replicas: int) -> Desk:
    clock = folder / "clock"
    write_clock_file(clock, MONDAY_10_SOFIA)
    procs = []
    for n in range(replicas):
        proc = await asyncio.create_subprocess_exec(
            sys.executable, "-m", "bot", "--database", url, "run", "--no-health", "--no-backups", "--config",
            str(config), env={**os.environ, "DUTYDESK_CLOCK_FILE": str(clock), **env}, cwd=ROOT,
            stderr=asyncio.subprocess.PIPE)
        procs.append(proc)
        assert proc.stderr is not None
        seen: list[str] = []
        while not any("dutydesk running on" in x for x in seen):
            seen.append((await asyncio.wait_for(proc.stderr.readline(), 90)).decode())
            if not seen[-1]:
                raise SystemExit(f"dutydesk run #{n + 1} ended before it was running:\n" + "".join(seen))

        async def drain(p: asyncio.subprocess.Process = proc) -> None:  # a full pipe would stop it
            assert p.stderr is not None
            while await p.stderr.readline():
                pass

        asyncio.get_running_loop().create_task(drain())
    return Desk(procs, clock)


async def fire(rate: float, seconds: float, send: Callable[[int], object]) -> dict[int, float]:
    """Call ``send(i)`` ``rate`` times a second for ``seconds``; returns i → when it was sent."""
    count, sent = max(1, int(rate * seconds)), {}
    start = time.monotonic()
    tasks = []
    for i in range(count):
        delay = start + i / rate - time.monotonic()
        if delay > 0:
            await asyncio.sleep(delay)
        sent[i] = time.time()
        result = send(i)
        if asyncio.iscoroutine(result):
            tasks.append(asyncio.get_running_loop().create_task(result))
    await asyncio.gather(*tasks)
    return sent


async def slack_rate(fake: FakeSlack, rate: float, seconds: float, reporters: int, first: int) -> list[float]:
    """Reports by Slack slash command; latency to the page in petar's DM."""

    async def send(i: int) -> None:
        name = f"r{first + i}"
        body = slash_body("/incident", f"urgent cucm Calls fail on floor {first + i}", user=f"U0BENCH{i % reporters}",
                          channel="C0NOIDESK", trigger_id=name, response_url=fake.response_url(name))
        await fake.send_envelope({"envelope_id": f"e{first + i}", "type": "slash_commands",
                                  "payload": dict(urllib.parse.parse_qsl(body))}, timeout=30)

    sent = await fire(rate, seconds, send)
    names = {f"r{first + i}": at for i, at in sent.items()}

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

    def all_paged(_: FakeSlack) -> bool:
        got, paged = numbers(), pages()
        return all(n in got and got[n] in paged for n in names)

    with contextlib.suppress(TimeoutError):  # what was not paged by then is counted as missing
        await fake.wait_for(all_paged, timeout=180 + seconds)
    got, paged = numbers(), pages()
    return [paged[got[name]] - at for name, at in names.items() if name in got and got[name] in paged]


async def telegram_rate(fake: FakeTelegram, rate: float, seconds: float, reporters: int, first: int
                        ) -> tuple[list[float], list[float]]:
    """Reports by Telegram, each reporter in their private chat with the bot; latency to the page in
    petar's chat, and to the card in the customer's group. Both carry the report's description (the
    page its excerpt), which is how they are matched: the reply to the reporter does not quote it."""
    texts: dict[str, float] = {}

    def send(i: int) -> None:
        user = REPORTER_TG + i % reporters
        text = f"floor {first + i} tg"
        texts[text] = time.time()
        fake.message(user, user, f"/incident urgent cucm Calls fail on {text}")

    await fire(rate, seconds, send)

    def posted(chat: str) -> dict[str, float]:  # report text → when the fake took the first message with it
        out: dict[str, float] = {}
        for call in fake.calls:
            if call.method == "sendMessage" and call.status == 200 and str(call.args.get("chat_id")) == chat:
                body = str(call.args.get("text", ""))
                for text in texts:
                    if f"{text}" in body and text not in out:
                        out[text] = call.at
        return out

    with contextlib.suppress(TimeoutError):  # what was not paged by then is counted as missing
        await fake.wait_for(lambda _f: len(posted(str(PETAR_TELEGRAM))) >= len(texts), timeout=180 + seconds)
    pages = posted(str(PETAR_TELEGRAM))
    with contextlib.suppress(TimeoutError):  # the group's cards: 20 a minute is all Telegram takes
        await fake.wait_for(lambda _f: len(posted(TELEGRAM_GROUP)) >= len(texts), timeout=180 + seconds)
    cards = posted(TELEGRAM_GROUP)
    return ([pages[text] - at for text, at in texts.items() if text in pages],
            [cards[text] - at for text, at in texts.items() if text in cards])


async def deadlines(fake: FakeSlack, desk: Desk, count: int, reporters: int) -> list[tuple[str, list[float]]]:
    """File ``count`` urgent incidents at once, wait for their first pages, then write the file clock to
    each step's instant in turn; latency from the write to the fake's post of each incident's message of
    that step (found by the outbox key the message carries in its metadata)."""
    before = len(fake.calls)

    async def send(i: int) -> None:
        name = f"d{i}"
        body = slash_body("/incident", f"urgent cucm Deadline {i}", user=f"U0BENCH{i % reporters}",
                          channel="C0NOIDESK", trigger_id=name, response_url=fake.response_url(name))
        await fake.send_envelope({"envelope_id": name, "type": "slash_commands",
                                  "payload": dict(urllib.parse.parse_qsl(body))}, timeout=30)

    await asyncio.gather(*(send(i) for i in range(count)))

    def keyed(pattern: str) -> dict[str, float]:  # incident id → when its first message of this step was posted
        out: dict[str, float] = {}
        for call in fake.calls[before:]:
            meta = call.args.get("metadata") if call.method == "chat.postMessage" else None
            key = str(meta) if meta else ""
            found = re.search(pattern, key)
            if found and found.group(1) not in out:
                out[found.group(1)] = float(call.result["ts"])
        return out

    await fake.wait_for(lambda f: sum(1 for c in f.calls[before:] if c.method == "chat.postMessage"
                                      and c.result.get("channel") == PAGE_DM) >= count, timeout=180)
    results = []
    for title, minutes, pattern in DEADLINE_STEPS:
        written = time.time()
        write_clock_file(desk.clock, MONDAY_10_SOFIA + timedelta(minutes=minutes, seconds=1))
        await fake.wait_for(lambda _f, p=pattern: len(keyed(p)) >= count, timeout=180)
        results.append((title, [at - written for at in keyed(pattern).values()]))
    return results


def load() -> str:
    """The machine's load average: the latencies move with it (other work on the same cores)."""
    return "load " + " ".join(f"{x:.1f}" for x in os.getloadavg())


def missing(latencies: list[float], count: int, what: str = "paged") -> str:
    if len(latencies) >= count:
        return ""
    global FAILED
    FAILED = True
    return f" — {count - len(latencies)} of {count} NOT {what} within 180 s after the last report"


FAILED = False


def figures(latencies: list[float]) -> str:
    if not latencies:
        return "none paged"
    ms = sorted(x * 1000 for x in latencies)
    p99 = ms[max(0, -(-len(ms) * 99 // 100) - 1)]
    return f"p50 {statistics.median(ms):,.0f} ms · p99 {p99:,.0f} ms · max {ms[-1]:,.0f} ms"


@contextlib.contextmanager
def databases(pg: str | None, folder: Path) -> Iterator[list[tuple[str, str, int]]]:
    """(label, url, replicas) to run: SQLite alone, and PostgreSQL with one and with two replicas."""
    runs = [("sqlite", f"sqlite:///{folder / 'latency-{n}.db'}", 1)]
    if not pg:
        yield runs
        return
    with temporary_schema(pg) as url:
        yield [*runs, ("postgresql", url, 1), ("postgresql", url, 2)]


def fresh(url: str, n: int) -> str:
    return url.replace("{n}", str(n))


SLACK_ENV = {"SLACK_BOT_TOKEN": "xoxb-bench", "SLACK_APP_TOKEN": "xapp-bench"}


async def slack_runs(args: argparse.Namespace, url: str, folder: Path, config: Path, where: str, replicas: int) -> None:
    """Report → page in Slack at every ``--rate``, one desk for all of them."""
    slack = await FakeSlack().start()
    desk = await start_desk(url, folder, config, {**SLACK_ENV, "SLACK_API_URL": slack.base_url}, replicas)
    try:
        first = 0
        for rate in args.rate:
            cpu = desk.cpu()
            lat = await slack_rate(slack, rate, args.seconds, args.reporters, first)
            count = max(1, int(rate * args.seconds))
            first += count
            print(f"{where}, Slack, {rate:g} report(s)/s × {args.seconds:g} s ({count} reports): "
                  f"report → page in the on-call DM: {figures(lat)}{missing(lat, count)}; "
                  f"desk CPU {(desk.cpu() - cpu) * 1000 / count:.1f} ms a report; {load()}", flush=True)
    finally:
        await desk.stop()
        await slack.close()


async def deadline_runs(args: argparse.Namespace, url: str, folder: Path, config: Path, where: str,
                        replicas: int) -> None:
    """Deadline instant → message in Slack, on a desk of its own."""
    slack = await FakeSlack().start()
    desk = await start_desk(url, folder, config, {**SLACK_ENV, "SLACK_API_URL": slack.base_url}, replicas)
    try:
        for title, lat in await deadlines(slack, desk, args.deadlines, args.reporters):
            print(f"{where}, Slack, {args.deadlines} incidents: deadline instant → {title}: {figures(lat)}; {load()}",
                  flush=True)
    finally:
        await desk.stop()
        await slack.close()


async def telegram_runs(args: argparse.Namespace, url: str, folder: Path, config: Path, where: str) -> None:
    """Report → page in Telegram at ``--telegram-rate`` (one replica: one poller per bot)."""
    tg = await FakeTelegram().start()
    desk = await start_desk(url, folder, config, {"TELEGRAM_BOT_TOKEN": TELEGRAM_TOKEN,
                                                  "TELEGRAM_API_BASE_URL": tg.base_url}, 1)
    started = time.monotonic()

    async def tick() -> None:  # the desk's time moves on, so a retry's backoff comes due
        while True:
            await asyncio.sleep(0.5)
            write_clock_file(desk.clock, MONDAY_10_SOFIA + timedelta(seconds=time.monotonic() - started))

    ticking = asyncio.get_running_loop().create_task(tick())
    try:
        lat, cards = await telegram_rate(tg, args.telegram_rate, args.seconds, args.reporters, 0)
        count = max(1, int(args.telegram_rate * args.seconds))
        print(f"{where}, Telegram, {args.telegram_rate:g} report(s)/s × {args.seconds:g} s ({count} reports): "
              f"report → page in the on-call chat: {figures(lat)}{missing(lat, count)}; {load()}", flush=True)
        print(f"{where}, Telegram, the same reports: report → card in the customer's group (20 a minute): "
              f"{figures(cards)}{missing(cards, count, 'posted')}", flush=True)
    finally:
        ticking.cancel()
        await desk.stop()
        await tg.close()


async def run(args: argparse.Namespace, folder: Path) -> int:
    config = bench_config(folder, args.reporters)
    with databases(args.pg, folder) as runs:
        for n, (label, url, replicas) in enumerate(runs):
            if args.only_db and label != args.only_db:
                continue
            where = f"{label}, {replicas} replica{'s' if replicas > 1 else ''}"
            parts = [("slack", slack_runs), ("deadlines", deadline_runs)]
            for k, (part, measure) in enumerate(parts):
                if part in args.parts:
                    if label == "postgresql":  # each desk on an empty register: a fresh schema's tables
                        await asyncio.to_thread(_empty_pg, url)
                    await measure(args, fresh(url, 3 * n + k), folder, config, where, replicas)
            if "telegram" not in args.parts:
                continue
            if replicas > 1:  # one bot token has one getUpdates poller at a time (409 Conflict otherwise)
                print(f"{where}, Telegram: not measured — Telegram hands a bot's updates to one poller; replicas "
                      "take them by webhook", flush=True)
                continue
            if label == "postgresql":
                await asyncio.to_thread(_empty_pg, url)
            await telegram_runs(args, fresh(url, 3 * n + 2), folder, config, where)
    protocol = await asyncio.to_thread(protocol_run, args) if "protocol" in args.parts else 0
    return 1 if FAILED or protocol else 0


def protocol_run(args: argparse.Namespace) -> int:
    """bench/report.py on the databases this run measures, its lines printed as they come."""
    cmd = [sys.executable, str(Path(__file__).resolve().parent / "report.py"), "--no-tracemalloc"]
    if args.pg and args.only_db != "sqlite":
        cmd += ["--pg", args.pg] + (["--only", "postgresql"] if args.only_db == "postgresql" else [])
    else:  # SQLite alone, as the latency runs without --pg (not a PostgreSQL URL from the environment)
        cmd += ["--pg", "", "--only", "sqlite"]
    print("the monthly protocol (bench/report.py):", flush=True)
    return subprocess.run(cmd, check=False).returncode


def _empty_pg(url: str) -> None:
    """Drop the bench schema's tables, so the next desk starts on an empty register (it migrates)."""
    from sqlalchemy import create_engine, text

    from storage.db import normalise_url

    engine = create_engine(normalise_url(url))
    with engine.begin() as conn:
        schema = conn.execute(text("SELECT current_schema()")).scalar_one()
        conn.execute(text(f'DROP SCHEMA "{schema}" CASCADE'))
        conn.execute(text(f'CREATE SCHEMA "{schema}"'))
    engine.dispose()


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rate", type=float, action="append", help="Slack reports a second (repeatable; default 1 and 50)")
    parser.add_argument("--telegram-rate", type=float, default=0.5, help="Telegram reports a second (default 0.5)")
    parser.add_argument("--seconds", type=float, default=30.0)
    parser.add_argument("--reporters", type=int, default=5)
    parser.add_argument("--deadlines", type=int, default=50, help="incidents whose deadlines are measured")
    parser.add_argument("--pg", help="a PostgreSQL URL: also PostgreSQL with one and with two replicas")
    parser.add_argument("--parts", default="slack,deadlines,telegram,protocol",
                        help="what to measure, comma-separated (default slack,deadlines,telegram,protocol)")
    parser.add_argument("--only-db", choices=("sqlite", "postgresql"), help="only this database's runs")
    args = parser.parse_args()
    args.rate = args.rate or [1.0, 50.0]
    args.parts = set(args.parts.split(","))
    with tempfile.TemporaryDirectory() as tmp:
        return asyncio.run(run(args, Path(tmp)))


if __name__ == "__main__":
    sys.exit(main())
