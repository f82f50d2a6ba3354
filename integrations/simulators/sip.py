"""A UDP SIP responder that reads requests as strictly as RFC 3261's grammar (§25.1) and answers OPTIONS.

sipp answers whatever it is sent (it copies the Via back), so it cannot tell a well-formed request from a
malformed one; this responder does. It checks the Request-URI and the From / To / Contact URIs
(``SIP-URI = "sip:" [ userinfo ] hostport``), the top Via's ``sent-by`` (``host [ ":" port ]``), where
``host = hostname / IPv4address / IPv6reference`` and ``IPv6reference = "[" IPv6address "]"``: an IPv6
address is only ever written in brackets (RFC 3261 §19.1.1, §25.1). A request that breaks the grammar is
answered ``400 Bad Request`` naming the header (§21.4.1); a good OPTIONS gets ``200 OK`` (§11.2), sent
where §18.2.2 and RFC 3581 (``rport``) say: the source address and port.
"""

from __future__ import annotations

import asyncio
import ipaddress
import re
from dataclasses import dataclass, field

_HOSTNAME = re.compile(r"^(?:[A-Za-z0-9](?:[A-Za-z0-9-]*[A-Za-z0-9])?\.)*[A-Za-z](?:[A-Za-z0-9-]*[A-Za-z0-9])?\.?$")
_IPV4 = re.compile(r"^\d{1,3}\.\d{1,3}\.\d{1,3}\.\d{1,3}$")
_PORT = re.compile(r"^\d{1,5}$")


def valid_hostport(text: str) -> bool:
    """``hostport = host [ ":" port ]`` of RFC 3261 §25.1."""
    if text.startswith("["):
        inside, sep, rest = text[1:].partition("]")
        if not sep:
            return False
        try:
            ipaddress.IPv6Address(inside)
        except ValueError:
            return False
        return rest == "" or (rest.startswith(":") and bool(_PORT.match(rest[1:])))
    host, _, port = text.partition(":")
    if ":" in port or (port and not _PORT.match(port)) or (_ and not port):
        return False  # a bare IPv6 address lands here: its colons cannot be told from the port's
    if _IPV4.match(host):
        try:
            ipaddress.IPv4Address(host)
        except ValueError:
            return False
        return True
    return bool(_HOSTNAME.match(host))


def valid_sip_uri(uri: str) -> bool:
    """``SIP-URI = "sip:" [ userinfo ] hostport uri-parameters [ headers ]``."""
    if not uri.startswith("sip:"):
        return False
    rest = uri[4:].split("?", 1)[0]
    rest = rest.rsplit("@", 1)[-1] if "@" in rest else rest
    hostport = rest.split(";", 1)[0]
    return valid_hostport(hostport)


def _angle_uri(value: str) -> str:
    m = re.search(r"<([^>]*)>", value)
    return m.group(1) if m else value.split(";", 1)[0].strip()


@dataclass
class StrictSipResponder(asyncio.DatagramProtocol):
    requests: list[str] = field(default_factory=list)
    refused: list[str] = field(default_factory=list)  # the reason of each 400
    silent: bool = False  # a gateway that stopped answering (down, or its SIP process hung)
    transport: asyncio.DatagramTransport | None = None

    def connection_made(self, transport: asyncio.BaseTransport) -> None:
        self.transport = transport  # type: ignore[assignment]  # asyncio's UDP transport, whatever its class

    def problem(self, text: str) -> str | None:
        head = text.split("\r\n\r\n", 1)[0].split("\r\n")
        parts = head[0].split(" ")
        if len(parts) != 3 or parts[2] != "SIP/2.0":
            return "Request-Line"
        if not valid_sip_uri(parts[1]):
            return "Request-URI"
        headers: dict[str, str] = {}
        for line in head[1:]:
            name, sep, value = line.partition(":")
            if sep:
                headers.setdefault(name.strip().lower(), value.strip())
        via = headers.get("via", "")
        m = re.match(r"^SIP\s*/\s*2\.0\s*/\s*(UDP|TCP|TLS)\s+([^;,\s]+)", via, re.I)
        if not m or not valid_hostport(m.group(2)):
            return "Via"
        if ";branch=z9hG4bK" not in via:
            return "Via branch"
        for name in ("from", "to", "contact"):
            if name in headers and not valid_sip_uri(_angle_uri(headers[name])):
                return name.capitalize()
        for name in ("call-id", "cseq", "max-forwards"):
            if name not in headers:
                return name
        return None

    def datagram_received(self, data: bytes, addr: tuple[str | int, ...]) -> None:
        text = data.decode("utf-8", "replace")
        self.requests.append(text)
        if self.silent:
            return
        bad = self.problem(text)
        head = text.split("\r\n\r\n", 1)[0].split("\r\n")
        keep = [line for line in head[1:] if line.split(":", 1)[0].strip().lower() in ("via", "from", "to",
                                                                                      "call-id", "cseq")]
        if bad:
            self.refused.append(bad)
            status = f"SIP/2.0 400 Bad {bad}"
        else:
            status = "SIP/2.0 200 OK"
        reply = "\r\n".join([status, *keep, "Server: strict-responder", "Content-Length: 0"]) + "\r\n\r\n"
        assert self.transport is not None
        self.transport.sendto(reply.encode(), addr)
