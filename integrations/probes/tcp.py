"""TCP connect probe: does anything accept connections on host:port?"""

from __future__ import annotations

import asyncio
import contextlib
from dataclasses import dataclass

from integrations.probes.base import ProbeResult, timed, up


@dataclass
class TcpProbe:
    host: str
    port: int
    timeout: float = 5.0

    async def check(self) -> ProbeResult:
        return await timed(self.timeout, self._once)

    async def _once(self) -> ProbeResult:
        _reader, writer = await asyncio.open_connection(self.host, self.port)
        writer.close()
        with contextlib.suppress(OSError):
            await writer.wait_closed()
        return up(f"{self.host}:{self.port} accepts connections")
