"""Addresses a configuration still holds as placeholders: the documentation ranges and names the example
files use, so that running an example probes or backs up nobody's machine by accident.

- IPv4 documentation networks, RFC 5737: 192.0.2.0/24 (TEST-NET-1), 198.51.100.0/24, 203.0.113.0/24;
- the IPv6 documentation prefix, RFC 3849: 2001:db8::/32;
- names reserved for documentation and testing, RFC 2606 / RFC 6761: ``.example``, ``.invalid``,
  ``.test``, and ``example.com``, ``example.net``, ``example.org``.

``placeholders(config, health=..., backups=...)`` lists every host of the enabled checks and backup targets
that is one of these, with the configuration key that holds it.
"""

from __future__ import annotations

import ipaddress
import re
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any
from urllib.parse import urlsplit

from commands.domain.config import Config

DOCUMENTATION_NETWORKS = tuple(ipaddress.ip_network(n) for n in (
    "192.0.2.0/24", "198.51.100.0/24", "203.0.113.0/24",  # RFC 5737
    "2001:db8::/32",  # RFC 3849
))
RESERVED_SUFFIXES = (".example", ".invalid", ".test")  # RFC 2606 §2, RFC 6761 §6
RESERVED_DOMAINS = ("example.com", "example.net", "example.org")  # RFC 2606 §3
# The keys of a check or backup target that name a host the desk will contact.
HOST_KEYS = ("host",)
URL_KEYS = ("url", "nodes", "token_url", "start_url", "status_url", "download_url", "sql_url")
ARGV_KEYS = ("argv",)  # a command's arguments: the names in them (sqlcmd -S sql.customer.example)
_NAME = re.compile(r"[A-Za-z0-9](?:[A-Za-z0-9-]*[A-Za-z0-9])?(?:\.[A-Za-z0-9](?:[A-Za-z0-9-]*[A-Za-z0-9])?)+")


@dataclass(frozen=True)
class Placeholder:
    key: str  # customers.noi.checks.cucm_axl.url
    host: str  # 192.0.2.3
    why: str  # "a documentation address (RFC 5737)"
    switch: str  # --no-health or --no-backups: how to run without it

    def sentence(self) -> str:
        return (f"{self.key}: {self.host} is {self.why}, a placeholder of the example — put the customer's own "
                f"address there, or start with {self.switch}")


def placeholder_reason(host: str) -> str | None:
    """Why ``host`` (an address or a name) is a placeholder, or None when it may be real."""
    text = host.strip().strip("[]").rstrip(".").lower()
    try:
        address = ipaddress.ip_address(text.split("%", 1)[0])
    except ValueError:
        address = None
    if address is not None:
        for network in DOCUMENTATION_NETWORKS:
            if address in network:
                rfc = "RFC 3849" if network.version == 6 else "RFC 5737"
                return f"a documentation address ({rfc})"
        return None
    if text.endswith(RESERVED_SUFFIXES) or text in {s[1:] for s in RESERVED_SUFFIXES}:
        return "a name reserved for documentation (RFC 2606)"
    if any(text == d or text.endswith("." + d) for d in RESERVED_DOMAINS):
        return "a name reserved for documentation (RFC 2606)"
    return None


def _host_of_url(url: str) -> str | None:
    try:
        return urlsplit(url).hostname
    except ValueError:
        return None


def _hosts(table: dict[str, Any]) -> Iterator[tuple[str, str]]:
    """(key, host) for each host a check or target table names."""
    for key in HOST_KEYS:
        value = table.get(key)
        if isinstance(value, str) and value:
            yield key, value
    for key in URL_KEYS:
        value = table.get(key)
        values = value if isinstance(value, list | tuple) else [value]
        for n, url in enumerate(values):
            if isinstance(url, str) and url:
                host = _host_of_url(url)
                if host:
                    yield (f"{key}[{n}]" if isinstance(value, list | tuple) else key), host
    for key in ARGV_KEYS:
        for n, word in enumerate(table.get(key) or ()):
            for name in _NAME.findall(str(word)):
                yield f"{key}[{n}]", name


def placeholders(config: Config, *, health: bool = True, backups: bool = True) -> list[Placeholder]:
    """The placeholder hosts of the enabled checks (with ``health``) and backup targets (with ``backups``)."""
    found: list[Placeholder] = []
    for customer_id, customer in config.customers.items():
        tables: list[tuple[str, str, Any]] = []
        if health:
            tables += [(f"customers.{customer_id}.checks.{k}", "--no-health", c) for k, c in customer.checks.items()]
        if backups:
            tables += [(f"customers.{customer_id}.backups.{k}", "--no-backups", c) for k, c in customer.backups.items()]
        for prefix, switch, cfg in tables:
            if not cfg.enabled:
                continue
            for key, host in _hosts(cfg.model_dump()):
                why = placeholder_reason(host)
                if why is not None:
                    found.append(Placeholder(key=f"{prefix}.{key}", host=host, why=why, switch=switch))
    return found
