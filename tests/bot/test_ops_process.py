"""The operations side of a real ``dutydesk run`` process: health, readiness, metrics, the HTTP command
intake, JSON logs and the graceful shutdown, against the fake Slack in Socket Mode."""

from __future__ import annotations

import asyncio
import json
import sqlite3
from datetime import timedelta
from pathlib import Path

import httpx

from bot.file_clock import write_clock_file
from tests.bot.ops_helpers import API_TOKENS, NOI_TOKEN, samples, start_desk, value
from tests.conftest import PROCESS_T0
from tests.fakes.slack_api import FakeSlack

SLACK_ENV = {"SLACK_BOT_TOKEN": "xoxb-test", "SLACK_APP_TOKEN": "xapp-test"}
AUTH = {"Authorization": f"Bearer {NOI_TOKEN}"}


async def test_health_readiness_intake_and_metrics_of_a_running_desk(tmp_path: Path) -> None:
    fake = await FakeSlack().start()
    desk = await start_desk(tmp_path, {**SLACK_ENV, "SLACK_API_URL": fake.base_url, "DUTYDESK_API_TOKENS": API_TOKENS})
    try:
        async with httpx.AsyncClient(base_url=desk.base_url, timeout=30) as http:
            live = await http.get("/healthz")
            assert (live.status_code, live.json()) == (200, {"status": "ok"})
            ready = await http.get("/readyz")
            assert (ready.status_code, ready.json()) == (200, {"status": "ready"})

            async def command(text: str, key: str | None = None, headers: dict[str, str] = AUTH) -> httpx.Response:
                extra = {"Idempotency-Key": key} if key else {}
                return await http.post("/api/v1/commands", json={"text": text}, headers={**headers, **extra})

            first = await command("/incident urgent cucm Calls fail for all operators", "mon-1")
            assert first.status_code == 200, first.text
            body = first.json()
            assert body["ok"] is True and body["kind"] == "ok" and body["control_number"] == "NOI-2026-00001"
            assert body["text"].startswith("NOI-2026-00001 регистриран")  # ivana's language: Bulgarian
            again = await command("/incident urgent cucm Calls fail for all operators", "mon-1")
            assert (again.status_code, again.json()) == (200, body)  # the first reply; nothing new stored
            other = await command("/incident other crm Export is slow", "mon-2")
            assert other.json()["control_number"] == "NOI-2026-00002"
            status = await command("/status NOI-2026-00001")
            assert status.status_code == 200 and status.json()["control_number"] == "NOI-2026-00001"
            assert status.json()["lines"]

            refused = await command("/incident nonsense cucm Calls fail", "mon-3")
            assert refused.status_code == 422
            assert refused.json()["ok"] is False and refused.json()["kind"] == "error"
            assert refused.json()["text"].startswith("Непозната категория nonsense.")
            assert refused.json()["control_number"] is None

            assert (await command("/incidents", headers={})).status_code == 401
            wrong = await command("/incidents", headers={"Authorization": "Bearer not-the-token"})
            assert wrong.status_code == 401 and wrong.headers["www-authenticate"] == "Bearer"
            assert (await command("/incidents", headers={"Authorization": "Bearer stranger-secret-42"})).status_code == 403
            bad = await http.post("/api/v1/commands", content=b"{not json", headers=AUTH)
            assert bad.status_code == 400 and "JSON" in bad.json()["text"]
            big = await http.post("/api/v1/commands", json={"text": "/note x " + "a" * 40_000}, headers=AUTH)
            assert big.status_code == 413

            metrics = await http.get("/metrics")
            assert metrics.status_code == 200 and metrics.headers["content-type"].startswith("text/plain")
            parsed = samples(metrics.text)
            assert 'dutydesk_incidents{customer="noi",state="registered"} 2.0' in metrics.text
            assert value(parsed, "dutydesk_incidents", customer="noi", state="confirmed") == 0.0
            assert value(parsed, "dutydesk_commands_total", command="incident", outcome="ok") == 3.0
            assert value(parsed, "dutydesk_commands_total", command="incident", outcome="refused") == 1.0
            assert value(parsed, "dutydesk_commands_total", command="status", outcome="ok") == 1.0
            assert value(parsed, "dutydesk_database_up") == 1.0
            assert (value(parsed, "dutydesk_outbox_pending") or 0) + (value(parsed, "dutydesk_dispatcher_ticks_total") or 0) >= 1

        # one register row per report, whatever the retries
        with sqlite3.connect(tmp_path / "run.db") as conn:
            numbers = [r[0] for r in conn.execute("SELECT control_number FROM incident ORDER BY id")]
        assert numbers == ["NOI-2026-00001", "NOI-2026-00002"]
        assert await desk.stop() == 0
    finally:
        await desk.kill()
        await fake.close()


async def test_sigterm_flushes_the_due_outbox_through_slack_before_exit_and_logs_are_json(tmp_path: Path) -> None:
    fake = await FakeSlack().start()
    # The dispatcher's safety-net tick is an hour away and a commit that queues messages wakes it at once:
    # Slack answers 500 to every first attempt, so each message waits in the outbox for its retry (5 s on
    # the desk's clock, which stands still). Then the clock moves past the retries, and nothing wakes the
    # dispatcher (nothing new is queued): only the shutdown's flush can deliver.
    desk = await start_desk(tmp_path, {**SLACK_ENV, "SLACK_API_URL": fake.base_url, "DUTYDESK_API_TOKENS": API_TOKENS,
                                       "DUTYDESK_DISPATCH_SECONDS": "3600"})
    try:
        fake.fail("chat.postMessage", 500, times=10_000)
        async with httpx.AsyncClient(base_url=desk.base_url, timeout=30) as http:
            for key, text in (("k-1", "/incident urgent cucm Calls fail"), ("k-2", "/incident other crm Export slow")):
                filed = await http.post("/api/v1/commands", json={"text": text}, headers={**AUTH, "Idempotency-Key": key})
                assert filed.status_code == 200

            def waiting() -> list[tuple[int, str | None]]:  # (attempts, lease) of each undelivered message
                with sqlite3.connect(tmp_path / "run.db") as db:
                    return db.execute("SELECT attempts, lease_until FROM outbox WHERE sent_at IS NULL").fetchall()

            deadline = asyncio.get_running_loop().time() + 30
            while not (len(waiting()) >= 2 and all(a >= 1 and lease is None for a, lease in waiting())):
                assert asyncio.get_running_loop().time() < deadline, waiting()
                await asyncio.sleep(0.05)
            pending = value(samples((await http.get("/metrics")).text), "dutydesk_outbox_pending")
            assert pending is not None and pending >= 2  # the cards wait in the outbox
        assert fake.posts() == []
        fake.recover("chat.postMessage")
        write_clock_file(tmp_path / "process-clock", PROCESS_T0 + timedelta(minutes=1))
        fake.fail("chat.postMessage", 500, times=1)
        assert await desk.stop() == 0
        # the other card went out during the shutdown, before the process ended
        cards = fake.posts("C0NOIDESK")
        assert len(cards) == 1
        sent = "NOI-2026-00002" if "NOI-2026-00002" in json.dumps(cards[0], ensure_ascii=False) else "NOI-2026-00001"
        unsent = {"NOI-2026-00001", "NOI-2026-00002"} - {sent}

        records = desk.records()  # every line is one JSON object
        assert all({"time", "level", "logger", "message"} <= set(r) for r in records)
        running = next(r for r in records if "dutydesk running on" in str(r["message"]))
        assert running["level"] == "WARNING" and running["logger"] == "dutydesk"
        down = next(i for i, r in enumerate(records) if "shutting down" in str(r["message"]))
        failed = [r for r in records[down:] if "delivery of outbox" in str(r["message"])]
        assert failed and {r["incident"] for r in failed} == unsent, records
        assert any("shutting down" in str(r["message"]) for r in records)
        assert not any("incident" in r for r in records if "dutydesk running on" in str(r["message"]))
    finally:
        await desk.kill()
        await fake.close()
