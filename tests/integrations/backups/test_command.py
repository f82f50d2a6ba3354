"""The command driver: a script that succeeds, fails and times out; arguments never go through a shell."""

from __future__ import annotations

import sys
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest
from pydantic import ValidationError

from commands.backups.domain.config import CommandTarget
from integrations.backups.base import BackupFailed, no_progress
from integrations.backups.command import CommandDriver

SCRIPT = r'''
import os, sys, time, pathlib
mode = sys.argv[1]
out = pathlib.Path(os.environ["DUTYDESK_OUTPUT_DIR"])
if mode == "ok":
    (out / "crm.bak").write_bytes(b"BACKUP " + os.environ["SQL_PASSWORD"].encode()[:0] + sys.argv[2].encode())
    print("done")
elif mode == "args":
    (out / "args.txt").write_text("\n".join(sys.argv[2:]) + "\n" + os.environ.get("HOME", "-") + "\n"
                                  + os.environ.get("UNRELATED", "unset"))
elif mode == "fail":
    print("Msg 3201: Cannot open backup device 'D:\\bak\\crm.bak'", file=sys.stderr)
    sys.exit(3)
elif mode == "hang":
    time.sleep(60)
elif mode == "nofile":
    pass
elif mode == "config":
    print("Building configuration...\nCurrent configuration : 12 bytes\nhostname x\nend")
'''


def target(tmp_path: Path, *args: str, **kw: Any) -> CommandTarget:
    script = tmp_path / "backup.py"
    script.write_text(SCRIPT)
    data: dict[str, Any] = {"driver": "command", "argv": [sys.executable, str(script), *args],
                            "env_from": {"SQL_PASSWORD": "CRM_SQL_PASSWORD"}, "timeout": "20s"}
    data.update(kw)
    return CommandTarget.model_validate(data)


ENV = {"CRM_SQL_PASSWORD": "pw", "PATH": "/usr/bin:/bin", "UNRELATED": "desk-only"}
NOW = datetime(2026, 11, 23, 2, 0, tzinfo=UTC)


def driver(cfg: CommandTarget) -> CommandDriver:
    return CommandDriver(cfg, customer_id="hgp", target_id="crm-db", env=ENV, now=lambda: NOW)


def workdir(tmp_path: Path) -> Path:
    path = tmp_path / "work"
    path.mkdir()
    return path


async def test_a_script_that_succeeds_leaves_its_file(tmp_path: Path) -> None:
    work = workdir(tmp_path)
    await driver(target(tmp_path, "ok", "{target}-{timestamp}")).run(work, no_progress)
    assert (work / "crm.bak").read_bytes() == b"BACKUP crm-db-20261123T020000Z"


async def test_arguments_are_passed_as_they_are_never_through_a_shell(tmp_path: Path) -> None:
    work = workdir(tmp_path)
    dangerous = "$(touch pwned); `id` && rm -rf / ; echo {x}"
    cfg = target(tmp_path, "args", "gw1; rm -rf /tmp/x", "{output_dir}", dangerous.replace("{x}", "x"),
                 env={"HOME": "/nonexistent"})
    await driver(cfg).run(work, no_progress)
    lines = (work / "args.txt").read_text().split("\n")
    assert lines[0] == "gw1; rm -rf /tmp/x"
    assert lines[1] == str(work)
    assert lines[2] == "$(touch pwned); `id` && rm -rf / ; echo x"
    assert lines[3] == "/nonexistent"
    assert lines[4] == "unset"  # only the configured variables reach the program
    assert not (work / "pwned").exists()


def test_unknown_placeholders_are_refused_by_the_config(tmp_path: Path) -> None:
    with pytest.raises(ValidationError, match="unknown placeholder"):
        target(tmp_path, "ok", "{user_text}")


async def test_a_script_that_fails_reports_status_and_stderr(tmp_path: Path) -> None:
    with pytest.raises(BackupFailed, match=r"exited with status 3: Msg 3201: Cannot open backup device"):
        await driver(target(tmp_path, "fail")).run(workdir(tmp_path), no_progress)


async def test_a_script_that_hangs_is_killed_at_the_timeout(tmp_path: Path) -> None:
    d = driver(target(tmp_path, "hang"))
    d.timeout = 0.5
    with pytest.raises(BackupFailed, match=r"timed out after 0\.5s; the program was stopped"):
        await d.run(workdir(tmp_path), no_progress)


async def test_a_script_that_writes_nothing_fails(tmp_path: Path) -> None:
    with pytest.raises(BackupFailed, match="wrote no file"):
        await driver(target(tmp_path, "nofile")).run(workdir(tmp_path), no_progress)


async def test_a_missing_secret_variable_fails_before_running(tmp_path: Path) -> None:
    d = CommandDriver(target(tmp_path, "ok", "x"), customer_id="hgp", target_id="crm-db", env={})
    with pytest.raises(BackupFailed, match="CRM_SQL_PASSWORD is not set"):
        await d.run(workdir(tmp_path), no_progress)


async def test_a_missing_program_fails_clearly(tmp_path: Path) -> None:
    cfg = CommandTarget.model_validate({"driver": "command", "argv": ["/nonexistent/drs-backup"]})
    with pytest.raises(BackupFailed, match="cannot start /nonexistent/drs-backup"):
        await driver(cfg).run(workdir(tmp_path), no_progress)


async def test_stdout_as_a_text_config(tmp_path: Path) -> None:
    work = workdir(tmp_path)
    cfg = target(tmp_path, "config", stdout=True, text=True, volatile_patterns=[r"^Current configuration"])
    produced = await driver(cfg).run(work, no_progress)
    assert produced.text == "Building configuration...\nhostname x\nend\n"
    assert (work / "crm-db.cfg").read_text() == produced.text
