"""Config → backup driver."""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable, Mapping
from datetime import datetime

from commands.backups.domain.config import AnyTarget, CommandTarget, HttpTarget, SshTarget
from integrations.backups.base import Driver
from integrations.backups.command import CommandDriver
from integrations.backups.http import HttpDriver
from integrations.backups.ssh import SshDriver


def build_driver(cfg: AnyTarget, *, customer_id: str, target_id: str, env: Mapping[str, str] | None = None,
                 now: Callable[[], datetime] | None = None,
                 sleep: Callable[[float], Awaitable[None]] = asyncio.sleep) -> Driver:
    if isinstance(cfg, CommandTarget):
        return CommandDriver(cfg, customer_id=customer_id, target_id=target_id, env=env, now=now)
    if isinstance(cfg, HttpTarget):
        return HttpDriver(cfg, env=env, sleep=sleep)
    if isinstance(cfg, SshTarget):
        return SshDriver(cfg, env=env, sleep=sleep)
    raise TypeError(f"no backup driver for {type(cfg).__name__}")
