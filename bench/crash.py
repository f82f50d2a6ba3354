"""Crash safety: reports fired at the HTTP endpoint while the process is killed with SIGKILL.

Run: .venv/bin/python bench/crash.py [--reports 1000] [--kills 10] [--clients 20] [--pg URL] [--outage SECONDS]

A real ``dutydesk run`` process (SQLite file by default, or a fresh PostgreSQL schema with ``--pg``)
serves ``POST /api/v1/commands`` and delivers to a fake Slack on 127.0.0.1. Clients file ``--reports``
incidents, each with its own Idempotency-Key; the process is ``kill -9``'d at ``--kills`` random points
during the firing (chosen as random counts of answered reports) and started again. A client whose request
failed (connection refused or cut) sends it again with the same key, as any HTTP client with retries does.
When every report has been answered with a control number, the last process runs until the outbox is
empty. Printed: reports acknowledged with a control number, reports in the register (must be equal),
duplicate numbers and gaps (0), and notifications lost and duplicated (0). Every Slack message carries its
outbox key in its metadata, so the fake Slack counts messages per key: none for a key is a lost
notification, more than one a duplicate; and every incident must have its card and its page delivered.

``--outage SECONDS`` adds a database outage: the run uses a PostgreSQL cluster of its own (tests/pgcluster.py,
never a shared server), stops it when a third of the reports are in, kills the process once in the middle
of the outage (on top of the ``--kills``), and starts the server again after SECONDS. Meanwhile reports are
answered ``202 Accepted`` (kept in the desk's journal); their clients ask again with the same key after the
outage, as the receipt says, and must get the control number.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import random
import signal
import socket
import sys
import tempfile
import time
from contextlib import ExitStack, nullcontext
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import httpx
import sqlalchemy as sa

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from tests.fakes.slack_api import FakeSlack  # noqa: E402 - the repository's fake Slack
from tests.pgcluster import Cluster, temporary_cluster  # noqa: E402
from tests.pgschema import temporary_schema  # noqa: E402

TOKEN = "crash-bench-token"
CHANNEL = "C0NOIDESK"  # examples/noi.toml: the customer's Slack channel


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def _config(tmp: Path) -> Path:
    """examples/noi.toml (ivana, the reporter, is also ``api:noi-monitoring``: the endpoint's caller) with the
    command rate limits off: this is one monitoring system filing a thousand reports on purpose."""
    text = (ROOT / "examples" / "noi.toml").read_text(encoding="utf-8")
    assert '"api:noi-monitoring"' in text, "examples/noi.toml: the API identity moved; update bench/crash.py"
    if "[desk.rate_limits]" not in text:
        text += "\n[desk.rate_limits]\nenabled = false\n"
    path = tmp / "noi.toml"
    path.write_text(text, encoding="utf-8")
    return path


class Desk:
    """The ``dutydesk run`` process under test: started, killed, started again."""

    def __init__(self, config: Path, database: str, slack: FakeSlack, port: int) -> None:
        self.config, self.database, self.slack, self.port = config, database, slack, port
        self.log = config.parent / "desk.log"  # every start's stderr, for when one fails
        self.proc: asyncio.subprocess.Process | None = None
        self.starts = 0
        self.database_away = False  # during an outage /readyz says 503: any answer means started

    async def start(self) -> None:
        env = {**os.environ, "SLACK_BOT_TOKEN": "xoxb-crash", "SLACK_APP_TOKEN": "xapp-crash",
               "SLACK_API_URL": self.slack.base_url, "DUTYDESK_HTTP_PORT": str(self.port),
               "DUTYDESK_HTTP_HOST": "127.0.0.1", "DUTYDESK_API_TOKENS": f"noi-monitoring:{TOKEN}",
               "DUTYDESK_JOURNAL_DIR": str(self.config.parent / "journal"), "DUTYDESK_JOURNAL_RETRY": "1"}
        self.proc = await asyncio.create_subprocess_exec(
            sys.executable, "-m", "bot", "--database", self.database, "run", "--no-health", "--no-backups",
            "--config", str(self.config), env=env, cwd=str(ROOT),
            stdout=asyncio.subprocess.DEVNULL, stderr=self.log.open("ab"))
        self.starts += 1
        async with httpx.AsyncClient() as client:
            deadline = time.monotonic() + 60
            while time.monotonic() < deadline:
                if self.proc.returncode is not None:
                    tail = self.log.read_text(encoding="utf-8", errors="replace")[-2000:]
                    raise SystemExit(f"dutydesk run exited with {self.proc.returncode} while starting:\n{tail}")
                try:
                    status = (await client.get(f"http://127.0.0.1:{self.port}/readyz", timeout=1)).status_code
                    if status == 200 or self.database_away:
                        return
                except httpx.TransportError:
                    pass
                await asyncio.sleep(0.05)
        raise SystemExit("dutydesk run did not become ready within 60 s")

    async def kill(self) -> None:
        assert self.proc is not None
        self.proc.send_signal(signal.SIGKILL)
        await self.proc.wait()

    async def stop(self) -> int:
        assert self.proc is not None
        if self.proc.returncode is None:
            self.proc.send_signal(signal.SIGTERM)
            try:
                await asyncio.wait_for(self.proc.wait(), 30)
            except TimeoutError:
                self.proc.kill()
                await self.proc.wait()
        return self.proc.returncode or 0


@dataclass
class Outage:
    """The database stopped at ``at`` reports in, for ``seconds``; the process killed once in the middle."""

    cluster: Cluster
    seconds: float
    at: int
    kept: int = 0  # reports answered 202 Accepted (kept in the journal)
    began: float = 0.0
    lasted: float = 0.0


async def _fire(desk: Desk, reports: int, kills: int, clients: int,
                outage: Outage | None = None) -> tuple[dict[int, str], int]:
    """File every report until it is answered; kill the process when the answered count reaches each of
    ``kills`` random points. Returns the control number each report was answered with, and retries."""
    answered: dict[int, str] = {}
    kept: set[int] = set()  # answered 202 during an outage: asked again at the end, with the same key
    kill_at = sorted(random.sample(range(1, reports), kills))
    todo: asyncio.Queue[int] = asyncio.Queue()
    for i in range(reports):
        todo.put_nowait(i)
    up = asyncio.Event()
    up.set()
    restarting = asyncio.Lock()
    retries = 0
    url = f"http://127.0.0.1:{desk.port}/api/v1/commands"
    headers = {"Authorization": f"Bearer {TOKEN}"}

    async def client(http: httpx.AsyncClient) -> None:
        nonlocal retries
        while True:
            try:
                i = todo.get_nowait()
            except asyncio.QueueEmpty:
                return
            while True:
                await up.wait()
                try:
                    r = await http.post(url, json={"text": f"/incident urgent cucm Crash bench report {i}"},
                                        headers={**headers, "Idempotency-Key": f"crash-{i}"}, timeout=30)
                except httpx.TransportError:  # killed under us: same request, same key, once it is back
                    retries += 1
                    await asyncio.sleep(0.02)
                    continue
                if r.status_code >= 500:
                    retries += 1
                    await asyncio.sleep(0.02)
                    continue
                if r.status_code == 202:  # kept in the journal: the number follows, asked for after the outage
                    kept.add(i)
                    break
                body: dict[str, Any] = r.json()
                if r.status_code != 200 or not body.get("control_number"):
                    raise SystemExit(f"report {i} refused: {r.status_code} {body}")
                answered[i] = str(body["control_number"])
                break
            if outage is not None and not outage.began and len(answered) + len(kept) >= outage.at:
                outage.began = time.monotonic()
                outages.append(asyncio.create_task(_outage(outage)))
            if kill_at and len(answered) + len(kept) >= kill_at[0] and not restarting.locked():
                async with restarting:  # one restart at a time: the clients below keep failing meanwhile
                    kill_at.pop(0)
                    up.clear()
                    await desk.kill()
                    await desk.start()
                    up.set()

    async def _outage(o: Outage) -> None:
        await asyncio.to_thread(o.cluster.stop)
        desk.database_away = True
        await asyncio.sleep(o.seconds / 2)
        async with restarting:  # kill -9 in the middle of the outage; the next process starts without the database
            up.clear()
            await desk.kill()
            await desk.start()
            up.set()
        await asyncio.sleep(max(0.0, o.seconds - (time.monotonic() - o.began)))
        await asyncio.to_thread(o.cluster.start)
        desk.database_away = False
        o.lasted = time.monotonic() - o.began

    outages: list[asyncio.Task[None]] = []
    async with httpx.AsyncClient(limits=httpx.Limits(max_connections=clients)) as http:
        await asyncio.gather(*(client(http) for _ in range(clients)))
        await asyncio.gather(*outages)
        if outage is not None:
            outage.kept = len(kept)
        # the kept reports' clients ask again with their key (what the 202's receipt says) until numbered
        for i in sorted(kept):
            while True:
                await up.wait()
                try:
                    r = await http.post(url, json={"text": f"/incident urgent cucm Crash bench report {i}"},
                                        headers={**headers, "Idempotency-Key": f"crash-{i}"}, timeout=30)
                except httpx.TransportError:
                    await asyncio.sleep(0.1)
                    continue
                if r.status_code == 200 and r.json().get("control_number"):
                    answered[i] = str(r.json()["control_number"])
                    break
                await asyncio.sleep(0.2)  # 202 again: still kept, the replayer has not reached it yet
    return answered, retries


async def _drain(engine: sa.Engine, timeout: float = 300) -> int:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        with engine.connect() as c:
            unsent = int(c.exec_driver_sql("SELECT count(*) FROM outbox WHERE sent_at IS NULL").scalar_one())
        if unsent == 0:
            return 0
        await asyncio.sleep(0.5)
    return unsent


async def run(args: argparse.Namespace) -> int:
    random.seed(args.seed)
    slack = await FakeSlack().start()
    with tempfile.TemporaryDirectory() as tmp_dir, ExitStack() as stack:
        tmp = Path(tmp_dir)
        outage = None
        if args.outage is not None:  # a cluster of its own, to stop and start
            cluster = stack.enter_context(temporary_cluster())
            database = cluster.url
            outage = Outage(cluster, args.outage, args.reports // 3)
        else:
            schema = temporary_schema(args.pg, "bench_crash") if args.pg else nullcontext(f"sqlite:///{tmp / 'crash.db'}")
            database = stack.enter_context(schema)
        desk = Desk(_config(tmp), database, slack, _free_port())
        started = time.perf_counter()
        await desk.start()
        answered, retries = await _fire(desk, args.reports, args.kills, args.clients, outage)
        fired = time.perf_counter() - started
        engine = sa.create_engine(database)
        unsent = await _drain(engine)
        code = await desk.stop()
        with engine.connect() as c:
            register = [str(n) for (n,) in c.exec_driver_sql(
                "SELECT control_number FROM incident WHERE customer_id = 'noi' ORDER BY seq")]
            seqs = [int(s) for (s,) in c.exec_driver_sql("SELECT seq FROM incident WHERE customer_id = 'noi'")]
            kinds = dict(c.exec_driver_sql("SELECT kind, count(*) FROM outbox GROUP BY kind").all())
            rows = [(str(k), str(kind), i) for (k, kind, i) in c.exec_driver_sql(
                "SELECT dedupe_key, kind, incident_id FROM outbox")]
            incidents = int(c.exec_driver_sql("SELECT count(*) FROM incident").scalar_one())
        engine.dispose()
        await slack.close()

    numbers = set(answered.values())
    gaps = (max(seqs) - len(set(seqs))) if seqs else 0
    # Every message carries its outbox key in Slack's metadata (integrations/chat/slack.py): count the
    # messages per (conversation, key) — more than one is a duplicate; a key with none is lost.
    per_key = slack.posts_by_key()
    delivered = {json.loads(payload)["key"] for (_, payload) in per_key}
    duplicated = sum(n - 1 for n in per_key.values() if n > 1)
    lost = sum(1 for (key, _, _) in rows if key not in delivered) + unsent
    # and per incident: its card in the customer's channel, its first page by direct message
    carded = {i for (key, kind, i) in rows if kind == "incident.card" and key in delivered}
    paged = {i for (key, kind, i) in rows if kind == "page" and key in delivered}
    incidents_without_card, incidents_without_page = incidents - len(carded), incidents - len(paged)
    if outage is not None:
        print(f"database outage: PostgreSQL stopped for {outage.lasted:.1f} s at {outage.at} reports in, one of the "
              f"kills in its middle; {outage.kept} reports answered 202 (kept in the journal) and asked again after")
    print(f"database: {'postgresql' if args.pg or outage else 'sqlite'}; {desk.starts - 1} kill -9 + restarts; "
          f"{retries} requests retried with their Idempotency-Key; {fired:.1f} s firing")
    print(f"reports acknowledged with a control number: {len(answered)} ({len(numbers)} distinct numbers)")
    print(f"reports found in the register:              {len(register)}")
    print(f"acknowledged but missing from the register: {len(numbers - set(register))}")
    print(f"duplicate numbers:                          {len(register) - len(set(register))}")
    print(f"gaps in the numbering:                      {gaps}")
    print(f"outbox messages: {len(rows)} {kinds}, unsent after the drain: {unsent}")
    print(f"notifications lost:                         {lost}  (outbox messages no Slack message carries)")
    print(f"notifications duplicated:                   {duplicated}  (Slack messages beyond one per outbox message)")
    print(f"incidents without a card in {CHANNEL}: {incidents_without_card}; without a page by DM: "
          f"{incidents_without_page}")
    print(f"last process exit code on SIGTERM: {code}")
    ok = (len(answered) == len(register) == len(numbers) == args.reports and not numbers - set(register)
          and gaps == 0 and lost == 0 and duplicated == 0 and incidents_without_card == incidents_without_page == 0)
    print("result:", "OK" if ok else "FAILED")
    return 0 if ok else 1


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--reports", type=int, default=1000)
    ap.add_argument("--kills", type=int, default=10)
    ap.add_argument("--clients", type=int, default=20)
    ap.add_argument("--seed", type=int, default=None)
    ap.add_argument("--pg", default=None, help="run on this PostgreSQL URL (a fresh schema) instead of SQLite")
    ap.add_argument("--outage", type=float, default=None, metavar="SECONDS",
                    help="stop PostgreSQL (a cluster of the run's own) for SECONDS during the firing")
    raise SystemExit(asyncio.run(run(ap.parse_args())))


if __name__ == "__main__":
    main()
