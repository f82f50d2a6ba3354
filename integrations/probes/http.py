"""HTTP(S) probe: expected status, a keyword in the body, or a JSON value at a path; basic or bearer auth;
TLS verification on unless switched off for this check."""

from __future__ import annotations

import re
import ssl
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

import httpx

from integrations.probes.base import ProbeResult, degraded, down, one_line, timed, up
from integrations.probes.http_auth import legacy_auth, refusal
from integrations.probes.oauth import TokenError

_INDEX = re.compile(r"\[(\d+)\]")


class PathError(LookupError):
    pass


def json_at(data: Any, path: str) -> Any:
    """The value at ``path`` in parsed JSON: ``status``, ``a.b[0].c``, ``$.a.b.0.c``."""
    path = path.strip()
    if path.startswith("$"):
        path = path[1:].lstrip(".")
    if not path:
        return data
    value = data
    for part in _INDEX.sub(r".\1", path).split("."):
        if part == "":
            continue
        if isinstance(value, Mapping):
            if part not in value:
                raise PathError(f"no {part!r} at {path}")
            value = value[part]
        elif isinstance(value, Sequence) and not isinstance(value, str | bytes):
            if not part.isdigit() or int(part) >= len(value):
                raise PathError(f"no item {part} at {path}")
            value = value[int(part)]
        else:
            raise PathError(f"{path}: {part!r} is inside a {type(value).__name__}")
    return value


def same_value(found: Any, expected: Any) -> bool:
    if isinstance(expected, bool) or isinstance(found, bool):
        return found is expected or str(found).casefold() == str(expected).casefold()
    if isinstance(expected, int | float) and isinstance(found, int | float):
        return float(found) == float(expected)
    return str(found) == str(expected)


def tls_verify(verify: bool, ca_file: str | None) -> ssl.SSLContext | bool:
    if not verify:
        return False
    if ca_file:
        return ssl.create_default_context(cafile=ca_file)
    return True


@dataclass
class HttpProbe:
    url: str
    timeout: float = 10.0
    method: str = "GET"
    expect_status: tuple[int, ...] = (200,)
    keyword: str | None = None
    json_path: str | None = None
    json_value: Any = None
    headers: dict[str, str] = field(default_factory=dict)
    body: str | None = None
    username: str | None = None
    password: str | None = None
    bearer: str | None = None
    verify: bool = True
    ca_file: str | None = None
    slow_ms: float | None = None  # slower than this is degraded
    auth: httpx.Auth | None = None  # when set, instead of username/password/bearer (http_auth.py)

    def _auth(self) -> httpx.Auth | None:
        return self.auth or legacy_auth(self.username, self.password, self.bearer)

    def client(self) -> httpx.AsyncClient:
        return httpx.AsyncClient(verify=tls_verify(self.verify, self.ca_file), auth=self._auth(),
                                 timeout=self.timeout, follow_redirects=True)

    async def check(self) -> ProbeResult:
        result = await timed(self.timeout, self._once)
        if result.status == "up" and self.slow_ms is not None and (result.latency_ms or 0) > self.slow_ms:
            return ProbeResult("degraded", f"{result.reason}; slow ({result.latency_ms:.0f} ms > {self.slow_ms:g} ms)",
                               result.latency_ms, result.details)
        return result

    async def _once(self) -> ProbeResult:
        try:
            async with self.client() as client:
                resp = await client.request(self.method, self.url, headers=dict(self.headers), content=self.body)
        except TokenError as err:
            return (degraded if err.refused else down)(err.reason, auth_failed=err.refused)
        auth = self._auth()
        if resp.status_code == 401 and auth is not None and 401 not in self.expect_status:
            # The server answered; the login is what failed: say so, and do not call it an outage.
            return degraded(one_line(f"authentication failed: the server {refusal(resp, auth)}"), auth_failed=True)
        return judge_response(resp, self.expect_status, self.keyword, self.json_path, self.json_value)


def judge_response(resp: httpx.Response, expect_status: tuple[int, ...], keyword: str | None,
                   json_path: str | None, json_value: Any) -> ProbeResult:
    if resp.status_code not in expect_status:
        want = "/".join(str(s) for s in expect_status)
        return down(f"HTTP {resp.status_code} {resp.reason_phrase} (expected {want})".replace("  ", " "))
    if keyword is not None and keyword not in resp.text:
        return down(f"HTTP {resp.status_code} but {keyword!r} is not in the page")
    if json_path is not None:
        try:
            found = json_at(resp.json(), json_path)
        except ValueError:
            return down(f"HTTP {resp.status_code} but the body is not JSON")
        except PathError as err:
            return down(one_line(f"HTTP {resp.status_code} but {err}"))
        if json_value is not None and not same_value(found, json_value):
            return down(one_line(f"{json_path} is {found!r}, expected {json_value!r}"), value=found)
        return up(one_line(f"HTTP {resp.status_code}, {json_path} = {found!r}"), value=found)
    return up(f"HTTP {resp.status_code}")
