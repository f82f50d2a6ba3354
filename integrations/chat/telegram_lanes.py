"""Updates of different chats are handled side by side; one chat's updates in the order they came.

PTB handles updates one after another by default, so a command whose answer waits for Telegram's limit
in one busy group (integrations/chat/telegram_limits.py) would hold up every other chat, and the button
presses too. Here each chat is a lane: an update waits only for the earlier updates of its own lane.
Button presses have a lane of their own per chat, so pressing Acknowledge on a card is answered while
the group's earlier answers still wait for their turn (a press needs its answer within seconds).
"""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable
from typing import Any

from telegram import Update
from telegram.ext import BaseUpdateProcessor

# Updates in progress at once, over all lanes (a waiting update costs one task and no thread).
MAX_CONCURRENT = 4096


def lane(update: object) -> tuple[str, int] | None:
    """The lane of an update: its chat (messages), or its chat's buttons (callback queries)."""
    if not isinstance(update, Update):
        return None
    chat = update.effective_chat
    key = chat.id if chat is not None else (update.effective_user.id if update.effective_user else 0)
    return ("button" if update.callback_query is not None else "chat", key)


class ChatLanes(BaseUpdateProcessor):
    def __init__(self, max_concurrent_updates: int = MAX_CONCURRENT) -> None:
        super().__init__(max_concurrent_updates)
        self._locks: dict[tuple[str, int] | None, asyncio.Lock] = {}
        self._queued: dict[tuple[str, int] | None, int] = {}

    async def do_process_update(self, update: object, coroutine: Awaitable[Any]) -> None:
        key = lane(update)
        lock = self._locks.setdefault(key, asyncio.Lock())  # asyncio.Lock wakes its waiters in order
        self._queued[key] = self._queued.get(key, 0) + 1
        try:
            async with lock:
                await coroutine
        finally:
            self._queued[key] -= 1
            if not self._queued[key]:
                del self._queued[key], self._locks[key]

    async def initialize(self) -> None:
        """Nothing to set up."""

    async def shutdown(self) -> None:
        """Nothing to release."""
