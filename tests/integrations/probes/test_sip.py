"""SIP OPTIONS against sipp as a real SIP peer (Debian package ``sip-tester``), over UDP and TCP."""

from __future__ import annotations

import asyncio
import shutil
import socket
import subprocess
from collections.abc import Iterator
from pathlib import Path

import pytest

from integrations.probes.sip import SipOptionsProbe, build_options, hostport, parse_response
from tests.fakes.sip import StrictSipResponder

SIPP = shutil.which("sipp")
needs_sipp = pytest.mark.skipif(SIPP is None, reason="sipp is not installed (apt-get install -y sip-tester)")

SCENARIO = """<?xml version="1.0" encoding="ISO-8859-1" ?>
<scenario name="answer OPTIONS with {code}">
  <recv request="OPTIONS"/>
  <send>
    <![CDATA[
      SIP/2.0 {code} {reason}
      [last_Via:]
      [last_From:]
      [last_To:];tag=[pid]dd[call_number]
      [last_Call-ID:]
      [last_CSeq:]
      Server: sipp-peer
      Content-Length: 0

    ]]>
  </send>
</scenario>
"""


def free_port(kind: int = socket.SOCK_DGRAM, host: str = "127.0.0.1") -> int:
    with socket.socket(socket.AF_INET6 if ":" in host else socket.AF_INET, kind) as s:
        s.bind((host, 0))
        return int(s.getsockname()[1])


def start_sipp(tmp: Path, code: int, reason: str, transport: str,
               host: str = "127.0.0.1") -> tuple[subprocess.Popen[bytes], int]:
    assert SIPP is not None
    scenario = tmp / f"uas_{code}.xml"
    scenario.write_text(SCENARIO.format(code=code, reason=reason))
    port = free_port(socket.SOCK_STREAM if transport == "tcp" else socket.SOCK_DGRAM, host)
    proc = subprocess.Popen(
        [SIPP, "-sf", str(scenario), "-i", host, "-p", str(port), "-t", "t1" if transport == "tcp" else "u1",
         "-nostdin", "-nd", "-trace_err", "-error_file", str(tmp / "sipp_errors.log")],
        stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, cwd=tmp)
    return proc, port


@pytest.fixture
def sipp(tmp_path: Path) -> Iterator[list[subprocess.Popen[bytes]]]:
    procs: list[subprocess.Popen[bytes]] = []
    yield procs
    for p in procs:
        p.terminate()
        try:
            p.wait(timeout=5)
        except subprocess.TimeoutExpired:
            p.kill()


async def _until_answered(probe: SipOptionsProbe, proc: subprocess.Popen[bytes]) -> str:
    """sipp needs a moment to bind: probe until it answers (or give up after a few seconds)."""
    for _ in range(50):
        assert proc.poll() is None, "sipp exited"
        result = await probe.check()
        if "unreachable" not in result.reason and "refused" not in result.reason:
            return f"{result.status}|{result.reason}"
        await asyncio.sleep(0.1)
    raise AssertionError("sipp never answered")


def test_options_request_has_what_rfc3261_requires() -> None:
    msg = build_options("10.1.2.3:5060", "10.9.9.9", 5062, "udp", branch="z9hG4bKabc", tag="t1",
                        call_id="c1@10.9.9.9").decode()
    lines = msg.split("\r\n")
    assert lines[0] == "OPTIONS sip:10.1.2.3:5060 SIP/2.0"
    assert "Via: SIP/2.0/UDP 10.9.9.9:5062;branch=z9hG4bKabc;rport" in lines
    assert "Max-Forwards: 70" in lines and "CSeq: 1 OPTIONS" in lines and "Call-ID: c1@10.9.9.9" in lines
    assert any(x.startswith("From: ") and ";tag=t1" in x for x in lines)
    assert msg.endswith("Content-Length: 0\r\n\r\n")
    resp = parse_response(b"SIP/2.0 200 OK\r\ni: c1@10.9.9.9\r\nServer: x\r\n\r\n")
    assert resp is not None and resp.code == 200 and resp.headers["call-id"] == "c1@10.9.9.9"


@needs_sipp
@pytest.mark.parametrize("transport", ["udp", "tcp"])
async def test_sipp_answering_200_is_up(tmp_path: Path, sipp: list[subprocess.Popen[bytes]], transport: str) -> None:
    proc, port = start_sipp(tmp_path, 200, "OK", transport)
    sipp.append(proc)
    probe = SipOptionsProbe("127.0.0.1", port, transport=transport, timeout=2)  # type: ignore[arg-type]
    answer = await _until_answered(probe, proc)
    assert answer == "up|SIP 200 OK (sipp-peer)"


@needs_sipp
async def test_sipp_answering_503_is_down_unless_configured_healthy(
        tmp_path: Path, sipp: list[subprocess.Popen[bytes]]) -> None:
    proc, port = start_sipp(tmp_path, 503, "Service Unavailable", "udp")
    sipp.append(proc)
    answer = await _until_answered(SipOptionsProbe("127.0.0.1", port, timeout=2), proc)
    assert answer == "down|SIP 503 Service Unavailable (sipp-peer)"
    r = await SipOptionsProbe("127.0.0.1", port, timeout=2, unhealthy_codes=()).check()
    assert r.status == "up"


@needs_sipp
async def test_404_is_healthy_by_default_but_not_with_an_explicit_healthy_set(
        tmp_path: Path, sipp: list[subprocess.Popen[bytes]]) -> None:
    proc, port = start_sipp(tmp_path, 404, "Not Found", "udp")
    sipp.append(proc)
    assert (await _until_answered(SipOptionsProbe("127.0.0.1", port, timeout=2), proc)).startswith("up|SIP 404")
    r = await SipOptionsProbe("127.0.0.1", port, timeout=2, healthy_codes=(200,)).check()
    assert r.status == "down"


async def test_no_sip_peer_is_down() -> None:
    r = await SipOptionsProbe("127.0.0.1", free_port(), timeout=1).check()
    assert r.status == "down" and "unreachable" in r.reason
    r = await SipOptionsProbe("127.0.0.1", free_port(socket.SOCK_STREAM), transport="tcp", timeout=1).check()
    assert r.status == "down" and r.reason == "connection refused"


async def test_a_silent_udp_peer_is_down_after_retransmissions() -> None:
    """A socket that swallows requests (no ICMP, no answer): timer A retransmits, then the timeout."""
    loop = asyncio.get_running_loop()
    seen: list[bytes] = []

    class Swallow(asyncio.DatagramProtocol):
        def datagram_received(self, data: bytes, addr: object) -> None:
            seen.append(data)

    transport, _ = await loop.create_datagram_endpoint(Swallow, local_addr=("127.0.0.1", 0))
    port = transport.get_extra_info("sockname")[1]
    try:
        r = await SipOptionsProbe("127.0.0.1", port, timeout=1.2).check()
    finally:
        transport.close()
    assert r.status == "down" and "no answer within 1.2s" in r.reason
    assert len(seen) >= 2 and len({s.split(b"\r\n")[1] for s in seen}) == 1  # same Via branch each time


# -- IPv6 (issue 16): addresses in brackets, RFC 3261 §19.1.1 / §25.1 ------------------------------------
def test_ipv6_addresses_are_bracketed_in_request_uri_via_from_and_contact() -> None:
    msg = build_options(hostport("2001:db8::5", 5060), "2001:db8::9", 5062, "udp", branch="z9hG4bKabc",
                        tag="t1", call_id="c1@x").decode()
    lines = msg.split("\r\n")
    assert lines[0] == "OPTIONS sip:[2001:db8::5]:5060 SIP/2.0"
    bare = build_options("2001:db8::5", "fe80::9%eth0", 5062, "udp", branch="z9hG4bKabc", tag="t1",
                         call_id="c1@x").decode()  # a target given as a bare address; a link-local zone
    assert bare.startswith("OPTIONS sip:[2001:db8::5] SIP/2.0\r\nVia: SIP/2.0/UDP [fe80::9]:5062;")
    assert "Via: SIP/2.0/UDP [2001:db8::9]:5062;branch=z9hG4bKabc;rport" in lines
    assert "Contact: <sip:dutydesk@[2001:db8::9]:5062;transport=udp>" in lines
    assert any(x.startswith("From: <sip:dutydesk@[2001:db8::9]>;tag=t1") for x in lines)
    probe = StrictSipResponder()
    assert probe.problem(msg) is None and probe.problem(bare) is None
    ipv4 = build_options("10.1.2.3:5060", "10.9.9.9", 5062, "udp", branch="z9hG4bKabc", tag="t1",
                         call_id="c1@x").decode()
    assert ipv4.startswith("OPTIONS sip:10.1.2.3:5060 SIP/2.0") and probe.problem(ipv4) is None
    named = build_options("sip:gw1.example.org", "2001:db8::9", 5062, "udp", branch="z9hG4bKabc", tag="t1",
                          call_id="c1@x").decode()
    assert named.startswith("OPTIONS sip:gw1.example.org SIP/2.0") and probe.problem(named) is None


def test_the_strict_responder_refuses_an_unbracketed_ipv6_via() -> None:
    """The responder's grammar itself: it must refuse what RFC 3261 does not allow, or it proves nothing."""
    ok = ("OPTIONS sip:[::1]:5060 SIP/2.0\r\nVia: SIP/2.0/UDP [::1]:5062;branch=z9hG4bKa;rport\r\n"
          "From: <sip:a@[::1]>;tag=1\r\nTo: <sip:[::1]:5060>\r\nCall-ID: c@x\r\nCSeq: 1 OPTIONS\r\n"
          "Max-Forwards: 70\r\nContent-Length: 0\r\n\r\n")
    responder = StrictSipResponder()
    assert responder.problem(ok) is None
    assert responder.problem(ok.replace("UDP [::1]:5062", "UDP ::1:5062")) == "Via"
    assert responder.problem(ok.replace("sip:[::1]:5060 SIP", "sip:::1:5060 SIP")) == "Request-URI"
    assert responder.problem(ok.replace("sip:a@[::1]>", "sip:a@::1>")) == "From"
    assert responder.problem(ok.replace("[::1]:5062", "[::1]:x")) == "Via"


async def test_options_over_ipv6_to_a_strict_responder_on_loopback() -> None:
    loop = asyncio.get_running_loop()
    try:
        transport, responder = await loop.create_datagram_endpoint(StrictSipResponder, local_addr=("::1", 0))
    except OSError as exc:  # pragma: no cover - a host without IPv6 loopback
        pytest.skip(f"no IPv6 loopback here: {exc}")
    port = transport.get_extra_info("sockname")[1]
    try:
        r = await SipOptionsProbe("::1", port, timeout=2).check()
    finally:
        transport.close()
    assert responder.refused == []
    assert r.status == "up" and r.reason == "SIP 200 OK (strict-responder)"
    first = responder.requests[0].split("\r\n")
    assert first[0] == f"OPTIONS sip:[::1]:{port} SIP/2.0"
    assert first[1].startswith("Via: SIP/2.0/UDP [::1]:")
    transport, responder = await loop.create_datagram_endpoint(StrictSipResponder, local_addr=("::1", 0))
    port = transport.get_extra_info("sockname")[1]
    try:  # the address as a SIP URI writes it, brackets and all
        r = await SipOptionsProbe("[::1]", port, timeout=2).check()
    finally:
        transport.close()
    assert r.status == "up" and responder.refused == []


@needs_sipp
@pytest.mark.parametrize("transport", ["udp", "tcp"])
async def test_sipp_on_ipv6_loopback_answers(tmp_path: Path, sipp: list[subprocess.Popen[bytes]],
                                             transport: str) -> None:
    proc, port = start_sipp(tmp_path, 200, "OK", transport, host="::1")
    sipp.append(proc)
    probe = SipOptionsProbe("::1", port, transport=transport, timeout=2)  # type: ignore[arg-type]
    assert await _until_answered(probe, proc) == "up|SIP 200 OK (sipp-peer)"
