"""The Procfile names no default configuration: the examples' hosts are placeholders and the demo's point at
simulators only `dutydesk demo` starts, so a platform must say which configuration to run."""

from __future__ import annotations

import os
import subprocess
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]


def _web_command() -> str:
    [line] = [x for x in (ROOT / "Procfile").read_text(encoding="utf-8").splitlines() if x.startswith("web:")]
    return line.split(":", 1)[1].strip()


def test_the_procfile_requires_dutydesk_config_and_starts_nothing_without_it(tmp_path: Path) -> None:
    bin_dir = tmp_path / "bin"
    bin_dir.mkdir()
    started = tmp_path / "started"
    fake = bin_dir / "dutydesk"  # what the line would run: records that it was started
    fake.write_text(f"#!/bin/sh\necho \"$@\" > {started}\n", encoding="utf-8")
    fake.chmod(0o755)
    env = {k: v for k, v in os.environ.items() if k != "DUTYDESK_CONFIG"}
    env.update(PATH=f"{bin_dir}:{env.get('PATH', '/usr/bin:/bin')}", PORT="5000")
    done = subprocess.run(["bash", "-c", _web_command()], env=env, capture_output=True, text=True, timeout=30)
    assert done.returncode != 0
    assert "DUTYDESK_CONFIG: set DUTYDESK_CONFIG to your configuration file (docs/deployment.md)" in done.stderr
    assert not started.exists()
    env["DUTYDESK_CONFIG"] = "/etc/dutydesk/desk.toml"
    ran = subprocess.run(["bash", "-c", _web_command()], env=env, capture_output=True, text=True, timeout=30)
    assert ran.returncode == 0, ran.stderr
    assert started.read_text(encoding="utf-8").split() == ["run", "--config", "/etc/dutydesk/desk.toml"]
