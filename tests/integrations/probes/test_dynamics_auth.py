"""The Dynamics probe authenticates the way the CRM does: Windows (NTLM / Negotiate) on premises, verified by
pyspnego as the server's acceptor; OAuth 2 client credentials online and for IFD, against a token endpoint."""

from __future__ import annotations

import re
import socket
import ssl
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from pydantic import ValidationError

from bot.settings import load_config
from commands.domain.calendar import BusinessCalendar
from commands.domain.clock import FakeClock
from commands.domain.config import Config, CustomerConfig
from commands.health.domain.config import DynamicsCheck, HttpCheck
from integrations.probes.base import Probe
from integrations.probes.factory import build_probe
from tests.conftest import EXAMPLES
from tests.fakes.cisco import serve
from tests.fakes.dynamics import FakeCrm, FakeTokenEndpoint, ntlm_user_file
from tests.integrations.probes.certs import self_signed, server_context

PASSWORD = "Pa55-w0rd <&> ü"
T0 = datetime(2030, 3, 4, 5, 6, 7, tzinfo=UTC)


@pytest.fixture
def hgp() -> Config:
    return load_config(EXAMPLES / "hgp.toml")


@pytest.fixture
def accounts(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[Path]:
    """The Windows accounts the fake CRM's acceptor knows (pyspnego reads NTLM_USER_FILE)."""
    path = ntlm_user_file(tmp_path, {"HGP\\dutydesk": PASSWORD})
    monkeypatch.setenv("NTLM_USER_FILE", str(path))
    yield path


def crm_probe(config: Config, url: str, password: str = PASSWORD, **update: object) -> Probe:
    """The ``crm_whoami`` check exactly as examples/hgp.toml configures it, pointed at ``url``."""
    customer = config.customers["hgp"]
    check = customer.checks["crm_whoami"]
    assert isinstance(check, DynamicsCheck)
    check = check.model_copy(update={"url": url, "timeout": "5s", **update})
    calendar = BusinessCalendar.from_config(customer.calendar, customer.timezone)
    return build_probe(check, customer, calendar, FakeClock(T0), env={"HGP_CRM_PASSWORD": password})


async def test_hgp_crm_check_passes_a_real_ntlm_challenge(hgp: Config, accounts: Path) -> None:
    crm = FakeCrm(windows=("NTLM",))
    async with serve(crm.app()) as base:
        r = await crm_probe(hgp, f"{base}/HGP").check()
    assert r.status == "up", r.reason
    assert r.reason == f"WhoAmI OK (user {crm.user_id})"
    assert crm.handshakes == 1
    assert crm.seen_authorization == ["", "NTLM", "NTLM"]  # challenge, NEGOTIATE, AUTHENTICATE


async def test_a_wrong_windows_password_is_an_authentication_failure_not_down(hgp: Config, accounts: Path) -> None:
    crm = FakeCrm(windows=("Negotiate", "NTLM"))
    async with serve(crm.app()) as base:
        r = await crm_probe(hgp, f"{base}/HGP", password="wrong").check()
    assert r.status == "degraded"
    assert r.reason.startswith("authentication failed: the CRM refuses HGP\\dutydesk (NTLM, HTTP 401)")
    assert r.details.get("auth_failed") is True
    assert crm.handshakes == 0


async def test_a_server_offering_only_negotiate_gets_spnego(hgp: Config, accounts: Path) -> None:
    crm = FakeCrm(windows=("Negotiate",))
    async with serve(crm.app()) as base:
        r = await crm_probe(hgp, f"{base}/HGP").check()
    assert r.status == "up", r.reason
    assert crm.handshakes == 1 and set(crm.seen_authorization) == {"", "Negotiate"}


async def test_ntlm_over_https_carries_the_channel_binding(hgp: Config, accounts: Path, tmp_path: Path) -> None:
    """IIS Extended Protection: the acceptor checks the client's binding to the server's certificate."""
    cert, key = self_signed(tmp_path, not_after=T0.replace(year=2099))
    der = ssl.PEM_cert_to_DER_cert(cert.read_text())
    crm = FakeCrm(windows=("NTLM",), tls_cert_der=der)
    async with serve(crm.app(), server_context(cert, key)) as base:
        r = await crm_probe(hgp, f"{base}/HGP", ca_file=str(cert)).check()
    assert r.status == "up", r.reason
    assert crm.handshakes == 1


async def test_a_server_that_does_not_offer_windows_auth_is_named(hgp: Config, accounts: Path) -> None:
    crm = FakeCrm(static_token="abc")  # Dynamics 365 online: Bearer only
    async with serve(crm.app()) as base:
        r = await crm_probe(hgp, f"{base}/HGP").check()
    assert r.status == "degraded"
    assert "asks for Bearer, not NTLM or Negotiate" in r.reason


async def test_an_http_check_can_use_windows_auth_too(accounts: Path) -> None:
    """SQL Server Reporting Services (hgp's ``reportserver`` check) sits behind the same Windows login."""
    crm = FakeCrm(windows=("Negotiate", "NTLM"))
    async with serve(crm.app()) as base:
        check = HttpCheck.model_validate({"component": "crm", "type": "http", "url": f"{base}/HGP/api/data/v9.1/WhoAmI",
                                          "auth": "ntlm", "username": "HGP\\dutydesk", "password_env": "PW"})
        probe = build_probe(check, _any_customer(), _any_calendar(), FakeClock(T0), env={"PW": PASSWORD})
        assert (await probe.check()).status == "up"
        probe = build_probe(check, _any_customer(), _any_calendar(), FakeClock(T0), env={"PW": "nope"})
        r = await probe.check()
    assert r.status == "degraded" and r.reason.startswith("authentication failed: the server refuses HGP\\dutydesk")


# -- OAuth 2 client credentials -------------------------------------------------------------------------
def _any_customer() -> CustomerConfig:
    return load_config(EXAMPLES / "hgp.toml").customers["hgp"]


def _any_calendar() -> BusinessCalendar:
    customer = _any_customer()
    return BusinessCalendar.from_config(customer.calendar, customer.timezone)


def oauth_check(token_url: str, crm_url: str, extra: dict[str, object] | None = None) -> DynamicsCheck:
    return DynamicsCheck.model_validate({
        "component": "crm", "type": "dynamics", "url": crm_url, "auth": "oauth2", "token_url": token_url,
        "client_id": "0c5a9c4e-0000-4000-8000-00000000c11e", "client_secret_env": "CRM_SECRET", **(extra or {})})


async def test_oauth_token_is_fetched_once_reused_and_refreshed_before_it_expires() -> None:
    clock = FakeClock(T0)
    tokens = FakeTokenEndpoint(clock)
    crm = FakeCrm(tokens=tokens)
    async with serve(tokens.app()) as idp, serve(crm.app()) as crm_url:
        tokens.scope = f"{crm_url}/.default"  # the default scope: the CRM's origin + /.default
        check = oauth_check(f"{idp}{tokens.path}", crm_url)
        probe = build_probe(check, _any_customer(), _any_calendar(), clock, env={"CRM_SECRET": "s3cret"})
        for _ in range(3):
            r = await probe.check()
            assert r.status == "up", r.reason
        assert tokens.requests == 1 and crm.whoami_calls == 3
        clock.advance(timedelta(minutes=50))  # still valid for 10 minutes: reused
        assert (await probe.check()).status == "up" and tokens.requests == 1
        clock.advance(timedelta(minutes=6))  # 4 minutes left: a new token before the old one expires
        assert (await probe.check()).status == "up" and tokens.requests == 2
        clock.advance(timedelta(hours=3))  # long expired
        assert (await probe.check()).status == "up" and tokens.requests == 3
        assert crm.whoami_calls == 6


async def test_a_401_from_the_api_gets_one_new_token_and_one_retry() -> None:
    clock = FakeClock(T0)
    tokens = FakeTokenEndpoint(clock)
    crm = FakeCrm(tokens=tokens)
    async with serve(tokens.app()) as idp, serve(crm.app()) as crm_url:
        probe = build_probe(oauth_check(f"{idp}{tokens.path}", crm_url), _any_customer(), _any_calendar(), clock,
                            env={"CRM_SECRET": "s3cret"})
        assert (await probe.check()).status == "up" and tokens.requests == 1
        tokens.revoke_all()  # the CRM no longer takes the cached token although it has not expired
        r = await probe.check()
        assert r.status == "up" and tokens.requests == 2 and crm.seen_authorization[-2:] == ["Bearer", "Bearer"]
        crm.tokens = FakeTokenEndpoint(clock)  # the CRM trusts another issuer: every token is refused
        r = await probe.check()
        assert r.status == "degraded" and tokens.requests == 3  # one refresh, not a loop
        assert r.reason == ("authentication failed: the CRM refuses client 0c5a9c4e-0000-4000-8000-00000000c11e "
                            "(Bearer, HTTP 401)")


async def test_token_endpoint_refusing_the_secret_is_an_authentication_failure() -> None:
    clock = FakeClock(T0)
    tokens = FakeTokenEndpoint(clock)
    crm = FakeCrm(tokens=tokens)
    async with serve(tokens.app()) as idp, serve(crm.app()) as crm_url:
        probe = build_probe(oauth_check(f"{idp}{tokens.path}", crm_url), _any_customer(), _any_calendar(), clock,
                            env={"CRM_SECRET": "expired-secret"})
        r = await probe.check()
    assert r.status == "degraded" and r.details["auth_failed"] is True
    assert r.reason.startswith("authentication failed: token endpoint refuses client 0c5a9c4e")
    assert "invalid_client: AADSTS7000215" in r.reason
    assert crm.whoami_calls == 0 and crm.seen_authorization == []


async def test_an_unreachable_token_endpoint_is_down() -> None:
    crm = FakeCrm(static_token="x")
    async with serve(crm.app()) as crm_url:
        probe = build_probe(oauth_check(f"http://127.0.0.1:{free_tcp_port()}/t/oauth2/v2.0/token", crm_url),
                            _any_customer(), _any_calendar(), FakeClock(T0), env={"CRM_SECRET": "s"})
        r = await probe.check()
    assert r.status == "down" and r.reason == "token endpoint unreachable: connection refused"


def test_oauth_configuration_is_checked() -> None:
    check = oauth_check("", "https://hgp.crm4.dynamics.com", {"token_url": None, "tenant": "hgp-tenant"})
    assert check.token_endpoint == "https://login.microsoftonline.com/hgp-tenant/oauth2/v2.0/token"
    bad = [
        ({"token_url": None}, "needs token_url (or tenant"),
        ({"token_url": "http://idp.example/token"}, "only over https://"),
        ({"scope": "a/.default", "resource": "https://x"}, "not both"),
        ({"client_secret_env": None}, 'auth = "oauth2" needs client_secret_env'),
        ({"auth": "ntlm", "username": "HGP\\x", "password_env": "P"}, 'client_id, client_secret_env, token_url: only'),
        ({"auth": "basic", "token_env": "T", "username": "u", "client_id": None, "client_secret_env": None,
          "token_url": None}, 'token_env: only used with auth = "bearer"'),
    ]
    for extra, message in bad:
        with pytest.raises(ValidationError, match=re.escape(message)):
            oauth_check("https://idp.example/token", "https://hgp.crm4.dynamics.com", extra)
    with pytest.raises(ValidationError, match=re.escape('auth = "ntlm" needs password_env')):
        DynamicsCheck.model_validate({"component": "crm", "type": "dynamics", "url": "https://crm/HGP",
                                      "username": "HGP\\dutydesk"})  # a CRM username means Windows auth


def free_tcp_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])
