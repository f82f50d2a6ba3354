"""bot/backup_jobs: cron jobs per target in the customer's time zone, the period a run belongs to,
recovery at start-up and the real runtime wired from the config."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from apscheduler.schedulers.asyncio import AsyncIOScheduler

from bot.backup_jobs import (
    default_runtime,
    recover_backups,
    schedule_backup_jobs,
    scheduled_period,
    wire_backups,
)
from commands.backups.backup import queue_run
from commands.domain.cron import cron_schedule
from storage.backups import BackupRepo
from tests.commands.test_backup import MONDAY_0200_SOFIA, config
from tests.harness import DeskHarness


def test_scheduled_period_is_the_latest_fire_time() -> None:
    trigger = cron_schedule("0 2 * * *", "Europe/Sofia")
    at_0200_05 = datetime(2026, 11, 23, 0, 0, 5, tzinfo=UTC)  # 02:00:05 in Sofia (EET, UTC+2)
    period = scheduled_period(trigger, at_0200_05, timedelta(hours=1))
    assert period is not None and period.astimezone(UTC) == datetime(2026, 11, 23, 0, 0, tzinfo=UTC)
    assert scheduled_period(trigger, at_0200_05 + timedelta(hours=2), timedelta(hours=1)) is None


async def test_one_cron_job_per_scheduled_enabled_target_plus_the_stale_check(db_url: str, tmp_path: Path) -> None:
    desk = DeskHarness(config(), db_url, MONDAY_0200_SOFIA)
    try:
        runtime = wire_backups(desk.app.services, default_runtime(desk.app.services, env={}, root=tmp_path))
        assert desk.app.services.backups is runtime
        scheduler = AsyncIOScheduler(timezone=UTC)
        assert schedule_backup_jobs(scheduler, desk.app.services, runtime) == 1  # gw1 only has a schedule
        job = scheduler.get_job("backup:noi:gw1")
        assert job is not None and str(job.trigger.timezone) == "Europe/Sofia"
        assert scheduler.get_job("backup:stale") is not None
    finally:
        desk.close()


async def test_recover_marks_what_a_dead_process_left(db_url: str, tmp_path: Path) -> None:
    desk = DeskHarness(config(), db_url, MONDAY_0200_SOFIA)
    try:
        services = desk.app.services
        runtime = default_runtime(services, env={}, root=tmp_path)
        now = desk.clock.now()
        await desk.db.write(lambda s: queue_run(s, services, runtime, "noi", "gw1", trigger="person",
                                                requested_by="georgi", now=now))
        ids = await recover_backups(services)
        assert len(ids) == 1
        run = await desk.db.read(lambda s: BackupRepo(s).get(ids[0]))
        assert run is not None and run.status == "interrupted"
        assert await recover_backups(services) == []
    finally:
        desk.close()


async def test_the_real_runtime_reports_a_missing_secret_as_the_reason(db_url: str, tmp_path: Path) -> None:
    desk = DeskHarness(config(), db_url, MONDAY_0200_SOFIA)
    try:
        runtime = wire_backups(desk.app.services, default_runtime(desk.app.services, env={}, root=tmp_path))
        await desk.say("georgi", "/backup gw1")
        await runtime.drain()
        [run] = await desk.db.read(lambda s: BackupRepo(s).recent("noi"))
        assert run.status == "failed" and run.error == "password_env: environment variable GW_PASSWORD is not set"
    finally:
        desk.close()


async def test_backup_of_a_gateway_over_ssh_end_to_end(db_url: str, tmp_path: Path) -> None:
    import json

    from storage.outbox import Outbox
    from tests.commands.test_backup import BACKUPS
    from tests.fakes.ios_ssh import FakeDevice, serve_device

    device = FakeDevice()
    async with serve_device(device) as running:
        gw1 = {**BACKUPS["gw1"], "host": running.host, "port": running.port, "command_timeout": "5s"}
        desk = DeskHarness(config({"gw1": gw1}), db_url, MONDAY_0200_SOFIA)
        try:
            runtime = wire_backups(desk.app.services,
                                   default_runtime(desk.app.services, env={"GW_PASSWORD": "s3cret"}, root=tmp_path))
            await desk.say("georgi", "/backup gw1")
            await runtime.drain()
            device.running_config = device.running_config.replace("0822455D0A16", "1234ABCD")
            desk.advance(hours=1)
            await desk.say("georgi", "/backup gw1")
            await runtime.drain()
            runs = await desk.db.read(lambda s: list(reversed(BackupRepo(s).recent("noi"))))
            assert [(r.status, r.changed) for r in runs] == [("succeeded", True), ("succeeded", True)]
            [diff] = [json.loads(m.payload) for m in await desk.db.read(lambda s: Outbox(s).all(kind="backup.diff"))]
            assert "- password <masked>" in diff["lines"]
            assert "+ password <masked>" in diff["lines"] and "1234ABCD" not in json.dumps(diff)
            reply = await desk.say("maria", "/backups gw1")
            assert "#2 gw1" in reply.lines[0] and "SHA-256" in reply.lines[0]
        finally:
            desk.close()


def test_examples_back_up_the_gateways_cucm_uccx_callrec_and_the_crm_database(noi_config, hgp_config) -> None:  # type: ignore[no-untyped-def]
    noi = noi_config.customers["noi"].backups
    assert {k: v.driver for k, v in noi.items()} == {"gw1": "ssh", "gw2": "ssh", "cucm": "ssh", "uccx": "ssh",
                                                       "callrec": "command"}
    assert noi["gw1"].versioned and noi["gw2"].versioned
    assert noi["cucm"].mode == "drs" and noi["cucm"].drs_features == ("UCM", "CDR_CAR")
    assert noi["uccx"].mode == "drs" and noi["uccx"].platform == "cisco_uc"
    hgp = hgp_config.customers["hgp"].backups
    assert hgp["crm-db"].driver == "command" and hgp["crm-db"].component == "sql"
    for target in [*noi.values(), *hgp.values()]:
        assert target.schedule and target.max_age



async def test_a_restarted_process_interrupts_the_runs_of_its_dead_predecessor(db_url: str, tmp_path: Path) -> None:
    """issue 16 §6: after a crash the new process (a new pid) marks interrupted the runs of this host's
    dead processes (bot/recovery.dead_here, as the outbox does), not only its own, so ``/backup`` is not
    answered "busy" until the stale check; a live process's runs and another host's are left alone."""
    import os
    import socket

    from tests.bot.test_recovery import _a_dead_pid

    host = socket.gethostname()
    desk = DeskHarness(config(), db_url, MONDAY_0200_SOFIA)
    try:
        services = desk.app.services
        now = desk.clock.now()
        owners = {"gw1": f"{host}:{_a_dead_pid()}",  # the crashed predecessor
                  "callrec": f"{host}:{os.getppid()}",  # a live process of this host, still backing up
                  "gw2": f"another-host:{_a_dead_pid()}"}  # judged by its own host (or the stale check)
        for target, owner in owners.items():
            old = default_runtime(services, env={}, root=tmp_path)
            old.owner = owner
            await desk.db.write(lambda s, r=old, t=target: queue_run(  # type: ignore[misc]
                s, services, r, "noi", t, trigger="person", requested_by="georgi", now=now))
        restarted = wire_backups(services, default_runtime(services, env={}, root=tmp_path))
        assert restarted.owner == f"{host}:{os.getpid()}"
        ids = await recover_backups(services, owner=restarted.owner)
        runs = {r.target_id: r for r in await desk.db.read(lambda s: BackupRepo(s).recent("noi"))}
        assert ids == [runs["gw1"].id]
        assert {t: r.status for t, r in runs.items()} == {"gw1": "interrupted", "callrec": "queued", "gw2": "queued"}
        desk.advance(minutes=1)
        again = await desk.say("georgi", "/backup gw1")  # its run was the dead process's: a new one starts
        busy = await desk.say("georgi", "/backup callrec")  # the live process's run stands
        await restarted.drain()
        assert again.lines == ("#4 gw1 — в опашката",)
        assert busy.lines == (f"callrec — вече е в опашката като #{runs['callrec'].id}",)
    finally:
        desk.close()


def test_every_claim_names_its_process_the_same_bounded_way(monkeypatch: pytest.MonkeyPatch) -> None:
    """The backup runtime and the start-up recovery name this process as the outbox does (``host:pid``),
    bounded by the owner columns (128 characters) however long the host name."""
    import os
    import socket

    from commands.backups.runtime import BackupRuntime
    from storage.leases import OWNER_MAX, this_process

    monkeypatch.setattr(socket, "gethostname", lambda: "h" * 300)
    assert this_process() == ("h" * 300 + f":{os.getpid()}")[:OWNER_MAX] and OWNER_MAX == 128
    assert BackupRuntime(build=lambda c, t: None, store=None).owner == this_process()  # type: ignore[arg-type,return-value]
