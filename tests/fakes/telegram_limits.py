"""The fake Telegram's flood control: Telegram's published limits, answered as the Bot API answers them.

https://core.telegram.org/bots/faq#my-bot-is-hitting-limits-how-do-i-avoid-this:
- "If you're sending messages to a single chat, avoid sending more than one message per second. We may
  allow short bursts that go over this limit, but eventually you'll begin receiving 429 errors." — here
  at most 5 messages in any 5 seconds per chat (one a second, in bursts of up to five);
- "If you're sending bulk notifications to multiple users, the API will not allow more than 30 messages
  per second or so" — at most 30 in any second, over all chats;
- "your bot will not be able to send more than 20 messages per minute to the same group" — at most 20
  in any 60 seconds per group (a chat id below zero).
A refused call is ``429 Too Many Requests`` with ``parameters.retry_after``, the whole seconds until the
call would be accepted (https://core.telegram.org/bots/api#responseparameters). Sending and editing
messages count (bots see 429 on edits as well); answering a button press, polling and settings do not.
"""

from __future__ import annotations

import math
from collections import deque
from collections.abc import Callable
from dataclasses import dataclass, field

MESSAGE_METHODS = frozenset({"sendMessage", "sendDocument", "sendPhoto", "sendMediaGroup", "copyMessage",
                             "forwardMessage", "editMessageText", "editMessageReplyMarkup", "editMessageCaption"})


@dataclass(frozen=True)
class Window:
    count: int
    seconds: float


@dataclass
class FloodControl:
    now: Callable[[], float]
    chat: Window = Window(5, 5.0)
    group: Window = Window(20, 60.0)
    overall: Window = Window(30, 1.0)
    _sent: dict[object, deque[float]] = field(default_factory=dict)

    def check(self, method: str, chat_id: object) -> int | None:
        """None: accepted (and counted); else the retry_after to answer."""
        if method not in MESSAGE_METHODS or chat_id is None:
            return None
        chat = str(chat_id)
        scopes = [("all", self.overall), (("chat", chat), self.chat)]
        if chat.startswith("-") or chat.startswith("@"):
            scopes.append((("group", chat), self.group))
        now = self.now()
        wait = 0.0
        for key, window in scopes:
            times = self._sent.setdefault(key, deque())
            while times and times[0] <= now - window.seconds:
                times.popleft()
            if len(times) >= window.count:
                wait = max(wait, times[-window.count] + window.seconds - now)
        if wait > 0:
            return max(1, math.ceil(wait))

        for key, _ in scopes:
            self._sent[key].append(now)
        return None
