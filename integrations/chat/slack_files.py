"""The files of a Slack message (``files[]`` of a ``file_share`` message event), fetched for the desk.

https://api.slack.com/types/file: each item has ``id``, ``name``, ``mimetype``, ``size`` and
``url_private_download``; ``mode`` "external" (a link to Google Drive and the like), "tombstone" (deleted)
and "hidden_by_limit" (beyond a free workspace's history) have no bytes Slack serves. A file's URL needs
the bot token as ``Authorization: Bearer`` (https://api.slack.com/types/file#auth); without it Slack
answers with its sign-in page (HTML, status 200), which must never be kept as the file.

Everything in an event is the sender's data: the desk fetches only from Slack's own file host, never
follows a redirect, refuses by the declared size before fetching and stops reading past the limit (the
declared size may lie).
"""

from __future__ import annotations

import logging
from collections.abc import Sequence
from typing import Any

import aiohttp
from yarl import URL

from commands.incidents.attachments import Refused, Upload
from commands.incidents.domain.attachments import clean_filename
from integrations.chat.uploads import UNAVAILABLE, Fetched

log = logging.getLogger(__name__)
NOT_SERVED = frozenset({"external", "tombstone", "hidden_by_limit", "snippet_tombstone"})
CHUNK = 64 * 1024


def file_origins(api_base_url: str) -> frozenset[tuple[str, str, int]]:
    """Where the workspace's files may be fetched from: the Web API's own host and its ``files.`` host,
    same scheme and port — https://files.slack.com for https://slack.com/api/ (production), the fake's
    127.0.0.1:<port> in tests. A crafted event naming any other URL is refused, so the token never leaves
    Slack and the desk is no proxy to an internal address."""
    base = URL(api_base_url)
    host, port = base.host or "", base.port or 0
    return frozenset({(base.scheme, host, port), (base.scheme, f"files.{host}", port)})


def on_slack(url: str, origins: frozenset[tuple[str, str, int]]) -> bool:
    try:
        u = URL(url)
    except ValueError:
        return False
    if u.user is not None or u.password is not None or not u.is_absolute():
        return False
    return (u.scheme, u.host or "", u.port or 0) in origins


def display_name(item: dict[str, Any]) -> str:
    return clean_filename(str(item.get("name") or item.get("title") or item.get("id") or "file"))


class SlackFiles:
    """Fetches a message's files with the bot token, within ``max_bytes`` each."""

    def __init__(self, token: str, api_base_url: str, max_bytes: int) -> None:
        self._token = token
        self._origins = file_origins(api_base_url)
        self.max_bytes = max_bytes

    async def fetch(self, session: aiohttp.ClientSession | None, items: Sequence[dict[str, Any]]) -> Fetched:
        uploads: list[Upload] = []
        refused: list[Refused] = []
        own = session is None
        http = aiohttp.ClientSession(timeout=aiohttp.ClientTimeout(total=30)) if session is None else session
        try:
            for item in items:
                got = await self._one(http, item)
                (uploads if isinstance(got, Upload) else refused).append(got)  # type: ignore[arg-type]
        finally:
            if own:
                await http.close()
        return Fetched(uploads, refused)

    async def _one(self, http: aiohttp.ClientSession, item: dict[str, Any]) -> Upload | Refused:
        name = display_name(item)
        url = str(item.get("url_private_download") or "")
        if str(item.get("mode") or "") in NOT_SERVED or not url:
            return Refused(name, UNAVAILABLE)
        if not on_slack(url, self._origins):
            log.warning("a Slack file event named a URL off Slack's file host: not fetched (file %s)", item.get("id"))
            return Refused(name, UNAVAILABLE)
        size = item.get("size")
        if isinstance(size, int) and size > self.max_bytes:
            return Refused(name, "too_big")  # refused by the declared size: never downloaded
        declared = str(item.get("mimetype") or "application/octet-stream")
        try:
            # allow_redirects=False: Slack serves a file directly to a request with the token; a redirect
            # leads to its sign-in page (or elsewhere), and the token must not follow it.
            async with http.get(url, headers={"Authorization": f"Bearer {self._token}"},
                                allow_redirects=False) as resp:
                if resp.status != 200:
                    log.warning("Slack answered %s for file %s: not kept", resp.status, item.get("id"))
                    return Refused(name, UNAVAILABLE)
                if resp.content_type == "text/html" and not declared.startswith("text/html"):
                    log.warning("Slack answered a web page for file %s (a bad token?): not kept", item.get("id"))
                    return Refused(name, UNAVAILABLE)
                body = bytearray()
                async for chunk in resp.content.iter_chunked(CHUNK):
                    body += chunk
                    if len(body) > self.max_bytes:  # the declared size lied: stop reading
                        return Refused(name, "too_big")
        except (TimeoutError, aiohttp.ClientError) as err:
            log.warning("Slack file %s could not be fetched (%s)", item.get("id"), type(err).__name__)
            return Refused(name, UNAVAILABLE)
        return Upload(name, declared, bytes(body))
