"""Freshness probe: the newest timestamp of something (a recording, a row, a file) must be recent.

This is the contract's "CallRec stopped creating recordings" check (IV 1.1): a SQL query (any SQLAlchemy
URL) or an HTTP JSON value gives the newest recording's time, which must be newer than ``max_age`` — but
only while recordings are expected (``active``: the customer's calendar), and counted from the opening of
the current working period, so the first minutes of a morning do not alarm about last night's silence.
"""

from __future__ import annotations

import asyncio
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

import httpx

from commands.domain.clock import Clock, SystemClock
from integrations.probes.base import ProbeResult, down, one_line, timed, up
from integrations.probes.http import PathError, json_at, tls_verify

ActiveSince = Callable[[datetime], datetime | None]
"""When the current period in which fresh values are expected began (None: not expected now)."""


def to_instant(value: Any, naive_tz: ZoneInfo) -> datetime:
    """A timestamp from a database or JSON: datetime, ISO text, or epoch seconds/milliseconds."""
    if isinstance(value, datetime):
        dt = value
    elif isinstance(value, int | float) and not isinstance(value, bool):
        seconds = float(value) / 1000 if value > 10_000_000_000 else float(value)
        return datetime.fromtimestamp(seconds, UTC)
    elif isinstance(value, str):
        text = value.strip()
        if text.replace(".", "", 1).isdigit():
            return to_instant(float(text), naive_tz)
        dt = datetime.fromisoformat(text.replace("Z", "+00:00"))
    else:
        raise ValueError(f"{value!r} is not a timestamp")
    if dt.tzinfo is None:
        dt = dt.replace(tzinfo=naive_tz)
    return dt.astimezone(UTC)


def _age_text(age: timedelta) -> str:
    minutes = int(age.total_seconds() // 60)
    if minutes < 120:
        return f"{minutes} min"
    hours = minutes // 60
    return f"{hours} h {minutes % 60} min" if hours < 48 else f"{hours // 24} days"


@dataclass
class FreshnessProbe:
    max_age: timedelta
    timeout: float = 10.0
    what: str = "newest value"
    # one of the two sources:
    sql_url: str | None = None
    query: str | None = None
    http_url: str | None = None
    json_path: str | None = None
    headers: dict[str, str] = field(default_factory=dict)
    username: str | None = None
    password: str | None = None
    bearer: str | None = None
    verify: bool = True
    ca_file: str | None = None
    naive_tz: ZoneInfo = field(default_factory=lambda: ZoneInfo("UTC"))
    active_since: ActiveSince | None = None  # None: always expected
    clock: Clock = field(default_factory=SystemClock)
    _engine: Any = None

    async def check(self) -> ProbeResult:
        return await timed(self.timeout, self._once)

    async def read_newest(self) -> Any:
        if self.sql_url:
            return await asyncio.to_thread(self._sql)
        assert self.http_url and self.json_path is not None
        auth = httpx.BasicAuth(self.username, self.password or "") if self.username else None
        headers = dict(self.headers)
        if self.bearer:
            headers["Authorization"] = f"Bearer {self.bearer}"
        async with httpx.AsyncClient(verify=tls_verify(self.verify, self.ca_file), auth=auth,
                                     timeout=self.timeout) as client:
            resp = await client.get(self.http_url, headers=headers)
        if resp.status_code != 200:
            raise ValueError(f"HTTP {resp.status_code} from {self.http_url}")
        try:
            return json_at(resp.json(), self.json_path)
        except PathError as err:
            raise ValueError(str(err)) from None

    def _sql(self) -> Any:
        import sqlalchemy as sa

        if self._engine is None:
            assert self.sql_url
            args: dict[str, Any] = {}
            if self.sql_url.startswith("postgresql"):
                args["connect_timeout"] = max(1, int(self.timeout))
            self._engine = sa.create_engine(self.sql_url, pool_pre_ping=True, connect_args=args)
        with self._engine.connect() as conn:
            return conn.execute(sa.text(self.query or "")).scalar()

    async def _once(self) -> ProbeResult:
        now = self.clock.now()
        since = self.active_since(now) if self.active_since is not None else None
        value = await self.read_newest()
        if value is None:
            newest = None
        else:
            try:
                newest = to_instant(value, self.naive_tz)
            except ValueError as err:
                return down(one_line(f"{self.what}: {err}"))
        if self.active_since is not None and since is None:
            seen = newest.isoformat(timespec="minutes") if newest else "none"
            return up(f"not expected now (outside working hours); {self.what} {seen}", newest=seen)
        if newest is None:
            if since is not None and now - since <= self.max_age:
                return up(f"no {self.what} yet; expected within {_age_text(self.max_age)} of the opening")
            return down(f"no {self.what} at all")
        age = now - newest
        # Counted from the later of the newest value and the opening of the current working period.
        quiet = now - max(newest, since) if since is not None else age
        if quiet > self.max_age:
            return down(f"{self.what} is {_age_text(age)} old (limit {_age_text(self.max_age)})",
                        newest=newest.isoformat(), age_seconds=int(age.total_seconds()))
        return up(f"{self.what} {_age_text(max(age, timedelta(0)))} ago", newest=newest.isoformat(),
                  age_seconds=int(age.total_seconds()))
