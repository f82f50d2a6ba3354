"""``[desk.web.oidc.<id>]``: identity providers people may sign in to the web application with (OpenID
Connect, docs/web.md). The client secret is never in the file: ``client_secret_env`` names the variable
that holds it (docs/security.md, "Where secrets live")."""

from __future__ import annotations

import re
from collections.abc import Mapping
from urllib.parse import urlsplit

from pydantic import Field, field_validator

from commands.domain.fields import Strict

_ID = re.compile(r"^[a-z0-9][a-z0-9_-]{0,31}$")
_ENV = re.compile(r"^[A-Z_][A-Z0-9_]{0,127}$")
_LOOPBACK = ("127.0.0.1", "localhost", "::1")  # plain http only there (the tests' fake provider)


class OidcProviderConfig(Strict):
    issuer: str = Field(description="the provider's issuer URL, exactly as its ID tokens say it")
    client_id: str = Field(min_length=1, max_length=255)
    client_secret_env: str = Field(description="the environment variable holding the client secret")
    title: dict[str, str] = Field(default_factory=dict, description="button title per locale")
    scopes: str = "openid email profile"
    email_claim: str = "email"  # Entra ID: "preferred_username" or "upn" when "email" is not sent
    customers: tuple[str, ...] | None = None  # whose people may use it; None: any person

    @field_validator("issuer")
    @classmethod
    def _issuer(cls, v: str) -> str:
        parts = urlsplit(v)
        if parts.query or parts.fragment or not parts.hostname:
            raise ValueError(f"{v!r} is not an issuer URL like https://login.microsoftonline.com/<tenant>/v2.0")
        if parts.scheme != "https" and not (parts.scheme == "http" and parts.hostname in _LOOPBACK):
            raise ValueError(f"{v!r}: an issuer is an https:// URL (http only for 127.0.0.1 or localhost)")
        return v

    @field_validator("client_secret_env")
    @classmethod
    def _env(cls, v: str) -> str:
        if not _ENV.match(v):
            raise ValueError(f"{v!r} is not an environment variable's name like DUTYDESK_OIDC_ENTRA_SECRET")
        return v

    @field_validator("scopes")
    @classmethod
    def _scopes(cls, v: str) -> str:
        if "openid" not in v.split():
            raise ValueError(f"{v!r}: the scopes must include openid")
        return v

    def title_in(self, locale: str, fallback: str) -> str:
        return self.title.get(locale) or self.title.get("en") or fallback


class WebConfig(Strict):
    oidc: dict[str, OidcProviderConfig] = Field(default_factory=dict)

    @field_validator("oidc")
    @classmethod
    def _ids(cls, v: dict[str, OidcProviderConfig]) -> dict[str, OidcProviderConfig]:
        for key in v:
            if not _ID.match(key):
                raise ValueError(f"{key!r}: ids are lower-case letters, digits, '-' or '_'")
        return v


def missing_secrets(web: WebConfig, environ: Mapping[str, str]) -> list[str]:
    """A sentence per provider whose client secret is not in the environment, naming the key."""
    return [f"desk.web.oidc.{pid}.client_secret_env: {p.client_secret_env} is not set in the environment"
            for pid, p in web.oidc.items() if not environ.get(p.client_secret_env)]
