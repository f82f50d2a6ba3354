"""Windows authentication over HTTP for httpx: NTLM ([MS-NTHT]) and Negotiate (RFC 4559), with pyspnego.

The flow is what a browser does against IIS: the request goes out without credentials; the 401 names the
schemes the server accepts (``WWW-Authenticate: Negotiate`` / ``NTLM``); the handshake then runs on the
same connection (NTLM authenticates the connection, not the request): NEGOTIATE → CHALLENGE (401) →
AUTHENTICATE → the answer. When the server offers raw ``NTLM`` it is used; a server that offers only
``Negotiate`` gets SPNEGO (pyspnego picks Kerberos when this host has a ticket and GSSAPI, else NTLM inside
SPNEGO). Over HTTPS the client binds the handshake to the server's certificate (RFC 5929
``tls-server-end-point``), which IIS checks when "Extended Protection" is on.
"""

from __future__ import annotations

import base64
from collections.abc import Generator
from typing import Any

import httpx
import spnego
from cryptography import x509
from cryptography.exceptions import UnsupportedAlgorithm
from cryptography.hazmat.primitives import hashes
from spnego.channel_bindings import GssChannelBindings

from integrations.probes.http_auth import ProbeAuth, offered_schemes


def tls_server_end_point(cert_der: bytes) -> GssChannelBindings:
    """RFC 5929 §4.1: the certificate's own signature hash, with MD5 and SHA-1 (and none) replaced by SHA-256."""
    algorithm: Any = None
    try:
        algorithm = x509.load_der_x509_certificate(cert_der).signature_hash_algorithm
    except (ValueError, UnsupportedAlgorithm):
        algorithm = None
    if algorithm is None or isinstance(algorithm, hashes.MD5 | hashes.SHA1):
        algorithm = hashes.SHA256()
    digest = hashes.Hash(algorithm)
    digest.update(cert_der)
    return GssChannelBindings(application_data=b"tls-server-end-point:" + digest.finalize())


def channel_bindings(resp: httpx.Response) -> GssChannelBindings | None:
    """The binding to the certificate of the TLS connection that carried ``resp``; None over plain HTTP."""
    stream = resp.extensions.get("network_stream")
    ssl_object = stream.get_extra_info("ssl_object") if stream is not None else None
    if ssl_object is None:
        return None
    der = ssl_object.getpeercert(binary_form=True)
    return tls_server_end_point(der) if der else None


def _server_token(resp: httpx.Response, scheme: str) -> bytes | None:
    for header in resp.headers.get_list("www-authenticate"):
        name, _, value = header.strip().partition(" ")
        if name.lower() == scheme.lower() and value.strip():
            try:
                return base64.b64decode(value.strip(), validate=True)
            except ValueError:
                return None
    return None


class WindowsAuth(ProbeAuth):
    schemes = ("NTLM", "Negotiate")
    requires_response_body = True  # read each 401 so its connection goes back to the pool for the next leg

    def __init__(self, username: str, password: str, service: str = "HTTP") -> None:
        self.principal = username  # DOMAIN\\user or user@domain.example
        self._password = password
        self._service = service

    def auth_flow(self, request: httpx.Request) -> Generator[httpx.Request, httpx.Response, None]:
        response = yield request
        if response.status_code != 401:
            return
        offered = {s.lower() for s in offered_schemes(response)}
        scheme = "NTLM" if "ntlm" in offered else "Negotiate" if "negotiate" in offered else None
        if scheme is None:
            return  # the probe reports what the server asked for instead
        ctx = spnego.client(self.principal, self._password, hostname=request.url.host, service=self._service,
                            protocol=scheme.lower(), channel_bindings=channel_bindings(response))
        token = ctx.step()
        while token is not None:
            request.headers["Authorization"] = f"{scheme} {base64.b64encode(token).decode()}"
            response = yield request
            server_token = _server_token(response, scheme)
            if server_token is None:
                return  # refused (401 without a continuation) or done
            if response.status_code != 401:
                if not ctx.complete:
                    ctx.step(server_token)  # SPNEGO's last token on the answer (RFC 4559 §5): mutual auth
                return
            token = ctx.step(server_token)
