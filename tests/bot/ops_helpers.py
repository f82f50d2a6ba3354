"""Helpers of the operations tests: a real ``dutydesk run`` process with its HTTP server on a free
port of 127.0.0.1, its JSON log lines, and the Prometheus text parsed into samples."""

from __future__ import annotations

import asyncio
import json
import os
import re
import sys
from dataclasses import dataclass, field
from pathlib import Path

from prometheus_client.parser import text_string_to_metric_families

from tests.conftest import EXAMPLES, pinned_clock

NOI_TOKEN = "noi-secret-0123456789"
API_TOKENS = f"noi-monitoring:{NOI_TOKEN},stranger:stranger-secret-42"


@dataclass
class DeskProcess:
    proc: asyncio.subprocess.Process
    port: int
    lines: list[str] = field(default_factory=list)  # stderr, one log line each
    _reader: asyncio.Task[None] | None = None

    @property
    def base_url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def records(self) -> list[dict[str, object]]:
        return [json.loads(line) for line in self.lines if line.strip()]

    async def stop(self) -> int:
        """SIGTERM, then the exit code (bounded)."""
        import signal

        self.proc.send_signal(signal.SIGTERM)
        code = await asyncio.wait_for(self.proc.wait(), 30)
        if self._reader is not None:
            await asyncio.wait_for(self._reader, 10)
        return code

    async def kill(self) -> None:
        if self.proc.returncode is None:
            self.proc.kill()
            await self.proc.wait()
        if self._reader is not None:
            self._reader.cancel()


async def until_running(proc: asyncio.subprocess.Process, timeout: float = 60) -> list[str]:
    """The process's stderr lines up to its "dutydesk running on …" line (libraries may log before it);
    fails if the process ends before it says it is running."""
    assert proc.stderr is not None
    seen: list[str] = []
    while not any("dutydesk running on" in x for x in seen):
        seen.append((await asyncio.wait_for(proc.stderr.readline(), timeout)).decode())
        assert seen[-1], "".join(seen)
    return seen


async def start_desk(tmp_path: Path, env: dict[str, str], config: str = "noi.toml") -> DeskProcess:
    """Start ``dutydesk run`` and wait for its "running" line, which names the operations port."""
    full_env = {**os.environ, **pinned_clock(tmp_path), "DUTYDESK_HTTP_HOST": "127.0.0.1", "DUTYDESK_HTTP_PORT": "0", **env}
    full_env.pop("DUTYDESK_LOG_FORMAT", None)  # the default of run: JSON
    proc = await asyncio.create_subprocess_exec(
        sys.executable, "-m", "bot", "--database", f"sqlite:///{tmp_path / 'run.db'}", "run", "--no-health",
        "--no-backups", "--config", str(EXAMPLES / config), env=full_env, stderr=asyncio.subprocess.PIPE)
    assert proc.stderr is not None
    lines: list[str] = []
    try:
        while True:
            line = (await asyncio.wait_for(proc.stderr.readline(), 60)).decode()
            assert line, "".join(lines)  # the process ended before it said it was running
            lines.append(line)
            if "dutydesk running on" in line:
                break
    except BaseException:
        if proc.returncode is None:
            proc.kill()
            await proc.wait()
        raise
    port = re.search(r"operations HTTP on 127\.0\.0\.1:(\d+)", lines[-1])
    assert port, lines[-1]
    desk = DeskProcess(proc, int(port.group(1)), lines)

    async def read_the_rest() -> None:  # the pipe must not fill up, and the tests read the lines
        assert proc.stderr is not None
        while line := (await proc.stderr.readline()).decode():
            desk.lines.append(line)

    desk._reader = asyncio.create_task(read_the_rest())
    return desk


def samples(text: str) -> dict[tuple[str, frozenset[tuple[str, str]]], float]:
    """Prometheus text → {(sample name, labels): value}."""
    out = {}
    for family in text_string_to_metric_families(text):
        for s in family.samples:
            out[(s.name, frozenset(s.labels.items()))] = s.value
    return out


def value(parsed: dict[tuple[str, frozenset[tuple[str, str]]], float], name: str, **labels: str) -> float | None:
    return parsed.get((name, frozenset(labels.items())))
