"""Cisco recipes: CUCM AXL (getCCMVersion), Control Center services per node, RISPort70 registered
phones, and UCCX's admin API — each a probe built on HTTPS + SOAP.

- AXL: ``POST https://<cucm>:8443/axl/`` (one login, then the ``JSESSIONIDSSO`` session cookie until it
  expires) with ``SOAPAction: "CUCM:DB ver=<schema> getCCMVersion"`` and the
  body in namespace ``http://www.cisco.com/AXL/API/<schema>``. A schema version the cluster does not
  support is answered with HTTP 599 and the list of supported ones: reported as such, not as "down".
- Control Center: ``POST /controlcenterservice2/services/ControlCenterServices``, ``soapGetServiceStatus``
  with the service names; each ``ServiceInfoList/item`` has ``ServiceName`` and ``ServiceStatus``
  (``Started`` / ``Stopped``) and a ``ReasonCodeString``.
- RISPort70: ``POST /realtimeservice2/services/RISService70``, ``selectCmDevice`` with
  ``CmSelectionCriteria`` (class Phone, status Registered, SelectBy Name, item ``*``);
  registered devices are counted over every answer: at most ``MaxReturnedDevices`` (1000) come back per
  call, and the answer's ``StateInfo``, sent back, gets the next ones (paging). RIS allows about 15
  queries a minute per node: answers are cached and a per-server budget is kept, each page counted.
"""

from __future__ import annotations

import asyncio
import contextlib
import re
import time
from collections import deque
from dataclasses import dataclass, field
from typing import ClassVar

import httpx

from integrations.probes.base import ProbeResult, degraded, describe, down, one_line, timed, up
from integrations.probes.http import HttpProbe
from integrations.probes.soap import (
    SoapClient,
    child_text,
    envelope,
    fault,
    find_all,
    find_text,
    parse,
    text_item,
)

AXL_NS = "http://www.cisco.com/AXL/API/{version}"
SERVICEABILITY_NS = "http://schemas.cisco.com/ast/soap"
DEFAULT_SERVICES = ("Cisco CallManager", "Cisco CTIManager", "Cisco Tomcat")
_VERSION = re.compile(r"\b(\d{1,2}\.\d)\b")
MAX_RETURNED_DEVICES = 1000  # RisPort70's most devices in one selectCmDevice answer


@dataclass
class AxlVersionProbe:
    base_url: str  # https://cucm:8443
    username: str | None = None
    password: str | None = None
    schema: str = "12.5"
    timeout: float = 10.0
    verify: bool = True
    ca_file: str | None = None
    session: httpx.Cookies = field(default_factory=httpx.Cookies)  # AXL's session cookie, kept between runs

    async def check(self) -> ProbeResult:
        return await timed(self.timeout, self._once)

    async def _once(self) -> ProbeResult:
        soap = SoapClient(self.base_url, self.username, self.password, timeout=self.timeout, verify=self.verify,
                          ca_file=self.ca_file, session=self.session)
        body = envelope(AXL_NS.format(version=self.schema), "<ns:getCCMVersion/>")
        resp = await soap.post("/axl/", f"CUCM:DB ver={self.schema} getCCMVersion", body)
        if resp.status_code == 599:
            supported = sorted(set(_VERSION.findall(resp.text)), key=lambda v: tuple(int(x) for x in v.split(".")))
            listed = ", ".join(supported) if supported else one_line(resp.text, 120)
            return degraded(f"AXL schema {self.schema} is not supported by this CUCM (HTTP 599); supported: {listed}"
                            " — set axl_schema in the check", supported=supported)
        if resp.status_code in (401, 403):
            return degraded(f"CUCM answers but refuses the AXL user (HTTP {resp.status_code})")
        if resp.status_code != 200:
            reason = ""
            with contextlib.suppress(ValueError):
                reason = fault(parse(resp)) or ""
            return down(one_line(f"AXL HTTP {resp.status_code} {reason}".strip()))
        root = parse(resp)
        version = find_text(root, "version")
        if not version:
            return down(one_line(f"AXL answered without a version: {fault(root) or 'no componentVersion'}"))
        return up(f"CUCM {version} (AXL {self.schema})", version=version)


@dataclass
class ServiceStatusProbe:
    """soapGetServiceStatus on each node: every listed service must be Started."""

    nodes: tuple[str, ...]  # base URLs, one per node: https://cucm-pub:8443
    username: str | None = None
    password: str | None = None
    services: tuple[str, ...] = DEFAULT_SERVICES
    timeout: float = 10.0
    verify: bool = True
    ca_file: str | None = None

    async def check(self) -> ProbeResult:
        return await timed(self.timeout, self._once)

    async def node_status(self, base: str) -> tuple[str, list[str]]:
        """(node, problems): problems empty when every service is Started."""
        soap = SoapClient(base, self.username, self.password, timeout=self.timeout, verify=self.verify,
                          ca_file=self.ca_file)
        items = "".join(text_item("item", s) for s in self.services)
        body = envelope(SERVICEABILITY_NS, f"<ns:soapGetServiceStatus><ns:ServiceStatus>{items}"
                                           "</ns:ServiceStatus></ns:soapGetServiceStatus>")
        node = base.split("://", 1)[-1].split(":", 1)[0].split("/", 1)[0]
        try:
            resp = await soap.post("/controlcenterservice2/services/ControlCenterServices", "soapGetServiceStatus",
                                   body)
        except Exception as exc:
            return node, [f"unreachable ({describe(exc)})"]
        if resp.status_code != 200:
            return node, [f"HTTP {resp.status_code}"]
        root = parse(resp)
        status: dict[str, tuple[str, str]] = {}
        for item in find_all(root, "item"):
            name = child_text(item, "ServiceName")
            if name:
                status[name] = (child_text(item, "ServiceStatus"), child_text(item, "ReasonCodeString"))
        problems = []
        for svc in self.services:
            state, why = status.get(svc, ("missing", ""))
            if state != "Started":
                problems.append(f"{svc} {state}" + (f" ({why})" if why and why.lower() != "none" else ""))
        return node, problems

    async def _once(self) -> ProbeResult:
        results = await asyncio.gather(*(self.node_status(b) for b in self.nodes))
        bad = [(node, problems) for node, problems in results if problems]
        if not bad:
            return up(f"{len(self.services)} service(s) started on {len(self.nodes)} node(s)")
        text = "; ".join(f"{node}: {', '.join(p)}" for node, p in bad)
        return (down if len(bad) == len(self.nodes) else degraded)(one_line(text))


class _RisBudget:
    """Per RIS server: the last answer and the times of recent queries (at most ``per_minute``)."""

    def __init__(self) -> None:
        self.sent: deque[float] = deque()
        self.last: ProbeResult | None = None
        self.last_at = 0.0
        self.lock = asyncio.Lock()

    def forget_old(self, now: float) -> None:
        while self.sent and now - self.sent[0] > 60:
            self.sent.popleft()


@dataclass
class RisPortProbe:
    base_url: str
    expected: int
    username: str | None = None
    password: str | None = None
    device_class: str = "Phone"
    timeout: float = 10.0
    verify: bool = True
    ca_file: str | None = None
    per_minute: int = 15
    cache_seconds: float = 60.0
    budgets: ClassVar[dict[str, _RisBudget]] = {}

    async def check(self) -> ProbeResult:
        budget = self.budgets.setdefault(self.base_url, _RisBudget())
        async with budget.lock:
            now = time.monotonic()
            budget.forget_old(now)
            if budget.last is not None and (now - budget.last_at < self.cache_seconds
                                            or len(budget.sent) >= self.per_minute):
                age = now - budget.last_at
                last = budget.last
                return ProbeResult(last.status, f"{last.reason} (cached {age:.0f} s ago)", last.latency_ms,
                                   {**last.details, "cached": True})
            result = await timed(self.timeout, lambda: self._count(budget))
            budget.last, budget.last_at = result, time.monotonic()
            return result

    def _request(self, state_info: str) -> str:
        criteria = (text_item("MaxReturnedDevices", str(MAX_RETURNED_DEVICES))
                    + text_item("DeviceClass", self.device_class)
                    + text_item("Model", "255") + text_item("Status", "Registered") + "<ns:NodeName/>"
                    + text_item("SelectBy", "Name")
                    + "<ns:SelectItems><ns:item><ns:Item>*</ns:Item></ns:item></ns:SelectItems>"
                    + text_item("Protocol", "Any") + text_item("DownloadStatus", "Any"))
        state = text_item("StateInfo", state_info) if state_info else "<ns:StateInfo/>"
        return envelope(SERVICEABILITY_NS, f"<ns:selectCmDevice>{state}"
                                           f"<ns:CmSelectionCriteria>{criteria}</ns:CmSelectionCriteria>"
                                           "</ns:selectCmDevice>")

    async def _count(self, budget: _RisBudget) -> ProbeResult:
        """Registered devices over every answer: RisPort70 returns at most ``MaxReturnedDevices`` (1000) a
        call; the answer's ``StateInfo``, sent back, gets the next ones, until each node's
        ``TotalItemsReturned`` reaches its ``TotalItemsFound``. A device registered to two nodes counts once."""
        soap = SoapClient(self.base_url, self.username, self.password, timeout=self.timeout, verify=self.verify,
                          ca_file=self.ca_file)
        registered: set[str] = set()
        state_info, pages = "", 0
        while True:
            if pages and len(budget.sent) >= self.per_minute:
                return degraded(f"counted {len(registered)} registered phones before RISPort's budget of "
                                f"{self.per_minute} queries a minute ran out", registered=len(registered))
            budget.sent.append(time.monotonic())
            pages += 1
            resp = await soap.post("/realtimeservice2/services/RISService70", "selectCmDevice",
                                   self._request(state_info))
            root = parse(resp)
            problem = fault(root)
            if problem and "ratecontrol" in problem.replace(" ", "").lower():
                return degraded(one_line(f"RISPort rate limit: {problem}"))
            if resp.status_code != 200 or problem:
                return down(one_line(f"RISPort HTTP {resp.status_code} {problem or ''}".strip()))
            page = [child_text(dev, "Name") for devices in find_all(root, "CmDevices") for dev in devices
                    if child_text(dev, "Status") == "Registered"]
            new = set(page) - registered
            registered |= set(page)
            state_info = find_text(root, "StateInfo") or ""
            if not new or not _more_to_come(state_info, len(page)):
                break
        count = len(registered)
        text = f"{count}/{self.expected} phones registered"
        if count >= self.expected:
            return up(text, registered=count, queries=pages)
        if count == 0:
            return down(text, registered=count, queries=pages)
        return degraded(f"{text} ({self.expected - count} missing)", registered=count, queries=pages)


_NODE_STATE = re.compile(r"<Node\b[^>]*>")
_ATTR = re.compile(r'(\w+)="([^"]*)"')


def _more_to_come(state_info: str, page_size: int) -> bool:
    """Whether RIS holds more devices than it has returned: per ``<Node>`` of the StateInfo,
    ``TotalItemsReturned`` below ``TotalItemsFound``; without those counts, a full answer means maybe."""
    nodes = [dict(_ATTR.findall(tag)) for tag in _NODE_STATE.findall(state_info)]
    counted = [n for n in nodes if n.get("TotalItemsFound", "").isdigit() and n.get("TotalItemsReturned", "").isdigit()]
    if counted:
        return any(int(n["TotalItemsReturned"]) < int(n["TotalItemsFound"]) for n in counted)
    return bool(state_info) and page_size >= MAX_RETURNED_DEVICES


def uccx_admin_probe(base_url: str, username: str | None, password: str | None, *, timeout: float,
                     verify: bool = True, ca_file: str | None = None) -> HttpProbe:
    """UCCX's admin REST API answers an authenticated read (``GET /adminapi/csq``) with 200."""
    return HttpProbe(url=f"{base_url.rstrip('/')}/adminapi/csq", timeout=timeout, username=username,
                     password=password, verify=verify, ca_file=ca_file, expect_status=(200,),
                     headers={"Accept": "application/json"})
