"""What every probe answers: up / degraded / down, how long it took, and one line saying why.

A probe is an object with ``async def check() -> ProbeResult``. It never raises: a refused connection, a
timeout, a bad answer are all results (``down`` with the reason), so the scheduler and ``/health`` can run
many probes side by side and show each one's own story.
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from typing import Any, Literal, Protocol

Status = Literal["up", "degraded", "down"]
LEVEL: dict[str, int] = {"up": 0, "degraded": 1, "down": 2}


@dataclass(frozen=True)
class ProbeResult:
    status: Status
    reason: str  # one line, already short: "HTTP 200 in 12 ms", "connection refused", "22/22 phones registered"
    latency_ms: float | None = None
    details: dict[str, Any] = field(default_factory=dict)

    @property
    def level(self) -> int:
        return LEVEL[self.status]

    def with_latency(self, latency_ms: float) -> ProbeResult:
        return ProbeResult(self.status, self.reason, latency_ms if self.latency_ms is None else self.latency_ms,
                           self.details)


def up(reason: str, **details: Any) -> ProbeResult:
    return ProbeResult("up", reason, details=details)


def degraded(reason: str, **details: Any) -> ProbeResult:
    return ProbeResult("degraded", reason, details=details)


def down(reason: str, **details: Any) -> ProbeResult:
    return ProbeResult("down", reason, details=details)


class Probe(Protocol):
    timeout: float

    async def check(self) -> ProbeResult:
        """Probe once; never raises; bounded by ``timeout`` seconds."""
        ...


def one_line(text: str, limit: int = 200) -> str:
    text = " ".join(str(text).split())
    return text if len(text) <= limit else text[: limit - 1] + "…"


def _os_error(exc: BaseException, depth: int = 0) -> BaseException | None:
    """The OS error (or timeout) under a library's own exception: its cause chain and exception groups."""
    if depth > 6:
        return None
    if isinstance(exc, TimeoutError | ConnectionRefusedError) or (isinstance(exc, OSError) and exc.strerror):
        return exc
    inner = [*(exc.exceptions if isinstance(exc, BaseExceptionGroup) else ()), exc.__cause__, exc.__context__]
    for found in (_os_error(e, depth + 1) for e in inner if e is not None):
        if found is not None:
            return found
    return None


def describe(exc: BaseException) -> str:
    """A short reason for an exception: the OS error text rather than a traceback (also when a library,
    such as httpx, wraps the OS error in its own)."""
    exc = _os_error(exc) or exc
    if isinstance(exc, TimeoutError | asyncio.TimeoutError):
        return "no answer (timeout)"
    if isinstance(exc, ConnectionRefusedError):
        return "connection refused"
    if isinstance(exc, OSError) and exc.strerror:
        return one_line(exc.strerror.lower())
    msg = str(exc) or type(exc).__name__
    return one_line(f"{type(exc).__name__}: {msg}" if type(exc).__name__ not in msg else msg)


async def timed(timeout: float, body: Callable[[], Awaitable[ProbeResult]]) -> ProbeResult:
    """Run ``body`` under ``timeout`` seconds; measure its latency; turn every failure into ``down``."""
    started = time.monotonic()
    try:
        result = await asyncio.wait_for(body(), timeout)
    except TimeoutError:
        return ProbeResult("down", f"no answer within {timeout:g}s", round(timeout * 1000, 1))
    except asyncio.CancelledError:
        raise
    except Exception as exc:  # every failure is a result
        return ProbeResult("down", describe(exc), round((time.monotonic() - started) * 1000, 1))
    return result.with_latency(round((time.monotonic() - started) * 1000, 1))
