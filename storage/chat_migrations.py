"""Chats that changed their id, per transport (storage/models.ChatMigration)."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy.dialects import postgresql, sqlite
from sqlmodel import Session, select

from storage.models import ChatMigration


class ChatMigrations:
    def __init__(self, session: Session) -> None:
        self.session = session

    def record(self, transport: str, old: str, new: str, *, customer_id: str, at: datetime, noticed_by: str) -> bool:
        """Keep the move; False if it was known already (the first record stays, with its time). Two
        replicas learning it together insert one row."""
        table: Any = ChatMigration.__table__  # type: ignore[attr-defined]
        ins: Any = postgresql.insert(table) if self.session.get_bind().dialect.name == "postgresql" \
            else sqlite.insert(table)
        values = {"transport": transport, "old_chat_id": old, "new_chat_id": new, "customer_id": customer_id,
                  "migrated_at": at, "noticed_by": noticed_by}
        done = self.session.execute(ins.values(**values).on_conflict_do_nothing().returning(table.c.old_chat_id))
        return done.first() is not None

    def moves(self, transport: str) -> dict[str, str]:
        """Old id → new id, for every move of the transport."""
        rows = self.session.exec(select(ChatMigration).where(ChatMigration.transport == transport))
        return {r.old_chat_id: r.new_chat_id for r in rows}
