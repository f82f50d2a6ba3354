"""Cisco and Dynamics recipes against fake CUCM / UCCX / CRM servers speaking the published shapes."""

from __future__ import annotations

from integrations.probes.cisco import AxlVersionProbe, RisPortProbe, ServiceStatusProbe, uccx_admin_probe
from integrations.probes.dynamics import WhoAmIProbe
from tests.fakes.cisco import FakeCucm, serve
from tests.fakes.dynamics import FakeCrm


async def test_axl_get_ccm_version() -> None:
    cucm = FakeCucm()
    async with serve(cucm.app()) as base:
        r = await AxlVersionProbe(base, "axluser", "secret", schema="12.5").check()
        assert r.status == "up" and r.reason == "CUCM 12.5.1.13900-152 (AXL 12.5)"
        path, action, body = cucm.requests[-1]
        assert path == "/axl/" and action == '"CUCM:DB ver=12.5 getCCMVersion"'
        assert 'xmlns:ns="http://www.cisco.com/AXL/API/12.5"' in body and "<ns:getCCMVersion/>" in body
        r = await AxlVersionProbe(base, "axluser", "wrong").check()
        assert r.status == "degraded" and "refuses the AXL user (HTTP 401)" in r.reason


async def test_axl_reuses_the_session_cookie_and_logs_in_again_when_it_expires() -> None:
    cucm = FakeCucm()
    async with serve(cucm.app()) as base:
        probe = AxlVersionProbe(base, "axluser", "secret", schema="12.5")
        for _ in range(3):
            r = await probe.check()
            assert r.status == "up", r.reason
        assert cucm.axl_logins == 1  # one login, then the JSESSIONIDSSO cookie
        assert cucm.axl_auth == ["basic", "cookie", "cookie"]
        cucm.expire_sessions()  # CUCM restarted or the session timed out: the cookie now gets 401
        r = await probe.check()
        assert r.status == "up" and cucm.axl_logins == 2
        assert cucm.axl_auth[-2:] == ["expired cookie", "basic"]
        assert (await probe.check()).status == "up" and cucm.axl_logins == 2


async def test_axl_wrong_schema_version_reports_the_supported_list() -> None:
    async with serve(FakeCucm().app()) as base:
        r = await AxlVersionProbe(base, "axluser", "secret", schema="15.0").check()
    assert r.status == "degraded"
    assert "AXL schema 15.0 is not supported by this CUCM (HTTP 599)" in r.reason
    assert "supported: 10.0, 10.5, 11.0, 11.5, 12.0, 12.5" in r.reason


async def test_control_center_services_per_node() -> None:
    pub, sub = FakeCucm(), FakeCucm()
    async with serve(pub.app()) as pub_url, serve(sub.app()) as sub_url:
        probe = ServiceStatusProbe((pub_url, sub_url), "axluser", "secret")
        r = await probe.check()
        assert r.status == "up" and r.reason == "3 service(s) started on 2 node(s)"
        assert "<ns:soapGetServiceStatus><ns:ServiceStatus><ns:item>Cisco CallManager</ns:item>" in pub.requests[-1][2]
        sub.services["Cisco CTIManager"] = "Stopped"
        r = await probe.check()
        assert r.status == "degraded" and "127.0.0.1: Cisco CTIManager Stopped" in r.reason
        pub.services["Cisco CallManager"] = "Stopped"
        assert (await probe.check()).status == "down"


async def test_risport_registered_phones_22_and_20() -> None:
    cucm = FakeCucm(phones=22)
    async with serve(cucm.app()) as base:
        RisPortProbe.budgets.clear()
        probe = RisPortProbe(base, expected=22, username="axluser", password="secret", cache_seconds=0)
        r = await probe.check()
        assert r.status == "up" and r.reason == "22/22 phones registered"
        body = cucm.requests[-1][2]
        assert "<ns:selectCmDevice>" in body and "<ns:DeviceClass>Phone</ns:DeviceClass>" in body
        cucm.phones = 20
        r = await probe.check()
        assert r.status == "degraded" and r.reason == "20/22 phones registered (2 missing)"
        cucm.phones = 0
        assert (await probe.check()).status == "down"


async def test_risport_answers_are_cached_and_the_rate_is_respected() -> None:
    cucm = FakeCucm(phones=22)
    async with serve(cucm.app()) as base:
        RisPortProbe.budgets.clear()
        cached = RisPortProbe(base, expected=22, username="axluser", password="secret", cache_seconds=60)
        first = await cached.check()
        again = await cached.check()  # /health right after the scheduled check: no second query
        assert cucm.ris_requests == 1 and first.status == again.status == "up"
        assert "(cached 0 s ago)" in again.reason
        RisPortProbe.budgets.clear()
        budget = RisPortProbe(base, expected=22, username="axluser", password="secret", cache_seconds=0,
                              per_minute=3)
        for _ in range(10):
            await budget.check()
        assert cucm.ris_requests == 1 + 3  # at most 3 queries a minute to this server


async def test_uccx_admin_api_and_dynamics_whoami() -> None:
    cucm, crm = FakeCucm(), FakeCrm(static_token="t0k")
    async with serve(cucm.app()) as uccx, serve(crm.app()) as crm_url:
        assert (await uccx_admin_probe(uccx, "axluser", "secret", timeout=5).check()).status == "up"
        r = await uccx_admin_probe(uccx, "axluser", "nope", timeout=5).check()
        assert r.status == "degraded" and r.reason == "authentication failed: the server refuses axluser (Basic, HTTP 401)"
        r = await WhoAmIProbe(crm_url, bearer="t0k").check()
        assert r.status == "up" and crm.user_id in r.reason
        r = await WhoAmIProbe(crm_url, bearer="expired").check()
        assert r.status == "degraded" and r.reason == ("authentication failed: the CRM refuses the configured token"
                                                       " (Bearer, HTTP 401)")


async def test_risport_counts_a_cluster_larger_than_one_answer_by_paging_with_state_info() -> None:
    """RisPort70 returns at most 1000 devices a call: 2,500 registered phones are 2,500, not 1,000."""
    cucm = FakeCucm(phones=2500)
    async with serve(cucm.app()) as base:
        RisPortProbe.budgets.clear()
        probe = RisPortProbe(base, expected=2500, username="axluser", password="secret", cache_seconds=0)
        r = await probe.check()
        assert r.status == "up" and r.reason == "2500/2500 phones registered", r.reason
        assert cucm.ris_requests == 3  # 1000 + 1000 + 500
        states = [body.split("<ns:StateInfo")[1].split("</ns:selectCmDevice>")[0] for _, _, body in cucm.requests]
        assert states[0].startswith("/>") and 'TotalItemsReturned="1000"' in states[1]
        assert 'TotalItemsReturned="2000"' in states[2]
        cucm.phones = 2400
        r = await probe.check()
        assert r.status == "degraded" and r.reason == "2400/2500 phones registered (100 missing)"
        cucm.phones, before = 1000, cucm.ris_requests  # exactly one full answer: StateInfo says that was all
        r = await probe.check()
        assert r.reason == "1000/2500 phones registered (1500 missing)" and cucm.ris_requests == before + 1
        RisPortProbe.budgets.clear()
        cucm.phones, before = 2500, cucm.ris_requests
        tight = RisPortProbe(base, expected=2500, username="axluser", password="secret", cache_seconds=0,
                             per_minute=2)
        r = await tight.check()  # paging stops at the budget and says so, it does not call 2000 "degraded"
        assert cucm.ris_requests == before + 2
        assert r.status == "degraded"
        assert r.reason == "counted 2000 registered phones before RISPort's budget of 2 queries a minute ran out"
