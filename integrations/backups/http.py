"""The HTTP driver: start a backup with one request, poll a status endpoint until it is done, failed or
timed out, then download the artifact (or keep the final status document as the record)."""

from __future__ import annotations

import asyncio
import json
import os
import time
from collections.abc import Awaitable, Callable, Mapping
from pathlib import Path
from typing import Any
from urllib.parse import quote

import httpx

from commands.backups.domain.config import HttpTarget
from integrations.backups.base import BackupFailed, Produced, Progress, secret


def dig(doc: Any, path: str) -> Any:
    """The value at a dotted path of a JSON document (``job.id``, ``items.0.state``), or None."""
    cur = doc
    for part in path.split("."):
        if isinstance(cur, dict):
            cur = cur.get(part)
        elif isinstance(cur, list) and part.isdigit() and int(part) < len(cur):
            cur = cur[int(part)]
        else:
            return None
    return cur


class HttpDriver:
    def __init__(self, cfg: HttpTarget, *, env: Mapping[str, str] | None = None,
                 sleep: Callable[[float], Awaitable[None]] = asyncio.sleep,
                 transport: httpx.AsyncBaseTransport | None = None) -> None:
        self.cfg = cfg
        self.env = os.environ if env is None else env
        self.sleep = sleep
        self.transport = transport
        self.timeout = cfg.timeout_seconds

    def _client(self) -> httpx.AsyncClient:
        cfg = self.cfg
        headers = dict(cfg.headers)
        token = secret(self.env, cfg.token_env, "token_env")
        if token:
            headers["Authorization"] = f"Bearer {token}"
        auth = None
        if cfg.username is not None:
            auth = httpx.BasicAuth(cfg.username, secret(self.env, cfg.password_env, "password_env") or "")
        verify: Any = cfg.ca_file if (cfg.verify and cfg.ca_file) else cfg.verify
        return httpx.AsyncClient(headers=headers, auth=auth, verify=verify, transport=self.transport,
                                 timeout=httpx.Timeout(min(60.0, self.timeout)), follow_redirects=False)

    @staticmethod
    def _json(response: httpx.Response, what: str) -> Any:
        if response.status_code >= 400:
            raise BackupFailed(f"{what}: HTTP {response.status_code} {response.reason_phrase}")
        try:
            return response.json()
        except ValueError:
            raise BackupFailed(f"{what}: the answer is not JSON") from None

    async def run(self, workdir: Path, progress: Progress) -> Produced:
        try:
            return await asyncio.wait_for(self._run(workdir, progress), self.timeout)
        except TimeoutError:
            raise BackupFailed(f"not finished after {self.timeout:g}s") from None
        except httpx.HTTPError as exc:
            raise BackupFailed(f"{type(exc).__name__}: {exc}") from None

    async def _run(self, workdir: Path, progress: Progress) -> Produced:
        cfg = self.cfg
        async with self._client() as client:
            started = self._json(await client.request(cfg.start_method, cfg.start_url, json=cfg.start_json), "start")
            job_id = dig(started, cfg.job_id_field) if cfg.job_id_field else None
            if cfg.job_id_field and job_id is None:
                raise BackupFailed(f"start: no {cfg.job_id_field!r} in the answer")
            job = "" if job_id is None else str(job_id)
            quoted = quote(job, safe="")  # the server's id goes into a path: escaped
            status_url = cfg.status_url.replace("{job_id}", quoted)
            await progress(f"job {job}" if job else "started")
            t0 = time.monotonic()
            polls = 0
            while True:
                doc = self._json(await client.get(status_url), "status")
                polls += 1
                state = str(dig(doc, cfg.state_field) or "").strip()
                folded = state.casefold()
                if folded in {v.casefold() for v in cfg.done_values}:
                    break
                if folded in {v.casefold() for v in cfg.failed_values}:
                    message = dig(doc, cfg.message_field) if cfg.message_field else None
                    raise BackupFailed(f"the server reports {state}" + (f": {message}" if message else ""))
                await progress(f"{state or '…'} ({polls} polls, {time.monotonic() - t0:.0f}s)")
                await self.sleep(cfg.poll_seconds)
            if cfg.download_url:
                url = cfg.download_url.replace("{job_id}", quoted)
                name = Path(httpx.URL(url).path).name or "backup.bin"
                async with client.stream("GET", url) as response:
                    if response.status_code >= 400:
                        raise BackupFailed(f"download: HTTP {response.status_code}")
                    with (workdir / name).open("wb") as f:
                        async for chunk in response.aiter_bytes():
                            f.write(chunk)
            else:
                (workdir / "status.json").write_text(json.dumps(doc, indent=2, ensure_ascii=False, sort_keys=True))
        return Produced(note=f"job {job}" if job else "")
