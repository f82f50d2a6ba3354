"""The examples contact nothing by accident: ``dutydesk run`` refuses to probe or back up placeholder
addresses (exit 2, naming the keys), and every example run, under a socket guard (tests/netguard.py),
tries no address outside 127.0.0.0/8."""

from __future__ import annotations

import asyncio
import os
import signal
import subprocess
import sys
from pathlib import Path

import pytest

from tests.bot.ops_helpers import until_running
from tests.conftest import EXAMPLES, pinned_clock
from tests.netguard import ENV as NETGUARD_ENV


def _guarded_env(tmp_path: Path) -> tuple[dict[str, str], Path]:
    log = tmp_path / "netguard.log"
    log.write_text("", encoding="utf-8")
    return {**os.environ, **pinned_clock(tmp_path), NETGUARD_ENV: str(log)}, log


def test_the_guard_refuses_and_records_what_leaves_the_machine(tmp_path: Path) -> None:
    env, log = _guarded_env(tmp_path)
    code = ("import socket, sys\n"
            "from tests.netguard import install\n"
            "install(sys.argv[1])\n"
            "c = socket.socket(socket.AF_INET, socket.SOCK_STREAM)\n"
            "try:\n"
            "    c.connect(('10.255.0.1', 9))\n"
            "except OSError as exc:\n"
            "    print('blocked:', exc)\n"
            "try:\n"
            "    socket.create_connection(('crm.noi.example', 443), timeout=1)\n"
            "except OSError as exc:\n"
            "    print('blocked:', exc)\n"
            "s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)\n"
            "s.sendto(b'x', ('127.0.0.1', 9))\n"  # loopback passes
            "try:\n"
            "    s.sendto(b'x', ('192.0.2.11', 5060))\n"
            "except OSError as exc:\n"
            "    print('blocked:', exc)\n")
    done = subprocess.run([sys.executable, "-c", code, str(log)], env=env, capture_output=True, text=True,
                          timeout=60, cwd=Path(__file__).resolve().parents[2])
    assert done.returncode == 0, done.stderr
    assert done.stdout.count("blocked:") == 3, done.stdout
    assert log.read_text(encoding="utf-8").splitlines() == [
        "socket.connect '10.255.0.1'", "socket.getaddrinfo 'crm.noi.example'", "socket.sendto '192.0.2.11'"]


@pytest.mark.parametrize("example", ["noi.toml", "hgp.toml"])
def test_run_refuses_to_probe_or_back_up_the_examples_placeholders(tmp_path: Path, example: str) -> None:
    env, log = _guarded_env(tmp_path)
    done = subprocess.run(
        [sys.executable, "-m", "tests.netguard", "--database", f"sqlite:///{tmp_path / 'd.db'}", "run", "--config",
         str(EXAMPLES / example)], env=env, capture_output=True, text=True, timeout=60)
    assert done.returncode == 2, done.stderr
    assert "still has placeholder addresses; nothing was started" in done.stderr
    if example == "noi.toml":
        assert ("customers.noi.checks.cucm_axl.url: 192.0.2.3 is a documentation address (RFC 5737), a placeholder "
                "of the example — put the customer's own address there, or start with --no-health") in done.stderr
        assert "customers.noi.backups.gw1.host: 192.0.2.11" in done.stderr and "--no-backups" in done.stderr
    else:
        assert "customers.hgp.checks.crm_whoami.url: crm.hgp.example is a name reserved for documentation" in done.stderr
    assert log.read_text(encoding="utf-8") == ""
    assert not (tmp_path / "d.db").exists()  # refused before the database was touched
    only_backups = subprocess.run(
        [sys.executable, "-m", "tests.netguard", "--database", f"sqlite:///{tmp_path / 'd.db'}", "run", "--no-health",
         "--config", str(EXAMPLES / example)], env=env, capture_output=True, text=True, timeout=60)
    assert only_backups.returncode == 2
    assert "--no-health" not in only_backups.stderr and "--no-backups" in only_backups.stderr


@pytest.mark.parametrize("example", ["noi.toml", "hgp.toml"])
async def test_without_checks_and_backups_the_examples_run_and_contact_nothing(tmp_path: Path, example: str) -> None:
    env, log = _guarded_env(tmp_path)
    proc = await asyncio.create_subprocess_exec(
        sys.executable, "-m", "tests.netguard", "--database", f"sqlite:///{tmp_path / 'run.db'}", "run", "--no-health",
        "--no-backups", "--config", str(EXAMPLES / example), env=env, stderr=asyncio.subprocess.PIPE)
    try:
        await until_running(proc)
        proc.send_signal(signal.SIGTERM)
        assert await asyncio.wait_for(proc.wait(), 30) == 0
    finally:
        if proc.returncode is None:
            proc.kill()
            await proc.wait()
    assert log.read_text(encoding="utf-8") == ""
