"""What every chat transport and paging gateway provides to the process."""

from __future__ import annotations

import contextlib
import contextvars
from collections.abc import Callable, Iterator
from typing import Protocol

from commands.desk.reply import Reply
from integrations.chat.routing import Destination
from storage.models import OutboxMessage


class TransportRefused(Exception):
    """The platform's updates belong to someone else now (another process polls with the token, a webhook
    is set): the transport will not start, and restarting will not help until an operator acts."""


class PermanentDeliveryError(Exception):
    """The destination refused the message in a way no retry can fix (the bot was removed from the
    channel or blocked by the person, the channel is archived, the message is malformed): the dispatcher
    gives this destination up at once, falls through to the audience's next channel where there is one,
    and reports it."""


# Set by the outbox dispatcher around one message's delivery: what to call when that delivery starts
# waiting for a chat platform's turn (a rate limit), so its incident's messages to other audiences
# need not wait behind it (bot/dispatcher.py, ``lane_key``).
_WAITING: contextvars.ContextVar[Callable[[], None] | None] = contextvars.ContextVar("platform_wait", default=None)


def waiting_for_platform() -> None:
    """Say that the delivery in progress waits for the platform's turn (a chat's rate limit, a
    Retry-After): its incident's messages to other audiences may go meanwhile. A no-op outside one."""
    hook = _WAITING.get()
    if hook is not None:
        hook()


@contextlib.contextmanager
def on_platform_wait(hook: Callable[[], None]) -> Iterator[None]:
    """Within the block, ``waiting_for_platform`` calls ``hook`` (the current task and those it starts)."""
    token = _WAITING.set(hook)
    try:
        yield
    finally:
        _WAITING.reset(token)


class Notifier(Protocol):
    """A transport's outbound side, used by the outbox dispatcher."""

    name: str  # "slack", "telegram", "sms", "email", "console": what people list in their paging order

    def destinations(self, audience: str) -> list[Destination]:
        """Where this transport takes the audience ("customer:noi", "person:georgi"): none when it does
        not reach it."""
        ...

    async def deliver(self, destination: Destination, reply: Reply, message: OutboxMessage) -> None:
        """Send to one destination, or raise (``PermanentDeliveryError`` when a retry cannot help). Must
        be safe to call again for the same message and destination (at-least-once)."""
        ...


class Transport(Notifier, Protocol):
    """A chat platform wired into the one asyncio process: inbound commands and outbound messages."""

    async def start(self) -> None:
        """Connect and begin receiving (must return once running; never own the event loop)."""
        ...

    async def stop_receiving(self) -> None:
        """Take no new commands, but keep delivering (a graceful shutdown flushes the outbox after)."""
        ...

    async def stop(self) -> None:
        """Stop receiving and release connections."""
        ...
