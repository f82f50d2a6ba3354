"""The pages served by real processes: ``dutydesk run`` on its operations HTTP server, and the console desk
(``dutydesk chat``), where /web prints the DM with a link that signs in."""

from __future__ import annotations

import asyncio
import os
import re
import socket
import sys
from pathlib import Path

import httpx

from tests.bot.ops_helpers import start_desk
from tests.conftest import EXAMPLES, pinned_clock

LINK = re.compile(r"(http://127\.0\.0\.1:\d+/signin/[A-Za-z0-9_-]+)")


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


async def test_dutydesk_run_serves_the_pages_beside_the_probes(tmp_path: Path) -> None:
    port = _free_port()
    desk = await start_desk(tmp_path, {"DUTYDESK_HTTP_PORT": str(port), "DUTYDESK_PUBLIC_URL": f"http://127.0.0.1:{port}"})
    try:
        async with httpx.AsyncClient(base_url=desk.base_url, timeout=30) as client:
            page = await client.get("/signin")
            assert page.status_code == 200 and "frame-ancestors 'none'" in page.headers["content-security-policy"]
            assert (await client.get("/incidents")).status_code == 303
            assert (await client.get("/static/web.css")).status_code == 200
            assert (await client.get("/healthz")).status_code == 200
    finally:
        assert await desk.stop() == 0


async def test_without_a_public_address_no_page_is_served(tmp_path: Path) -> None:
    desk = await start_desk(tmp_path, {})
    try:
        async with httpx.AsyncClient(base_url=desk.base_url, timeout=30) as client:
            assert (await client.get("/signin")).status_code == 404
    finally:
        assert await desk.stop() == 0


async def test_the_console_desk_sends_a_link_that_signs_in(tmp_path: Path) -> None:
    port = _free_port()
    base = f"http://127.0.0.1:{port}"
    env = {**os.environ, **pinned_clock(tmp_path), "DUTYDESK_HTTP_PORT": str(port), "DUTYDESK_PUBLIC_URL": base}
    proc = await asyncio.create_subprocess_exec(
        sys.executable, "-m", "bot", "--database", f"sqlite:///{tmp_path / 'chat.db'}", "chat", "--config",
        str(EXAMPLES / "noi.toml"), "--as", "ivana", env=env, stdin=asyncio.subprocess.PIPE,
        stdout=asyncio.subprocess.PIPE, stderr=asyncio.subprocess.PIPE)
    assert proc.stdin is not None and proc.stdout is not None
    try:
        proc.stdin.write(b"/web\n")
        await proc.stdin.drain()
        seen = ""
        while not LINK.search(seen):  # the dispatcher prints the DM when it has delivered it
            line = (await asyncio.wait_for(proc.stdout.readline(), 60)).decode()
            assert line, seen
            seen += line
        match = LINK.search(seen)
        assert match is not None
        link = match.group(1)
        async with httpx.AsyncClient(timeout=30) as client:
            opened = await client.get(link)
            assert opened.status_code == 200
            csrf = re.search(r'name="csrf" value="([^"]+)"', opened.text)
            assert csrf
            signed = await client.post(link, data={"csrf": csrf.group(1)})
            assert signed.status_code == 303
            register = await client.get(f"{base}/incidents")
            assert register.status_code == 200 and "Ивана Петрова" in register.text
    finally:
        proc.stdin.close()
        await asyncio.wait_for(proc.wait(), 60)
