"""The SSH driver (asyncssh): an interactive CLI session on a Cisco device.

``mode = "config"`` — the Oxidized way for IOS (the Cisco 2901 voice gateways): log in, learn the
prompt, disable paging (``terminal length 0``; ``set cli pagination off`` on the UC appliances), run the
configured commands, drop each output's echoed command and trailing prompt, keep ``show version`` /
``show inventory`` as ``!`` comments above ``show running-config``, strip the volatile lines, and hand
the text back for versioning.

``mode = "drs"`` — CUCM and UCCX: start a Disaster Recovery System backup with
``utils disaster_recovery backup network <features> <device>`` and poll
``utils disaster_recovery status backup`` until it reports SUCCESS or an error. The tar files land on the
DRS backup device (an SFTP server at the customer); the desk keeps the final status as the record.

Everything sent to the device comes from the validated config; nothing typed in chat reaches it.
"""

from __future__ import annotations

import asyncio
import os
import re
from collections.abc import Awaitable, Callable, Mapping
from pathlib import Path

import asyncssh

from commands.backups.domain.config import SshTarget
from integrations.backups.base import BackupFailed, Produced, Progress, secret
from integrations.backups.textconfig import compose, normalise

PAGING_OFF = {"ios": ("terminal length 0", "terminal width 0"), "cisco_uc": ("set cli pagination off",)}
# A prompt is the last, unterminated line: "gw1#", "gw1>" (Oxidized's IOS prompt) or "admin:" (UC CLI).
PROMPTS = {"ios": re.compile(r"^([\w.@()/:-]+[#>])\s?$"), "cisco_uc": re.compile(r"^([\w.@-]+:)\s?$")}
_INVALID = re.compile(r"^% Invalid input detected at '\^' marker\.$|^\s+\^$", re.MULTILINE)
_DRS_STATUS = re.compile(r"^\s*Status\s*:\s*(.+)$", re.IGNORECASE | re.MULTILINE)
_DRS_PERCENT = re.compile(r"Percentage Complete\s*:\s*(\d+)", re.IGNORECASE)
_DRS_TAR = re.compile(r"Tar Filename\s*:\s*(\S+)", re.IGNORECASE)
_DRS_FAILED = re.compile(r"\b(ERROR|FAILED|FAILURE|ABORTED)\b", re.IGNORECASE)


class CliSession:
    """One interactive shell: send a line, read until the prompt comes back."""

    def __init__(self, process: asyncssh.SSHClientProcess[str], prompt: re.Pattern[str], timeout: float) -> None:
        self.process = process
        self.generic_prompt = prompt
        self.prompt: str | None = None
        self.timeout = timeout

    async def _read_until_prompt(self) -> str:
        buf = ""
        loop = asyncio.get_running_loop()
        deadline = loop.time() + self.timeout
        while True:
            remaining = deadline - loop.time()
            if remaining <= 0:
                raise BackupFailed(f"no prompt from the device within {self.timeout:g}s")
            try:
                chunk = await asyncio.wait_for(self.process.stdout.read(65536), remaining)
            except TimeoutError:
                raise BackupFailed(f"no prompt from the device within {self.timeout:g}s") from None
            if not chunk:
                raise BackupFailed("the device closed the session")
            buf += chunk.replace("\r\n", "\n").replace("\r", "")
            last = buf.rsplit("\n", 1)[-1]
            if self.prompt is not None:
                if last.rstrip() == self.prompt:
                    return buf
            elif self.generic_prompt.match(last):
                self.prompt = last.rstrip()
                return buf

    async def login(self) -> str:
        return await self._read_until_prompt()

    async def run(self, command: str) -> str:
        """The command's output, without its echo and the prompt after it."""
        self.process.stdin.write(command + "\n")
        raw = await self._read_until_prompt()
        lines = raw.split("\n")[:-1]  # the last line is the prompt
        if lines and lines[0].strip().endswith(command.strip()):
            lines = lines[1:]  # the echoed command
        return "\n".join(lines) + "\n"


class SshDriver:
    def __init__(self, cfg: SshTarget, *, env: Mapping[str, str] | None = None,
                 sleep: Callable[[float], Awaitable[None]] = asyncio.sleep) -> None:
        self.cfg = cfg
        self.env = os.environ if env is None else env
        self.sleep = sleep
        self.timeout = cfg.timeout_seconds

    async def run(self, workdir: Path, progress: Progress) -> Produced:
        try:
            return await asyncio.wait_for(self._run(workdir, progress), self.timeout)
        except TimeoutError:
            raise BackupFailed(f"not finished after {self.timeout:g}s") from None

    async def _connect(self) -> asyncssh.SSHClientConnection:
        cfg = self.cfg
        password = secret(self.env, cfg.password_env, "password_env")
        try:
            return await asyncio.wait_for(asyncssh.connect(
                cfg.host, cfg.port, username=cfg.username, password=password,
                client_keys=[cfg.key_file] if cfg.key_file else (),
                known_hosts=cfg.known_hosts, agent_path=None, config=(),
                preferred_auth=("publickey", "keyboard-interactive", "password"),
            ), cfg.command_timeout_seconds)
        except TimeoutError:
            raise BackupFailed(f"ssh {cfg.host}:{cfg.port}: no login within {cfg.command_timeout_seconds:g}s") from None
        except asyncssh.PermissionDenied:
            raise BackupFailed(f"ssh {cfg.host}:{cfg.port}: login refused for user {cfg.username}") from None
        except asyncssh.HostKeyNotVerifiable as exc:
            raise BackupFailed(f"ssh {cfg.host}:{cfg.port}: host key not trusted ({exc.reason})") from None
        except (asyncssh.Error, OSError) as exc:
            raise BackupFailed(f"ssh {cfg.host}:{cfg.port}: {exc}") from None

    async def _run(self, workdir: Path, progress: Progress) -> Produced:
        cfg = self.cfg
        conn = await self._connect()
        try:
            process = await conn.create_process(term_type="vt100", term_size=(511, 24), encoding="utf-8")
            session = CliSession(process, PROMPTS[cfg.platform], cfg.command_timeout_seconds)
            await session.login()
            await progress(f"logged in to {cfg.host}")
            for line in PAGING_OFF[cfg.platform]:
                await session.run(line)
            if cfg.mode == "drs":
                produced = await self._drs(session, workdir, progress)
            else:
                produced = await self._config(session, workdir, progress)
            process.stdin.write("exit\n")
            return produced
        except asyncssh.Error as exc:
            raise BackupFailed(f"ssh {cfg.host}: {exc}") from None
        finally:
            conn.close()

    async def _config(self, session: CliSession, workdir: Path, progress: Progress) -> Produced:
        sections = []
        for cmd in self.cfg.commands:
            await progress(cmd.command)
            output = _INVALID.sub("", await session.run(cmd.command))
            sections.append((output, cmd.comment))
        config = [normalise(out) for out, comment in sections if not comment]
        if not any(config):
            raise BackupFailed("the device returned an empty configuration")
        text = compose(sections, self.cfg.volatile_patterns)
        (workdir / f"{self.cfg.host.replace(':', '_')}.cfg").write_text(text)
        return Produced(text=text)

    async def _drs(self, session: CliSession, workdir: Path, progress: Progress) -> Produced:
        cfg = self.cfg
        assert cfg.drs_device is not None
        started = await session.run(f"utils disaster_recovery backup network {','.join(cfg.drs_features)} "
                                    f"{cfg.drs_device}")
        if _DRS_FAILED.search(started) or "invalid" in started.casefold():
            raise BackupFailed("DRS refused to start: " + " ".join(started.split())[:300])
        await progress("DRS backup started")
        while True:
            await self.sleep(cfg.poll_seconds)
            status = await session.run("utils disaster_recovery status backup")
            m = _DRS_STATUS.search(status)
            state = m.group(1).strip() if m else ""
            percent = _DRS_PERCENT.search(status)
            if state.upper().startswith("SUCCESS"):
                break
            if _DRS_FAILED.search(state):
                raise BackupFailed(f"DRS backup failed: {state[:300]}")
            await progress(f"DRS {percent.group(1) + '%' if percent else state or '…'}")
        (workdir / "drs-status.txt").write_text(normalise(status))
        tar = _DRS_TAR.search(status)
        return Produced(note=f"{cfg.drs_device}:{tar.group(1)}" if tar else cfg.drs_device)
