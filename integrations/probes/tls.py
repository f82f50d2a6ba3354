"""TLS certificate probe: the certificate a server presents, verified, and how many days it has left.

Degraded when it expires within ``warn_days``; down when it has expired, does not verify (wrong name,
unknown issuer, self-signed without ``ca_file``) or no TLS handshake is possible. With ``verify = false``
(appliances with their own self-signed certificates, as CUCM ships) only the dates are judged.
"""

from __future__ import annotations

import asyncio
import contextlib
import ssl
from dataclasses import dataclass
from datetime import UTC, datetime

from commands.domain.clock import Clock, SystemClock
from integrations.probes.base import ProbeResult, degraded, down, one_line, timed, up


def not_after_of_der(der: bytes) -> datetime:
    from cryptography import x509

    cert = x509.load_der_x509_certificate(der)
    return cert.not_valid_after_utc


@dataclass
class TlsProbe:
    host: str
    port: int = 443
    timeout: float = 10.0
    warn_days: int = 14
    verify: bool = True
    ca_file: str | None = None
    server_name: str | None = None
    clock: Clock | None = None

    async def check(self) -> ProbeResult:
        return await timed(self.timeout, self._once)

    def _context(self) -> ssl.SSLContext:
        if not self.verify:
            ctx = ssl.create_default_context()
            ctx.check_hostname = False
            ctx.verify_mode = ssl.CERT_NONE
            return ctx
        return ssl.create_default_context(cafile=self.ca_file) if self.ca_file else ssl.create_default_context()

    async def _once(self) -> ProbeResult:
        name = self.server_name or self.host
        try:
            _reader, writer = await asyncio.open_connection(self.host, self.port, ssl=self._context(),
                                                            server_hostname=name)
        except ssl.SSLCertVerificationError as err:
            return down(one_line(f"certificate does not verify: {err.verify_message or err.reason}"))
        except ssl.SSLError as err:
            return down(one_line(f"TLS handshake failed: {err.reason or err}"))
        try:
            sslobj = writer.get_extra_info("ssl_object")
            der = sslobj.getpeercert(binary_form=True) if sslobj is not None else None
        finally:
            writer.close()
            with contextlib.suppress(OSError, ssl.SSLError):
                await writer.wait_closed()
        if not der:
            return down("the server presented no certificate")
        expires = not_after_of_der(der)
        now = (self.clock or SystemClock()).now()
        left = expires - now
        when = expires.astimezone(UTC).strftime("%Y-%m-%d")
        if left.total_seconds() <= 0:
            return down(f"certificate expired on {when}", expires=expires.isoformat())
        days = left.days
        if days < self.warn_days:
            return degraded(f"certificate expires in {days} day(s), on {when}", expires=expires.isoformat(),
                            days_left=days)
        return up(f"certificate valid for {days} more days (until {when})", expires=expires.isoformat(),
                  days_left=days)
