"""Which chat message shows an incident's card, per transport and channel."""

from __future__ import annotations

from sqlmodel import Session

from storage.models import ChatMessage, ChatRef


class ChatRefs:
    def __init__(self, session: Session) -> None:
        self.session = session

    def get(self, incident_id: int, transport: str, channel_id: str) -> str | None:
        row = self.session.get(ChatMessage, (incident_id, transport, channel_id))
        return row.message_id if row else None

    def put(self, incident_id: int, transport: str, channel_id: str, message_id: str) -> None:
        row = self.session.get(ChatMessage, (incident_id, transport, channel_id))
        if row is None:
            self.session.add(ChatMessage(incident_id=incident_id, transport=transport, channel_id=channel_id,
                                         message_id=message_id))
        else:
            row.message_id = message_id
            self.session.add(row)
        self.session.flush()

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
