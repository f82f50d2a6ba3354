"""Telegram groups upgraded to supergroups: a new chat id for the same customer's group.

The config names the old id until the operator changes it; meanwhile the desk sends to the new id and
takes the new id's commands as the old one's. Each move is kept in the database (commands/desk/chat_moves.py
also queues the engineers' notice), so a restart, or another replica, follows it too.
"""

from __future__ import annotations

import logging
from collections.abc import Collection

from commands.desk.chat_moves import ChatMove, configured_chat, record_move
from commands.desk.context import Services
from storage.chat_migrations import ChatMigrations

log = logging.getLogger(__name__)
TELEGRAM = "telegram"


class GroupMoves:
    def __init__(self, services: Services, served: Collection[str]) -> None:
        self.services = services
        self.served = served  # the chat ids the config names
        self._moved: dict[str, str] = {}  # configured id → the id now
        self._origin: dict[str, str] = {}  # the id now → configured id

    async def load(self) -> dict[str, str]:
        """Take the moves kept in the database, followed to their last id; returns those of served chats."""
        moves = await self.services.db.read(lambda s: ChatMigrations(s).moves(TELEGRAM))
        for old in moves:
            new, hops = moves[old], 0
            while new in moves and hops < len(moves):  # upgraded again: follow the chain
                new, hops = moves[new], hops + 1
            origin = self._origin.get(old, old)
            self._moved[origin], self._origin[new] = new, origin
        return {old: new for old, new in self._moved.items() if old in self.served}

    def current(self, chat: str) -> str:
        """The id to send to for a configured chat."""
        return self._moved.get(chat, chat)

    def configured(self, chat_id: int | str) -> str:
        """The configured id of a chat (the id it had before an upgrade)."""
        return self._origin.get(str(chat_id), str(chat_id))

    def moved_here(self, chat_id: int | str) -> bool:
        """Whether the chat is a served group under its new id."""
        return str(chat_id) in self._origin

    async def follow(self, old: str, new: str, noticed_by: str) -> None:
        """Serve the customer of group ``old`` at ``new`` from now on, keep the move, and have the
        customer's engineers told to update the configuration (once)."""
        origin = self._origin.get(old, old)
        if self._moved.get(origin) == new:
            return
        config = self.services.config
        where = configured_chat(config, TELEGRAM, origin)
        if where is None:
            log.info("Telegram group %s became %s; the desk does not serve it", old, new)
            return
        move = ChatMove(TELEGRAM, old, new, customer_id=where[0], key=where[1], noticed_by=noticed_by)
        await self.services.db.write(record_move(config, move, self.services.clock.now()))
        self._moved[origin], self._origin[new] = new, origin
        log.warning("Telegram group %s of customer %s was upgraded to the supergroup %s (%s): the desk follows it; "
                    "replace %s with %s in customers.%s.channels.%s", old, where[0], new, noticed_by, origin, new,
                    where[0], where[1])
        if self.services.wake is not None:
            self.services.wake()  # the engineers' notice is in the outbox
