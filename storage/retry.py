"""How long the writer waits between tries at a batch the database refused for a passing reason.

Exponential backoff with jitter: the n-th wait is ``base * 2**n`` capped at ``cap``, of which a random
half is kept (so replicas that lost the same race, or all reconnect after a failover, do not come back
in step). ``sleep`` and ``jitter`` are injectable: tests record the waits instead of waiting.
"""

from __future__ import annotations

import random
import time
from collections.abc import Callable
from dataclasses import dataclass, field


@dataclass(frozen=True)
class Backoff:
    attempts: int = 5  # tries in all, the first included
    base: float = 0.05  # seconds: the first wait's ceiling
    cap: float = 1.0  # no wait is longer
    sleep: Callable[[float], None] = field(default=time.sleep, compare=False)
    jitter: Callable[[], float] = field(default=random.random, compare=False)  # in [0, 1)

    def delay(self, failed: int) -> float:
        """Seconds to wait after the ``failed``-th failed try (1 = the first)."""
        ceiling = min(self.cap, self.base * 2 ** (failed - 1))
        return ceiling * (0.5 + 0.5 * self.jitter())

    def wait(self, failed: int) -> None:
        self.sleep(self.delay(failed))

    @property
    def budget(self) -> float:
        """The longest the waits of one batch can add up to."""
        return sum(min(self.cap, self.base * 2 ** i) for i in range(self.attempts - 1))
