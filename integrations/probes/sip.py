"""SIP OPTIONS probe (RFC 3261 §11) over UDP or TCP, for voice gateways and the PBX.

The request carries what §8.1.1 requires: Request-URI, To, From with a tag, a fresh Call-ID, CSeq,
Max-Forwards 70 and a Via with a ``z9hG4bK`` branch (§8.1.1.7). Over UDP it is retransmitted on timer A
(T1 = 500 ms, doubling) until an answer or the timeout. Any final answer means the peer's SIP stack is
alive; like Cisco's own OPTIONS keepalive, 503 (Service Unavailable), 505 (Version Not Supported) or no
answer at all mean down. Both sets are configurable. An IPv6 address (the peer's in the Request-URI and
To, ours in Via, From and Contact) is written in brackets, ``[2001:db8::5]:5060`` (§19.1.1, §25.1).
"""

from __future__ import annotations

import asyncio
import contextlib
import ipaddress
import secrets
from dataclasses import dataclass
from typing import Literal

from integrations.probes.base import ProbeResult, down, one_line, timed, up

T1 = 0.5
UNHEALTHY_DEFAULT = (503, 505)


@dataclass(frozen=True)
class SipResponse:
    code: int
    reason: str
    headers: dict[str, str]


def sip_host(host: str) -> str:
    """``host`` as RFC 3261 §25.1 writes it: an IPv6 address in brackets (``IPv6reference``), without the
    zone of a link-local address (``fe80::1%eth0``), which has no place in a SIP URI; others unchanged."""
    bare = host[1:-1] if host.startswith("[") and host.endswith("]") else host
    try:
        address = ipaddress.IPv6Address(bare.split("%", 1)[0])
    except ValueError:
        return host
    return f"[{address.compressed}]"


def hostport(host: str, port: int) -> str:
    """``hostport = host [ ":" port ]`` (RFC 3261 §25.1): ``10.1.2.3:5060``, ``[2001:db8::5]:5060``."""
    return f"{sip_host(host)}:{port}"


def build_options(target: str, local_host: str, local_port: int, transport: str, *, branch: str, tag: str,
                  call_id: str, cseq: int = 1, user: str = "dutydesk") -> bytes:
    uri = target if target.startswith(("sip:", "sips:")) else f"sip:{sip_host(target)}"
    local = sip_host(local_host)
    lines = [
        f"OPTIONS {uri} SIP/2.0",
        f"Via: SIP/2.0/{transport.upper()} {local}:{local_port};branch={branch};rport",
        "Max-Forwards: 70",
        f"From: <sip:{user}@{local}>;tag={tag}",
        f"To: <{uri}>",
        f"Call-ID: {call_id}",
        f"CSeq: {cseq} OPTIONS",
        f"Contact: <sip:{user}@{local}:{local_port};transport={transport.lower()}>",
        "Accept: application/sdp",
        "User-Agent: dutydesk-health",
        "Content-Length: 0",
    ]
    return ("\r\n".join(lines) + "\r\n\r\n").encode()


def parse_response(data: bytes) -> SipResponse | None:
    head = data.split(b"\r\n\r\n", 1)[0].decode("utf-8", "replace")
    lines = head.split("\r\n")
    parts = lines[0].split(" ", 2)
    if len(parts) < 2 or not parts[0].startswith("SIP/") or not parts[1].isdigit():
        return None
    headers: dict[str, str] = {}
    compact = {"v": "via", "i": "call-id", "f": "from", "t": "to", "l": "content-length", "m": "contact"}
    for line in lines[1:]:
        name, sep, value = line.partition(":")
        if not sep:
            continue
        key = name.strip().lower()
        headers.setdefault(compact.get(key, key), value.strip())
    return SipResponse(int(parts[1]), parts[2] if len(parts) > 2 else "", headers)


class _Udp(asyncio.DatagramProtocol):
    def __init__(self, call_id: str) -> None:
        self.call_id = call_id
        self.final: asyncio.Future[SipResponse] = asyncio.get_running_loop().create_future()
        self.provisional = False

    def datagram_received(self, data: bytes, addr: object) -> None:
        resp = parse_response(data)
        if resp is None or resp.headers.get("call-id") != self.call_id or self.final.done():
            return
        if resp.code < 200:
            self.provisional = True  # §17.1.2.2: stop retransmitting? OPTIONS keeps timer E; we just wait
            return
        self.final.set_result(resp)

    def error_received(self, exc: Exception) -> None:
        if not self.final.done():
            self.final.set_exception(exc)


@dataclass
class SipOptionsProbe:
    host: str
    port: int = 5060
    transport: Literal["udp", "tcp"] = "udp"
    timeout: float = 5.0
    target: str | None = None  # Request-URI; default sip:<host>:<port>
    unhealthy_codes: tuple[int, ...] = UNHEALTHY_DEFAULT
    healthy_codes: tuple[int, ...] | None = None  # when set, only these answers are healthy

    @property
    def address(self) -> str:
        """The host for the socket: ``[2001:db8::5]`` as written in a SIP URI is ``2001:db8::5`` here."""
        return self.host[1:-1] if self.host.startswith("[") and self.host.endswith("]") else self.host

    async def check(self) -> ProbeResult:
        return await timed(self.timeout, self._once)

    def judge(self, resp: SipResponse) -> ProbeResult:
        text = f"SIP {resp.code} {resp.reason}".strip()
        agent = resp.headers.get("server") or resp.headers.get("user-agent")
        if agent:
            text += f" ({one_line(agent, 60)})"
        healthy = resp.code in self.healthy_codes if self.healthy_codes is not None \
            else resp.code not in self.unhealthy_codes
        return up(text, code=resp.code) if healthy else down(text, code=resp.code)

    def _request(self, local_host: str, local_port: int) -> tuple[bytes, str]:
        call_id = f"{secrets.token_hex(12)}@{sip_host(local_host)}"
        msg = build_options(self.target or hostport(self.host, self.port), local_host, local_port, self.transport,
                            branch="z9hG4bK" + secrets.token_hex(8), tag=secrets.token_hex(6), call_id=call_id)
        return msg, call_id

    async def _once(self) -> ProbeResult:
        if self.transport == "tcp":
            return await self._tcp()
        return await self._udp()

    async def _udp(self) -> ProbeResult:
        loop = asyncio.get_running_loop()
        call_id = ""
        transport, proto = await loop.create_datagram_endpoint(lambda: _Udp(call_id),
                                                               remote_addr=(self.address, self.port))
        try:
            local_host, local_port = transport.get_extra_info("sockname")[:2]
            msg, proto.call_id = self._request(local_host, local_port)
            interval = T1
            while True:
                transport.sendto(msg)
                try:
                    resp = await asyncio.wait_for(asyncio.shield(proto.final), interval)
                except TimeoutError:
                    interval = min(interval * 2, 4.0)  # timer A doubles, capped at T2
                    continue
                except ConnectionRefusedError:
                    return down(f"{hostport(self.host, self.port)}/udp unreachable (ICMP port unreachable)")
                return self.judge(resp)
        finally:
            transport.close()

    async def _tcp(self) -> ProbeResult:
        reader, writer = await asyncio.open_connection(self.address, self.port)
        try:
            local_host, local_port = writer.get_extra_info("sockname")[:2]
            msg, call_id = self._request(local_host, local_port)
            writer.write(msg)
            await writer.drain()
            while True:
                head = await reader.readuntil(b"\r\n\r\n")
                resp = parse_response(head)
                if resp is None:
                    return down("not a SIP answer")
                length = int(resp.headers.get("content-length", "0") or 0)
                if length:
                    await reader.readexactly(length)
                if resp.headers.get("call-id") != call_id or resp.code < 200:
                    continue
                return self.judge(resp)
        finally:
            writer.close()
            with contextlib.suppress(OSError):
                await writer.wait_closed()
