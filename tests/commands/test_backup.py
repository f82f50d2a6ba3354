"""/backup, /backups, /backup diff, run records, crash recovery, scheduled runs and stale alerts."""

from __future__ import annotations

import asyncio
import json
import tomllib
from collections.abc import AsyncIterator
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest

from commands.backups.backup import (
    BackupRuntime,
    check_stale_unit,
    interrupt_unfinished_unit,
    run_scheduled,
)
from commands.domain.config import Config
from integrations.backups.base import BackupFailed, Produced
from integrations.backups.store import BackupStore
from storage.backups import BackupRepo
from storage.models import OutboxMessage
from storage.models_backup import BackupRun
from storage.outbox import Outbox
from tests.conftest import EXAMPLES, utc
from tests.fakes.ios_ssh import RUNNING_CONFIG
from tests.harness import DeskHarness

MONDAY_0200_SOFIA = utc(2026, 11, 23, 0, 0)

BACKUPS: dict[str, Any] = {
    "gw1": {"driver": "ssh", "component": "gw1", "host": "192.0.2.11", "username": "backup",
            "password_env": "GW_PASSWORD", "keep_last": 2, "max_age": "26h", "schedule": "0 2 * * *"},
    "gw2": {"driver": "ssh", "component": "gw2", "host": "192.0.2.12", "username": "backup",
            "password_env": "GW_PASSWORD", "enabled": False},
    "callrec": {"driver": "command", "component": "callrec", "argv": ["/usr/local/bin/callrec-backup", "{output_dir}"],
                "retries": 2, "retry_delay": "5m", "max_age": "8d"},
}


def config(backups: dict[str, Any] | None = None) -> Config:
    data = tomllib.loads((EXAMPLES / "noi.toml").read_text())
    data["customers"]["noi"].pop("preventive", None)  # its tasks name the example's backup targets
    data["customers"]["noi"]["backups"] = BACKUPS if backups is None else backups
    return Config.model_validate(data)


@dataclass
class FakeDriver:
    """Stands in for a device: the text it returns, a failure, or a gate that holds it running."""

    text: str | None = None
    fail: str | None = None
    gate: asyncio.Event | None = None
    timeout: float = 30.0
    runs: int = 0

    async def run(self, workdir: Path, progress: Any) -> Produced:
        self.runs += 1
        await progress("working")
        if self.gate is not None:
            await self.gate.wait()
        if self.fail:
            raise BackupFailed(self.fail)
        (workdir / "backup.cfg").write_text(self.text or "binary")
        return Produced(text=self.text)


@dataclass
class Rig:
    desk: DeskHarness
    runtime: BackupRuntime
    drivers: dict[str, FakeDriver] = field(default_factory=dict)

    async def runs(self) -> list[BackupRun]:
        return await self.desk.db.read(lambda s: list(reversed(BackupRepo(s).recent("noi", limit=100))))

    async def outbox(self, kind: str | None = None) -> list[OutboxMessage]:
        return await self.desk.db.read(lambda s: list(Outbox(s).all(kind=kind)))


@pytest.fixture
async def rig(db_url: str, tmp_path: Path) -> AsyncIterator[Rig]:
    desk = DeskHarness(config(), db_url, MONDAY_0200_SOFIA)
    drivers = {"gw1": FakeDriver(text=RUNNING_CONFIG), "gw2": FakeDriver(text="hostname gw2\n"),
               "callrec": FakeDriver()}

    async def no_sleep(_s: float) -> None:
        await asyncio.sleep(0)

    runtime = BackupRuntime(build=lambda _c, tid: drivers[tid], store=BackupStore(tmp_path / "backups"),
                            owner="test:1", sleep=no_sleep, failures=(BackupFailed,))
    desk.app.services.backups = runtime
    yield Rig(desk, runtime, drivers)
    for task in list(runtime.tasks):
        task.cancel()
    await asyncio.gather(*runtime.tasks, return_exceptions=True)
    desk.close()


def payloads(messages: list[OutboxMessage]) -> list[dict[str, Any]]:
    return [json.loads(m.payload) for m in messages]


async def test_backup_now_records_the_run_and_reports_progress_in_one_message(rig: Rig) -> None:
    reply = await rig.desk.say("georgi", "/backup gw1")
    assert not reply.is_error, reply.as_text()
    assert "1" in reply.text and "#1 gw1" in reply.lines[0]
    await rig.runtime.drain()
    [run] = await rig.runs()
    assert run.status == "succeeded" and run.trigger == "person" and run.requested_by == "georgi"
    assert run.started_at is not None and run.finished_at is not None
    assert run.size is not None and run.size > 1000 and run.sha256 is not None and len(run.sha256) == 64
    assert run.location is not None and Path(run.location, "backup.cfg").exists()
    assert run.changed is True and run.commit is not None
    progress = payloads(await rig.outbox("backup.progress"))
    assert [p["state"] for p in progress] == ["queued", "running", "succeeded"]
    assert {p["backup_run_id"] for p in progress} == {run.id}
    assert all(m.audience == "engineers:noi" for m in await rig.outbox("backup.progress"))
    done = progress[-1]
    assert run.sha256 in done["text"] and "KB" in done["text"]
    assert any("git" not in line and run.commit[:10] in line for line in done["lines"])  # first version
    # the first version is not a change: no diff posted
    assert await rig.outbox("backup.diff") == []


async def test_a_changed_config_posts_a_masked_diff_and_backup_diff_shows_it(rig: Rig) -> None:
    await rig.desk.say("georgi", "/backup gw1")
    await rig.runtime.drain()
    await rig.desk.say("georgi", "/backup gw1")  # the same text: no new version, no diff
    await rig.runtime.drain()
    rig.drivers["gw1"].text = RUNNING_CONFIG.replace("n0iPublic", "n3wSecret").replace("2...", "3...")
    rig.desk.advance(hours=1)
    await rig.desk.say("maria", "/backup gw1")
    await rig.runtime.drain()
    runs = await rig.runs()
    assert [r.changed for r in runs] == [True, False, True]
    assert runs[0].commit == runs[1].commit != runs[2].commit
    [diff] = payloads(await rig.outbox("backup.diff"))
    assert diff["backup_run_id"] == runs[2].id and "(+2 −2)" in diff["text"]
    body = "\n".join(diff["lines"])
    assert "+snmp-server community <masked>" in body and "+ destination-pattern 3..." in body
    assert "n3wSecret" not in body and "n0iPublic" not in body
    reply = await rig.desk.say("georgi", "/backup diff gw1")
    assert runs[2].commit is not None and runs[2].commit[:10] in reply.text
    assert "\n".join(reply.lines) == body
    assert "n3wSecret" not in reply.as_text()


async def test_backup_all_starts_every_enabled_target(rig: Rig) -> None:
    reply = await rig.desk.say("maria", "/backup all")
    assert len(reply.lines) == 2  # gw2 is disabled
    await rig.runtime.drain()
    assert sorted(r.target_id for r in await rig.runs()) == ["callrec", "gw1"]


async def test_a_running_target_is_not_started_twice(rig: Rig) -> None:
    rig.drivers["gw1"].gate = asyncio.Event()
    await rig.desk.say("georgi", "/backup gw1")
    reply = await rig.desk.say("maria", "/backup gw1")
    assert "#1" in reply.lines[0] and reply.text.startswith("Архивиране") and reply.kind == "info"
    rig.drivers["gw1"].gate.set()
    await rig.runtime.drain()
    assert len(await rig.runs()) == 1


async def test_a_failed_run_records_the_reason(rig: Rig) -> None:
    rig.drivers["callrec"].fail = "callrec-backup exited with status 2: share not mounted"
    await rig.desk.say("georgi", "/backup callrec")
    await rig.runtime.drain()
    [run] = await rig.runs()
    assert run.status == "failed" and run.error == "callrec-backup exited with status 2: share not mounted"
    assert run.size is None and run.location is None
    [failed] = [p for p in payloads(await rig.outbox("backup.progress")) if p["state"] == "failed"]
    assert "share not mounted" in failed["text"] and failed["kind"] == "error"
    listing = await rig.desk.say("ivana", "/backups")  # reporters may see the record
    assert "share not mounted" in listing.as_text() and "#1 callrec" in listing.lines[0]


@pytest.mark.parametrize("text", [
    "/backup gw1;rm -rf /", "/backup $(reboot)", "/backup ../../etc/passwd", "/backup gw1 && id",
    "/backup GW9", "/backup diff gw1;id", "/backups ../x",
])
async def test_anything_but_a_configured_target_is_refused(rig: Rig, text: str) -> None:
    reply = await rig.desk.say("maria", text)
    assert reply.is_error
    assert await rig.runs() == []
    assert all(d.runs == 0 for d in rig.drivers.values())


async def test_reporters_may_not_start_backups(rig: Rig) -> None:
    reply = await rig.desk.say("ivana", "/backup gw1")
    assert reply.is_error and await rig.runs() == []


async def test_diff_of_a_binary_target_is_refused(rig: Rig) -> None:
    reply = await rig.desk.say("georgi", "/backup diff callrec")
    assert reply.is_error and "callrec" in reply.text


async def test_retention_marks_pruned_runs(rig: Rig) -> None:
    for _ in range(3):
        await rig.desk.say("georgi", "/backup gw1")
        await rig.runtime.drain()
        rig.desk.advance(days=1)
    runs = await rig.runs()
    assert [r.pruned for r in runs] == [True, False, False]  # keep_last = 2
    assert runs[0].location is not None and not Path(runs[0].location).exists()
    assert all(Path(r.location or "").exists() for r in runs[1:])


async def test_a_run_survives_a_crash_as_interrupted(rig: Rig) -> None:
    rig.drivers["gw1"].gate = asyncio.Event()
    await rig.desk.say("georgi", "/backup gw1")
    for _ in range(50):
        if (await rig.runs())[0].status == "running":
            break
        await asyncio.sleep(0.01)
    assert (await rig.runs())[0].status == "running"
    # The process dies here; the next one starts and recovers.
    ids = await rig.desk.db.write(interrupt_unfinished_unit(rig.desk.clock.now()))
    [run] = await rig.runs()
    assert ids == [run.id] and run.status == "interrupted" and run.error and run.finished_at is not None
    # A late finish of the dead run (it was not dead after all) does not overwrite the record.
    rig.drivers["gw1"].gate.set()
    await rig.runtime.drain()
    assert (await rig.runs())[0].status == "interrupted"


async def test_only_the_owners_runs_are_interrupted_when_asked(rig: Rig) -> None:
    services = rig.desk.app.services
    from commands.backups.backup import queue_run

    now = rig.desk.clock.now()
    await rig.desk.db.write(lambda s: queue_run(s, services, rig.runtime, "noi", "gw1", trigger="person",
                                                requested_by="georgi", now=now))
    assert await rig.desk.db.write(interrupt_unfinished_unit(now, owners=["other:2"])) == []
    assert len(await rig.desk.db.write(interrupt_unfinished_unit(now, owners=["test:1"]))) == 1


async def test_scheduled_run_retries_and_alerts_the_engineers(rig: Rig) -> None:
    services = rig.desk.app.services
    rig.drivers["callrec"].fail = "share not mounted"
    period = datetime(2026, 11, 23, 0, 0, tzinfo=UTC)
    outcome = await run_scheduled(services, rig.runtime, "noi", "callrec", period)
    assert outcome is not None and outcome.status == "failed"
    runs = await rig.runs()
    assert [(r.trigger, r.attempt, r.status) for r in runs] == [("schedule", 1, "failed"), ("schedule", 2, "failed"),
                                                               ("schedule", 3, "failed")]
    assert [r.run_key for r in runs] == [f"noi:callrec:20261123T000000Z:{n}" for n in (1, 2, 3)]
    alerts = payloads(await rig.outbox("backup.failed"))
    assert len(alerts) == 3
    assert "1 от 3" in alerts[0]["text"] and "5 мин" in alerts[0]["lines"][0]
    assert "/backup callrec" in alerts[2]["lines"][0]
    assert await rig.outbox("backup.progress") == []  # scheduled runs do not post progress
    # another replica firing for the same period gets nothing to do
    assert await run_scheduled(services, rig.runtime, "noi", "callrec", period) is None
    assert len(await rig.runs()) == 3


async def test_scheduled_run_that_succeeds_on_retry_stops(rig: Rig) -> None:
    services = rig.desk.app.services
    driver = rig.drivers["callrec"]
    driver.fail = "busy"

    async def recover(_s: float) -> None:
        driver.fail = None

    rig.runtime.sleep = recover
    outcome = await run_scheduled(services, rig.runtime, "noi", "callrec", datetime(2026, 11, 23, tzinfo=UTC))
    assert outcome is not None and outcome.status == "succeeded"
    assert [r.status for r in await rig.runs()] == ["failed", "succeeded"]


async def test_stale_backup_alert(rig: Rig) -> None:
    services, db = rig.desk.app.services, rig.desk.db
    now = rig.desk.clock.now()
    # nothing ever succeeded: one alert per enabled target with a max_age, not repeated within max_age
    assert await db.write(check_stale_unit(services, now)) == 2
    assert await db.write(check_stale_unit(services, now + timedelta(hours=1))) == 0
    texts = [p["text"] for p in payloads(await rig.outbox("backup.stale"))]
    assert any("gw1" in x for x in texts) and any("callrec" in x for x in texts)
    await rig.desk.say("georgi", "/backup gw1")
    await rig.runtime.drain()
    rig.desk.advance(hours=25)
    before = len(await rig.outbox("backup.stale"))
    await db.write(check_stale_unit(services, rig.desk.clock.now()))
    stale = payloads(await rig.outbox("backup.stale"))[before:]
    assert not any("gw1" in p["text"] for p in stale)  # 25h old, within its 26h
    rig.desk.advance(hours=2)
    await db.write(check_stale_unit(services, rig.desk.clock.now()))
    later = payloads(await rig.outbox("backup.stale"))[before + len(stale):]
    assert len(later) == 1 and "gw1" in later[0]["text"] and "1 д 3 ч" in later[0]["text"]


async def test_a_run_past_its_deadline_is_interrupted_by_the_check(rig: Rig) -> None:
    services = rig.desk.app.services
    from commands.backups.backup import queue_run

    now = rig.desk.clock.now()
    await rig.desk.db.write(lambda s: queue_run(s, services, rig.runtime, "noi", "gw1", trigger="person",
                                                requested_by="georgi", now=now))
    await rig.desk.db.write(check_stale_unit(services, now + timedelta(minutes=20)))
    assert (await rig.runs())[0].status == "queued"  # timeout 30m + grace
    await rig.desk.db.write(check_stale_unit(services, now + timedelta(minutes=33)))
    assert (await rig.runs())[0].status == "interrupted"


def test_target_ids_are_validated() -> None:
    bad = {"GW 1": BACKUPS["gw1"]}
    with pytest.raises(ValueError, match="backup target ids"):
        config(bad)
    with pytest.raises(ValueError, match="cannot name a target"):
        config({"all": BACKUPS["gw1"]})
    with pytest.raises(ValueError, match="crontab"):
        config({"gw1": {**BACKUPS["gw1"], "schedule": "every day"}})
    with pytest.raises(ValueError, match="DRS"):
        config({"cucm": {"driver": "ssh", "host": "h", "username": "u", "password_env": "P", "mode": "drs"}})
    with pytest.raises(ValueError, match="DRS feature"):
        config({"cucm": {"driver": "ssh", "host": "h", "username": "u", "password_env": "P", "mode": "drs",
                         "drs_features": ["UCM; reboot"], "drs_device": "d"}})
