"""Keeping to Telegram's limits per chat, so one busy chat holds up only itself.

Telegram publishes (https://core.telegram.org/bots/faq#my-bot-is-hitting-limits-how-do-i-avoid-this):
about one message a second in one chat (short bursts allowed), at most 20 messages a minute in a group,
about 30 messages a second overall; past them it answers 429 with ``retry_after``. PTB's own
``AIORateLimiter`` pauses *every* request while it waits out one 429, so a burst in one customer's group
would also hold up the button answers and messages of everybody else. Here each chat waits alone:

- one chat's messages are sent one at a time, in order; each waits until its chat (5 in any 5 seconds),
  its group (20 in any 60 seconds) and the bot (30 in any second) have room, counting each earlier
  message from when Telegram answered it (never earlier than Telegram counted it);
- a 429 nevertheless (another process sending with the token, a limit stricter than published) blocks
  that chat — or, for a call without a chat, only that call — for ``retry_after`` seconds, then the call
  is tried again (``max_retries`` times).
- a caller that must not wait long (the outbox dispatcher, which retries later) sets ``PATIENCE``: a wait
  longer than that raises ``RetryAfter`` at once, without calling Telegram.

Time and sleeping are injectable (a test's fake time); in the process they are the event loop's.
"""

from __future__ import annotations

import asyncio
import contextvars
import logging
import math
import time
from collections import deque
from collections.abc import Awaitable, Callable, Coroutine
from dataclasses import dataclass, field
from typing import Any

from telegram.error import RetryAfter
from telegram.ext import BaseRateLimiter

from integrations.chat.base import waiting_for_platform

log = logging.getLogger(__name__)

# The methods that send or edit a message: the ones Telegram's message limits count.
MESSAGE_METHODS = frozenset({"sendMessage", "sendDocument", "sendPhoto", "sendMediaGroup", "copyMessage",
                             "forwardMessage", "editMessageText", "editMessageReplyMarkup", "editMessageCaption"})
# The longest wait (seconds) the current task accepts for a message; None: as long as it takes.
PATIENCE: contextvars.ContextVar[float | None] = contextvars.ContextVar("telegram_patience", default=None)


@dataclass(frozen=True)
class Window:
    count: int
    seconds: float


CHAT = Window(5, 5.0)  # "avoid sending more than one message per second" to one chat; short bursts allowed
GROUP = Window(20, 60.0)  # "not ... more than 20 messages per minute to the same group"
OVERALL = Window(30, 1.0)  # "not more than 30 messages per second or so"


@dataclass
class _Chat:
    """One chat's sends: one at a time, in order, each counted when Telegram has answered it."""

    sent: deque[float]
    lock: asyncio.Lock = field(default_factory=asyncio.Lock)
    blocked_until: float = 0.0  # Telegram's retry_after
    queued: int = 0


def _patient(seconds: float) -> None:
    """Raise ``RetryAfter`` if the current task does not accept a wait this long (``PATIENCE``)."""
    patience = PATIENCE.get()
    if patience is not None and seconds > patience:
        raise RetryAfter(max(1, math.ceil(seconds)))


class ChatRateLimiter(BaseRateLimiter[int]):
    def __init__(self, *, chat: Window = CHAT, group: Window = GROUP, overall: Window = OVERALL,
                 max_retries: int = 2, clock: Callable[[], float] = time.monotonic,
                 sleep: Callable[[float], Awaitable[None]] = asyncio.sleep) -> None:
        self._windows = (chat, group)
        self._overall_window = overall
        self._overall: deque[float] = deque(maxlen=overall.count)
        self._overall_lock = asyncio.Lock()
        self._chats: dict[str, _Chat] = {}
        self.max_retries = max_retries
        self.clock, self.sleep = clock, sleep

    async def initialize(self) -> None:
        """Nothing to set up."""

    async def shutdown(self) -> None:
        """Nothing to release."""

    async def process_request(self, callback: Callable[..., Coroutine[Any, Any, bool | dict[str, Any] | list[dict[str, Any]]]],
                              args: Any, kwargs: dict[str, Any], endpoint: str, data: dict[str, Any],
                              rate_limit_args: int | None) -> bool | dict[str, Any] | list[dict[str, Any]]:
        retries = self.max_retries if rate_limit_args is None else rate_limit_args
        chat_id = data.get("chat_id")
        if chat_id is None or endpoint not in MESSAGE_METHODS:  # not a message: only a 429 makes it wait
            state = self._chats.get(str(chat_id)) if chat_id is not None else None
            for attempt in range(retries + 1):
                if state is not None and state.blocked_until > self.clock():
                    await self._pause(state.blocked_until - self.clock())
                try:
                    return await callback(*args, **kwargs)
                except RetryAfter as exc:
                    if attempt == retries:
                        raise
                    await self._pause(self._retry_after(exc, endpoint, chat_id, attempt, retries))
        chat = str(chat_id)
        state = self._chat(chat)
        windows = self._windows if chat.startswith(("-", "@")) else self._windows[:1]  # groups and channels
        _patient(state.queued * max(w.seconds / w.count for w in windows))  # the sends queued before this one
        state.queued += 1
        try:
            if state.lock.locked():  # the chat's earlier sends go first
                waiting_for_platform()
            async with state.lock:
                for attempt in range(retries + 1):
                    now = self.clock()
                    at = max([now, state.blocked_until, *(state.sent[-w.count] + w.seconds
                                                          for w in windows if len(state.sent) >= w.count)])
                    await self._pause(at - now)
                    await self._overall_turn()
                    try:
                        result = await callback(*args, **kwargs)
                    except RetryAfter as exc:
                        if attempt == retries:
                            raise
                        state.blocked_until = self.clock() + self._retry_after(exc, endpoint, chat, attempt, retries)
                        continue
                    state.sent.append(self.clock())  # counted when answered: never earlier than Telegram did
                    return result
        finally:
            state.queued -= 1
        raise AssertionError("unreachable")  # pragma: no cover

    def _chat(self, chat: str) -> _Chat:
        if len(self._chats) > 10_000:  # forget chats quiet for longer than any window
            horizon = self.clock() - max(w.seconds for w in self._windows)
            self._chats = {k: c for k, c in self._chats.items()
                           if c.queued or c.blocked_until > self.clock() or (c.sent and c.sent[-1] > horizon)}
        state = self._chats.get(chat)
        if state is None:
            state = self._chats[chat] = _Chat(deque(maxlen=max(w.count for w in self._windows)))
        return state

    async def _overall_turn(self) -> None:
        """The bot's limit over all chats (short waits: a second at most)."""
        async with self._overall_lock:
            window = self._overall_window
            if len(self._overall) == window.count:
                await self.sleep(max(0.0, self._overall[0] + window.seconds - self.clock()))
            self._overall.append(self.clock())

    async def _pause(self, seconds: float) -> None:
        if seconds > 0:
            _patient(seconds)
            waiting_for_platform()
            await self.sleep(seconds)

    @staticmethod
    def _retry_after(exc: RetryAfter, endpoint: str, chat: object, attempt: int, retries: int) -> float:
        wait = exc._retry_after.total_seconds()  # PTB keeps the exact value here
        log.warning("Telegram asked to wait %.0f s before %s to chat %s (retry %d of %d)",
                    wait, endpoint, chat, attempt + 1, retries)
        return wait
