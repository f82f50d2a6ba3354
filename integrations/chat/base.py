"""What every chat transport and paging gateway provides to the process."""

from __future__ import annotations

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
