"""What every backup driver does: produce the backup's file(s) in a work directory, or raise.

A driver is built from its target's validated configuration (and the environment, for secrets); the
desk's runner gives it an empty work directory, a callback for progress notes, and records the outcome.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Protocol

Progress = Callable[[str], Awaitable[None]]


class BackupFailed(Exception):
    """The backup did not succeed; the message is the reason shown to the engineers (no secrets)."""


@dataclass(frozen=True)
class Produced:
    """What a driver leaves behind: files in the work directory, and for text configurations the text
    to version (already normalised, volatile lines stripped)."""

    text: str | None = None  # a text configuration to version in git (also written as a file)
    note: str = ""  # e.g. the DRS tar file name on the customer's backup server


class Driver(Protocol):
    timeout: float  # seconds the whole run may take

    async def run(self, workdir: Path, progress: Progress) -> Produced:
        """Write the backup into ``workdir``; raise ``BackupFailed`` (or any error) when it fails."""
        ...


async def no_progress(_note: str) -> None:
    return None


def secret(env: Mapping[str, str], name: str | None, what: str) -> str | None:
    """The value of the environment variable ``name`` (None when no variable is configured)."""
    if name is None:
        return None
    value = env.get(name)
    if value is None:
        raise BackupFailed(f"{what}: environment variable {name} is not set")
    return value
