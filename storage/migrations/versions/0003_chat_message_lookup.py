"""chat: an index to find the incident of a card message (a file sent in a card's thread or as an answer
to it)

Revision ID: 0003
Revises: 0002
Create Date: 2026-12-02 13:00:00

A card is found by its incident (the primary key); a message answering it names only the chat and the
message, so without this index the lookup scans every card of the transport.
"""

from __future__ import annotations

from collections.abc import Sequence

from alembic import op

revision: str = "0003"
down_revision: str | None = "0002"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_index('ix_chat_message_ref', 'chat_message', ['transport', 'channel_id', 'message_id'], unique=False)


def downgrade() -> None:
    op.drop_index('ix_chat_message_ref', table_name='chat_message')
