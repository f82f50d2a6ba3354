"""OpenID Connect with one identity provider: discovery, the authorization request (code flow with PKCE),
the code exchange (a confidential client) and the ID token's validation (OpenID Connect Core 1.0
§3.1.3.7, RFC 7519). No I/O but the provider's; time is the desk's clock, passed in as ``now``."""

from __future__ import annotations

import base64
import hashlib
import hmac
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any
from urllib.parse import quote, urlencode, urlsplit

import httpx
import jwt

from commands.domain.web_config import OidcProviderConfig

# Signatures with a public key only: "none" and HS* (a shared secret; with the provider's public key as the
# "secret" anyone could sign) are never accepted.
ALGORITHMS = ("RS256", "RS384", "RS512", "PS256", "PS384", "PS512", "ES256", "ES384", "ES512")
_KEY_TYPE = {"R": "RSA", "P": "RSA", "E": "EC"}  # the first letter of the algorithm → the JWK's kty
SKEW = timedelta(minutes=2)  # between the desk's clock and the provider's
MAX_TOKEN_AGE = timedelta(minutes=15)  # an ID token issued longer ago than this is not a fresh answer
JWKS_REFRESH = timedelta(minutes=5)  # a key id we do not know fetches the JWKS again at most this often
TIMEOUT = 10.0


class OidcRefused(Exception):
    """The sign-in cannot go on. ``reason`` is for the log (never a token or a secret); ``key`` is the
    i18n key of the page the person sees."""

    def __init__(self, reason: str, key: str = "web.oidc.failed") -> None:
        super().__init__(reason)
        self.reason = reason
        self.key = key


def pkce_challenge(verifier: str) -> str:
    """RFC 7636 §4.2, S256: BASE64URL(SHA256(ASCII(code_verifier))) without padding."""
    return base64.urlsafe_b64encode(hashlib.sha256(verifier.encode("ascii")).digest()).rstrip(b"=").decode("ascii")


@dataclass
class Provider:
    pid: str
    config: OidcProviderConfig
    secret: str
    redirect_uri: str
    _discovery: dict[str, Any] | None = None
    _jwks: dict[str, Any] | None = None
    _jwks_at: datetime | None = None
    _transport: httpx.AsyncBaseTransport | None = field(default=None, repr=False)

    def _client(self) -> httpx.AsyncClient:
        return httpx.AsyncClient(timeout=TIMEOUT, follow_redirects=False, transport=self._transport)

    async def discovery(self) -> dict[str, Any]:
        """The provider's metadata (OpenID Connect Discovery 1.0 §4), fetched once and kept while the
        process lives; a failed fetch is not kept, so the next sign-in tries again."""
        if self._discovery is not None:
            return self._discovery
        url = self.config.issuer.rstrip("/") + "/.well-known/openid-configuration"
        doc = await self._get_json(url, "discovery document")
        if doc.get("issuer") != self.config.issuer:  # Discovery §4.3: it must be the issuer we asked
            raise OidcRefused(f"the discovery document names issuer {str(doc.get('issuer'))[:200]!r}")
        for name in ("authorization_endpoint", "token_endpoint", "jwks_uri"):
            if not _endpoint(doc.get(name)):
                raise OidcRefused(f"the discovery document has no usable {name}")
        self._discovery = doc
        return doc

    async def authorization_url(self, state: str, nonce: str, verifier: str) -> str:
        doc = await self.discovery()
        params = {"response_type": "code", "client_id": self.config.client_id, "redirect_uri": self.redirect_uri,
                  "scope": self.config.scopes, "state": state, "nonce": nonce,
                  "code_challenge": pkce_challenge(verifier), "code_challenge_method": "S256"}
        endpoint = str(doc["authorization_endpoint"])
        return endpoint + ("&" if "?" in endpoint else "?") + urlencode(params)

    async def exchange(self, code: str, verifier: str) -> str:
        """The ID token the token endpoint gives for ``code`` (RFC 6749 §4.1.3), the client authenticated as
        the provider says it accepts (client_secret_basic, its default, or client_secret_post)."""
        doc = await self.discovery()
        methods = doc.get("token_endpoint_auth_methods_supported") or ["client_secret_basic"]
        form = {"grant_type": "authorization_code", "code": code, "redirect_uri": self.redirect_uri,
                "code_verifier": verifier, "client_id": self.config.client_id}
        headers = {"Accept": "application/json"}
        if "client_secret_basic" in methods:  # RFC 6749 §2.3.1: each part form-encoded, then Basic
            pair = f"{quote(self.config.client_id, safe='')}:{quote(self.secret, safe='')}"
            headers["Authorization"] = "Basic " + base64.b64encode(pair.encode()).decode("ascii")
        elif "client_secret_post" in methods:
            form["client_secret"] = self.secret
        else:
            raise OidcRefused(f"the token endpoint accepts none of our client authentications ({methods!r:.200})")
        try:
            async with self._client() as client:
                resp = await client.post(str(doc["token_endpoint"]), data=form, headers=headers)
        except httpx.HTTPError as exc:
            raise OidcRefused(f"token endpoint unreachable: {type(exc).__name__}") from None
        body = _json(resp)
        if resp.status_code != 200:
            error = str(body.get("error", ""))[:60] if body else ""
            raise OidcRefused(f"token endpoint answered {resp.status_code} {error!r}")
        token = body.get("id_token") if body else None
        if not isinstance(token, str) or not token:
            raise OidcRefused("the token endpoint's answer has no id_token")
        return token

    async def validate(self, token: str, nonce: str, now: datetime) -> dict[str, Any]:
        """The ID token's claims once every check of OpenID Connect Core §3.1.3.7 holds; else OidcRefused."""
        try:
            header = jwt.get_unverified_header(token)
        except jwt.PyJWTError:
            raise OidcRefused("the ID token is not a JWT") from None
        alg = header.get("alg")
        if alg not in ALGORITHMS:
            raise OidcRefused(f"the ID token's algorithm {str(alg)[:20]!r} is not accepted")
        key = await self._key(header.get("kid"), str(alg), now)
        client_id, issuer = self.config.client_id, self.config.issuer
        try:
            claims: dict[str, Any] = jwt.decode(
                token, key=key, algorithms=[str(alg)], audience=client_id, issuer=issuer,
                # the times are checked below against the desk's clock, not the machine's
                options={"verify_exp": False, "verify_iat": False, "verify_nbf": False,
                         "require": ["iss", "aud", "sub", "exp", "iat"]})
        except jwt.PyJWTError as exc:
            raise OidcRefused(f"the ID token is refused: {type(exc).__name__}") from None
        aud = claims["aud"]
        azp = claims.get("azp")
        if (isinstance(aud, list) and len(aud) > 1 and azp is None) or (azp is not None and azp != client_id):
            raise OidcRefused("the ID token's azp is not our client id")
        exp, iat = _number(claims, "exp"), _number(claims, "iat")
        stamp = now.timestamp()
        if exp <= stamp - SKEW.total_seconds():
            raise OidcRefused("the ID token has expired")
        if iat > stamp + SKEW.total_seconds() or iat < stamp - (MAX_TOKEN_AGE + SKEW).total_seconds():
            raise OidcRefused("the ID token's iat is not now")
        if "nbf" in claims and _number(claims, "nbf") > stamp + SKEW.total_seconds():
            raise OidcRefused("the ID token is not valid yet (nbf)")
        sent = claims.get("nonce")
        if not isinstance(sent, str) or not hmac.compare_digest(sent.encode(), nonce.encode()):
            raise OidcRefused("the ID token's nonce is not the one sent")
        return claims

    async def _key(self, kid: object, alg: str, now: datetime) -> Any:
        """The provider's signing key for ``kid`` of the algorithm's type; the JWKS is fetched again when
        the key is not in it (the provider rotated its keys), at most every JWKS_REFRESH."""
        for attempt in (0, 1):
            if self._jwks is None or (attempt and (self._jwks_at is None or now - self._jwks_at >= JWKS_REFRESH)):
                doc = await self.discovery()
                self._jwks = await self._get_json(str(doc["jwks_uri"]), "JWKS")
                self._jwks_at = now
            elif attempt:
                break
            found = _matching(self._jwks, kid, alg)
            if found is not None:
                return found
        raise OidcRefused(f"no signing key {str(kid)[:80]!r} of type {_KEY_TYPE[alg[0]]} in the provider's JWKS")

    async def _get_json(self, url: str, what: str) -> dict[str, Any]:
        try:
            async with self._client() as client:
                resp = await client.get(url, headers={"Accept": "application/json"})
        except httpx.HTTPError as exc:
            raise OidcRefused(f"{what} unreachable: {type(exc).__name__}") from None
        body = _json(resp)
        if resp.status_code != 200 or body is None:
            raise OidcRefused(f"{what} answered {resp.status_code}")
        return body


def _matching(jwks: dict[str, Any], kid: object, alg: str) -> Any:
    kty = _KEY_TYPE[alg[0]]
    keys = jwks.get("keys")
    for raw in keys if isinstance(keys, list) else []:
        if not isinstance(raw, dict) or raw.get("kty") != kty or raw.get("use", "sig") != "sig":
            continue
        if kid is not None and raw.get("kid") != kid:
            continue
        if raw.get("alg") not in (None, alg):
            continue
        try:
            return jwt.PyJWK(raw, algorithm=alg).key
        except jwt.PyJWTError:
            continue
    return None


def _number(claims: dict[str, Any], name: str) -> float:
    value = claims.get(name)
    if isinstance(value, bool) or not isinstance(value, int | float):
        raise OidcRefused(f"the ID token's {name} is not a number")
    return float(value)


def _json(resp: httpx.Response) -> dict[str, Any] | None:
    try:
        body = resp.json()
    except ValueError:
        return None
    return body if isinstance(body, dict) else None


def _endpoint(value: object) -> bool:
    if not isinstance(value, str):
        return False
    parts = urlsplit(value)
    return parts.scheme == "https" or (parts.scheme == "http" and parts.hostname in ("127.0.0.1", "localhost"))
