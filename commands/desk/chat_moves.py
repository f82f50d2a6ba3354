"""A chat that changed its id (a Telegram group upgraded to a supergroup): keep the move, and tell the
customer's engineers — once — to put the new id in the configuration. The transport follows the move
from then on (integrations/chat/telegram.py)."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime

from sqlmodel import Session

from commands.domain.config import Config
from commands.domain.i18n.catalog import t
from storage.chat_migrations import ChatMigrations
from storage.outbox import Outbox


@dataclass(frozen=True)
class ChatMove:
    transport: str
    old: str
    new: str
    customer_id: str
    key: str  # where the config names the old id: "telegram" or "engineers_telegram"
    noticed_by: str  # "error" | "service message"


def configured_chat(config: Config, transport: str, chat_id: str) -> tuple[str, str] | None:
    """(customer, channels key) of a chat the config names, or None."""
    for cid, customer in config.customers.items():
        for key in (transport, f"engineers_{transport}"):
            if chat_id in getattr(customer.channels, key, ()):
                return cid, key
    return None


def record_move(config: Config, move: ChatMove, now: datetime) -> Callable[[Session], bool]:
    """The unit of work: the move and the engineers' notice in one transaction (True if it was new)."""

    def unit(session: Session) -> bool:
        if not ChatMigrations(session).record(move.transport, move.old, move.new, customer_id=move.customer_id,
                                              at=now, noticed_by=move.noticed_by):
            return False
        customer = config.customers[move.customer_id]
        text = t(customer.locale, f"{move.transport}.migrated", old=move.old, new=move.new, customer=customer.name,
                 customer_id=move.customer_id, key=move.key)
        Outbox(session).put(dedupe_key=f"{move.transport}.migrated:{move.old}:{move.new}",
                            customer_id=move.customer_id, kind=f"{move.transport}.migrated",
                            audience=f"engineers:{move.customer_id}",
                            payload={"text": text, "lines": [], "kind": "error", "locale": customer.locale}, now=now)
        return True

    return unit
