"""The SSH driver against a real local SSH server that behaves like Cisco IOS and the UC CLI."""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest

from commands.backups.domain.config import DEFAULT_SECRET_PATTERNS, SshTarget
from integrations.backups.base import BackupFailed, no_progress
from integrations.backups.ssh import SshDriver
from integrations.backups.store import BackupStore
from tests.fakes.ios_ssh import FakeDevice, RunningDevice, serve_device

ENV = {"GW_PASSWORD": "s3cret"}


def target(running: RunningDevice, **kw: Any) -> SshTarget:
    data: dict[str, Any] = {"driver": "ssh", "host": running.host, "port": running.port, "username": "backup",
                            "password_env": "GW_PASSWORD", "timeout": "20s", "command_timeout": "5s"}
    data.update(kw)
    return SshTarget.model_validate(data)


def fresh(base: Path, name: str) -> Path:
    path = base / name
    path.mkdir()
    return path


async def no_sleep(_seconds: float) -> None:
    await asyncio.sleep(0)


async def test_ios_running_config_with_paging_disabled_and_volatile_lines_stripped(tmp_path: Path) -> None:
    device = FakeDevice()
    async with serve_device(device) as running:
        known = tmp_path / "known_hosts"
        known.write_text(running.known_hosts_line())
        driver = SshDriver(target(running, known_hosts=str(known)), env=ENV)
        notes: list[str] = []

        async def progress(note: str) -> None:
            notes.append(note)

        produced = await driver.run(tmp_path, progress)
    assert device.commands[:2] == ["terminal length 0", "terminal width 0"]
    assert device.commands[2:5] == ["show version", "show inventory", "show running-config"]
    text = produced.text
    assert text is not None
    assert text.startswith("! Cisco IOS Software, C2900 Software")
    assert "! PID: CISCO2901/K9" in text
    assert "hostname gw1" in text and text.rstrip().endswith("end")  # the whole config, past the first page
    for volatile in ("uptime is", "Current configuration", "ntp clock-period", "Building configuration", "gw1#",
                     "show running-config", "Last configuration change"):
        assert volatile not in text
    assert "ntp server 10.10.1.254" in text
    assert (tmp_path / "127.0.0.1.cfg").read_text() == text
    assert "show running-config" in notes


async def test_same_config_twice_is_one_version_and_a_change_is_a_masked_diff(tmp_path: Path) -> None:
    device = FakeDevice()
    store = BackupStore(tmp_path / "store")
    at = datetime(2026, 11, 23, 2, 0, tzinfo=UTC)
    async with serve_device(device) as running:
        driver = SshDriver(target(running), env=ENV)
        first = await driver.run(fresh(tmp_path, "w1"), no_progress)
        second = await driver.run(fresh(tmp_path, "w2"), no_progress)
        assert first.text == second.text  # uptime, sizes and clock-period changed, the config did not
        device.running_config = device.running_config.replace("n0iPublic", "n3wSecret").replace(
            "destination-pattern 2...", "destination-pattern 3...")
        third = await driver.run(fresh(tmp_path, "w3"), no_progress)
    assert first.text and second.text and third.text
    v1 = store.version("noi", "gw1", first.text, at=at, message="1")
    v2 = store.version("noi", "gw1", second.text, at=at, message="2")
    v3 = store.version("noi", "gw1", third.text, at=at, message="3", secret_patterns=DEFAULT_SECRET_PATTERNS)
    assert v1.changed and not v2.changed and v3.changed
    assert "- destination-pattern 2..." in v3.diff and "+ destination-pattern 3..." in v3.diff
    assert "+snmp-server community <masked>" in v3.diff
    assert "n3wSecret" not in v3.diff and "n0iPublic" not in v3.diff


async def test_wrong_password_is_refused(tmp_path: Path) -> None:
    device = FakeDevice(password="other")
    async with serve_device(device) as running:
        with pytest.raises(BackupFailed, match="login refused for user backup"):
            await SshDriver(target(running), env=ENV).run(tmp_path, no_progress)
    assert device.logins == 0


async def test_unknown_host_key_is_refused(tmp_path: Path) -> None:
    known = tmp_path / "known_hosts"
    async with serve_device(FakeDevice()) as other:
        known.write_text(other.known_hosts_line())
    device = FakeDevice()
    async with serve_device(device) as running:
        known.write_text(f"[{running.host}]:{running.port} " + other.known_hosts_line().split(" ", 1)[1])
        with pytest.raises(BackupFailed, match="host key"):
            await SshDriver(target(running, known_hosts=str(known)), env=ENV).run(tmp_path, no_progress)
    assert device.commands == []


async def test_a_device_that_hangs_times_out(tmp_path: Path) -> None:
    device = FakeDevice(hang_on="show running-config")
    async with serve_device(device) as running:
        driver = SshDriver(target(running, command_timeout="1s", timeout="10s"), env=ENV)
        with pytest.raises(BackupFailed, match="no prompt from the device within 1s"):
            await driver.run(tmp_path, no_progress)


async def test_a_device_that_never_shows_a_prompt_times_out(tmp_path: Path) -> None:
    async with serve_device(FakeDevice(hang_on="")) as running:
        driver = SshDriver(target(running, command_timeout="1s", timeout="10s"), env=ENV)
        with pytest.raises(BackupFailed, match="no prompt"):
            await driver.run(tmp_path, no_progress)


async def test_missing_password_variable_is_a_clear_failure(tmp_path: Path) -> None:
    async with serve_device(FakeDevice()) as running:
        with pytest.raises(BackupFailed, match="GW_PASSWORD is not set"):
            await SshDriver(target(running), env={}).run(tmp_path, no_progress)


def uc_target(running: RunningDevice, **kw: Any) -> SshTarget:
    return target(running, platform="cisco_uc", mode="drs", drs_features=["UCM", "CDR_CAR"],
                  drs_device="BACKUP_SFTP", poll_interval="30s", username="backup", **kw)


async def test_cucm_drs_backup_is_started_and_polled_until_success(tmp_path: Path) -> None:
    device = FakeDevice(platform="cisco_uc", drs_polls=2)
    async with serve_device(device) as running:
        produced = await SshDriver(uc_target(running), env=ENV, sleep=no_sleep).run(tmp_path, no_progress)
    assert device.commands[0] == "set cli pagination off"
    assert device.commands[1] == "utils disaster_recovery backup network UCM,CDR_CAR BACKUP_SFTP"
    assert device.commands[2:5] == ["utils disaster_recovery status backup"] * 3
    assert produced.note == "BACKUP_SFTP:2026-11-23-02-00-00.tar"
    assert "Status: SUCCESS" in (tmp_path / "drs-status.txt").read_text()


async def test_cucm_drs_backup_that_fails_reports_the_status(tmp_path: Path) -> None:
    device = FakeDevice(platform="cisco_uc", drs_polls=1, drs_outcome="ERROR")
    async with serve_device(device) as running:
        with pytest.raises(BackupFailed, match="DRS backup failed: ERROR :Backup Completed with errors"):
            await SshDriver(uc_target(running), env=ENV, sleep=no_sleep).run(tmp_path, no_progress)
