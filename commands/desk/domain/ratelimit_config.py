"""Configuration of the desk's command rate limits: ``[desk.rate_limits]``.

A rate is ``"<count>/<unit>"`` (``20/min``, ``2/s``, ``600/hour``): that many commands per unit, in a token
bucket that holds ``count`` tokens unless a ``burst`` says otherwise. Reporters are held to ``per_person``
and their channel to ``per_channel``; engineers and admins to ``per_engineer`` only, so a busy customer
channel (or a reporter's loop) never locks out the people who answer an outage.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from pydantic import BaseModel, ConfigDict, Field, field_validator

_RATE = re.compile(r"^\s*(\d{1,6})\s*/\s*(s|sec|second|m|min|minute|h|hour)\s*$")
_UNIT_SECONDS = {"s": 1, "sec": 1, "second": 1, "m": 60, "min": 60, "minute": 60, "h": 3600, "hour": 3600}
UNIT_NAMES = {1: "second", 60: "minute", 3600: "hour"}


class _Strict(BaseModel):
    # The same rules as commands.domain.config's models (which imports this module at its end).
    model_config = ConfigDict(extra="forbid", frozen=True)


@dataclass(frozen=True)
class Rate:
    count: int  # commands per period
    period: int  # seconds: 1, 60 or 3600
    burst: int  # bucket size: how many may come at once

    @property
    def per_second(self) -> float:
        return self.count / self.period


def parse_rate(text: str) -> tuple[int, int]:
    """``"20/min"`` → (20, 60). Raises ValueError saying what a rate looks like."""
    m = _RATE.match(text)
    if not m or int(m.group(1)) == 0:
        raise ValueError(f"{text!r} is not a rate like 20/min, 2/s or 600/hour (a count of at least 1)")
    return int(m.group(1)), _UNIT_SECONDS[m.group(2)]


class RateLimitsConfig(_Strict):
    enabled: bool = True
    per_person: str = "20/min"  # each reporter (and each unknown chat user)
    per_channel: str = "60/min"  # each chat channel or group, counting its reporters' commands
    per_engineer: str = "120/min"  # each engineer or admin: high enough for an outage, low enough for a loop
    # Bucket sizes; by default the rate's count (20/min lets 20 through at once, then one every 3 s).
    burst_person: int | None = Field(default=None, ge=1, le=100_000)
    burst_channel: int | None = Field(default=None, ge=1, le=100_000)
    burst_engineer: int | None = Field(default=None, ge=1, le=100_000)
    # HTTP intake requests with a wrong or missing token, per source address (bucket = the count).
    failed_auth: str = "10/min"
    max_buckets: int = Field(default=10_000, ge=100, le=10_000_000)  # memory bound: the least recently used go first

    @field_validator("per_person", "per_channel", "per_engineer", "failed_auth")
    @classmethod
    def _rate(cls, v: str) -> str:
        parse_rate(v)
        return v

    def rate(self, which: str) -> Rate:
        """The parsed rate of ``person``, ``channel`` or ``engineer``."""
        count, period = parse_rate(getattr(self, f"per_{which}"))
        burst = getattr(self, f"burst_{which}")
        return Rate(count=count, period=period, burst=burst or count)
