"""Config → probe: one probe object per configured check (kept, so caches such as RISPort's hold)."""

from __future__ import annotations

import os
from collections.abc import Mapping
from datetime import datetime
from zoneinfo import ZoneInfo

import httpx

from commands.domain.calendar import BusinessCalendar
from commands.domain.clock import Clock
from commands.domain.config import CustomerConfig
from commands.domain.fields import parse_duration
from commands.health.domain.config import (
    AnyCheck,
    AxlCheck,
    DynamicsCheck,
    FreshnessCheck,
    HttpAuthConfig,
    HttpCheck,
    RisCheck,
    ServicesCheck,
    SipCheck,
    TcpCheck,
    TlsCheck,
    UccxCheck,
)
from integrations.probes.base import Probe
from integrations.probes.cisco import AxlVersionProbe, RisPortProbe, ServiceStatusProbe, uccx_admin_probe
from integrations.probes.dynamics import WhoAmIProbe
from integrations.probes.freshness import ActiveSince, FreshnessProbe
from integrations.probes.http import HttpProbe, tls_verify
from integrations.probes.http_auth import BasicAuth, BearerAuth, ProbeAuth
from integrations.probes.oauth import ClientCredentialsAuth
from integrations.probes.sip import SipOptionsProbe
from integrations.probes.tcp import TcpProbe
from integrations.probes.tls import TlsProbe
from integrations.probes.windows_auth import WindowsAuth


class MissingSecret(ValueError):
    pass


def _env(env: Mapping[str, str], name: str | None) -> str | None:
    if name is None:
        return None
    value = env.get(name)
    if value is None:
        raise MissingSecret(f"environment variable {name} is not set")
    return value


def http_auth(check: HttpAuthConfig, url: str, env: Mapping[str, str], clock: Clock, timeout: float,
              verify: bool = True, ca_file: str | None = None) -> ProbeAuth | None:
    """The auth flow an HTTP or Dynamics check is configured for (see ``HttpAuthConfig``); secrets from ``env``."""
    mode = check.auth_mode()
    if mode == "bearer":
        return BearerAuth(_env(env, check.token_env) or "")
    if mode == "basic":
        return BasicAuth(check.username or "", _env(env, check.password_env) or "")
    if mode == "ntlm":
        return WindowsAuth(check.username or "", _env(env, check.password_env) or "")
    if mode == "oauth2":
        origin = httpx.URL(url).copy_with(path="/", query=None, fragment=None)
        scope = check.scope or (None if check.resource else f"{str(origin).rstrip('/')}/.default")
        return ClientCredentialsAuth(check.token_endpoint or "", check.client_id or "",
                                     _env(env, check.client_secret_env) or "", clock=clock, scope=scope,
                                     resource=check.resource, timeout=timeout, verify=tls_verify(verify, ca_file))
    return None


def calendar_active_since(cal: BusinessCalendar) -> ActiveSince:
    """While the calendar is open: the opening of the current working interval; otherwise None."""

    def since(now: datetime) -> datetime | None:
        for opens, closes in cal.intervals(cal.local_date(now)):
            if opens <= now < closes:
                return opens
        return None

    return since


def build_probe(check: AnyCheck, customer: CustomerConfig, calendar: BusinessCalendar, clock: Clock,
                env: Mapping[str, str] | None = None) -> Probe:
    env = os.environ if env is None else env
    timeout = check.timeout_seconds
    if isinstance(check, HttpCheck):
        return HttpProbe(url=check.url, timeout=timeout, method=check.method, expect_status=check.expect_status,
                         keyword=check.keyword, json_path=check.json_path, json_value=check.json_value,
                         headers=dict(check.headers), verify=check.verify, ca_file=check.ca_file,
                         slow_ms=check.slow_ms,
                         auth=http_auth(check, check.url, env, clock, timeout, check.verify, check.ca_file))
    if isinstance(check, TcpCheck):
        return TcpProbe(host=check.host, port=check.port, timeout=timeout)
    if isinstance(check, TlsCheck):
        return TlsProbe(host=check.host, port=check.port, timeout=timeout, warn_days=check.warn_days,
                        verify=check.verify, ca_file=check.ca_file, server_name=check.server_name, clock=clock)
    if isinstance(check, SipCheck):
        return SipOptionsProbe(host=check.host, port=check.port, transport=check.transport, timeout=timeout,
                               target=check.target, unhealthy_codes=check.unhealthy_codes,
                               healthy_codes=check.healthy_codes)
    if isinstance(check, FreshnessCheck):
        return FreshnessProbe(
            max_age=parse_duration(check.max_age), timeout=timeout, what=check.what,
            sql_url=_env(env, check.sql_url_env) if check.sql_url_env else check.sql_url, query=check.query,
            http_url=check.url, json_path=check.json_path, username=check.username,
            password=_env(env, check.password_env), bearer=_env(env, check.token_env), verify=check.verify,
            ca_file=check.ca_file, naive_tz=ZoneInfo(check.timestamps_tz or customer.timezone),
            active_since=calendar_active_since(calendar) if check.active == "calendar" else None, clock=clock,
        )
    if isinstance(check, DynamicsCheck):
        return WhoAmIProbe(base_url=check.url, api_version=check.api_version, timeout=timeout, verify=check.verify,
                           ca_file=check.ca_file,
                           auth=http_auth(check, check.url, env, clock, timeout, check.verify, check.ca_file))
    password = _env(env, check.password_env)
    if isinstance(check, AxlCheck):
        return AxlVersionProbe(base_url=check.url, username=check.username, password=password,
                               schema=check.axl_schema, timeout=timeout, verify=check.verify, ca_file=check.ca_file)
    if isinstance(check, ServicesCheck):
        return ServiceStatusProbe(nodes=check.nodes, username=check.username, password=password,
                                  services=check.services, timeout=timeout, verify=check.verify,
                                  ca_file=check.ca_file)
    if isinstance(check, RisCheck):
        return RisPortProbe(base_url=check.url, expected=check.expected, username=check.username, password=password,
                            device_class=check.device_class, timeout=timeout, verify=check.verify,
                            ca_file=check.ca_file, per_minute=check.per_minute,
                            cache_seconds=parse_duration(check.cache).total_seconds())
    if isinstance(check, UccxCheck):
        return uccx_admin_probe(check.url, check.username, password, timeout=timeout, verify=check.verify,
                                ca_file=check.ca_file)
    raise TypeError(f"no probe for {type(check).__name__}")
