"""One small HTTP server for the desk's endpoints (Slack's events, Telegram's webhook, the operations
server): a Starlette app under uvicorn, served as a task of the process's one event loop."""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import Iterator

import uvicorn
from starlette.types import ASGIApp


class _Server(uvicorn.Server):
    """uvicorn without its signal handlers: the desk's process owns SIGTERM/SIGINT."""

    @contextlib.contextmanager
    def capture_signals(self) -> Iterator[None]:
        yield


class HttpServer:
    def __init__(self, app: ASGIApp, host: str, port: int, *, name: str,
                 graceful_timeout: int | None = None) -> None:
        self.app, self.host, self._port, self.name = app, host, port, name
        self._graceful = graceful_timeout
        self._server: _Server | None = None
        self._serving: asyncio.Task[None] | None = None

    async def start(self) -> None:
        """Listen; returns once bound, or raises why it could not (e.g. the port is taken)."""
        # log_config=None: uvicorn's lines go through the process's own (JSON) logging.
        config = uvicorn.Config(self.app, host=self.host, port=self._port, log_level="warning", lifespan="off",
                                access_log=False, log_config=None, timeout_graceful_shutdown=self._graceful)
        self._server = _Server(config)
        self._serving = asyncio.create_task(self._server.serve(), name=self.name)
        while not self._server.started:  # bounded by uvicorn: it either binds or the task ends
            if self._serving.done():
                await self._serving  # re-raise why it could not start (uvicorn exits when the port is taken)
                raise RuntimeError(f"{self.name} could not listen on {self.host}:{self._port}")
            await asyncio.sleep(0.01)

    @property
    def running(self) -> bool:
        return self._server is not None

    @property
    def port(self) -> int:
        """The port it listens on (useful with port 0)."""
        assert self._server is not None and self._server.servers, f"{self.name} is not running"
        return int(self._server.servers[0].sockets[0].getsockname()[1])

    async def stop(self) -> None:
        if self._server is not None and self._serving is not None:
            self._server.should_exit = True
            await self._serving
            self._server = self._serving = None
