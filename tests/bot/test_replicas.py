"""Two real ``dutydesk run`` replicas on one PostgreSQL schema share the work and say everything once.

The test process files 300 incidents through a Desk on the same database, then drives both processes'
clock (``DUTYDESK_CLOCK_FILE``) a minute at a time through every incident's first page, the reaction's
50% and 80% warnings and its breach, and the second escalation step. Each replica talks to the same fake
Slack with its own bot token, so the fake can tell who posted what.
"""

from __future__ import annotations

import asyncio
import json
import os
import signal
import sys
import time
from collections import Counter
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
import sqlalchemy as sa

from bot.app import build_app
from bot.file_clock import write_clock_file
from bot.settings import load_config
from commands.desk.reply import Request
from commands.domain.clock import FakeClock
from tests.conftest import PG_URL, pg_schema
from tests.fakes.slack_api import FakeSlack

pytestmark = [pytest.mark.slow, pytest.mark.skipif(not PG_URL, reason="PostgreSQL not reachable")]

CONFIG = Path(__file__).with_name("replicas.toml")
T0 = datetime(2026, 11, 23, 10, 0, tzinfo=UTC)
INCIDENTS = 300  # enough for both replicas to contend on every step; throughput is bench/latency.py's
MINUTES = 11  # pages at 0 and 4 min, reaction warnings at 5 and 8, the breach at 10
TOKENS = ("xoxb-replica-a", "xoxb-replica-b")
# what each incident must have said, once: its card, two pages, two warnings and the breach to two audiences
EXPECTED = {"page:{i}:r0:s0:eng", "page:{i}:r0:s1:lead",
            *(f"sla:{{i}}:reaction:r0:{step}:{audience}" for step in ("warn50", "warn80", "breach")
              for audience in ("customer:acme", "engineers:acme"))}
PER_INCIDENT = 1 + len(EXPECTED)


async def _start(url: str, clock_file: Path, fake: FakeSlack, token: str, log: Path) -> asyncio.subprocess.Process:
    env = {**os.environ, "SLACK_BOT_TOKEN": token, "SLACK_APP_TOKEN": "xapp-test", "SLACK_API_URL": fake.base_url,
           "DUTYDESK_CLOCK_FILE": str(clock_file), "DUTYDESK_SWEEP_SECONDS": "0.5",
           "DUTYDESK_DISPATCH_SECONDS": "0.2"}
    with log.open("wb") as err:  # a file, not a pipe nobody reads: a chatty replica must not block on it
        return await asyncio.create_subprocess_exec(
            sys.executable, "-m", "bot", "--database", url, "run", "--no-health", "--no-backups", "--config",
            str(CONFIG), env=env, stderr=err)


async def _running(proc: asyncio.subprocess.Process, log: Path, timeout: float = 90) -> None:
    deadline = time.monotonic() + timeout
    while "dutydesk running on postgresql with slack" not in log.read_text():
        assert proc.returncode is None, log.read_text()
        assert time.monotonic() < deadline, log.read_text()
        await asyncio.sleep(0.1)


def _pending(engine: sa.Engine, now: datetime) -> tuple[int, int]:
    """Incidents the sweeper still has to look at by ``now``, and outbox messages not sent by ``now``."""
    with engine.connect() as conn:
        due = conn.execute(sa.text("SELECT count(*) FROM incident WHERE next_check_at <= :now"), {"now": now}).scalar()
        unsent = conn.execute(sa.text("SELECT count(*) FROM outbox WHERE sent_at IS NULL AND next_attempt_at <= :now"),
                              {"now": now}).scalar()
    return int(due or 0), int(unsent or 0)


async def _drained(engine: sa.Engine, now: datetime, procs: list[asyncio.subprocess.Process], logs: list[Path], *,
                   outbox: bool, timeout: float = 300) -> None:
    """Wait until the sweepers have handled everything due by ``now`` (and, with ``outbox``, until every
    message due has been delivered). The timeout only bounds a hang: CI's machine once had 1,018 of 9,000 messages
    left after 90 s where a quiet one needs 36 s for all."""
    deadline = time.monotonic() + timeout
    while (left := await asyncio.to_thread(_pending, engine, now))[0] or (outbox and left[1]):
        assert all(p.returncode is None for p in procs), [log.read_text()[-3000:] for log in logs]
        assert time.monotonic() < deadline, f"at {now:%H:%M} still due (incidents, messages): {left}"
        await asyncio.sleep(0.1)


async def test_two_replicas_deliver_every_message_exactly_once(tmp_path: Path) -> None:
    started = time.monotonic()
    fake = await FakeSlack().start()
    clock_file = tmp_path / "clock"
    write_clock_file(clock_file, T0)
    procs: list[asyncio.subprocess.Process] = []
    with pg_schema() as url:
        app = build_app(load_config(CONFIG).without_rate_limits(), url, clock=FakeClock(T0))  # migrates first; one reporter files them all
        engine = sa.create_engine(url)
        try:
            logs = [tmp_path / f"replica-{n}.log" for n in range(len(TOKENS))]
            procs = [await _start(url, clock_file, fake, token, log) for token, log in zip(TOKENS, logs, strict=True)]
            await asyncio.gather(*(_running(p, log) for p, log in zip(procs, logs, strict=True)))

            async def report(n: int) -> None:
                reply = await app.desk.handle(Request(text=f"/incident urgent srv Server {n} down", transport="console",
                                                      user_id="rep", channel_id="console", delivery_id=f"r{n}"))
                assert reply.control_number, reply.text

            for batch in range(0, INCIDENTS, 100):  # the replicas page and post while reports come in
                await asyncio.gather(*(report(n) for n in range(batch, batch + 100)))
            filed = time.monotonic()

            # The clock moves on as soon as the sweepers have queued what fell due, with deliveries still
            # under way: a message being delivered by one replica must not fall due again for the other.
            for minute in range(MINUTES + 1):
                now = T0 + timedelta(minutes=minute)
                write_clock_file(clock_file, now)
                await _drained(engine, now, procs, logs, outbox=minute == MINUTES)
            drained = time.monotonic()

            for proc in procs:
                assert proc.returncode is None, "a replica died"
                proc.send_signal(signal.SIGTERM)
            for proc in procs:
                assert await asyncio.wait_for(proc.wait(), 60) == 0
            for log in logs:  # nothing failed on the way (a lost race would be retried, and logged)
                assert " ERROR " not in log.read_text(), log.read_text()[-3000:]

            with engine.connect() as conn:
                rows = conn.execute(sa.text("SELECT dedupe_key, incident_id, kind, sent_at FROM outbox")).all()
            keys = {key for key, _, _, _ in rows}
            assert len(rows) == INCIDENTS * PER_INCIDENT
            assert all(sent is not None for *_, sent in rows)
            by_incident: dict[int, set[str]] = {}
            cards: Counter[int] = Counter()
            for key, iid, kind, _ in rows:
                if kind == "incident.card":
                    cards[iid] += 1
                else:
                    by_incident.setdefault(iid, set()).add(key)
            assert len(by_incident) == INCIDENTS and set(cards.values()) == {1}
            for iid, got in by_incident.items():
                assert got == {k.format(i=iid) for k in EXPECTED}, iid

            # What the chat got: one post per outbox message, found by the key in its metadata.
            posted = fake.posts_by_key()
            assert set(posted.values()) == {1}, [k for k, n in posted.items() if n > 1][:5]
            delivered = Counter(json.loads(payload)["key"] for _, payload in posted)
            assert set(delivered) == keys and set(delivered.values()) == {1}
            # pages to the engineers' DMs, SLA messages to the two channels, cards to the customer's
            conversations = Counter(conv for conv, _ in posted)
            assert conversations == {"D0ENG": INCIDENTS, "D0LEAD": INCIDENTS, "C0ACMEENG": 3 * INCIDENTS,
                                     "C0ACME": 4 * INCIDENTS}
            # both replicas did part of the work
            per_token = Counter(c.token for c in fake.calls if c.method == "chat.postMessage")
            assert set(per_token) == set(TOKENS) and all(n >= INCIDENTS // 10 for n in per_token.values()), per_token
            print(f"\nreplicas: {INCIDENTS} incidents, {len(rows)} messages in {time.monotonic() - started:.1f}s "
                  f"(filing {filed - started:.1f}s, {MINUTES} clock minutes {drained - filed:.1f}s); "
                  f"posts per replica: {dict(per_token)}")
        finally:
            for proc in procs:
                if proc.returncode is None:
                    proc.kill()
                    await proc.wait()
            engine.dispose()
            app.close()
            await fake.close()
