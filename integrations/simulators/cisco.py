"""Fake Cisco CUCM (AXL, Control Center services, RISPort70) and UCCX admin API servers on 127.0.0.1,
speaking the published SOAP/REST shapes, for the probe recipes and the demo (Dynamics CRM: dynamics.py)."""

from __future__ import annotations

import base64
import re
import secrets
import ssl
import xml.etree.ElementTree as ET
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from dataclasses import dataclass, field
from xml.sax.saxutils import escape

from aiohttp import web

SOAP = "http://schemas.xmlsoap.org/soap/envelope/"
AST = "http://schemas.cisco.com/ast/soap"
MAX_RETURNED_DEVICES = 1000  # RisPort70: SelectCmDevice returns at most 1000 devices per call


def _text(root: ET.Element, name: str) -> str:
    for el in root.iter():
        if el.tag.rsplit("}", 1)[-1] == name:
            return (el.text or "").strip()
    return ""


@asynccontextmanager
async def serve(app: web.Application, ssl_context: ssl.SSLContext | None = None) -> AsyncIterator[str]:
    """Run ``app`` on 127.0.0.1 (a free port) and yield its base URL; stopped on exit."""
    runner = web.AppRunner(app, access_log=None, shutdown_timeout=0.2)
    await runner.setup()
    site = web.TCPSite(runner, "127.0.0.1", 0, ssl_context=ssl_context)
    await site.start()
    port = site._server.sockets[0].getsockname()[1]  # type: ignore[union-attr]
    try:
        yield f"{'https' if ssl_context else 'http'}://127.0.0.1:{port}"
    finally:
        await runner.cleanup()


def _envelope(body: str) -> str:
    return f'<?xml version="1.0" encoding="UTF-8"?><soapenv:Envelope xmlns:soapenv="{SOAP}"><soapenv:Body>{body}' \
           "</soapenv:Body></soapenv:Envelope>"


def _fault(text: str) -> str:
    return _envelope(f"<soapenv:Fault><faultcode>soapenv:Server</faultcode><faultstring>{text}</faultstring>"
                     "</soapenv:Fault>")


@dataclass
class FakeCucm:
    username: str = "axluser"
    password: str = "secret"
    version: str = "12.5.1.13900-152"
    schemas: tuple[str, ...] = ("10.0", "10.5", "11.0", "11.5", "12.0", "12.5")
    phones: int = 22  # registered phones RISPort reports
    services: dict[str, str] = field(default_factory=lambda: {
        "Cisco CallManager": "Started", "Cisco CTIManager": "Started", "Cisco Tomcat": "Started"})
    ris_requests: int = 0
    axl_logins: int = 0  # AXL requests that authenticated with credentials (each a login on CUCM)
    axl_auth: list[str] = field(default_factory=list)  # per AXL request: basic, cookie, expired cookie
    sessions: set[str] = field(default_factory=set)  # live JSESSIONIDSSO values
    ris_state_id: int = 2357  # RIS's change counter, echoed in StateInfo
    requests: list[tuple[str, str, str]] = field(default_factory=list)  # (path, SOAPAction, body)

    def _authorised(self, request: web.Request) -> bool:
        want = "Basic " + base64.b64encode(f"{self.username}:{self.password}".encode()).decode()
        return request.headers.get("Authorization") == want

    def expire_sessions(self) -> None:
        self.sessions.clear()

    def _axl_login(self, request: web.Request) -> tuple[bool, dict[str, str]]:
        """AXL's Tomcat: a request carrying a live ``JSESSIONIDSSO`` session cookie is served without
        authenticating again; an unknown or expired one gets 401 (the client must log in again); Basic
        credentials log in and the answer sets ``JSESSIONIDSSO`` and ``JSESSIONID`` (Cisco's AXL developer
        guide, best practices: reuse the session cookie rather than authenticating every request)."""
        cookie = request.cookies.get("JSESSIONIDSSO")
        if cookie and "Authorization" not in request.headers:
            live = cookie in self.sessions
            self.axl_auth.append("cookie" if live else "expired cookie")
            return live, {}
        self.axl_auth.append("basic")
        if not self._authorised(request):
            return False, {}
        self.axl_logins += 1
        sso, jsession = secrets.token_hex(16).upper(), secrets.token_hex(16).upper()
        self.sessions.add(sso)
        return True, {"JSESSIONIDSSO": sso, "JSESSIONID": jsession}

    def app(self) -> web.Application:
        app = web.Application()
        app.router.add_post("/axl/", self.axl)
        app.router.add_post("/controlcenterservice2/services/ControlCenterServices", self.control_center)
        app.router.add_post("/realtimeservice2/services/RISService70", self.risport)
        app.router.add_get("/adminapi/csq", self.uccx_csq)
        return app

    async def _read(self, request: web.Request) -> str:
        body = await request.text()
        self.requests.append((request.path, request.headers.get("SOAPAction", ""), body))
        return body

    async def axl(self, request: web.Request) -> web.Response:
        body = await self._read(request)
        ok, cookies = self._axl_login(request)
        if not ok:
            return web.Response(status=401, text="Unauthorized")
        resp = await self._axl_answer(request, body)
        for name, value in cookies.items():  # CUCM marks them Secure too; the fake runs over plain HTTP
            resp.set_cookie(name, value, path="/", httponly=True)
        return resp

    async def _axl_answer(self, request: web.Request, body: str) -> web.Response:
        action = request.headers.get("SOAPAction", "").strip('"')
        m = re.match(r"CUCM:DB ver=(\d+\.\d+) (\w+)", action)
        schema = m.group(1) if m else ""
        if schema not in self.schemas:
            # What CUCM answers for an AXL schema version it does not support.
            return web.Response(status=599, text=f"Unsupported AXL version {schema}. "
                                                 f"Supported versions are: {', '.join(self.schemas)}")
        if "getCCMVersion" not in body:
            return web.Response(status=500, text=_fault("unknown operation"), content_type="text/xml")
        return web.Response(text=_envelope(
            f'<ns:getCCMVersionResponse xmlns:ns="http://www.cisco.com/AXL/API/{schema}"><return>'
            f"<componentVersion><version>{self.version}</version></componentVersion></return>"
            "</ns:getCCMVersionResponse>"), content_type="text/xml")

    async def control_center(self, request: web.Request) -> web.Response:
        body = await self._read(request)
        if not self._authorised(request):
            return web.Response(status=401)
        asked = re.findall(r"<ns:item>([^<]+)</ns:item>", body) or list(self.services)
        items = "".join(
            f"<ns1:item><ns1:ServiceName>{name}</ns1:ServiceName>"
            f"<ns1:ServiceStatus>{self.services.get(name, 'Not Activated')}</ns1:ServiceStatus>"
            f"<ns1:ReasonCode>-1</ns1:ReasonCode><ns1:ReasonCodeString>"
            f"{'Service Not Activated' if self.services.get(name, 'x') != 'Started' else ' '}</ns1:ReasonCodeString>"
            "<ns1:StartTime>Mon Nov 23 08:00:00 2026</ns1:StartTime><ns1:UpTime>3600</ns1:UpTime></ns1:item>"
            for name in asked)
        return web.Response(text=_envelope(
            f'<ns1:soapGetServiceStatusResponse xmlns:ns1="{AST}"><ns1:soapGetServiceStatusReturn>'
            "<ns1:ReturnCode>0</ns1:ReturnCode><ns1:ReasonCode>-1</ns1:ReasonCode><ns1:ReasonString/>"
            f"<ns1:ServiceInfoList>{items}</ns1:ServiceInfoList></ns1:soapGetServiceStatusReturn>"
            "</ns1:soapGetServiceStatusResponse>"), content_type="text/xml")

    async def risport(self, request: web.Request) -> web.Response:
        """RisPort70 ``selectCmDevice`` as https://developer.cisco.com/docs/sxml/risport70-api describes it:
        at most ``MaxReturnedDevices`` (1000 at most) devices per call; the answer's ``StateInfo`` says per
        node how many devices matched (``TotalItemsFound``) and how many have been returned so far
        (``TotalItemsReturned``); sent back in the next request it gets the next devices.
        ``TotalDevicesFound`` counts the devices in this answer."""
        body = await self._read(request)
        self.ris_requests += 1
        if not self._authorised(request):
            return web.Response(status=401)
        if "<ns:Status>Registered</ns:Status>" not in body or "selectCmDevice" not in body:
            return web.Response(status=500, text=_fault("bad criteria"), content_type="text/xml")
        req = ET.fromstring(body)
        asked = int(_text(req, "MaxReturnedDevices") or "1000")
        limit = min(max(asked, 1), MAX_RETURNED_DEVICES)
        state = _text(req, "StateInfo")
        offset = 0
        if state:
            m = re.search(r'StateId="(\d+)"[^>]*TotalItemsReturned="(\d+)"', state)
            if not m or int(m.group(1)) != self.ris_state_id:
                # A StateInfo the server did not hand out (or from before a change): a fault, not a guess.
                return web.Response(status=500, text=_fault("Invalid StateInfo"), content_type="text/xml")
            offset = int(m.group(2))
        page = range(offset, min(offset + limit, self.phones))
        devices = "".join(
            f"<ns1:item><ns1:Name>SEP{n:012d}</ns1:Name><ns1:DirNumber>{1000 + n}-Registered</ns1:DirNumber>"
            "<ns1:DeviceClass>Phone</ns1:DeviceClass><ns1:Model>36670</ns1:Model><ns1:Status>Registered</ns1:Status>"
            f"<ns1:IPAddress><ns1:item><ns1:IP>10.1.{n // 250}.{n % 250 + 1}</ns1:IP></ns1:item></ns1:IPAddress>"
            "</ns1:item>"
            for n in page)
        returned = offset + len(page)
        state_info = escape(f'<StateInfo><Node Name="cucm-pub" SubsystemStartTime="1764547200" '
                            f'StateId="{self.ris_state_id}" TotalItemsFound="{self.phones}" '
                            f'TotalItemsReturned="{returned}"/></StateInfo>')
        return web.Response(text=_envelope(
            f'<ns1:selectCmDeviceResponse xmlns:ns1="{AST}"><ns1:selectCmDeviceReturn><ns1:SelectCmDeviceResult>'
            f"<ns1:TotalDevicesFound>{len(page)}</ns1:TotalDevicesFound><ns1:CmNodes><ns1:item>"
            "<ns1:ReturnCode>Ok</ns1:ReturnCode><ns1:Name>cucm-pub</ns1:Name>"
            f"<ns1:CmDevices>{devices}</ns1:CmDevices></ns1:item></ns1:CmNodes></ns1:SelectCmDeviceResult>"
            f"<ns1:StateInfo>{state_info}</ns1:StateInfo></ns1:selectCmDeviceReturn>"
            "</ns1:selectCmDeviceResponse>"), content_type="text/xml")

    async def uccx_csq(self, request: web.Request) -> web.Response:
        if not self._authorised(request):
            return web.Response(status=401)
        return web.json_response({"csq": [{"id": "1", "name": "Inbound"}]})
