"""Configuration of health checks: ``[customers.<id>.checks.<check>]``, one table per check.

Every check names its ``component`` and its ``type`` (http, tcp, tls, sip, freshness, cucm_axl,
cucm_services, risport, uccx, dynamics) with that type's settings, plus the scheduling and alerting
settings every check shares. Secrets are never in the file: ``password_env``, ``token_env`` and
``sql_url_env`` name environment variables.
"""

from __future__ import annotations

import re
from datetime import timedelta
from typing import Annotated, Any, ClassVar, Literal

from pydantic import AfterValidator, Field, ValidationInfo, field_validator, model_validator

from commands.domain.fields import Strict as _Strict
from commands.domain.fields import check_weekdays, parse_duration, parse_span

_ID = re.compile(r"^[a-z0-9][a-z0-9_-]{0,47}$")


def _duration(v: str) -> str:
    parse_duration(v)
    return v


class RecurringWindow(_Strict):
    """A maintenance window that comes back every week: ``{ days = ["sun"], hours = "02:00-04:00" }``
    in the customer's time zone."""

    days: tuple[str, ...] = ("mon", "tue", "wed", "thu", "fri", "sat", "sun")  # every day
    hours: str = "00:00-24:00"

    @field_validator("days")
    @classmethod
    def _days(cls, v: tuple[str, ...]) -> tuple[str, ...]:
        return check_weekdays(v)

    @field_validator("hours")
    @classmethod
    def _hours(cls, v: str) -> str:
        parse_span(v)
        return v


class _CheckBase(_Strict):
    component: str
    interval: str = "1m"
    timeout: str = "10s"
    failure_threshold: int = Field(default=3, ge=1, le=100)  # consecutive bad results before "down"
    success_threshold: int = Field(default=2, ge=1, le=100)  # consecutive good results before "up"
    reminder: str | None = "1h"  # while down, remind this often (None: never)
    incident: str | None = None  # category of the incident opened automatically when down
    notify_reporters: bool = False  # also tell the customer's channel, not only the engineers
    depends_on: tuple[str, ...] = ()  # components whose outage explains this one's
    maintenance: tuple[RecurringWindow, ...] = ()
    enabled: bool = True
    description: str = ""

    @field_validator("interval", "timeout")
    @classmethod
    def _durations(cls, v: str) -> str:
        return _duration(v)

    @field_validator("reminder")
    @classmethod
    def _reminder(cls, v: str | None) -> str | None:
        return None if v is None else _duration(v)

    @property
    def interval_td(self) -> timedelta:
        return parse_duration(self.interval)

    @property
    def timeout_seconds(self) -> float:
        return parse_duration(self.timeout).total_seconds()

    @property
    def reminder_td(self) -> timedelta | None:
        return parse_duration(self.reminder) if self.reminder else None


class _Tls(_Strict):
    verify: bool = True  # TLS certificate verification (on unless switched off for this check)
    ca_file: str | None = None


class _Auth(_Strict):
    username: str | None = None
    password_env: str | None = None
    token_env: str | None = None  # bearer token


AuthMode = Literal["basic", "bearer", "ntlm", "oauth2"]
_OAUTH_KEYS = ("client_id", "client_secret_env", "tenant", "token_url", "scope", "resource")
_LOOPBACK = ("http://127.0.0.1:", "http://127.0.0.1/", "http://localhost:", "http://localhost/", "http://[::1]")


class HttpAuthConfig(_Auth):
    """How an HTTP check logs in (``auth``), with what each way needs; secrets come from the environment.

    - ``basic``: ``username`` + ``password_env``; ``bearer``: ``token_env`` (a fixed token);
    - ``ntlm``: Windows authentication (NTLM, or Negotiate when the server offers only that):
      ``username`` as ``DOMAIN\\user`` or ``user@domain`` + ``password_env``;
    - ``oauth2``: client credentials: ``client_id``, ``client_secret_env``, and ``token_url`` or ``tenant``
      (Microsoft Entra ID's ``https://login.microsoftonline.com/<tenant>/oauth2/v2.0/token``); ``scope``
      (default ``<origin of url>/.default``) or ``resource`` (AD FS).

    Without ``auth``: ``bearer`` when ``token_env`` is set, ``oauth2`` when ``client_id`` is, else ``basic``
    when ``username`` is set (``ntlm`` for a ``dynamics`` check: the CRM on premises speaks Windows authentication, never Basic).
    """

    username_means: ClassVar[AuthMode] = "basic"  # the default when only username is given
    auth: AuthMode | None = None
    client_id: str | None = None
    client_secret_env: str | None = None
    tenant: str | None = None
    token_url: str | None = None
    scope: str | None = None
    resource: str | None = None

    def auth_mode(self) -> AuthMode | None:
        if self.auth is not None:
            return self.auth
        if self.token_env:
            return "bearer"
        if self.client_id:
            return "oauth2"
        if self.username:
            return self.username_means
        return None

    @property
    def token_endpoint(self) -> str | None:
        if self.token_url:
            return self.token_url
        if self.tenant:
            return f"https://login.microsoftonline.com/{self.tenant}/oauth2/v2.0/token"
        return None

    @model_validator(mode="after")
    def _auth_keys(self) -> HttpAuthConfig:
        mode = self.auth_mode()
        if mode is None:
            return self
        need: dict[str, tuple[str, ...]] = {"basic": ("username",), "bearer": ("token_env",),
                                            "ntlm": ("username", "password_env"),
                                            "oauth2": ("client_id", "client_secret_env")}
        missing = [k for k in need[mode] if not getattr(self, k)]
        if missing:
            raise ValueError(f'auth = "{mode}" needs {" and ".join(missing)}')
        if mode == "oauth2":
            if not self.token_endpoint:
                raise ValueError('auth = "oauth2" needs token_url (or tenant, for Microsoft Entra ID)')
            if not self.token_endpoint.startswith("https://") and not self.token_endpoint.startswith(_LOOPBACK):
                raise ValueError(f"token_url {self.token_endpoint!r}: the client secret goes only over https://")
            if self.scope and self.resource:
                raise ValueError("give scope (Entra ID v2.0) or resource (AD FS), not both")
        else:
            stray = [k for k in _OAUTH_KEYS if getattr(self, k)]
            if stray:
                raise ValueError(f'{", ".join(stray)}: only used with auth = "oauth2"')
        if mode != "bearer" and self.token_env:
            raise ValueError(f'token_env: only used with auth = "bearer", not "{mode}"')
        return self


class HttpCheck(_CheckBase, _Tls, HttpAuthConfig):
    type: Literal["http"]
    url: str
    method: str = "GET"
    expect_status: tuple[int, ...] = (200,)
    keyword: str | None = None
    json_path: str | None = None
    json_value: str | int | float | bool | None = None
    headers: dict[str, str] = Field(default_factory=dict)
    slow_ms: float | None = None

    @field_validator("url")
    @classmethod
    def _url(cls, v: str) -> str:
        if not v.startswith(("http://", "https://")):
            raise ValueError(f"{v!r}: an http check needs an http:// or https:// URL")
        return v


class TcpCheck(_CheckBase):
    type: Literal["tcp"]
    host: str
    port: int = Field(ge=1, le=65535)


class TlsCheck(_CheckBase, _Tls):
    type: Literal["tls"]
    host: str
    port: int = Field(default=443, ge=1, le=65535)
    warn_days: int = Field(default=14, ge=0)
    server_name: str | None = None


class SipCheck(_CheckBase):
    type: Literal["sip"]
    host: str
    port: int = Field(default=5060, ge=1, le=65535)
    transport: Literal["udp", "tcp"] = "udp"
    target: str | None = None
    unhealthy_codes: tuple[int, ...] = (503, 505)  # Cisco's OPTIONS keepalive: these or no answer = down
    healthy_codes: tuple[int, ...] | None = None  # when set, only these answers count as healthy


class FreshnessCheck(_CheckBase, _Tls, _Auth):
    type: Literal["freshness"]
    max_age: str
    what: str = "newest recording"
    sql_url_env: str | None = None  # an SQLAlchemy URL, from the environment (it holds a password)
    sql_url: str | None = None  # only for URLs without a secret (sqlite:///...)
    query: str | None = None
    url: str | None = None
    json_path: str | None = None
    timestamps_tz: str | None = None  # time zone of naive timestamps (default: the customer's)
    active: Literal["calendar", "always"] = "calendar"  # when fresh values are expected

    @field_validator("max_age")
    @classmethod
    def _age(cls, v: str) -> str:
        return _duration(v)

    @model_validator(mode="after")
    def _source(self) -> FreshnessCheck:
        sql = self.sql_url_env or self.sql_url
        if sql and self.url:
            raise ValueError("give either an SQL source (sql_url_env + query) or an HTTP one (url + json_path)")
        if sql and not self.query:
            raise ValueError("an SQL freshness check needs a query returning the newest timestamp")
        if self.url and not self.json_path:
            raise ValueError("an HTTP freshness check needs json_path, the timestamp's place in the JSON")
        if not sql and not self.url:
            raise ValueError("a freshness check needs sql_url_env + query, or url + json_path")
        return self


class _Cisco(_CheckBase, _Tls, _Auth):
    url: str  # https://cucm.example:8443


class AxlCheck(_Cisco):
    type: Literal["cucm_axl"]
    axl_schema: str = "12.5"


class ServicesCheck(_CheckBase, _Tls, _Auth):
    type: Literal["cucm_services"]
    nodes: tuple[str, ...]  # base URLs of each node, https://cucm-pub:8443
    services: tuple[str, ...] = ("Cisco CallManager", "Cisco CTIManager", "Cisco Tomcat")

    @field_validator("nodes")
    @classmethod
    def _nodes(cls, v: tuple[str, ...]) -> tuple[str, ...]:
        if not v:
            raise ValueError("at least one node URL is needed")
        return v


class RisCheck(_Cisco):
    type: Literal["risport"]
    expected: int = Field(ge=1)  # registered phones expected; fewer is degraded, none is down
    device_class: str = "Phone"
    per_minute: int = Field(default=15, ge=1)  # RISPort's query budget per minute
    cache: str = "60s"


class UccxCheck(_Cisco):
    type: Literal["uccx"]


class DynamicsCheck(_CheckBase, _Tls, HttpAuthConfig):
    username_means: ClassVar[AuthMode] = "ntlm"
    type: Literal["dynamics"]
    url: str  # the organisation's URL: https://crm.example/ORG (on premises) or https://org.crm4.dynamics.com
    api_version: str = "9.2"

    @field_validator("url")
    @classmethod
    def _url(cls, v: str) -> str:
        if not v.startswith(("http://", "https://")):
            raise ValueError(f"{v!r}: a dynamics check needs an http:// or https:// URL")
        return v


CheckConfig = Annotated[
    HttpCheck | TcpCheck | TlsCheck | SipCheck | FreshnessCheck | AxlCheck | ServicesCheck | RisCheck | UccxCheck
    | DynamicsCheck,
    Field(discriminator="type"),
]
AnyCheck = (HttpCheck | TcpCheck | TlsCheck | SipCheck | FreshnessCheck | AxlCheck | ServicesCheck | RisCheck
            | UccxCheck | DynamicsCheck)


def _validate_checks(checks: dict[str, Any], info: ValidationInfo) -> dict[str, Any]:
    """Cross-checks against the customer's own tables (validated before ``checks``)."""
    components: dict[str, Any] = info.data.get("components") or {}
    categories: dict[str, Any] = info.data.get("categories") or {}
    for key, check in checks.items():
        if not _ID.match(key):
            raise ValueError(f"{key!r}: check ids are lower-case letters, digits, '-' or '_'")
        if check.component not in components:
            raise ValueError(f"{key}.component: {check.component!r} is not a component ({', '.join(components)})")
        if check.incident is not None and check.incident not in categories:
            raise ValueError(f"{key}.incident: {check.incident!r} is not a category ({', '.join(categories)})")
        for dep in check.depends_on:
            if dep not in components:
                raise ValueError(f"{key}.depends_on: {dep!r} is not a component ({', '.join(components)})")
            if dep == check.component:
                raise ValueError(f"{key}.depends_on: a component cannot depend on itself")
    return checks


CheckTable = Annotated[dict[str, CheckConfig], AfterValidator(_validate_checks)]
