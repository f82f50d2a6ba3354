"""Reading the TOML configuration into validated objects, with errors that name the key."""

from __future__ import annotations

import os
import tomllib
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path

from pydantic import ValidationError

from bot.transports import TRANSPORT_NAMES, unknown_transports
from commands.domain.config import Config


class ConfigError(Exception):
    """The configuration file is missing, not TOML, or not valid; ``problems`` lists each one."""

    def __init__(self, path: str, problems: list[str]) -> None:
        super().__init__(f"{path}: " + "; ".join(problems))
        self.path = path
        self.problems = problems


def load_config(path: str | Path) -> Config:
    path = Path(path)
    try:
        raw = tomllib.loads(path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        raise ConfigError(str(path), ["file not found"]) from None
    except tomllib.TOMLDecodeError as exc:
        raise ConfigError(str(path), [f"not valid TOML: {exc}"]) from None
    try:
        config = Config.model_validate(raw)
    except ValidationError as exc:
        raise ConfigError(str(path), [_describe(e) for e in exc.errors()]) from None
    unknown = unknown_transports(config)
    if unknown:
        raise ConfigError(str(path), [f"unknown transport(s) {', '.join(unknown)} (a typo?); this desk has "
                                      f"{', '.join(sorted(TRANSPORT_NAMES))}"])
    return config


def _describe(error: object) -> str:
    assert isinstance(error, dict)
    loc = ".".join(str(p) for p in error.get("loc", ()))
    msg = str(error.get("msg", "invalid"))
    msg = msg.removeprefix("Value error, ")
    if error.get("type") == "extra_forbidden":
        msg = "unknown key (a typo?)"
    elif error.get("type") == "missing":
        msg = "required key is missing"
    return f"{loc}: {msg}" if loc else msg


@dataclass(frozen=True)
class Environment:
    """Settings that come from the environment only (secrets are never in the config file)."""

    database_url: str

    @classmethod
    def read(cls) -> Environment:
        return cls(database_url=os.environ.get("DATABASE_URL", "sqlite:///dutydesk.db"))


@dataclass(frozen=True)
class OpsSettings:
    """The operations side of ``dutydesk run``, from the environment (docs/operations.md, "Environment")."""

    http_host: str = "127.0.0.1"  # loopback unless DUTYDESK_HTTP_HOST says otherwise (docs/security.md)
    http_port: int | None = None  # None: no operations HTTP server
    api_tokens: dict[str, str] = field(default_factory=dict)  # name → token (the identity is api:<name>)
    shutdown_timeout: float = 20.0
    metrics_token: str | None = None  # /metrics wants "Authorization: Bearer <token>"
    metrics_host: str = "127.0.0.1"
    metrics_port: int | None = None  # /metrics on its own port (then never on the HTTP port)
    public_url: str | None = None  # where people reach the web pages (served on the HTTP port when set)

    @property
    def metrics_on_http_port(self) -> bool:
        """/metrics names customers and components: on the HTTP port only with a token, or when that port
        listens on loopback alone; otherwise on its own port, or nowhere."""
        return self.metrics_port is None and (self.metrics_token is not None or is_loopback(self.http_host))

    @classmethod
    def read(cls, environ: Mapping[str, str]) -> OpsSettings:
        """Raises ValueError naming the variable that is wrong."""
        from bot.api_intake import parse_tokens

        token = environ.get("DUTYDESK_METRICS_TOKEN", "").strip()
        if token and len(token) < 16:
            raise ValueError("DUTYDESK_METRICS_TOKEN is too short: use at least 16 random characters")
        return cls(http_host=environ.get("DUTYDESK_HTTP_HOST", "").strip() or "127.0.0.1",
                   http_port=env_port(environ, "DUTYDESK_HTTP_PORT"),
                   api_tokens=parse_tokens(environ.get("DUTYDESK_API_TOKENS", "")),
                   shutdown_timeout=env_seconds(environ, "DUTYDESK_SHUTDOWN_TIMEOUT", 20.0),
                   metrics_token=token or None,
                   metrics_host=environ.get("DUTYDESK_METRICS_HOST", "").strip() or "127.0.0.1",
                   metrics_port=env_port(environ, "DUTYDESK_METRICS_PORT"),
                   public_url=public_url(environ))


def public_url(environ: Mapping[str, str]) -> str | None:
    """DUTYDESK_PUBLIC_URL: an http(s) address without a query, e.g. https://desk.example.com."""
    value = environ.get("DUTYDESK_PUBLIC_URL", "").strip().rstrip("/")
    if not value:
        return None
    scheme, sep, rest = value.partition("://")
    if scheme.lower() not in ("http", "https") or not sep or not rest or any(c in rest for c in "?#\\ \"'<>"):
        raise ValueError("DUTYDESK_PUBLIC_URL is an address like https://desk.example.com (http or https, no query)")
    return value


def env_port(environ: Mapping[str, str], name: str) -> int | None:
    """A port number from the environment (0: any free port), or None when unset."""
    port = environ.get(name, "").strip()
    if port and not (port.isdigit() and 0 <= int(port) <= 65535):
        raise ValueError(f"{name} is a port number, not {port!r}")
    return int(port) if port else None


def is_loopback(host: str) -> bool:
    """Whether only this machine can reach ``host`` (127.0.0.0/8, ::1, localhost)."""
    import ipaddress

    if host == "localhost":
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False


def env_seconds(environ: Mapping[str, str], name: str, default: float) -> float:
    """A positive number of seconds from the environment, or ``default``; ValueError names the variable."""
    value = environ.get(name, "").strip()
    if not value:
        return default
    try:
        seconds = float(value)
    except ValueError:
        seconds = -1.0
    if not 0 < seconds < 1e6:
        raise ValueError(f"{name} is a number of seconds, not {value!r}")
    return seconds
