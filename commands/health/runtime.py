"""What the health commands get of the probes: a runtime the composition root (bot/app.py) builds and hands
in through ``Services.health`` (the real probes of integrations/probes, or a test's fakes)."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from typing import Protocol


class ResultLike(Protocol):
    @property
    def status(self) -> str: ...
    @property
    def reason(self) -> str: ...
    @property
    def latency_ms(self) -> float | None: ...


class ProbeLike(Protocol):
    timeout: float

    def check(self) -> Awaitable[ResultLike]: ...


@dataclass(frozen=True)
class Result:
    status: str
    reason: str
    latency_ms: float | None = None


@dataclass
class _Broken:
    """A check whose probe cannot be built (a secret missing from the environment): always down."""

    reason: str
    timeout: float = 0.0

    async def check(self) -> ResultLike:
        return Result("down", self.reason)


ProbeBuilder = Callable[[str, str], ProbeLike]  # (customer id, check id) → probe


@dataclass
class HealthRuntime:
    build: ProbeBuilder
    total_timeout: float = 15.0  # /health answers within this, whatever hangs
    probes: dict[tuple[str, str], ProbeLike] = field(default_factory=dict)

    def probe(self, customer_id: str, check_id: str) -> ProbeLike:
        key = (customer_id, check_id)
        found = self.probes.get(key)
        if found is None:
            try:
                found = self.build(customer_id, check_id)
            except Exception as exc:
                found = _Broken(f"configuration: {exc}")
            self.probes[key] = found
        return found
