"""Finding a message the desk may already have posted in Slack, so an in-doubt delivery is adopted
instead of posted twice.

Every message the outbox posts carries Slack message metadata: ``event_type`` ``dutydesk_outbox`` and
``event_payload`` ``{"key": <outbox dedupe key>, ...}``. When an earlier attempt of a message is in
doubt (storage/outbox.py: the process died, or a call failed after Slack may have taken it), the
transport reads the conversation since that attempt began (``conversations.history`` with
``include_all_metadata``, or ``conversations.replies`` for a thread) and adopts a message with the same
payload. Reading needs the ``channels:history``, ``groups:history`` and ``im:history`` scopes, and
membership: Slack serves a channel's history only to its members (``not_in_channel`` otherwise, though
``chat:write.public`` lets the bot post there), so the lookup joins a public channel it is not in
(``conversations.join``, scope ``channels:join``) and reads again.
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import datetime, timedelta
from typing import Any

from slack_sdk.errors import SlackApiError
from slack_sdk.web.async_client import AsyncWebClient
from slack_sdk.web.async_slack_response import AsyncSlackResponse

EVENT_TYPE = "dutydesk_outbox"
# The attempt's start is the database's clock, Slack's ts is Slack's: look a little earlier.
SKEW = timedelta(minutes=1)
PAGE = 200
MAX_PAGES = 25  # 5,000 messages since the attempt began: far more than a channel gets in a lease


def outbox_metadata(payload: Mapping[str, Any]) -> dict[str, Any]:
    return {"event_type": EVENT_TYPE, "event_payload": dict(payload)}


def _matches(message: Mapping[str, Any], wanted: Mapping[str, Any]) -> bool:
    meta = message.get("metadata") or {}
    if meta.get("event_type") != EVENT_TYPE:
        return False
    got = meta.get("event_payload") or {}
    return all(got.get(k) == v for k, v in wanted.items())


async def conversation_id(client: AsyncWebClient, channel: str) -> str:
    """A direct message is posted to a user id; its history is read from the DM channel's id."""
    if channel[:1] in ("U", "W"):
        opened = await client.conversations_open(users=channel)
        return str(opened["channel"]["id"])
    return channel


async def find_posted(client: AsyncWebClient, channel: str, wanted: Mapping[str, Any], since: datetime, *,
                      thread_ts: str | None = None) -> str | None:
    """The ts of a message posted since ``since`` whose metadata payload has ``wanted``'s items; None
    if there is none (then posting is safe: the earlier attempt did not reach Slack)."""
    conv = await conversation_id(client, channel)
    oldest = f"{(since - SKEW).timestamp():.6f}"
    cursor: str | None = None
    async def read(cursor: str | None) -> AsyncSlackResponse:
        if thread_ts is None:
            return await client.conversations_history(channel=conv, oldest=oldest, include_all_metadata=True,
                                                      limit=PAGE, cursor=cursor)
        return await client.conversations_replies(channel=conv, ts=thread_ts, oldest=oldest,
                                                  include_all_metadata=True, limit=PAGE, cursor=cursor)

    for _ in range(MAX_PAGES):
        try:
            page = await read(cursor)
        except SlackApiError as err:
            if err.response.get("error") != "not_in_channel":
                raise
            await client.conversations_join(channel=conv)  # posted with chat:write.public, never joined
            page = await read(cursor)
        for message in page.get("messages") or []:
            if _matches(message, wanted):
                return str(message["ts"])
        cursor = (page.get("response_metadata") or {}).get("next_cursor") or None
        if not page.get("has_more") or not cursor:
            return None
    raise RuntimeError(f"too many messages in {conv} to tell whether {dict(wanted)} was posted")
