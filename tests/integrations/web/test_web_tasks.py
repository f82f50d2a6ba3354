"""The planned-maintenance pages: /tasks lists what /tasks in chat lists (the same use case), one
occurrence shows its checklist, notes, timeline, incidents and its protocol — only to the customer's own
people (another customer's task is "not found", exactly as one that does not exist), in their language
and calendar, with hostile texts escaped. The desk's clock is pinned on noi's plan (docs/preventive.md:
the contract signed Monday 14 December 2026, the first tasks due Thursday 31 December 17:30)."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from sqlmodel import select

from commands.preventive.sweep import preventive_sweep_unit
from storage.models_maintenance import MaintenanceEvent
from tests.commands.test_preventive_sweep import at_sofia
from tests.conftest import utc
from tests.integrations.web.rig import WebRig, csrf_of, token_of
from tests.two_customers import two_customer_raw

MONDAY_28_DEC_1000 = at_sofia(28, 12, 2026, 10)
NOI_TITLES = ("Обстоен преглед на логовете и алармите за грешки", "Общ профилактичен преглед на хардуера и софтуера",
              "Архивни копия на актуалните конфигурации на телефонната централа")
HGP_TITLES = ("پایش دوره‌ای", "Periodic monitoring", "پشتیبان‌گیری", "Backup and restore")
HOSTILE = '<script>alert(1)</script> &<> =HYPERLINK("http://evil.example","x") \u202eevil\u202c\nsecond line'
# What a person types: the desk refuses bidi overrides in chat (commands/desk/parse.py), RTL marks pass.
SAID = HOSTILE.replace("\u202e", "\u200f").replace("\u202c", "\u200e")


def _rig(db_url: str, raw: dict | None = None) -> WebRig:  # type: ignore[type-arg]
    rig = WebRig(db_url, raw)
    rig.clock.set(MONDAY_28_DEC_1000)
    _sweep(rig)
    return rig


def _sweep(rig: WebRig) -> None:
    """The sweeper's tick: stores the occurrences whose window opens within two weeks."""
    rig.app.db.write_sync(preventive_sweep_unit(rig.app.services, rig.clock.now()))


@pytest.fixture
def rig(db_url: str) -> Iterator[WebRig]:
    r = _rig(db_url)
    yield r
    r.close()


# -- the list ----------------------------------------------------------------------------------------
def test_a_reporter_sees_their_customers_plan_with_due_dates_and_states(rig: WebRig) -> None:
    ivana = rig.signed_in("ivana")
    page = ivana.get("/tasks")
    assert page.status_code == 200
    html = page.text
    assert 'lang="bg"' in html and 'dir="ltr"' in html
    assert '<a href="/tasks">Профилактики</a>' in html  # in the navigation, in her language
    assert "Профилактики: 3 със срок до седмица (просрочени: 0)" in html  # chat's /tasks heading
    for title in NOI_TITLES:
        assert title in html
    for ref in ("config-archive#1", "review#1", "logs#1"):
        assert f"<bdi>{ref}</bdi>" in html and f'href="/tasks/noi/{ref.replace("#", "/")}"' in html
    assert html.count("2026-12-31 17:30") == 3  # Thursday 31 December 17:30, Sofia
    assert html.count(">планирана<") == 3
    assert "Компоненти" in html and "CUCM" in html
    for foreign in HGP_TITLES:  # hgp's plan is stored in the same tables: never shown to noi's people
        assert foreign not in html
    assert "/tasks/hgp/" not in html
    # after the due instant: overdue, as chat says it
    rig.clock.set(at_sofia(31, 12, 2026, 17, 31))
    late = rig.signed_in("ivana").get("/tasks").text  # (her session of Monday has ended)
    assert "(просрочени: 3)" in late and late.count(">ПРОСРОЧЕНА<") == 3


def test_all_adds_the_last_closed_ones_like_tasks_all_in_chat(rig: WebRig) -> None:
    assert not rig.say("georgi", "/task logs done all fine").is_error
    assert not rig.say("georgi", "/task review skip the customer asked to move it").is_error
    ivana = rig.signed_in("ivana")
    due = ivana.get("/tasks").text
    assert "config-archive#1" in due and "logs#1" not in due and "review#1" not in due
    everything = ivana.get("/tasks?show=all").text
    assert ">извършена<" in everything and ">пропусната<" in everything and "config-archive#1" in everything
    assert "Георги" in everything  # who closed it is who answers for it
    chat = rig.say("ivana", "/tasks all")
    assert [line.split(" · ")[0].lstrip("• ") for line in chat.lines] == ["config-archive#1", "logs#1", "review#1"]
    overdue = ivana.get("/tasks?show=overdue").text
    assert "Няма профилактики" in overdue  # nothing is past due yet


def test_a_person_of_two_customers_picks_the_customer(rig: WebRig) -> None:
    rig.clock.set(utc(2026, 12, 30, 7, 0))
    _sweep(rig)
    georgi = rig.signed_in("georgi")
    noi = georgi.get("/tasks").text
    assert 'name="customer"' in noi and "review#1" in noi and "monitoring#1" not in noi
    hgp = georgi.get("/tasks?customer=hgp")
    assert hgp.status_code == 200 and "monitoring#1" in hgp.text and "review#1" not in hgp.text


# -- tenant isolation ----------------------------------------------------------------------------------
def test_another_customers_task_is_not_found_exactly_like_an_unknown_one(rig: WebRig) -> None:
    rig.clock.set(utc(2026, 12, 30, 7, 0))
    _sweep(rig)
    sara = rig.signed_in("sara")
    assert sara.get("/tasks/hgp/monitoring/1").status_code == 200  # it exists: hgp's people see it
    ivana = rig.signed_in("ivana")
    unknown = ivana.get("/tasks/noi/nothing/1")
    assert unknown.status_code == 404
    for path in ["/tasks/hgp/monitoring/1", "/tasks/noi/monitoring/1", "/tasks/noi/review/99", "/tasks/noi/review/x",
                 "/tasks/hgp/monitoring/1/protocol.pdf", "/tasks/noi/review/1/protocol.pdf"]:
        resp = ivana.get(path)
        assert resp.status_code == 404, path
        assert resp.text == unknown.text, path
    assert ivana.get("/tasks?customer=hgp").status_code == 404
    assert ivana.get("/tasks?customer=hgp").text == ivana.get("/tasks?customer=nobody").text


@pytest.mark.parametrize("path", ["/tasks", "/tasks?show=all", "/tasks/noi/review/1",
                                  "/tasks/noi/review/1/protocol.pdf"])
def test_signed_out_the_pages_send_to_sign_in(rig: WebRig, path: str) -> None:
    resp = rig.client().get(path)
    assert resp.status_code == 303 and resp.headers["location"] == "/signin"


# -- Persian -----------------------------------------------------------------------------------------
def test_a_persian_reader_sees_jalali_dates_with_persian_digits_right_to_left(rig: WebRig) -> None:
    rig.clock.set(utc(2026, 12, 30, 7, 0))
    _sweep(rig)
    sara = rig.signed_in("sara")
    page = sara.get("/tasks").text
    assert 'dir="rtl"' in page and 'lang="fa"' in page
    assert "نگهداری پیشگیرانه: 2 با مهلت تا یک هفته" in page  # chat's heading
    assert "پایش دوره‌ای سرویس‌ها و فرآیندهای سامانه" in page
    assert "۱۴۰۵/۱۰/" in page  # Dey 1405 (January 2027), Persian digits
    assert "2027" not in page and "2026" not in page
    assert ">برنامه‌ریزی‌شده<" in page
    assert "نیما" in page or "Nima" in page  # backup-restore is nima's (person:nima)
    one = sara.get("/tasks/hgp/monitoring/1").text
    assert 'dir="rtl"' in one and "۱۴۰۵/۰۹/" in one  # the window opened at the contract start, 28 Azar 1405


# -- one occurrence, read from what chat wrote -----------------------------------------------------------
def test_the_occurrence_page_shows_what_was_done_through_the_desk(rig: WebRig) -> None:
    assert not rig.say("georgi", "/task review start on site").is_error
    checked = rig.say("georgi", "/task review#1 check 1")
    assert checked.lines == ("Контролен списък: 1 от 4",)
    ivana = rig.signed_in("ivana")
    page = ivana.get("/tasks/noi/review/1").text
    assert "Състояние: в изпълнение (Георги" in page
    assert page.count('class="ticked"') == 1 and page.count('class="open"') == 3
    assert "☑</span> 1. <bdi>Състояние на сървърите" in page
    assert "protocol.pdf" not in page  # open: no protocol yet
    filed = rig.say("georgi", "/task review incident urgent cucm The UCCX disk is at 95%")
    assert not filed.is_error and filed.control_number
    rig.advance(hours=2)
    done = rig.say("petar", "/task review done All servers fine --check 3")
    assert not done.is_error, done.text
    page = ivana.get("/tasks/noi/review/1").text
    assert "Състояние: извършена (Петър" in page
    assert page.count('class="ticked"') == 2
    assert "All servers fine" in page
    assert f'<a href="/incidents/{filed.control_number}"><bdi>{filed.control_number}</bdi></a>' in page
    steps = page.split('id="timeline"')[1]
    for what in ("започната", "отметнати точки", "заведен инцидент", "извършена"):
        assert f"<strong>{what}</strong>" in steps
    assert "2026-12-28 10:00" in steps and "2026-12-28 12:00" in steps
    assert '<a href="/tasks/noi/review/1/protocol.pdf" download>' in page
    pdf = ivana.get("/tasks/noi/review/1/protocol.pdf")
    assert pdf.status_code == 200 and pdf.headers["content-type"] == "application/pdf"
    assert pdf.content.startswith(b"%PDF") and "attachment" in pdf.headers["content-disposition"]
    assert pdf.headers["cache-control"] == "no-store"


def test_a_task_without_its_occurrence_number_is_not_a_page(rig: WebRig) -> None:
    ivana = rig.signed_in("ivana")
    assert ivana.get("/tasks/noi/review/1").status_code == 200
    assert ivana.get("/tasks/noi/review/0").status_code == 404
    assert ivana.get("/tasks/noi/review/1234567").status_code == 404


# -- an engineer's steps from the page -----------------------------------------------------------------
def _events(rig: WebRig) -> list[str]:
    return rig.app.db.read_sync(lambda s: [e.kind for e in s.exec(select(MaintenanceEvent))
                                           if e.kind not in ("reminded", "overdue")])


def test_an_engineer_records_the_work_from_the_page_through_the_desk(rig: WebRig) -> None:
    georgi = rig.signed_in("georgi")
    page = georgi.get("/tasks/noi/review/1").text
    assert 'action="/tasks/noi/review/1/start"' in page and 'action="/tasks/noi/review/1/skip"' in page
    data = {"csrf": csrf_of(page), "token": token_of(page), "text": "on site"}
    started = georgi.post("/tasks/noi/review/1/start", data=data)
    assert started.status_code == 303 and started.headers["location"].startswith("/tasks/noi/review/1?r=")
    again = georgi.post("/tasks/noi/review/1/start", data=data)  # a double submit: answered once
    assert again.status_code == 303
    assert _events(rig) == ["started"]
    shown = georgi.get(started.headers["location"]).text
    assert 'id="answer"' in shown and "review#1 е започната" in shown and "в изпълнение" in shown
    tick = georgi.post("/tasks/noi/review/1/check", data={"csrf": csrf_of(shown), "token": "t-check",
                                                           "item": ["1", "3"]})
    assert tick.status_code == 303
    done = georgi.post("/tasks/noi/review/1/done", data={"csrf": csrf_of(shown), "token": "t-done",
                                                         "text": "All fine", "item": ["2"]})
    assert done.status_code == 303
    page = georgi.get("/tasks/noi/review/1").text
    assert page.count('class="ticked"') == 3 and "извършена" in page and "All fine" in page
    assert 'action="/tasks/noi/review/1/' not in page  # closed: no more steps
    chat = rig.say("georgi", "/task review#1")  # chat reads the same occurrence
    assert "☑ 1." in chat.as_text() and "☑ 3." in chat.as_text() and "☐ 4." in chat.as_text()
    late = georgi.post("/tasks/noi/review/1/note", data={"csrf": csrf_of(page), "token": "t-late", "text": "x"})
    assert late.status_code == 422 and "review#1" in late.text  # the desk's own polite refusal


def test_a_reporter_gets_no_steps_and_the_desk_refuses_them(rig: WebRig) -> None:
    ivana = rig.signed_in("ivana")
    page = ivana.get("/tasks/noi/review/1").text
    assert 'action="/tasks/noi/review/1/' not in page
    refused = ivana.post("/tasks/noi/review/1/start", data={"csrf": csrf_of(page), "token": "t1"})
    assert refused.status_code == 422 and 'class="notice error"' in refused.text
    assert ivana.post("/tasks/noi/review/1/start", data={"token": "t2"}).status_code == 403  # no CSRF token
    assert ivana.post("/tasks/hgp/monitoring/1/start", data={"csrf": csrf_of(page), "token": "t3"}).status_code == 404
    assert ivana.post("/tasks/noi/review/1/delete", data={"csrf": csrf_of(page), "token": "t4"}).status_code == 404
    assert rig.client().post("/tasks/noi/review/1/start", data={"csrf": "x"}).headers["location"] == "/signin"
    assert _events(rig) == []


# -- hostile texts -------------------------------------------------------------------------------------
def test_hostile_titles_checklists_and_notes_are_escaped(db_url: str) -> None:
    raw = two_customer_raw()
    task = raw["customers"]["noi"]["preventive"]["tasks"]["review"]
    task["title"] = {"bg": HOSTILE, "en": HOSTILE}
    task["checklist"] = [HOSTILE, {"bg": "a & b <b>bold</b>", "en": "x"}]
    rig = _rig(db_url, raw)
    try:
        note = ("=HYPERLINK(\"x\") <img src=x onerror=alert(1)> \u200fRTL\u200e\n" * 80)[:3990] + "<script>"
        assert len(note) <= 4000
        assert not rig.say("georgi", f"/task review note {note}").is_error
        assert not rig.say("georgi", f"/task review done {SAID}").is_error
        ivana = rig.signed_in("ivana")
        for path in ["/tasks?show=all", "/tasks/noi/review/1"]:
            html = ivana.get(path).text
            assert "<script>" not in html and "<img" not in html and "<b>bold" not in html, path
            assert "&lt;script&gt;alert(1)&lt;/script&gt; &amp;&lt;&gt;" in html, path
            assert '=HYPERLINK(&#34;http://evil.example&#34;,&#34;x&#34;)' in html, path
        one = ivana.get("/tasks/noi/review/1").text
        assert "a &amp; b &lt;b&gt;bold&lt;/b&gt;" in one
        assert "\u202eevil\u202c\nsecond line" in one  # the title kept as written, inside <bdi>
        assert "\u200fevil\u200e\nsecond line" in one  # the notes too: newlines shown by CSS (pre-wrap)
        assert "&lt;img src=x onerror=alert(1)&gt; \u200fRTL\u200e\n" in one
        assert one.count("&lt;img src=x") == note.count("<img src=x")  # the whole note, nothing cut
    finally:
        rig.close()
