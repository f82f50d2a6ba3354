"""A simulated ZOOM CallRec on 127.0.0.1: its web interface (``GET /callrec/``) and a recordings endpoint
(``GET /callrec/api/recordings/newest``) that answers the newest recording's start time as JSON, on the
desk's clock, for the freshness check (contract IV 1.1: "CallRec stopped recording"). While it records, the
newest recording began ``RECORDING_EVERY`` ago; ``stop_recording()`` freezes it, as when the recorder stops
writing calls while its web interface still answers. Also a tiny service with a JSON health document
(the CTI integration's ``/health``).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

from aiohttp import web

from commands.domain.clock import Clock

RECORDING_EVERY = timedelta(seconds=40)  # a busy contact centre: a new call recorded every ~40 s


@dataclass
class FakeCallRec:
    clock: Clock
    stopped_at: datetime | None = None

    def stop_recording(self) -> None:
        self.stopped_at = self.clock.now()

    def start_recording(self) -> None:
        self.stopped_at = None

    def newest(self) -> datetime:
        return self.stopped_at if self.stopped_at is not None else self.clock.now() - RECORDING_EVERY

    def app(self) -> web.Application:
        app = web.Application()
        app.router.add_get("/callrec/", self.page)
        app.router.add_get("/callrec/api/recordings/newest", self.newest_recording)
        return app

    async def page(self, request: web.Request) -> web.Response:
        return web.Response(text="<html><title>ZOOM CallRec</title><body>CallRec web</body></html>",
                            content_type="text/html")

    async def newest_recording(self, request: web.Request) -> web.Response:
        return web.json_response({"newest": {"start_ts": self.newest().isoformat()}})


def status_app(status: str = "ok") -> web.Application:
    """``GET /health`` → ``{"status": "ok"}``: a service that reports its own health as JSON."""

    async def health(request: web.Request) -> web.Response:
        return web.json_response({"status": status})

    app = web.Application()
    app.router.add_get("/health", health)
    return app
