"""A fake OpenID Connect provider on 127.0.0.1: discovery, JWKS, the authorization endpoint and the token
endpoint, strict where a real provider is (Microsoft Entra ID, and any provider following the specs):

- OpenID Connect Discovery 1.0 §4 (https://openid.net/specs/openid-connect-discovery-1_0.html#ProviderConfig);
- RFC 6749 (https://www.rfc-editor.org/rfc/rfc6749) §4.1 (authorization code grant), §5.2 (error answers);
- RFC 7636 (https://www.rfc-editor.org/rfc/rfc7636) §4.6 (PKCE: the verifier must match the challenge);
- OpenID Connect Core 1.0 §2 and §3.1.3.3 (https://openid.net/specs/openid-connect-core-1_0.html): the ID
  token it returns.

The test chooses who signs in (``user``: the claims) and may make it misbehave (``defect``) to prove the
desk refuses each bad ID token. Times come from ``now`` (the desk's pinned clock)."""

from __future__ import annotations

import base64
import hashlib
import json
import secrets
import threading
from collections.abc import Callable
from datetime import datetime, timedelta
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any
from urllib.parse import parse_qs, unquote, urlencode, urlsplit

import jwt
from cryptography.hazmat.primitives.asymmetric import rsa

CLIENT_ID = "dutydesk-web"
# Defects an ID token can be made with: each must be refused by the desk.
DEFECTS = ("other_key", "wrong_aud", "wrong_iss", "expired", "wrong_nonce", "alg_none", "hs256_public",
           "several_aud_no_azp", "future_iat")


class FakeOidcProvider:
    def __init__(self, now: Callable[[], datetime], client_secret: str, redirect_uris: tuple[str, ...],
                 auth_methods: tuple[str, ...] = ("client_secret_basic", "client_secret_post")) -> None:
        self.now = now
        self.client_secret = client_secret
        self.redirect_uris = set(redirect_uris)  # registered with the provider (Entra: the app's redirect URIs)
        self.auth_methods = auth_methods
        self.key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
        self.kid = "k1"
        self.user: dict[str, Any] = {"sub": "user-1", "email": "ivana@noi.example", "email_verified": True}
        self.defect: str | None = None
        self.deny = False  # answer the authorization request with error=access_denied
        self.token_requests: list[dict[str, Any]] = []  # what the token endpoint was sent (form and auth)
        # code → what it was issued for (RFC 6749 §4.1.2: short-lived, used once)
        self._codes: dict[str, dict[str, Any]] = {}
        self._used: set[str] = set()
        self._lock = threading.Lock()
        provider = self

        class Handler(BaseHTTPRequestHandler):
            def do_GET(self) -> None:
                path, _, query = self.path.partition("?")
                params = {k: v[0] for k, v in parse_qs(query).items()}
                if path == "/.well-known/openid-configuration":
                    self._json(200, provider.discovery())
                elif path == "/keys":
                    self._json(200, provider.jwks())
                elif path == "/authorize":
                    status, location, body = provider.authorize(params)
                    self.send_response(status)
                    if location:
                        self.send_header("Location", location)
                    self.send_header("Content-Type", "application/json")
                    self.end_headers()
                    self.wfile.write(json.dumps(body).encode())
                else:
                    self._json(404, {"error": "not_found"})

            def do_POST(self) -> None:
                if self.path != "/token":
                    self._json(404, {"error": "not_found"})
                    return
                body = self.rfile.read(int(self.headers.get("Content-Length", 0))).decode()
                form = {k: v[0] for k, v in parse_qs(body).items()}
                status, answer = provider.token(form, self.headers.get("Authorization"))
                self._json(status, answer)

            def _json(self, status: int, body: dict[str, Any]) -> None:
                data = json.dumps(body).encode()
                self.send_response(status)
                self.send_header("Content-Type", "application/json")
                self.send_header("Cache-Control", "no-store")
                self.send_header("Content-Length", str(len(data)))
                self.end_headers()
                self.wfile.write(data)

            def log_message(self, *args: object) -> None:
                pass

        self._server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self._thread = threading.Thread(target=self._server.serve_forever, daemon=True)

    @property
    def issuer(self) -> str:
        host, port = self._server.server_address[:2]
        return f"http://{host!s}:{port}"

    def __enter__(self) -> FakeOidcProvider:
        self._thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self._server.shutdown()
        self._server.server_close()

    # -- documents --------------------------------------------------------------------------------
    def discovery(self) -> dict[str, Any]:
        return {"issuer": self.issuer, "authorization_endpoint": f"{self.issuer}/authorize",
                "token_endpoint": f"{self.issuer}/token", "jwks_uri": f"{self.issuer}/keys",
                "response_types_supported": ["code"], "subject_types_supported": ["public"],
                "id_token_signing_alg_values_supported": ["RS256"], "code_challenge_methods_supported": ["S256"],
                "token_endpoint_auth_methods_supported": list(self.auth_methods)}

    def jwks(self) -> dict[str, Any]:
        public = json.loads(jwt.algorithms.RSAAlgorithm.to_jwk(self.key.public_key()))
        return {"keys": [{**public, "kid": self.kid, "use": "sig", "alg": "RS256"}]}

    # -- the authorization endpoint (RFC 6749 §4.1.1-§4.1.2, RFC 7636 §4.3) -------------------------
    def authorize(self, params: dict[str, str]) -> tuple[int, str | None, dict[str, Any]]:
        redirect = params.get("redirect_uri", "")
        # §4.1.2.1: a wrong client or redirect URI is not redirected to (an open redirector otherwise)
        if params.get("client_id") != CLIENT_ID or redirect not in self.redirect_uris:
            return 400, None, {"error": "invalid_request", "error_description": "unknown client or redirect_uri"}
        state = params.get("state", "")
        if params.get("response_type") != "code" or "openid" not in params.get("scope", "").split():
            return 302, _with(redirect, error="unsupported_response_type", state=state), {}
        # RFC 7636 §4.4.1: a public or confidential client that sends no S256 challenge is refused here
        if params.get("code_challenge_method") != "S256" or not params.get("code_challenge"):
            return 302, _with(redirect, error="invalid_request", state=state), {}
        if self.deny:
            return 302, _with(redirect, error="access_denied", error_description="The user declined.", state=state), {}
        code = secrets.token_urlsafe(24)
        with self._lock:
            self._codes[code] = {"redirect_uri": redirect, "challenge": params["code_challenge"],
                                 "nonce": params.get("nonce"), "user": dict(self.user), "issued": self.now()}
        return 302, _with(redirect, code=code, state=state), {}

    # -- the token endpoint (RFC 6749 §4.1.3, §5.1, §5.2; RFC 7636 §4.6) ---------------------------
    def token(self, form: dict[str, str], authorization: str | None) -> tuple[int, dict[str, Any]]:
        self.token_requests.append({"form": dict(form), "authorization": authorization})
        client_id, secret = _client_credentials(form, authorization)
        # §5.2 invalid_client (401): unknown client, no client authentication, or a wrong secret
        if client_id != CLIENT_ID or secret is None or not secrets.compare_digest(secret, self.client_secret):
            return 401, {"error": "invalid_client"}
        if form.get("grant_type") != "authorization_code":
            return 400, {"error": "unsupported_grant_type"}
        code = form.get("code", "")
        with self._lock:
            issued = self._codes.get(code)
            # §4.1.2: a code is used once (a second use is refused, §10.5); §5.2 invalid_grant
            if issued is None or code in self._used:
                return 400, {"error": "invalid_grant", "error_description": "code unknown or used"}
            self._used.add(code)
        # §4.1.3: redirect_uri must be the one of the authorization request
        if form.get("redirect_uri") != issued["redirect_uri"]:
            return 400, {"error": "invalid_grant", "error_description": "redirect_uri differs"}
        # §4.1.2: codes live minutes (Entra: 10)
        if self.now() - issued["issued"] > timedelta(minutes=10):
            return 400, {"error": "invalid_grant", "error_description": "code expired"}
        # RFC 7636 §4.6: BASE64URL(SHA256(code_verifier)) must equal the challenge, else invalid_grant
        verifier = form.get("code_verifier", "")
        if not verifier or not secrets.compare_digest(pkce_challenge(verifier), issued["challenge"]):
            return 400, {"error": "invalid_grant", "error_description": "PKCE verification failed"}
        return 200, {"access_token": secrets.token_urlsafe(24), "token_type": "Bearer", "expires_in": 3600,
                     "id_token": self.id_token(issued["user"], issued["nonce"])}

    def id_token(self, user: dict[str, Any], nonce: str | None) -> str:
        now = int(self.now().timestamp())
        defect = self.defect
        claims: dict[str, Any] = {"iss": self.issuer, "aud": CLIENT_ID, "iat": now, "exp": now + 3600, **user}
        if nonce is not None:
            claims["nonce"] = nonce
        if defect == "wrong_aud":
            claims["aud"] = "someone-else"
        elif defect == "wrong_iss":
            claims["iss"] = self.issuer + "/other"
        elif defect == "expired":
            claims["iat"], claims["exp"] = now - 7200, now - 3600
        elif defect == "future_iat":
            claims["iat"] = now + 3600
            claims["exp"] = now + 7200
        elif defect == "wrong_nonce":
            claims["nonce"] = "not-the-nonce"
        elif defect == "several_aud_no_azp":
            claims["aud"] = [CLIENT_ID, "another-api"]
        if defect == "alg_none":
            return jwt.encode(claims, None, algorithm="none")
        if defect == "hs256_public":  # the provider's public key used as an HMAC secret (the classic attack)
            pem = jwt.algorithms.RSAAlgorithm.to_jwk(self.key.public_key()).encode()
            return _hs256(claims, pem, self.kid)
        key = rsa.generate_private_key(public_exponent=65537, key_size=2048) if defect == "other_key" else self.key
        return jwt.encode(claims, key, algorithm="RS256", headers={"kid": self.kid})


def pkce_challenge(verifier: str) -> str:
    """RFC 7636 §4.2, S256 (written here again, not imported from the desk: the fake checks the desk)."""
    return base64.urlsafe_b64encode(hashlib.sha256(verifier.encode()).digest()).rstrip(b"=").decode()


def _hs256(claims: dict[str, Any], secret: bytes, kid: str) -> str:
    """An HS256 token by hand (PyJWT refuses a key that looks like a public key as an HMAC secret)."""
    import hmac

    def b64(data: bytes) -> str:
        return base64.urlsafe_b64encode(data).rstrip(b"=").decode()

    head = b64(json.dumps({"alg": "HS256", "typ": "JWT", "kid": kid}).encode())
    body = b64(json.dumps(claims).encode())
    sig = hmac.new(secret, f"{head}.{body}".encode(), hashlib.sha256).digest()
    return f"{head}.{body}.{b64(sig)}"


def _with(url: str, **params: str) -> str:
    return url + ("&" if urlsplit(url).query else "?") + urlencode(params)


def _client_credentials(form: dict[str, str], authorization: str | None) -> tuple[str | None, str | None]:
    """RFC 6749 §2.3.1: HTTP Basic (each part form-encoded) or client_id/client_secret in the body — not both
    ("MUST NOT use more than one authentication method in each request")."""
    if authorization and authorization.startswith("Basic "):
        if "client_secret" in form:
            return None, None
        try:
            user, _, password = base64.b64decode(authorization[6:]).decode().partition(":")
        except ValueError:
            return None, None
        return unquote(user.replace("+", " ")), unquote(password.replace("+", " "))
    return form.get("client_id"), form.get("client_secret")
