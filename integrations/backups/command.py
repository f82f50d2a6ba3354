"""The command driver: run a program with an argument list — never a shell line — with the environment
from the config, under a timeout, and keep the file(s) it writes into its output directory.

For anything with a vendor command-line tool (a DRS backup script, ``sqlcmd``/``pg_dump`` of a CRM
database). The argument list comes from the config only; the placeholders ``{output_dir}``,
``{target}``, ``{customer}`` and ``{timestamp}`` are filled by plain replacement with values the desk
made (never ``str.format`` on anything else, never anything typed in chat).
"""

from __future__ import annotations

import asyncio
import contextlib
import os
import signal
from collections.abc import Callable, Mapping
from datetime import UTC, datetime
from pathlib import Path

from commands.backups.domain.config import CommandTarget
from integrations.backups.base import BackupFailed, Produced, Progress, secret
from integrations.backups.textconfig import compose

_OUTPUT_TAIL = 400  # characters of stderr kept in the reason of a failure


def _tail(data: bytes) -> str:
    text = data.decode(errors="replace").strip()
    return text[-_OUTPUT_TAIL:]


class CommandDriver:
    def __init__(self, cfg: CommandTarget, *, customer_id: str, target_id: str,
                 env: Mapping[str, str] | None = None, now: Callable[[], datetime] | None = None) -> None:
        self.cfg = cfg
        self.customer_id = customer_id
        self.target_id = target_id
        self.env = os.environ if env is None else env
        self.now = now or (lambda: datetime.now(UTC))
        self.timeout = cfg.timeout_seconds

    def argv(self, workdir: Path) -> list[str]:
        values = {"output_dir": str(workdir), "target": self.target_id, "customer": self.customer_id,
                  "timestamp": self.now().astimezone(UTC).strftime("%Y%m%dT%H%M%SZ")}
        out = []
        for arg in self.cfg.argv:
            for name, value in values.items():
                arg = arg.replace("{" + name + "}", value)
            out.append(arg)
        return out

    def environment(self, workdir: Path) -> dict[str, str]:
        env = {k: self.env[k] for k in self.cfg.inherit_env if k in self.env}
        env.update(self.cfg.env)
        for child, desk in self.cfg.env_from.items():
            value = secret(self.env, desk, f"env_from.{child}")
            assert value is not None
            env[child] = value
        env.update({"DUTYDESK_OUTPUT_DIR": str(workdir), "DUTYDESK_TARGET": self.target_id,
                    "DUTYDESK_CUSTOMER": self.customer_id})
        return env

    async def run(self, workdir: Path, progress: Progress) -> Produced:
        argv = self.argv(workdir)
        env = self.environment(workdir)
        try:
            proc = await asyncio.create_subprocess_exec(
                *argv, stdin=asyncio.subprocess.DEVNULL, stdout=asyncio.subprocess.PIPE,
                stderr=asyncio.subprocess.PIPE, env=env, cwd=self.cfg.cwd or str(workdir),
                start_new_session=True)  # its own process group: a timeout kills the children too
        except OSError as exc:
            raise BackupFailed(f"cannot start {argv[0]}: {exc.strerror or exc}") from None
        await progress(f"pid {proc.pid}")
        try:
            out, err = await asyncio.wait_for(proc.communicate(), self.timeout)
        except (TimeoutError, asyncio.CancelledError) as exc:
            with contextlib.suppress(ProcessLookupError):
                os.killpg(proc.pid, signal.SIGKILL)
            with contextlib.suppress(Exception):
                await asyncio.wait_for(proc.wait(), 5)
            if isinstance(exc, asyncio.CancelledError):
                raise
            raise BackupFailed(f"timed out after {self.timeout:g}s; the program was stopped") from None
        if proc.returncode != 0:
            detail = _tail(err) or _tail(out)
            raise BackupFailed(f"{Path(argv[0]).name} exited with status {proc.returncode}"
                               + (f": {detail}" if detail else ""))
        files = sorted(p for p in workdir.glob(self.cfg.collect) if p.is_file())
        for extra in (p for p in workdir.rglob("*") if p.is_file() and p not in files):
            extra.unlink()
        if not files:
            if not (self.cfg.stdout and out):
                raise BackupFailed(f"{Path(argv[0]).name} succeeded but wrote no file into its output directory")
            path = workdir / (f"{self.target_id}.cfg" if self.cfg.text else f"{self.target_id}.out")
            path.write_bytes(out)
            files = [path]
        if not self.cfg.text:
            return Produced()
        if len(files) != 1:
            raise BackupFailed(f"a text target must produce one file, got {len(files)}")
        text = compose([(files[0].read_text(errors="replace"), False)], self.cfg.volatile_patterns)
        files[0].write_text(text)
        return Produced(text=text)
