"""A little SOAP 1.1 over httpx: enough for Cisco's AXL and serviceability interfaces (no WSDL)."""

from __future__ import annotations

import xml.etree.ElementTree as ET
from collections.abc import Iterator
from xml.sax.saxutils import escape

import httpx

from integrations.probes.http import tls_verify

SOAP_ENV = "http://schemas.xmlsoap.org/soap/envelope/"


def envelope(ns: str, body: str) -> str:
    return (f'<soapenv:Envelope xmlns:soapenv="{SOAP_ENV}" xmlns:ns="{ns}">'
            f"<soapenv:Header/><soapenv:Body>{body}</soapenv:Body></soapenv:Envelope>")


def text_item(tag: str, value: str) -> str:
    return f"<ns:{tag}>{escape(value)}</ns:{tag}>"


def local(tag: str) -> str:
    return tag.rsplit("}", 1)[-1]


def find_all(root: ET.Element, name: str) -> Iterator[ET.Element]:
    for el in root.iter():
        if local(el.tag) == name:
            yield el


def find_text(root: ET.Element, name: str) -> str | None:
    for el in find_all(root, name):
        return (el.text or "").strip()
    return None


def child_text(el: ET.Element, name: str) -> str:
    for child in el:
        if local(child.tag) == name:
            return (child.text or "").strip()
    return ""


def fault(root: ET.Element) -> str | None:
    for el in find_all(root, "Fault"):
        return find_text(el, "faultstring") or find_text(el, "axlmessage") or "SOAP fault"
    return None


SESSION_COOKIE = "JSESSIONIDSSO"


class SoapClient:
    """SOAP over HTTPS with Basic credentials; with ``session`` (a cookie jar the caller keeps between
    calls), the session cookie CUCM sets after a login (``JSESSIONIDSSO``, ``JSESSIONID``) is sent instead
    of the credentials, and only when the server answers 401 to it (the session expired) does the client
    log in again, once: one login per session rather than one per request."""

    def __init__(self, base_url: str, username: str | None, password: str | None, *, timeout: float,
                 verify: bool = True, ca_file: str | None = None, session: httpx.Cookies | None = None) -> None:
        self.base_url = base_url.rstrip("/")
        self.auth = httpx.BasicAuth(username, password or "") if username else None
        self.timeout = timeout
        self.verify = tls_verify(verify, ca_file)
        self.session = session

    async def post(self, path: str, action: str, body: str) -> httpx.Response:
        headers = {"Content-Type": "text/xml; charset=utf-8", "SOAPAction": f'"{action}"'}
        url = f"{self.base_url}{path}"
        jar = self.session
        if jar is None:
            async with httpx.AsyncClient(verify=self.verify, auth=self.auth, timeout=self.timeout) as client:
                return await client.post(url, content=body.encode(), headers=headers)
        async with httpx.AsyncClient(verify=self.verify, timeout=self.timeout, cookies=jar) as client:
            if jar.get(SESSION_COOKIE) is not None:
                resp = await client.post(url, content=body.encode(), headers=headers)
                if resp.status_code != 401:
                    jar.update(client.cookies)
                    return resp
                client.cookies.clear()  # the session expired: log in again
            login = self.auth or httpx.USE_CLIENT_DEFAULT
            resp = await client.post(url, content=body.encode(), headers=headers, auth=login)
            jar.clear()
            jar.update(client.cookies)
            return resp


def parse(resp: httpx.Response) -> ET.Element:
    try:
        return ET.fromstring(resp.content)
    except ET.ParseError:
        raise ValueError(f"HTTP {resp.status_code} with a body that is not XML") from None
