"""The transports this code has (the names a configuration may use) and how a half-configured one is
refused; the composition root (bot/app.py) builds the ones the environment asks for."""

from __future__ import annotations

from commands.domain.config import Config

# Where the inbound endpoints listen unless the environment says otherwise: this host only, behind the
# reverse proxy or router that terminates TLS (docs/security.md).
LOOPBACK = "127.0.0.1"


# Every transport this code has: the chat adapters built below, the console, the HTTP intake (api) and the
# paging gateways. The configuration may name only these (in identities, channels and paging orders):
# a typo ("slak") is refused when the file is read. A new chat platform adds its name here.
TRANSPORT_NAMES = frozenset({"slack", "telegram", "console", "api", "sms", "email"})


def unknown_transports(config: Config) -> list[str]:
    """The transports the configuration names that this code does not have."""
    return sorted(config.transport_names() - TRANSPORT_NAMES)


class TransportError(Exception):
    """A transport is half-configured (e.g. a bot token without the app token Socket Mode needs)."""
