"""What every chat transport provides to the process."""

from __future__ import annotations

from typing import Protocol

from commands.reply import Reply
from storage.models import OutboxMessage


class TransportRefused(Exception):
    """The platform's updates belong to someone else now (another process polls with the token, a webhook
    is set): the transport will not start, and restarting will not help until an operator acts."""


class Notifier(Protocol):
    """A transport's outbound side, used by the outbox dispatcher."""

    name: str  # "slack", "telegram", "sms", "email", "console": what people list in their paging order

    def reaches(self, audience: str) -> bool:
        """Whether this transport has a destination for the audience ("customer:noi", "person:georgi")."""
        ...

    async def deliver(self, audience: str, reply: Reply, message: OutboxMessage) -> None:
        """Send, or raise. Must be safe to call again for the same message (at-least-once)."""
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
