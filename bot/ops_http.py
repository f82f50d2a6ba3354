"""The operations HTTP server of ``dutydesk run`` (when ``DUTYDESK_HTTP_PORT`` is set): liveness,
readiness, Prometheus metrics and the command intake, on Starlette under uvicorn in the desk's loop."""

from __future__ import annotations

import asyncio
import hmac
from collections.abc import Sequence

from starlette.applications import Starlette
from starlette.requests import Request as HttpRequest
from starlette.responses import JSONResponse, Response
from starlette.routing import BaseRoute, Route

from bot.api_intake import CommandIntake
from bot.metrics import OpsMetrics
from bot.readiness import Readiness
from integrations.http_server import HttpServer

# The text format every Prometheus understands (generate_latest writes it).
PROMETHEUS_TEXT = "text/plain; version=0.0.4; charset=utf-8"


class OpsServer:
    def __init__(self, host: str, port: int, readiness: Readiness, metrics: OpsMetrics,
                 intake: CommandIntake | None, *, metrics_here: bool = True, metrics_token: str | None = None,
                 probes_here: bool = True, pages: Sequence[BaseRoute] = ()) -> None:
        self.host, self._port = host, port
        self.readiness, self.metrics, self.intake = readiness, metrics, intake
        # /metrics names customers and components: served here only when asked to, and then with the
        # bearer token when one is set (bot/settings.py OpsSettings.metrics_on_http_port decides).
        self.metrics_here, self.probes_here = metrics_here, probes_here
        self._metrics_token = metrics_token.encode() if metrics_token else None
        self.pages = list(pages)  # the web application's routes (integrations/web), when it is served
        self._server: HttpServer | None = None

    def web(self) -> Starlette:
        routes = []
        if self.probes_here:
            routes += [Route("/healthz", self.healthz, methods=["GET"]), Route("/readyz", self.readyz, methods=["GET"])]
        if self.metrics_here:
            routes.append(Route("/metrics", self.metrics_endpoint, methods=["GET"]))
        if self.intake is not None and self.probes_here:
            routes.append(Route("/api/v1/commands", self.intake.handle, methods=["POST"]))
        app = Starlette(routes=[*routes, *self.pages])
        # No "/healthz/" → "/healthz" redirect: Starlette builds it from the Host header, so a request with
        # "Host: evil.example" would be sent to evil.example. A wrong path is simply not found.
        app.router.redirect_slashes = False
        return app

    async def start(self) -> None:
        server = HttpServer(self.web(), self.host, self._port, name="the operations HTTP server", graceful_timeout=5)
        await server.start()
        self._server = server

    @property
    def port(self) -> int:
        assert self._server is not None, "the operations server is not running"
        return self._server.port

    async def stop(self) -> None:
        if self._server is not None:
            await self._server.stop()
            self._server = None

    # -- endpoints ----------------------------------------------------------------------------
    async def healthz(self, request: HttpRequest) -> Response:
        return JSONResponse({"status": "ok"})  # answering at all is the point: the event loop runs

    async def readyz(self, request: HttpRequest) -> Response:
        status, problems = await self.readiness.verdict()
        if status == "ready":
            return JSONResponse({"status": "ready"})
        return JSONResponse({"status": status, "problems": problems}, status_code=200 if status == "degraded" else 503)

    async def metrics_endpoint(self, request: HttpRequest) -> Response:
        if self._metrics_token is not None:
            scheme, _, given = request.headers.get("authorization", "").partition(" ")
            if scheme.lower() != "bearer" or not hmac.compare_digest(given.strip().encode(), self._metrics_token):
                return Response(status_code=401, headers={"WWW-Authenticate": "Bearer"})
        body = await asyncio.to_thread(self.metrics.render)  # it reads the database: off the event loop
        return Response(body, media_type=PROMETHEUS_TEXT)
