"""A fake backup API on 127.0.0.1: POST /backups starts a job, GET /backups/<id> reports its state
("running" until the ``polls``-th status request, then "done" or "failed"), GET /backups/<id>/file
downloads the artifact. ``polls=None`` never finishes."""

from __future__ import annotations

from dataclasses import dataclass, field

from aiohttp import web


@dataclass
class FakeBackupApi:
    polls: int | None = 3  # status requests until the job is done; None: never
    outcome: str = "done"  # or "failed"
    token: str = "t0ken"
    content: bytes = b"CRM database backup\x00\x01"
    started: int = 0
    status_requests: int = 0
    seen_auth: list[str] = field(default_factory=list)

    def app(self) -> web.Application:
        app = web.Application()
        app.router.add_post("/backups", self.start)
        app.router.add_get("/backups/{job}", self.status)
        app.router.add_get("/backups/{job}/file", self.download)
        return app

    def _auth(self, request: web.Request) -> None:
        header = request.headers.get("Authorization", "")
        self.seen_auth.append(header)
        if header != f"Bearer {self.token}":
            raise web.HTTPUnauthorized()

    async def start(self, request: web.Request) -> web.Response:
        self._auth(request)
        self.started += 1
        return web.json_response({"id": f"job-{self.started}", "status": "queued"}, status=202)

    async def status(self, request: web.Request) -> web.Response:
        self._auth(request)
        self.status_requests += 1
        job = request.match_info["job"]
        if self.polls is not None and self.status_requests >= self.polls:
            message = "disk full" if self.outcome == "failed" else "ok"
            return web.json_response({"job": {"id": job, "state": self.outcome, "message": message}})
        return web.json_response({"job": {"id": job, "state": "running", "percent": 30 * self.status_requests}})

    async def download(self, request: web.Request) -> web.Response:
        self._auth(request)
        return web.Response(body=self.content, content_type="application/octet-stream")
