"""Command rate limits: token buckets per person and per channel, in memory, driven by the desk's clock.

What counts: every command that reaches the desk — reads such as /status and /help, a pressed button
(it is the command it carries), a submitted form, and the refusals of malformed or unknown commands —
because each costs an answer on the chat platform, whose own limits the desk must not exhaust.

What does not: a repeated delivery of a command already let through (a Slack retry, a re-sent Telegram
update, a double press). It passes without being charged again, and the desk's idempotency answers it
with the stored first reply. The ids are remembered in memory (bounded like the buckets); after a
restart a retry is charged once more, which is harmless.

Who is held to what: reporters (and chat users the desk does not know) to ``per_person`` and their
channel to ``per_channel``; engineers and admins to their own, higher ``per_engineer`` only, so a flood
in a customer's channel never locks out the people who answer it. A refused command consumes nothing,
so asking again too early does not push the next chance further away.

Memory is bounded: at most ``max_buckets`` buckets and as many remembered delivery ids, the least
recently used dropped first (a dropped bucket comes back full, which errs on the side of letting people
through). This is per process: with several replicas each holds its own buckets.
"""

from __future__ import annotations

import math
from collections import OrderedDict
from dataclasses import dataclass
from datetime import timedelta
from typing import Literal

from commands.desk.domain.ratelimit_config import UNIT_NAMES, Rate, RateLimitsConfig
from commands.desk.reply import Request
from commands.domain.clock import Clock
from commands.domain.i18n.catalog import t
from commands.domain.i18n.format import format_duration, persian_digits

Scope = Literal["person", "channel", "engineer"]


@dataclass
class _Bucket:
    tokens: float
    at: float  # seconds since the epoch when ``tokens`` was true


@dataclass(frozen=True)
class Refusal:
    scope: Scope
    rate: Rate
    retry_after: int  # whole seconds until one more command will be accepted (at least 1)


class TokenBuckets:
    """Buckets by key with a least-recently-used bound."""

    def __init__(self, max_buckets: int) -> None:
        self.max_buckets = max_buckets
        self._buckets: OrderedDict[str, _Bucket] = OrderedDict()

    def __len__(self) -> int:
        return len(self._buckets)

    def wait(self, key: str, rate: Rate, now: float) -> float:
        """Seconds until ``key`` has a whole token (0 if it has one now). Takes nothing."""
        bucket = self._refilled(key, rate, now)
        return 0.0 if bucket.tokens >= 1 else (1 - bucket.tokens) / rate.per_second

    def take(self, key: str, rate: Rate, now: float) -> None:
        self._refilled(key, rate, now).tokens -= 1

    def _refilled(self, key: str, rate: Rate, now: float) -> _Bucket:
        bucket = self._buckets.get(key)
        if bucket is None:
            bucket = self._buckets[key] = _Bucket(tokens=float(rate.burst), at=now)
            while len(self._buckets) > self.max_buckets:
                self._buckets.popitem(last=False)
        else:
            self._buckets.move_to_end(key)
            elapsed = max(0.0, now - bucket.at)  # a clock set back refills nothing rather than draining
            bucket.tokens = min(float(rate.burst), bucket.tokens + elapsed * rate.per_second)
            bucket.at = max(bucket.at, now)
        return bucket


class RateLimiter:
    def __init__(self, config: RateLimitsConfig, clock: Clock) -> None:
        self.config = config
        self.clock = clock
        self._rates: dict[Scope, Rate] = {s: config.rate(s) for s in ("person", "channel", "engineer")}
        self.buckets = TokenBuckets(config.max_buckets)
        self._admitted: OrderedDict[str, None] = OrderedDict()

    def check(self, request: Request, *, staff: bool) -> Refusal | None:
        """None if the command may go on (and charge it), else why not and for how long."""
        if not self.config.enabled:
            return None
        delivery = f"{request.transport}:{request.delivery_id}" if request.delivery_id else None
        if delivery is not None and delivery in self._admitted:
            self._admitted.move_to_end(delivery)
            return None
        now = self.clock.now().timestamp()
        checks: list[tuple[Scope, str]] = (
            [("engineer", f"e:{request.identity}")] if staff
            else [("person", f"p:{request.identity}"), ("channel", f"c:{request.channel}")])
        for scope, key in checks:  # all must have a token before any is taken
            wait = self.buckets.wait(key, self._rates[scope], now)
            if wait > 0:
                return Refusal(scope, self._rates[scope], max(1, math.ceil(wait - 1e-9)))
        for scope, key in checks:
            self.buckets.take(key, self._rates[scope], now)
        if delivery is not None:
            self._admitted[delivery] = None
            while len(self._admitted) > self.config.max_buckets:
                self._admitted.popitem(last=False)
        return None


def refusal_params(refusal: Refusal, locale: str) -> tuple[str, dict[str, object]]:
    """The catalogue id and parameters of the polite refusal: the limit and when to try again."""
    count = str(refusal.rate.count)
    if refusal.retry_after < 60:
        wait = t(locale, "ratelimit.seconds", n=refusal.retry_after)
    else:  # whole minutes, rounded up so "try again in 2 min" is never too early
        wait = format_duration(timedelta(minutes=math.ceil(refusal.retry_after / 60)), locale)
    if locale == "fa":
        count, wait = persian_digits(count), persian_digits(wait)
    rate = t(locale, f"ratelimit.rate.{UNIT_NAMES[refusal.rate.period]}", count=count)
    msgid = "ratelimit.channel" if refusal.scope == "channel" else "ratelimit.person"
    return msgid, {"rate": rate, "wait": wait}
