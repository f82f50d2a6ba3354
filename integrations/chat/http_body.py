"""A bounded read of an inbound HTTP body (Slack HTTP mode, the Telegram webhook).

Without it the endpoints would read whatever a client streams before a signature or secret is checked.
The largest genuine payloads (a Slack view submission, a Telegram update with a 4096-character message)
are tens of kilobytes, so anything over ``MAX_BODY`` is refused with 413 before it is held in memory.
"""

from __future__ import annotations

from starlette.requests import Request

MAX_BODY = 1_000_000  # bytes


async def read_bounded(request: Request, limit: int = MAX_BODY) -> bytes | None:
    """The body, or None when it is (or says it is) larger than ``limit``. Later ``request.body()``
    calls (Bolt's adapter) get the same bytes."""
    declared = request.headers.get("content-length")
    if declared is not None and (not declared.isdecimal() or int(declared[:12]) > limit):
        return None
    chunks: list[bytes] = []
    size = 0
    async for chunk in request.stream():
        size += len(chunk)
        if size > limit:  # chunked or lying about its length
            return None
        chunks.append(chunk)
    body = b"".join(chunks)
    request._body = body  # Starlette's own cache of the body, which request.body() returns
    return body
