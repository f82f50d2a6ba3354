"""The HTTP driver against a local backup API: three polls to finish, a failure, and one that never ends."""

from __future__ import annotations

import asyncio
from pathlib import Path
from typing import Any

import pytest

from commands.backups.domain.config import HttpTarget
from integrations.backups.base import BackupFailed, no_progress
from integrations.backups.http import HttpDriver, dig
from tests.fakes.backup_http import FakeBackupApi
from tests.fakes.cisco import serve

ENV = {"CRM_BACKUP_TOKEN": "t0ken"}


def target(base: str, **kw: Any) -> HttpTarget:
    data: dict[str, Any] = {
        "driver": "http", "start_url": f"{base}/backups", "status_url": f"{base}/backups/{{job_id}}",
        "state_field": "job.state", "message_field": "job.message", "download_url": f"{base}/backups/{{job_id}}/file",
        "token_env": "CRM_BACKUP_TOKEN", "poll_interval": "10s", "timeout": "30s"}
    data.update(kw)
    return HttpTarget.model_validate(data)


async def no_sleep(_s: float) -> None:
    await asyncio.sleep(0)


def test_dig() -> None:
    assert dig({"a": {"b": [1, {"c": "x"}]}}, "a.b.1.c") == "x"
    assert dig({"a": 1}, "a.b") is None


async def test_three_polls_then_the_artifact_is_downloaded(tmp_path: Path) -> None:
    api = FakeBackupApi(polls=3)
    notes: list[str] = []

    async def progress(note: str) -> None:
        notes.append(note)

    async with serve(api.app()) as base:
        produced = await HttpDriver(target(base), env=ENV, sleep=no_sleep).run(tmp_path, progress)
    assert api.started == 1 and api.status_requests == 3
    assert (tmp_path / "file").read_bytes() == api.content
    assert produced.note == "job job-1"
    assert notes[0] == "job job-1" and notes[1].startswith("running (1 polls")
    assert set(api.seen_auth) == {"Bearer t0ken"}


async def test_without_download_the_final_status_is_the_record(tmp_path: Path) -> None:
    api = FakeBackupApi(polls=1)
    async with serve(api.app()) as base:
        await HttpDriver(target(base, download_url=None), env=ENV, sleep=no_sleep).run(tmp_path, no_progress)
    assert '"state": "done"' in (tmp_path / "status.json").read_text()


async def test_a_failed_job_reports_the_servers_message(tmp_path: Path) -> None:
    api = FakeBackupApi(polls=2, outcome="failed")
    async with serve(api.app()) as base:
        with pytest.raises(BackupFailed, match="the server reports failed: disk full"):
            await HttpDriver(target(base), env=ENV, sleep=no_sleep).run(tmp_path, no_progress)


async def test_a_job_that_never_finishes_times_out(tmp_path: Path) -> None:
    api = FakeBackupApi(polls=None)
    async with serve(api.app()) as base:
        driver = HttpDriver(target(base, timeout="1s", poll_interval="1s"), env=ENV, sleep=no_sleep)
        driver.timeout = 0.3  # real time, short: the job keeps answering "running"
        with pytest.raises(BackupFailed, match=r"not finished after 0\.3s"):
            await driver.run(tmp_path, no_progress)
    assert api.status_requests > 3


async def test_a_wrong_token_is_a_clear_failure(tmp_path: Path) -> None:
    async with serve(FakeBackupApi().app()) as base:
        with pytest.raises(BackupFailed, match="start: HTTP 401"):
            await HttpDriver(target(base), env={"CRM_BACKUP_TOKEN": "nope"}, sleep=no_sleep).run(tmp_path, no_progress)
