"""Signing in to the web pages with an identity provider (OpenID Connect): the whole round trip through the
web application and a strict fake provider on 127.0.0.1 (tests/fakes/oidc_provider.py), every defect of
an ID token and of the callback refused with a polite page and no session, the secret never shown.
SQLite and PostgreSQL; the desk's clock pinned (the fake's ID tokens take their times from it)."""

from __future__ import annotations

import logging
from collections.abc import Iterator
from typing import Any

import httpx
import pytest
from starlette.testclient import TestClient

from tests.fakes.oidc_provider import CLIENT_ID, DEFECTS, FakeOidcProvider
from tests.integrations.web.rig import PUBLIC, WebRig
from tests.two_customers import two_customer_raw

SECRET = "oidc-client-secret-7Yq2pLx9"
ENV = {"DUTYDESK_OIDC_ENTRA_SECRET": SECRET}
CALLBACK = f"{PUBLIC}/signin/oidc/entra/callback"
STAFF_CALLBACK = f"{PUBLIC}/signin/oidc/staff/callback"


def raw_with(issuer: str) -> dict[str, Any]:
    raw = two_customer_raw()
    raw["people"]["ivana"]["email"] = "ivana@noi.example"
    raw["people"]["sara"]["email"] = "sara@hgp.example"
    common = {"issuer": issuer, "client_id": CLIENT_ID, "client_secret_env": "DUTYDESK_OIDC_ENTRA_SECRET"}
    raw["desk"]["web"] = {"oidc": {
        # noi's own Entra ID tenant: its people only
        "entra": {**common, "title": {"en": "Microsoft", "bg": "Microsoft", "fa": "مایکروسافت"}, "customers": ["noi"]},
        # the contractor's: anybody of the configuration
        "staff": {**common, "title": {"en": "Contractor"}},
    }}
    return raw


@pytest.fixture
def setup(db_url: str) -> Iterator[tuple[WebRig, FakeOidcProvider]]:
    holder: list[WebRig] = []
    with FakeOidcProvider(lambda: holder[0].clock.now(), SECRET, (CALLBACK, STAFF_CALLBACK)) as idp:
        rig = WebRig(db_url, raw_with(idp.issuer), environ=ENV)
        holder.append(rig)
        yield rig, idp
        rig.close()


def to_provider(client: TestClient, provider: str = "entra") -> httpx.Response:
    """The browser opens /signin/oidc/<id>, goes to the provider, and is sent back: the provider's answer."""
    start = client.get(f"/signin/oidc/{provider}")
    assert start.status_code == 303, start.text
    at_idp = httpx.get(start.headers["location"], follow_redirects=False)
    assert at_idp.status_code == 302, at_idp.text
    return at_idp


def round_trip(client: TestClient, provider: str = "entra") -> httpx.Response:
    back = to_provider(client, provider).headers["location"]
    assert back.startswith(f"{PUBLIC}/signin/oidc/{provider}/callback?")
    return client.get(back)


def signed_out(client: TestClient) -> bool:
    return client.get("/incidents").status_code == 303 and not client.cookies.get("dd_session")


# -- the round trip ------------------------------------------------------------------------------
def test_a_person_signs_in_with_the_provider_and_sees_their_customer_only(setup: tuple[WebRig, FakeOidcProvider],
                                                                          ) -> None:
    rig, idp = setup
    client = rig.client()
    page = client.get("/signin")
    assert 'href="/signin/oidc/entra"' in page.text and "Sign in with Microsoft" in page.text
    assert "Sign in with Contractor" in page.text
    assert "Вход с Microsoft" in client.get("/signin", headers={"Accept-Language": "bg"}).text

    start = client.get("/signin/oidc/entra")
    assert start.status_code == 303
    url = httpx.URL(start.headers["location"])
    assert str(url).startswith(f"{idp.issuer}/authorize?")
    params = dict(url.params)
    assert params["response_type"] == "code" and params["client_id"] == CLIENT_ID
    assert params["redirect_uri"] == CALLBACK and params["code_challenge_method"] == "S256"
    assert params["scope"] == "openid email profile" and params["state"] and params["nonce"]
    # the nonce and the verifier never travel in the URL alone: the browser's cookie, limited to /signin/oidc
    cookie = start.headers["set-cookie"]
    assert "dd_oidc=" in cookie and "HttpOnly" in cookie and "Path=/signin/oidc" in cookie
    back = httpx.get(str(url), follow_redirects=False).headers["location"]
    done = client.get(back)
    assert done.status_code == 303 and done.headers["location"] == "/"
    session = next(h for h in done.headers.get_list("set-cookie") if h.startswith("dd_session="))
    assert "HttpOnly" in session and "samesite=lax" in session.lower()  # the link sign-in's flags
    assert client.get("/incidents").status_code == 200
    assert client.get("/incidents?customer=hgp").status_code in (200, 404)
    rig.say("sara", "/incident urgent crm HGP's CRM is down")
    rig.say("ivana", "/incident urgent cucm Calls fail")
    register = client.get("/incidents").text
    assert "NOI-2026-00001" in register and "HGP-2026" not in register
    assert client.get("/incidents/HGP-2026-00001").status_code == 404
    # the code went with the secret (client_secret_basic, the discovery's first), and with the verifier
    sent = idp.token_requests[-1]
    assert sent["authorization"].startswith("Basic ") and "client_secret" not in sent["form"]
    assert sent["form"]["code_verifier"]


def test_client_secret_post_when_the_provider_takes_only_that(db_url: str) -> None:
    holder: list[WebRig] = []
    with FakeOidcProvider(lambda: holder[0].clock.now(), SECRET, (CALLBACK,), auth_methods=("client_secret_post",)) as idp:
        rig = WebRig(db_url, raw_with(idp.issuer), environ=ENV)
        holder.append(rig)
        try:
            client = rig.client()
            assert round_trip(client).status_code == 303
            assert idp.token_requests[-1]["form"]["client_secret"] == SECRET
            assert idp.token_requests[-1]["authorization"] is None
            assert client.get("/incidents").status_code == 200
        finally:
            rig.close()


def test_the_contractors_provider_signs_in_an_engineer_of_both_customers(setup: tuple[WebRig, FakeOidcProvider],
                                                                         ) -> None:
    rig, idp = setup
    idp.user = {"sub": "g", "email": "georgi@contractor.example", "email_verified": True}
    client = rig.client()
    assert round_trip(client, "staff").status_code == 303
    assert client.get("/board").status_code == 200


# -- who may not ---------------------------------------------------------------------------------
@pytest.mark.parametrize(("user", "key_text"), [
    ({"sub": "x", "email": "nobody@noi.example", "email_verified": True}, "knows nobody with your address"),
    ({"sub": "x", "email": "ivana@noi.example", "email_verified": False}, "has not verified your e-mail address"),
    ({"sub": "x"}, "knows nobody with your address"),
])
def test_an_unknown_or_unverified_address_signs_nobody_in(setup: tuple[WebRig, FakeOidcProvider],
                                                         user: dict[str, Any], key_text: str) -> None:
    rig, idp = setup
    idp.user = user
    client = rig.client()
    resp = round_trip(client)
    assert resp.status_code == 403 and key_text in resp.text and "Microsoft" in resp.text
    assert signed_out(client)


@pytest.mark.parametrize(("email", "locale_text"), [
    ("sara@hgp.example", "مایکروسافت"),  # hgp's reporter, in Persian (her customer's language)
    ("georgi@contractor.example", "Microsoft не е входът"),  # serves hgp too: noi's tenant does not vouch for him
])
def test_a_person_of_a_customer_the_provider_is_not_for_is_refused(setup: tuple[WebRig, FakeOidcProvider],
                                                                    email: str, locale_text: str) -> None:
    rig, idp = setup
    idp.user = {"sub": "x", "email": email, "email_verified": True}
    client = rig.client()
    resp = round_trip(client)
    assert resp.status_code == 403 and locale_text in resp.text
    assert signed_out(client)


# -- a bad ID token, a bad callback ----------------------------------------------------------------
WHY = {"other_key": "InvalidSignatureError", "wrong_aud": "InvalidAudienceError", "wrong_iss": "InvalidIssuerError",
       "expired": "has expired", "wrong_nonce": "nonce", "alg_none": "'none' is not accepted",
       "hs256_public": "'HS256' is not accepted", "several_aud_no_azp": "azp", "future_iat": "iat"}


@pytest.mark.parametrize("defect", DEFECTS)
def test_each_defect_of_the_id_token_is_refused(setup: tuple[WebRig, FakeOidcProvider], defect: str,
                                                caplog: pytest.LogCaptureFixture) -> None:
    rig, idp = setup
    idp.defect = defect
    client = rig.client()
    with caplog.at_level(logging.INFO):
        resp = round_trip(client)
    assert resp.status_code in (403, 502)
    assert "did not work; you are not signed in" in resp.text
    assert "Traceback" not in resp.text and "eyJ" not in resp.text  # no token in the page
    assert signed_out(client)
    assert "refused" in caplog.text and WHY[defect] in caplog.text  # refused for that reason
    assert "eyJ" not in caplog.text and SECRET not in caplog.text


def test_a_replayed_callback_is_refused(setup: tuple[WebRig, FakeOidcProvider]) -> None:
    rig, _ = setup
    client = rig.client()
    back = to_provider(client).headers["location"]
    pending = client.cookies.get("dd_oidc")
    assert client.get(back).status_code == 303
    # the same answer again, with the same cookie, in another browser
    thief = rig.client()
    thief.cookies.set("dd_oidc", pending or "", path="/signin/oidc")
    again = thief.get(back)
    assert again.status_code == 400 and "expired or was used already" in again.text
    assert signed_out(thief)


def test_a_callback_in_another_browser_or_too_late_is_refused(setup: tuple[WebRig, FakeOidcProvider]) -> None:
    rig, _ = setup
    client = rig.client()
    back = to_provider(client).headers["location"]
    other = rig.client()  # no cookie: an attacker's answer pushed into someone else's browser
    assert other.get(back).status_code == 400
    assert signed_out(other)
    late = rig.client()
    back = to_provider(late).headers["location"]
    rig.advance(minutes=10, seconds=1)
    resp = late.get(back)
    assert resp.status_code == 400 and "expired" in resp.text
    assert signed_out(late)


def test_a_changed_state_or_code_signs_nobody_in(setup: tuple[WebRig, FakeOidcProvider]) -> None:
    rig, _ = setup
    client = rig.client()
    back = httpx.URL(to_provider(client).headers["location"])
    forged = back.copy_set_param("state", "A" * 43)
    assert client.get(str(forged)).status_code == 400
    assert signed_out(client)
    client2 = rig.client()
    back = httpx.URL(to_provider(client2).headers["location"])
    resp = client2.get(str(back.copy_set_param("code", "made-up")))  # the provider says invalid_grant
    assert resp.status_code == 502 and "did not work" in resp.text
    assert signed_out(client2)


def test_access_denied_at_the_provider_gets_a_polite_page(setup: tuple[WebRig, FakeOidcProvider]) -> None:
    rig, idp = setup
    idp.deny = True
    client = rig.client()
    back = to_provider(client).headers["location"]
    assert "error=access_denied" in back
    resp = client.get(back, headers={"Accept-Language": "bg"})
    assert resp.status_code == 403 and "Microsoft не ви вписа" in resp.text
    assert signed_out(client)


def test_a_wrong_client_secret_is_refused_by_the_provider_and_never_shown(
        db_url: str, caplog: pytest.LogCaptureFixture) -> None:
    holder: list[WebRig] = []
    with FakeOidcProvider(lambda: holder[0].clock.now(), "the-right-secret-xyz", (CALLBACK,)) as idp:
        rig = WebRig(db_url, raw_with(idp.issuer), environ=ENV)
        holder.append(rig)
        try:
            client = rig.client()
            with caplog.at_level(logging.DEBUG):
                resp = round_trip(client)
            assert resp.status_code == 502 and "did not work" in resp.text
            assert "401" in caplog.text and "invalid_client" in caplog.text
            assert SECRET not in resp.text and SECRET not in caplog.text
            assert signed_out(client)
        finally:
            rig.close()


def test_the_secret_never_appears_in_a_page_or_the_log(setup: tuple[WebRig, FakeOidcProvider],
                                                      caplog: pytest.LogCaptureFixture) -> None:
    rig, idp = setup
    pages = []
    with caplog.at_level(logging.DEBUG):
        client = rig.client()
        pages.append(client.get("/signin"))
        start = client.get("/signin/oidc/entra")
        pages.append(start)
        back = httpx.get(start.headers["location"], follow_redirects=False).headers["location"]
        pages.append(client.get(back))
        pages.append(client.get(back))  # replayed
        idp.defect = "other_key"
        pages.append(round_trip(rig.client()))
    for page in pages:
        assert SECRET not in page.text and SECRET not in str(page.headers)
    assert SECRET not in caplog.text


def test_an_unknown_provider_is_not_found(setup: tuple[WebRig, FakeOidcProvider]) -> None:
    rig, _ = setup
    assert rig.client().get("/signin/oidc/nobody").status_code == 404
    assert rig.client().get("/signin/oidc/nobody/callback?code=x&state=y").status_code == 404


# -- the fake is strict ------------------------------------------------------------------------------
def test_the_fake_token_endpoint_refuses_what_a_real_provider_refuses(setup: tuple[WebRig, FakeOidcProvider]) -> None:
    from tests.fakes.oidc_provider import pkce_challenge

    _, idp = setup
    verifier = "v" * 43

    def code() -> str:
        at = httpx.get(f"{idp.issuer}/authorize", follow_redirects=False, params={
            "response_type": "code", "client_id": CLIENT_ID, "redirect_uri": CALLBACK, "scope": "openid",
            "state": "s", "nonce": "n", "code_challenge": pkce_challenge(verifier), "code_challenge_method": "S256"})
        return str(httpx.URL(at.headers["location"]).params["code"])

    def token(form: dict[str, str], secret: str | None = SECRET) -> httpx.Response:
        auth = (CLIENT_ID, secret) if secret is not None else None
        return httpx.post(f"{idp.issuer}/token", auth=auth, data={
            "grant_type": "authorization_code", "redirect_uri": CALLBACK, "code_verifier": verifier, **form})

    assert token({"code": code()}, secret="wrong").status_code == 401  # RFC 6749 §5.2 invalid_client
    assert token({"code": code()}, secret=None).json()["error"] == "invalid_client"
    assert token({"code": code(), "redirect_uri": STAFF_CALLBACK}).json()["error"] == "invalid_grant"  # §4.1.3
    assert token({"code": code(), "code_verifier": "w" * 43}).json()["error"] == "invalid_grant"  # RFC 7636 §4.6
    assert token({"code": code(), "code_verifier": ""}).json()["error"] == "invalid_grant"
    once = code()
    assert token({"code": once}).status_code == 200
    again = token({"code": once})
    assert again.status_code == 400 and again.json()["error"] == "invalid_grant"  # a code is used once
    # a redirect URI that was not registered is never redirected to
    bad = httpx.get(f"{idp.issuer}/authorize", follow_redirects=False, params={
        "response_type": "code", "client_id": CLIENT_ID, "redirect_uri": "https://evil.example/cb", "scope": "openid",
        "state": "s", "code_challenge": "x", "code_challenge_method": "S256"})
    assert bad.status_code == 400 and "location" not in bad.headers


def test_failed_answers_from_one_address_are_limited(setup: tuple[WebRig, FakeOidcProvider]) -> None:
    rig, _ = setup
    client = rig.client()
    for _ in range(10):  # desk.rate_limits.failed_auth: 10 a minute
        assert client.get("/signin/oidc/entra/callback?code=x&state=y").status_code == 400
    assert client.get("/signin/oidc/entra").status_code == 429
    rig.advance(minutes=1, seconds=1)
    assert client.get("/signin/oidc/entra").status_code == 303
