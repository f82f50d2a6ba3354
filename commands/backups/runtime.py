"""What the backup commands get of the drivers and the store: a runtime the composition root (bot/app.py)
builds and hands in through ``Services.backups`` (the drivers of integrations/backups, or a test's fakes)."""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable, Coroutine, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path
from typing import Any, Protocol

from storage.leases import this_process


# -- what commands/ knows of the drivers and the store ---------------------------------------------
class ProducedLike(Protocol):
    @property
    def text(self) -> str | None: ...
    @property
    def note(self) -> str: ...


class DriverLike(Protocol):
    timeout: float

    def run(self, workdir: Path, progress: Callable[[str], Awaitable[None]]) -> Awaitable[ProducedLike]: ...


class ArtifactLike(Protocol):
    @property
    def location(self) -> str: ...
    @property
    def size(self) -> int: ...
    @property
    def sha256(self) -> str: ...


class VersionLike(Protocol):
    @property
    def changed(self) -> bool: ...
    @property
    def commit(self) -> str: ...
    @property
    def diff(self) -> str: ...
    @property
    def first(self) -> bool: ...


class ChangeLike(Protocol):
    @property
    def commit(self) -> str: ...
    @property
    def at(self) -> datetime: ...
    @property
    def diff(self) -> str: ...
    @property
    def first(self) -> bool: ...


class StoreLike(Protocol):
    def workdir(self, customer_id: str, target_id: str, run_id: int, directory: str | None = None) -> Path: ...
    def keep(self, workdir: Path, at: datetime, run_id: int) -> ArtifactLike: ...
    def discard(self, workdir: Path) -> None: ...
    def prune(self, customer_id: str, target_id: str, now: datetime, *, keep_last: int | None,
              keep_days: int | None, directory: str | None = None) -> list[int]: ...
    def version(self, customer_id: str, target_id: str, text: str, *, at: datetime, message: str,
                secret_patterns: Sequence[str] = ()) -> VersionLike: ...
    def last_change(self, customer_id: str, target_id: str,
                    secret_patterns: Sequence[str] = ()) -> ChangeLike | None: ...


DriverBuilder = Callable[[str, str], DriverLike]  # (customer id, target id) → driver


@dataclass
class BackupRuntime:
    build: DriverBuilder
    store: StoreLike
    owner: str = field(default_factory=this_process)
    sleep: Callable[[float], Awaitable[None]] = asyncio.sleep  # between attempts of a scheduled run
    # The drivers' own failure types: their message is the reason shown (others are logged as bugs).
    failures: tuple[type[Exception], ...] = ()
    tasks: set[asyncio.Task[Any]] = field(default_factory=set)

    def spawn(self, coro: Coroutine[Any, Any, Any]) -> asyncio.Task[Any]:
        """Run in the background; the task is kept until it ends (and can be awaited by ``drain``)."""
        task = asyncio.ensure_future(coro)
        self.tasks.add(task)
        task.add_done_callback(self.tasks.discard)
        return task

    async def drain(self) -> None:
        """Wait for every background run (tests; a clean shutdown)."""
        while self.tasks:
            await asyncio.gather(*list(self.tasks), return_exceptions=True)
