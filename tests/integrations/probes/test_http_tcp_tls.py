"""HTTP, TCP and TLS probes against real servers on 127.0.0.1."""

from __future__ import annotations

import asyncio
import socket
from datetime import UTC, datetime, timedelta
from pathlib import Path

from aiohttp import web

from commands.domain.clock import FakeClock
from integrations.probes.http import HttpProbe, json_at
from integrations.probes.tcp import TcpProbe
from integrations.probes.tls import TlsProbe
from tests.fakes.cisco import serve
from tests.integrations.probes.certs import self_signed, server_context


def _app() -> web.Application:
    async def ok(_: web.Request) -> web.Response:
        return web.Response(text="<html>CallRec web: all services running</html>")

    async def status(_: web.Request) -> web.Response:
        return web.json_response({"db": {"state": "ok"}, "queues": [{"depth": 3}]})

    async def broken(_: web.Request) -> web.Response:
        return web.Response(status=503, text="maintenance")

    async def private(request: web.Request) -> web.Response:
        if request.headers.get("Authorization") not in ("Basic dXNlcjpwdw==", "Bearer t0k"):
            return web.Response(status=401)
        return web.Response(text="secret page")

    async def hang(_: web.Request) -> web.Response:
        await asyncio.sleep(30)
        return web.Response(text="late")

    app = web.Application()
    for path, handler in (("/", ok), ("/status", status), ("/broken", broken), ("/private", private),
                          ("/hang", hang)):
        app.router.add_get(path, handler)
    return app


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def test_json_paths() -> None:
    data = {"a": {"b": [{"c": 1}]}}
    assert json_at(data, "a.b[0].c") == 1
    assert json_at(data, "$.a.b.0.c") == 1


async def test_http_status_keyword_and_json_value() -> None:
    async with serve(_app()) as base:
        assert (await HttpProbe(f"{base}/").check()).status == "up"
        r = await HttpProbe(f"{base}/", keyword="all services running").check()
        assert r.status == "up" and r.latency_ms is not None
        r = await HttpProbe(f"{base}/", keyword="recording").check()
        assert r.status == "down" and "'recording' is not in the page" in r.reason
        r = await HttpProbe(f"{base}/broken").check()
        assert r.status == "down" and r.reason.startswith("HTTP 503")
        assert (await HttpProbe(f"{base}/broken", expect_status=(503,)).check()).status == "up"
        r = await HttpProbe(f"{base}/status", json_path="db.state", json_value="ok").check()
        assert r.status == "up" and "db.state = 'ok'" in r.reason
        r = await HttpProbe(f"{base}/status", json_path="queues[0].depth", json_value=0).check()
        assert r.status == "down" and "expected 0" in r.reason
        r = await HttpProbe(f"{base}/status", json_path="db.missing").check()
        assert r.status == "down" and "missing" in r.reason


async def test_http_basic_and_bearer_auth() -> None:
    async with serve(_app()) as base:
        assert (await HttpProbe(f"{base}/private").check()).reason.startswith("HTTP 401")
        assert (await HttpProbe(f"{base}/private", username="user", password="pw").check()).status == "up"
        assert (await HttpProbe(f"{base}/private", bearer="t0k").check()).status == "up"


async def test_http_hang_is_down_after_the_timeout() -> None:
    async with serve(_app()) as base:
        r = await HttpProbe(f"{base}/hang", timeout=0.3).check()
    assert r.status == "down" and "0.3s" in r.reason


async def test_http_connection_refused() -> None:
    r = await HttpProbe(f"http://127.0.0.1:{free_port()}/").check()
    assert r.status == "down" and r.reason


async def test_https_verifies_certificates_by_default(tmp_path: Path) -> None:
    cert, key = self_signed(tmp_path, not_after=datetime.now(UTC) + timedelta(days=90))
    async with serve(_app(), server_context(cert, key)) as base:
        r = await HttpProbe(f"{base}/").check()
        assert r.status == "down" and "certificate" in r.reason.lower()
        assert (await HttpProbe(f"{base}/", ca_file=str(cert)).check()).status == "up"
        assert (await HttpProbe(f"{base}/", verify=False).check()).status == "up"


async def test_tcp_open_and_closed_port() -> None:
    server = await asyncio.start_server(lambda r, w: w.close(), "127.0.0.1", 0)
    port = server.sockets[0].getsockname()[1]
    try:
        r = await TcpProbe("127.0.0.1", port).check()
        assert r.status == "up" and r.latency_ms is not None
    finally:
        server.close()
        await server.wait_closed()
    r = await TcpProbe("127.0.0.1", free_port()).check()
    assert r.status == "down" and r.reason == "connection refused"


async def _tls_server(cert: Path, key: Path) -> tuple[asyncio.Server, int]:
    server = await asyncio.start_server(lambda r, w: None, "127.0.0.1", 0, ssl=server_context(cert, key))
    return server, server.sockets[0].getsockname()[1]


async def test_tls_certificate_expiring_soon_is_degraded(tmp_path: Path) -> None:
    now = datetime.now(UTC)
    cert, key = self_signed(tmp_path, not_after=now + timedelta(days=5, hours=1))
    server, port = await _tls_server(cert, key)
    try:
        r = await TlsProbe("127.0.0.1", port, ca_file=str(cert), warn_days=14).check()
        assert r.status == "degraded" and "expires in 5 day(s)" in r.reason
        r = await TlsProbe("127.0.0.1", port, ca_file=str(cert), warn_days=3).check()
        assert r.status == "up" and "valid for 5 more days" in r.reason
        # The clock the desk runs on decides the days left.
        r = await TlsProbe("127.0.0.1", port, ca_file=str(cert), verify=False,
                           clock=FakeClock(now + timedelta(days=6))).check()
        assert r.status == "down" and "expired" in r.reason
        r = await TlsProbe("127.0.0.1", port).check()  # not signed by a known authority
        assert r.status == "down" and "does not verify" in r.reason
    finally:
        server.close()
        await server.wait_closed()


async def test_tls_expired_certificate_is_down(tmp_path: Path) -> None:
    now = datetime.now(UTC)
    cert, key = self_signed(tmp_path, not_before=now - timedelta(days=30), not_after=now - timedelta(days=1))
    server, port = await _tls_server(cert, key)
    try:
        r = await TlsProbe("127.0.0.1", port, ca_file=str(cert)).check()
        assert r.status == "down" and "expired" in r.reason
        r = await TlsProbe("127.0.0.1", port, verify=False).check()
        assert r.status == "down" and "expired on" in r.reason
    finally:
        server.close()
        await server.wait_closed()
