"""Which incident the code running now is about, for the logs (``"incident": "NOI-2026-00042"``).

A ContextVar follows each asyncio task and thread on its own, so the desk, the sweeper and the
dispatcher can each name their incident without passing it down to every log call. Setting it is the
only cost on the report path; the log formatter reads it.
"""

from __future__ import annotations

from contextvars import ContextVar

INCIDENT: ContextVar[str | None] = ContextVar("dutydesk_incident", default=None)
