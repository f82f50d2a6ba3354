"""Every route of the web application and who may use it: each role, another customer's person, signed
out, an expired or reused link, a form without its CSRF token. The desk behind it is the real one (SQLite,
and PostgreSQL when reachable); the pages are driven through Starlette's TestClient."""

from __future__ import annotations

import csv
import io
import re
from collections.abc import Iterator

import pytest
from sqlmodel import col, select

from storage.models import Incident, TimelineEvent
from tests.integrations.web.rig import PUBLIC, WebRig, csrf_of, sign_in, token_of


@pytest.fixture
def rig(db_url: str) -> Iterator[WebRig]:
    r = WebRig(db_url)
    yield r
    r.close()


def report(client, category: str = "urgent", component: str = "cucm", text: str = "Calls fail",
           customer: str | None = None):  # type: ignore[no-untyped-def]
    page = client.get("/report" + (f"?customer={customer}" if customer else ""))
    assert page.status_code == 200, page.text
    data = {"csrf": csrf_of(page.text), "token": token_of(page.text), "category": category, "component": component,
            "description": text}
    if customer:
        data["customer"] = customer
    return client.post("/report", data=data), data


def number_of(resp) -> str:  # type: ignore[no-untyped-def]
    m = re.match(r"/incidents/([A-Z0-9-]+)\?", resp.headers["location"])
    assert m, resp.headers.get("location")
    return m.group(1)


PAGES = ["/", "/report", "/incidents", "/incidents.csv", "/incidents/NOI-2026-00001", "/board", "/board/rows",
         "/reports", "/reports/noi/2026-10.csv"]


# -- signed out ------------------------------------------------------------------------------------
@pytest.mark.parametrize("path", PAGES)
def test_signed_out_every_page_sends_to_sign_in(rig: WebRig, path: str) -> None:
    resp = rig.client().get(path)
    assert resp.status_code == 303
    assert resp.headers["location"] == "/signin"


@pytest.mark.parametrize("path", ["/report", "/incidents/NOI-2026-00001/ack", "/signout"])
def test_signed_out_every_form_sends_to_sign_in_and_changes_nothing(rig: WebRig, path: str) -> None:
    resp = rig.client().post(path, data={"csrf": "x", "category": "urgent", "component": "cucm", "description": "x"})
    assert resp.status_code == 303 and resp.headers["location"] == "/signin"
    assert rig.app.db.read_sync(lambda s: list(s.exec(select(Incident)))) == []


# -- links -----------------------------------------------------------------------------------------
def test_web_in_chat_sends_a_link_by_direct_message_that_signs_in_once(rig: WebRig) -> None:
    reply = rig.say("ivana", "/web")
    assert "http" not in reply.as_text()  # the link goes by DM only, never into the channel
    link = rig.dm_link("ivana")
    client = rig.client()
    opened = client.get(link)
    assert opened.status_code == 200 and 'id="signin"' in opened.text  # opening it alone spends nothing
    signed = client.post(link, data={"csrf": csrf_of(opened.text)})
    assert signed.status_code == 303
    cookie = signed.headers["set-cookie"]
    assert "dd_session=" in cookie and "HttpOnly" in cookie and "SameSite=lax" in cookie.replace("Lax", "lax")
    assert "Secure" not in cookie  # http://testserver; https public addresses get Secure (test below)
    assert client.get("/incidents").status_code == 200
    # the same link again, in another browser: refused
    other = rig.client()
    again = sign_in(other, link)
    assert again.status_code == 400
    assert other.get("/incidents").status_code == 303


def test_an_expired_link_does_not_sign_in(rig: WebRig) -> None:
    link = rig.dm_link("ivana")
    rig.advance(minutes=15, seconds=1)
    client = rig.client()
    assert sign_in(client, link).status_code == 400
    assert client.get("/incidents").status_code == 303


def test_a_made_up_link_does_not_sign_in(rig: WebRig) -> None:
    client = rig.client()
    assert sign_in(client, f"{PUBLIC}/signin/{'A' * 43}").status_code == 400


def test_the_link_form_without_its_csrf_token_is_refused(rig: WebRig) -> None:
    link = rig.dm_link("ivana")
    client = rig.client()
    client.get(link)
    assert client.post(link, data={}).status_code == 403
    assert client.post(link, data={"csrf": "forged"}).status_code == 403
    assert sign_in(client, link).status_code == 303  # not spent by the refused tries


def test_the_cookie_is_secure_behind_https(rig: WebRig) -> None:
    from starlette.applications import Starlette
    from starlette.testclient import TestClient

    from integrations.web.app import WebApp

    rig.app.services.web_url = "https://desk.example.com"
    web = WebApp(rig.app.desk, "https://desk.example.com")
    client = TestClient(Starlette(routes=web.routes()), base_url="https://testserver", follow_redirects=False)
    link = rig.dm_link("ivana").replace("https://desk.example.com", "https://testserver")
    assert "Secure" in sign_in(client, link).headers["set-cookie"]


def test_signing_out_ends_the_session_on_the_server(rig: WebRig) -> None:
    client = rig.signed_in("ivana")
    cookie = client.cookies.get("dd_session")
    page = client.get("/incidents")
    assert client.post("/signout", data={}).status_code == 403  # no CSRF token: still signed in
    assert client.post("/signout", data={"csrf": csrf_of(page.text)}).status_code == 303
    thief = rig.client()
    thief.cookies.set("dd_session", cookie or "")
    assert thief.get("/incidents").status_code == 303


def test_a_session_expires(rig: WebRig) -> None:
    client = rig.signed_in("ivana")
    rig.advance(hours=12, seconds=1)
    assert client.get("/incidents").status_code == 303


# -- reporting ------------------------------------------------------------------------------------
def test_a_reporter_reports_and_a_double_submit_registers_once(rig: WebRig) -> None:
    client = rig.signed_in("ivana")
    resp, data = report(client, text="Calls <b>fail</b> & =HYPERLINK(\"http://x\") <!channel>")
    assert resp.status_code == 303
    number = number_of(resp)
    again = client.post("/report", data=data)
    assert again.status_code == 303 and number_of(again) == number
    assert rig.app.db.read_sync(lambda s: len(list(s.exec(select(Incident))))) == 1
    page = client.get(resp.headers["location"])
    assert page.status_code == 200
    assert number in page.text and 'id="answer"' in page.text
    assert "<b>fail</b>" not in page.text and "&lt;b&gt;fail&lt;/b&gt;" in page.text
    events = rig.app.db.read_sync(lambda s: list(s.exec(select(TimelineEvent))))
    assert [e.channel for e in events] == ["web:ivana"]


def test_the_report_form_shows_what_the_contract_promises(rig: WebRig) -> None:
    client = rig.signed_in("ivana")
    page = client.get("/report")
    assert page.status_code == 200
    assert 'lang="bg"' in page.text and "Реакция" in page.text  # the customer's language, /sla's lines


def test_a_bad_report_is_answered_politely_and_nothing_is_registered(rig: WebRig) -> None:
    client = rig.signed_in("ivana")
    resp, _ = report(client, category="nonsense")
    assert resp.status_code == 422 and 'role="alert"' in resp.text
    resp, _ = report(client, text="x" * 40_000)
    assert resp.status_code in (403, 422)
    assert rig.app.db.read_sync(lambda s: list(s.exec(select(Incident)))) == []


def test_the_report_form_without_its_csrf_token_is_refused(rig: WebRig) -> None:
    client = rig.signed_in("ivana")
    resp = client.post("/report", data={"category": "urgent", "component": "cucm", "description": "x", "token": "t"})
    assert resp.status_code == 403
    assert rig.app.db.read_sync(lambda s: list(s.exec(select(Incident)))) == []


def test_nobody_reports_for_a_customer_not_theirs(rig: WebRig) -> None:
    client = rig.signed_in("ivana")
    page = client.get("/report")
    resp = client.post("/report", data={"csrf": csrf_of(page.text), "token": "t1", "customer": "hgp",
                                        "category": "urgent", "component": "cucm", "description": "x"})
    assert resp.status_code == 404
    assert client.get("/report?customer=hgp").status_code == 404


# -- another customer's things ----------------------------------------------------------------------
def test_another_customers_incident_is_not_found_exactly_like_a_missing_one(rig: WebRig) -> None:
    sara = rig.signed_in("sara")
    resp, _ = report(sara, category="critical", component=_first_component(rig, "hgp"), text="قطعی تماس")
    hgp_number = number_of(resp)
    ivana = rig.signed_in("ivana")
    foreign = ivana.get(f"/incidents/{hgp_number}")
    missing = ivana.get("/incidents/NOI-2026-09999")
    assert foreign.status_code == missing.status_code == 404
    assert foreign.text.replace(hgp_number, "N") == missing.text.replace("NOI-2026-09999", "N")
    page = ivana.get("/incidents")
    refused = ivana.post(f"/incidents/{hgp_number}/confirm", data={"csrf": csrf_of(page.text), "token": "a"})
    assert refused.status_code == 404
    assert ivana.get("/reports/hgp/2026-10.csv").status_code == 404
    assert ivana.get("/incidents?customer=hgp").status_code == 404
    assert ivana.get("/incidents.csv?customer=hgp").status_code == 404
    assert hgp_number not in ivana.get("/incidents?scope=all").text


def _first_component(rig: WebRig, cid: str) -> str:
    return next(iter(rig.app.config.customers[cid].components))


# -- roles ----------------------------------------------------------------------------------------
def test_a_reporter_sees_only_their_actions_and_the_desk_refuses_the_others(rig: WebRig) -> None:
    ivana = rig.signed_in("ivana")
    number = number_of(report(ivana)[0])
    page = ivana.get(f"/incidents/{number}")
    assert "/ack" not in page.text and f"/incidents/{number}/note" in page.text
    assert ivana.get("/board").status_code == 403
    assert ivana.get("/board/rows").status_code == 403
    tried = ivana.post(f"/incidents/{number}/ack", data={"csrf": csrf_of(page.text), "token": "x1"})
    assert tried.status_code == 422 and 'class="notice error"' in tried.text
    assert rig.app.db.read_sync(lambda s: s.exec(select(Incident)).one().state) == "registered"


def test_an_engineer_acts_from_the_page_and_the_timeline_says_web(rig: WebRig) -> None:
    ivana = rig.signed_in("ivana")
    number = number_of(report(ivana)[0])
    georgi = rig.signed_in("georgi")
    page = georgi.get(f"/incidents/{number}")
    assert f"/incidents/{number}/ack" in page.text
    done = georgi.post(f"/incidents/{number}/ack", data={"csrf": csrf_of(page.text), "token": token_of(page.text)})
    assert done.status_code == 303
    after = georgi.get(done.headers["location"])
    assert "(web)" in after.text
    assert rig.app.db.read_sync(lambda s: s.exec(select(Incident)).one().state) == "acknowledged"
    assert rig.app.db.read_sync(lambda s: [e.channel for e in s.exec(select(TimelineEvent).order_by(
        col(TimelineEvent.id)))]) == ["web:ivana", "web:georgi"]


def test_the_reporter_confirms_the_fix(rig: WebRig) -> None:
    ivana = rig.signed_in("ivana")
    number = number_of(report(ivana)[0])
    for line in (f"/ack {number}", f"/arrive {number} remote", f"/resolve {number} restarted"):
        assert not rig.say("georgi", line).is_error
    page = ivana.get(f"/incidents/{number}")
    assert f"/incidents/{number}/confirm" in page.text
    ivana.post(f"/incidents/{number}/confirm", data={"csrf": csrf_of(page.text), "token": "c1"})
    assert rig.app.db.read_sync(lambda s: s.exec(select(Incident)).one().state) == "confirmed"


def test_the_board_is_the_engineers_across_their_customers(rig: WebRig) -> None:
    number_noi = number_of(report(rig.signed_in("ivana"))[0])
    number_hgp = number_of(report(rig.signed_in("sara"), category="critical", component=_first_component(rig, "hgp"))[0])
    georgi = rig.signed_in("georgi")  # engineer of both
    board = georgi.get("/board")
    assert board.status_code == 200 and number_noi in board.text and number_hgp in board.text
    reza = rig.signed_in("reza")  # engineer of hgp only
    rows = reza.get("/board/rows")
    assert number_hgp in rows.text and number_noi not in rows.text


# -- the register ---------------------------------------------------------------------------------
def test_the_register_csv_is_what_is_shown_with_formula_safe_cells(rig: WebRig) -> None:
    ivana = rig.signed_in("ivana")
    report(ivana, text='=HYPERLINK("http://evil.example","x")')
    report(ivana, category="other", text="+SUM(A1)")
    got = ivana.get("/incidents.csv")
    assert got.status_code == 200
    assert got.headers["content-disposition"].startswith("attachment;")
    rows = list(csv.reader(io.StringIO(got.content.decode("utf-8-sig"))))
    assert len(rows) == 3
    assert {r[-1] for r in rows[1:]} == {"'=HYPERLINK(\"http://evil.example\",\"x\")", "'+SUM(A1)"}
    only = list(csv.reader(io.StringIO(ivana.get("/incidents.csv?category=other").content.decode("utf-8-sig"))))
    assert len(only) == 2 and only[1][-1] == "'+SUM(A1)"


def test_register_filters_and_pages(rig: WebRig) -> None:
    ivana = rig.signed_in("ivana")
    report(ivana, text="first printer")
    report(ivana, category="other", text="second scanner")
    page = ivana.get("/incidents?text=SCANNER")
    assert "second scanner" in page.text and "first printer" not in page.text
    assert "first printer" in ivana.get("/incidents?scope=all&month=2026-11").text
    assert "first printer" not in ivana.get("/incidents?scope=all&month=2026-10").text
    bad = ivana.get("/incidents?month=11.2026")
    assert bad.status_code == 200 and 'class="notice error"' in bad.text


def test_persian_pages_are_right_to_left_with_jalali_dates(rig: WebRig) -> None:
    sara = rig.signed_in("sara")
    resp, _ = report(sara, category="critical", component=_first_component(rig, "hgp"), text="قطعی")
    page = sara.get(resp.headers["location"])
    assert 'dir="rtl"' in page.text and 'lang="fa"' in page.text
    assert "۱۴۰۵/۰۹/۰۲" in page.text  # 2026-11-23 in the Jalali calendar, Persian digits


def test_every_page_forbids_framing_inline_script_and_caching(rig: WebRig) -> None:
    client = rig.signed_in("georgi")
    for path in ["/incidents", "/board", "/report", "/reports", "/signin"]:
        resp = client.get(path)
        assert resp.status_code == 200, path
        csp = resp.headers["content-security-policy"]
        assert "frame-ancestors 'none'" in csp and "script-src 'self'" in csp and "unsafe-inline" not in csp
        assert resp.headers["cache-control"] == "no-store"
        assert "<script>" not in resp.text  # no inline script anywhere


def test_monthly_protocol_downloads_are_attachments(rig: WebRig) -> None:
    client = rig.signed_in("maria")
    got = client.get("/reports/noi/2026-10.csv")
    assert got.status_code == 200
    assert got.headers["content-disposition"].startswith("attachment;")
    assert got.headers["content-type"].startswith("text/csv")
    assert client.get("/reports/noi/2026-10.exe").status_code == 404
    daily = client.get("/reports")
    assert daily.status_code == 200


# -- a link by e-mail -------------------------------------------------------------------------------
def _mail_rows(rig: WebRig) -> list[tuple[str, str]]:
    from storage.models import OutboxMessage

    return rig.app.db.read_sync(lambda s: [(m.audience, m.payload) for m in s.exec(
        select(OutboxMessage).where(col(OutboxMessage.kind) == "web.link"))])


def test_the_sign_in_page_mails_a_link_to_a_known_address_only(rig: WebRig) -> None:
    client = rig.client()
    page = client.get("/signin")
    known = client.post("/signin", data={"csrf": csrf_of(page.text), "email": "Georgi@Contractor.example"})
    page = client.get("/signin")
    unknown = client.post("/signin", data={"csrf": csrf_of(page.text), "email": "nobody@contractor.example"})
    assert known.status_code == unknown.status_code == 200
    assert known.text.replace(csrf_of(known.text), "") == unknown.text.replace(csrf_of(unknown.text), "")
    [(audience, payload)] = _mail_rows(rig)
    assert audience == "chat:email:Georgi@Contractor.example"  # that address alone, not every chat of his
    link = re.search(r"(http://testserver/signin/[A-Za-z0-9_-]+)", payload)
    assert link
    browser = rig.client()
    assert sign_in(browser, link.group(1)).status_code == 303
    assert browser.get("/board").status_code == 200


def test_the_mail_form_needs_its_csrf_token_and_is_rate_limited(rig: WebRig) -> None:
    client = rig.client()
    assert client.post("/signin", data={"email": "georgi@contractor.example"}).status_code == 403
    codes = []
    for _ in range(12):
        page = client.get("/signin")
        codes.append(client.post("/signin", data={"csrf": csrf_of(page.text), "email": "x@y.example"}).status_code)
    assert codes[0] == 200 and codes[-1] == 429
    assert _mail_rows(rig) == []


def test_the_mail_gateway_reaches_one_address_for_a_chat_email_audience(rig: WebRig) -> None:
    from commands.oncall.domain.config import SmtpConfig
    from integrations.gateways.email import EmailNotifier

    mail = EmailNotifier(rig.app.config, SmtpConfig(host="127.0.0.1", port=2525, sender="d@contractor.example",
                                                    starttls=True), environ={})
    [dest] = mail.destinations("chat:email:georgi@contractor.example")
    assert (dest.chat_id, dest.direct, dest.person) == ("georgi@contractor.example", True, None)
    assert mail.destinations("chat:slack:C1") == []


def test_the_board_shows_health_and_the_last_backups(rig: WebRig) -> None:
    from storage.models_backup import BackupRun
    from storage.models_health import HealthCheckState

    def seed(s):  # type: ignore[no-untyped-def]
        s.add(HealthCheckState(customer_id="noi", check_id="cucm_axl", component="cucm", state="down"))
        s.add(HealthCheckState(customer_id="noi", check_id="cucm_cert", component="cucm", state="up"))
        s.add(HealthCheckState(customer_id="hgp", check_id="x", component="crm", state="up"))
        target = next(iter(rig.app.config.customers["noi"].backups))
        s.add(BackupRun(customer_id="noi", target_id=target, driver="ssh", trigger="schedule",
                        requested_by="schedule", status="failed", queued_at=rig.clock.now()))

    rig.app.db.write_sync(seed)
    rows = rig.signed_in("maria").get("/board/rows").text  # admin of noi only
    assert "cucm: <strong>не работи</strong>" in rows  # the worst of its checks: down
    assert "crm" not in rows  # hgp's component: not maria's customer
    assert "<strong>неуспешно</strong>" in rows


# -- files ----------------------------------------------------------------------------------------
PNG = (b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR\x00\x00\x00\x01\x00\x00\x00\x01\x08\x06\x00\x00\x00\x1f\x15\xc4\x89"
       b"\x00\x00\x00\rIDATx\x9cc\xf8\xff\xff?\x00\x05\xfe\x02\xfe\xa7\x35\x81\x84\x00\x00\x00\x00IEND\xaeB`\x82")


def test_files_go_with_a_report_and_are_served_to_the_customers_people_only(rig: WebRig) -> None:
    ivana = rig.signed_in("ivana")
    page = ivana.get("/report")
    data = {"csrf": csrf_of(page.text), "token": token_of(page.text), "category": "urgent", "component": "cucm",
            "description": "Screen attached"}
    files = [("files", ("screen <1>.png", PNG, "image/png")), ("files", ("tool.exe", b"MZ\x90\x00" + bytes(100), "x/y")),
             ("files", ("page.html", b"<script>alert(1)</script>", "text/html"))]
    resp = ivana.post("/report", data=data, files=files)
    assert resp.status_code == 200 and "tool.exe" in resp.text  # the answer says which file was not kept
    number = re.search(r"NOI-\d{4}-\d{5}", resp.text).group(0)  # type: ignore[union-attr]
    assert number in ivana.post("/report", data=data, files=files).text  # double submit: registered, kept once
    detail = ivana.get(f"/incidents/{number}")
    links = re.findall(rf'href="(/incidents/{number}/files/\d+)"', detail.text)
    assert len(links) == 2 and "screen &lt;1&gt;.png" in detail.text and "tool.exe" not in detail.text
    page_file = ivana.get(links[1])  # kept as text: served as a download, never as a page of this site
    assert page_file.headers["content-type"] == "application/octet-stream"
    assert page_file.headers["content-disposition"] == 'attachment; filename="page.html"'
    got = ivana.get(links[0])
    assert got.status_code == 200 and got.content == PNG
    assert got.headers["content-disposition"].startswith("attachment;") and got.headers["content-type"] == "image/png"
    sara = rig.signed_in("sara")  # another customer: as if the file did not exist
    assert sara.get(links[0]).status_code == 404
    assert sara.get(f"/incidents/{number}/files/999999").status_code == 404
    page = sara.get("/incidents")
    assert sara.post(f"/incidents/{number}/files", data={"csrf": csrf_of(page.text)},
                     files=[("files", ("a.png", PNG, "image/png"))]).status_code == 404


def test_a_file_added_on_the_incident_page_is_on_the_timeline(rig: WebRig) -> None:
    ivana = rig.signed_in("ivana")
    number = number_of(report(ivana)[0])
    page = ivana.get(f"/incidents/{number}")
    assert ivana.post(f"/incidents/{number}/files", files=[("files", ("log.txt", b"boom\n", "text/plain"))],
                      data={}).status_code == 403  # no CSRF token
    done = ivana.post(f"/incidents/{number}/files", data={"csrf": csrf_of(page.text)},
                      files=[("files", ("log.txt", b"boom\n", "text/plain"))])
    assert done.status_code == 303
    after = ivana.get(f"/incidents/{number}").text
    assert "log.txt" in after and "(web)" in after


def test_register_pages_open_first_by_deadline_then_the_closed_newest_first(rig: WebRig) -> None:
    from datetime import timedelta

    from sqlalchemy import insert

    from storage.models import SlaClock

    now = rig.clock.now()

    def seed(s):  # type: ignore[no-untyped-def]
        rows, clocks = [], []
        for i in range(1, 121):
            is_open = i > 115  # five open, their deadlines nearest for the highest numbers
            rows.append({"id": i, "control_number": f"NOI-2025-{i:05d}", "customer_id": "noi", "year": 2025, "seq": i,
                         "category": "urgent", "component": "cucm", "description": f"seeded {i}", "reporter": "ivana",
                         "source": "web:ivana", "state": "registered" if is_open else "confirmed",
                         "reported_at": now - timedelta(days=200 - i), "registered_at": now - timedelta(days=200 - i)})
            if is_open:
                clocks.append({"incident_id": i, "name": "reaction", "target": "1h", "started_at": now,
                               "deadline": now + timedelta(minutes=200 - i), "rev": 0, "warned": "", "breach_sent": False})
        s.execute(insert(Incident.__table__), rows)  # type: ignore[attr-defined]
        s.execute(insert(SlaClock.__table__), clocks)  # type: ignore[attr-defined]

    rig.app.db.write_sync(seed)
    ivana = rig.signed_in("ivana")
    first = ivana.get("/incidents?scope=all").text
    numbers = re.findall(r'href="/incidents/(NOI-2025-\d{5})"', first)
    assert len(numbers) == 50
    assert numbers[:5] == [f"NOI-2025-{i:05d}" for i in (120, 119, 118, 117, 116)]  # nearest deadline first
    assert numbers[5:8] == ["NOI-2025-00115", "NOI-2025-00114", "NOI-2025-00113"]  # then the newest closed
    assert 'rel="next"' in first and 'rel="prev"' not in first
    last = ivana.get("/incidents?scope=all&page=3").text
    assert re.findall(r'href="/incidents/(NOI-2025-\d{5})"', last)[-1] == "NOI-2025-00001"
    assert 'rel="next"' not in last and 'rel="prev"' in last
    assert len(re.findall(r'href="/incidents/NOI-', ivana.get("/incidents").text)) == 5  # open only


def test_web_in_a_direct_message_works_for_a_person_of_two_customers(rig: WebRig) -> None:
    import asyncio

    from commands.desk.reply import Request

    # georgi serves noi and hgp; the console channel "console" belongs to neither
    reply = asyncio.run(rig.app.desk.handle(Request(text="/web", transport="console", user_id="georgi",
                                                    channel_id="console", delivery_id="dm1")))
    assert not reply.is_error, reply.text
    asked = asyncio.run(rig.app.desk.handle(Request(text="/incidents", transport="console", user_id="georgi",
                                                    channel_id="console", delivery_id="dm2")))
    assert asked.is_error  # a customer's command still asks which customer
