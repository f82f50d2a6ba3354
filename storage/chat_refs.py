"""Which chat message shows an incident's card, per transport and channel.

A card's first post in a channel is announced before it is made (``begin_post``: ``message_id`` "" with
who posts and since when), so that two replicas delivering two card messages of one incident do not
both post a card, and a replica that finds a first post left unfinished (its poster died) knows to look
for it in the chat before posting.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy.dialects import postgresql, sqlite
from sqlmodel import Session, select

from storage.models import ChatMessage, ChatRef
from storage.outbox import LEASE, database_now


class PostInProgress(Exception):
    """Another replica is posting this card right now: the outbox retries the message shortly."""


@dataclass(frozen=True)
class Begun:
    """The outcome of ``begin_post``: post now (looking first since ``in_doubt_since`` if it is set),
    or adopt ``message_id``, which someone posted meanwhile."""

    message_id: str | None = None
    in_doubt_since: datetime | None = None


class ChatRefs:
    def __init__(self, session: Session) -> None:
        self.session = session

    def get(self, incident_id: int, transport: str, channel_id: str) -> str | None:
        row = self.session.get(ChatMessage, (incident_id, transport, channel_id))
        return row.message_id if row and row.message_id else None

    def incident_of(self, transport: str, channel_id: str, message_id: str) -> int | None:
        """The incident whose card is ``message_id`` in ``channel_id`` (a message in its thread, an answer
        to it), or None."""
        if not message_id:
            return None  # "": a first post under way, not a message anyone can answer
        row = self.session.exec(select(ChatMessage.incident_id).where(
            ChatMessage.transport == transport, ChatMessage.channel_id == channel_id,
            ChatMessage.message_id == message_id)).first()
        return row

    def put(self, incident_id: int, transport: str, channel_id: str, message_id: str) -> None:
        row = self.session.get(ChatMessage, (incident_id, transport, channel_id))
        if row is None:
            row = ChatMessage(incident_id=incident_id, transport=transport, channel_id=channel_id,
                              message_id=message_id)
        row.message_id, row.posting_by, row.posting_since = message_id, None, None
        self.session.add(row)
        self.session.flush()

    def begin_post(self, incident_id: int, transport: str, channel_id: str, owner: str,
                   stale_after: timedelta = LEASE) -> Begun:
        """Announce the card's first post in a channel (committed before the post is made)."""
        now = database_now(self.session)
        table: Any = ChatMessage.__table__  # type: ignore[attr-defined]
        pg = self.session.get_bind().dialect.name == "postgresql"
        ins: Any = postgresql.insert(table) if pg else sqlite.insert(table)
        values = {"incident_id": incident_id, "transport": transport, "channel_id": channel_id,
                  "message_id": "", "posting_by": owner, "posting_since": now}
        if self.session.execute(ins.values(**values).on_conflict_do_nothing().returning(table.c.incident_id)
                                ).first() is not None:
            return Begun()  # ours: nobody posted this card before
        q = select(ChatMessage).where(ChatMessage.incident_id == incident_id, ChatMessage.transport == transport,
                                      ChatMessage.channel_id == channel_id).execution_options(populate_existing=True)
        if pg:
            q = q.with_for_update()
        row = self.session.exec(q).one()
        if row.message_id:
            return Begun(message_id=row.message_id)
        since = row.posting_since
        # posting_by None with a since: released by a restart that found its poster dead (storage/leases.py)
        if row.posting_by not in (owner, None) and since is not None and now - since < stale_after:
            raise PostInProgress(f"{row.posting_by} is posting the card of incident {incident_id} in {channel_id}")
        # Our own earlier attempt, or a dead replica's: it may have reached the chat since it began.
        row.posting_by, row.posting_since = owner, now
        self.session.add(row)
        self.session.flush()
        return Begun(in_doubt_since=since or now)

    def get_keyed(self, key: str, transport: str, channel_id: str) -> tuple[str, int] | None:
        row = self.session.get(ChatRef, (key, transport, channel_id))
        return (row.message_id, row.seq) if row else None

    def put_keyed(self, key: str, transport: str, channel_id: str, message_id: str, seq: int) -> None:
        row = self.session.get(ChatRef, (key, transport, channel_id))
        if row is None:
            row = ChatRef(key=key, transport=transport, channel_id=channel_id, message_id=message_id, seq=seq)
        else:
            row.message_id, row.seq = message_id, max(row.seq, seq)
        self.session.add(row)
        self.session.flush()
