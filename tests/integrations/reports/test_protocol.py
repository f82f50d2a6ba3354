"""The monthly protocol of a seeded month (tests/integrations/reports/seed.py), both customers: the
numbers in the CSV and XLSX exactly, the PDF's text, the chart, and /report monthly in chat."""

from __future__ import annotations

import csv
import gc
import io
from collections.abc import AsyncIterator
from datetime import date, datetime, timedelta, timezone
from zoneinfo import ZoneInfo

import pdfplumber
import pytest
from openpyxl import load_workbook  # type: ignore[import-untyped]
from pypdf import PdfReader

from commands.domain.i18n.format import format_date, format_datetime
from commands.reports.report import monthly_protocol
from integrations import reports
from tests.harness import DeskHarness
from tests.integrations.reports.seed import (
    REPORT_AT_HGP,
    REPORT_AT_NOI,
    SOFIA,
    TEHRAN,
    URGENT_DAYS,
    local,
    seed_hgp,
    seed_noi,
    urgent_minutes,
)


@pytest.fixture
async def noi(noi_config, db_url: str) -> AsyncIterator[DeskHarness]:  # type: ignore[no-untyped-def]
    h = DeskHarness(noi_config, db_url, REPORT_AT_NOI)
    await seed_noi(h)
    yield h
    h.close()


@pytest.fixture
async def hgp(hgp_config, db_url: str) -> AsyncIterator[DeskHarness]:  # type: ignore[no-untyped-def]
    h = DeskHarness(hgp_config, db_url, REPORT_AT_HGP)
    h.days = await seed_hgp(h)  # type: ignore[attr-defined]
    yield h
    h.close()


def sections(data: bytes) -> dict[str, list[list[str]]]:
    """CSV sections by title: {title: [header, rows...]}."""
    text = data.decode("utf-8")
    assert text.startswith("\ufeff")
    rows = list(csv.reader(io.StringIO(text[1:])))
    out: dict[str, list[list[str]]] = {}
    i = rows.index([])  # after the header lines
    while i < len(rows):
        if rows[i] == []:
            i += 1
            continue
        title = rows[i][0]
        body = []
        i += 1
        while i < len(rows) and rows[i] != []:
            body.append(rows[i])
            i += 1
        out[title] = body
    return out


def protocol(h: DeskHarness, cid: str, year: int = 2026, month: int = 11):  # type: ignore[no-untyped-def]
    services = h.app.services
    return h.db.read_sync(lambda s: monthly_protocol(s, services, cid, year, month, services.clock.now()))


def by_number(table: list[list[str]]) -> dict[str, dict[str, str]]:
    header, *rows = table
    return {r[0]: dict(zip(header, r, strict=True)) for r in rows}


# -- noi ----------------------------------------------------------------------------------------------
async def test_noi_csv_register_has_the_month_and_each_clock_exactly(noi: DeskHarness) -> None:
    s = sections(reports.render(protocol(noi, "noi"), "csv"))
    reg = by_number(s["Регистър за месеца"])
    # The month is Sofia's: 23:30 on 31 Oct is October, 00:10 on 1 Nov is November; December's is out.
    assert "NOI-2026-00001" not in reg and "NOI-2026-00029" not in reg
    assert sorted(reg) == [f"NOI-2026-{n:05d}" for n in range(2, 29)]
    for i in range(URGENT_DAYS):
        row = reg[f"NOI-2026-{3 + i:05d}"]
        ack, arrive, confirm = urgent_minutes(i)
        d = local(date(2026, 11, 2) + timedelta(days=i), 10, 0, SOFIA)
        assert row["Категория"] == "спешен" and row["Компонент"] == "CUCM" and row["Състояние"] == "потвърден"
        assert row["Първо уведомяване"] == format_datetime(d, SOFIA, "bg")
        assert row["Потвърден"] == format_datetime(d + timedelta(minutes=confirm), SOFIA, "bg")
        for clock, elapsed, target in (("Реакция", ack, 30), ("Пристигане", arrive, 60), ("Решаване", confirm, 240)):
            assert row[f"{clock} (мин)"] == str(elapsed)
            assert row[f"{clock}: резерв (мин)"] == str(target - elapsed)
            assert row[f"{clock}: резултат"] == ("спазен" if elapsed <= target else "нарушен")
    cancelled = reg["NOI-2026-00002"]
    assert cancelled["Състояние"] == "анулиран"
    assert cancelled["Реакция: резултат"] == "анулиран" and cancelled["Реакция (мин)"] == ""
    phones = reg["NOI-2026-00027"]
    assert phones["Реакция: резултат"] == "" and phones["Решаване: резултат"] == "не е започнал"
    pressing = reg["NOI-2026-00028"]
    assert (pressing["Реакция (мин)"], pressing["Реакция: резултат"], pressing["Реакция: резерв (мин)"]) == ("20", "спазен", "40")
    # Still running on 1 Dec 10:00: arrival was due 27 Nov 16:00, resolution 30 Nov 17:30 (end of next working day).
    assert (pressing["Пристигане: резултат"], pressing["Пристигане: резерв (мин)"]) == ("нарушен", "-5400")
    assert (pressing["Решаване: резултат"], pressing["Решаване: резерв (мин)"]) == ("нарушен", "-990")


async def test_noi_csv_compliance_per_category_exactly(noi: DeskHarness) -> None:
    s = sections(reports.render(protocol(noi, "noi"), "csv"))
    header, *rows = s["Спазване на сроковете по категории"]
    assert header == ["Категория", "Срок", "Отчетени", "Спазени", "Нарушени", "Текущи", "Очакват потвърждение",
                      "% спазени", "Медиана (мин)",
                      "Най-лошо (мин)", "Най-голямо нарушение (мин)"]
    assert rows == [
        # reaction 10 + 3i: met for i <= 6; median (43 + 46) / 2; worst 79, breached by 49
        ["спешен", "Реакция", "24", "7", "17", "0", "0", "29.2", "44.5", "79", "-49"],
        ["спешен", "Пристигане", "24", "11", "13", "0", "0", "45.8", "64.5", "99", "-39"],
        ["спешен", "Решаване", "24", "13", "11", "0", "0", "54.2", "235.0", "350", "-110"],
        ["неотложен", "Реакция", "1", "1", "0", "0", "0", "100.0", "20.0", "20", ""],
        ["неотложен", "Пристигане", "1", "0", "1", "0", "0", "0.0", "", "", "-5400"],
        ["неотложен", "Решаване", "1", "0", "1", "0", "0", "0.0", "", "", "-990"],
    ]
    per_day = dict(s["Инциденти по дни"][1:])
    assert per_day["2026-11-01"] == "1" and per_day["2026-11-25"] == "1" and per_day["2026-11-28"] == "0"
    assert sum(int(v) for v in per_day.values()) == 27 and len(per_day) == 30
    text = reports.render(protocol(noi, "noi"), "csv").decode("utf-8")
    assert "Инциденти: 27 · потвърдени 24 · очакват потвърждение 0 · отворени 2 · анулирани 1" in text
    assert "Спазени срокове общо: 42.7% (32 от 75)" in text


async def test_noi_xlsx_has_the_same_numbers_as_numbers(noi: DeskHarness) -> None:
    p = protocol(noi, "noi")
    wb = load_workbook(io.BytesIO(reports.render(p, "xlsx")), read_only=True)
    assert wb.sheetnames == ["Спазване на сроковете по категории"[:31], "Регистър за месеца", "Очакват потвърждение",
                             "Инциденти по дни", "Сервизни протоколи за отстранени"[:31], "Извършени профилактики",
                             "Пропуснати или просрочени профилактики"[:31], "Прозорци за поддръжка", "Архивни копия",
                             "Мониторинг промени"]
    summary = [list(r) for r in wb.worksheets[0].iter_rows(values_only=True)]
    assert ["спешен", "Реакция", 24, 7, 17, 0, 0, 29.2, 44.5, 79, -49] in summary
    assert ["неотложен", "Пристигане", 1, 0, 1, 0, 0, 0.0, None, None, -5400] in summary
    register = [list(r) for r in wb.worksheets[1].iter_rows(values_only=True)]
    header, rows = register[0], {r[0]: dict(zip(register[0], r, strict=True)) for r in register[1:]}
    assert len(rows) == 27 and "Реакция (мин)" in header
    first = rows["NOI-2026-00003"]
    assert (first["Реакция (мин)"], first["Реакция: резерв (мин)"], first["Решаване (мин)"]) == (10, 20, 120)
    last = rows[f"NOI-2026-{2 + URGENT_DAYS:05d}"]
    assert (last["Реакция (мин)"], last["Реакция: резерв (мин)"], last["Решаване: резултат"]) == (79, -49, "нарушен")


async def test_noi_pdf_is_a_signable_document_with_the_register(noi: DeskHarness) -> None:
    data = reports.render(protocol(noi, "noi"), "pdf")
    assert data.startswith(b"%PDF")
    reader = PdfReader(io.BytesIO(data))
    text = "\n".join(page.extract_text() for page in reader.pages)
    for n in range(2, 29):
        assert f"NOI-2026-{n:05d}" in text
    assert "NOI-2026-00001" not in text and "NOI-2026-00029" not in text
    words = " ".join(text.split())  # descriptions wrap inside their cells
    assert "Calls fail 23" in words and "Some agents cannot log in" in words
    assert "Месечен протокол за извършените услуги по поддръжка · 2026-11" in text
    assert "Изпълнител: Contractor Ltd" in text and "Възложител: НОИ — контактен център" in text
    assert "За изпълнителя" in text and "За възложителя" in text and "Подпис:" in text
    assert "Спазване на сроковете по категории" in text
    assert sum(len(page.images) for page in reader.pages) == 1  # the charts


async def test_noi_chart_is_a_png(noi: DeskHarness) -> None:
    png = reports.render(protocol(noi, "noi"), "chart")
    assert png.startswith(b"\x89PNG")


async def test_report_monthly_in_chat_attaches_the_file(noi: DeskHarness) -> None:
    reply = await noi.say("maria", "/report monthly")  # 1 December: the last whole month is November
    assert not reply.is_error, reply.as_text()
    assert reply.text == "Месечен протокол 2026-11 · 27 инцидента · спазени срокове 42.7%"
    assert reply.attachment is not None and reply.attachment.filename == "protocol-noi-2026-11.pdf"
    assert reply.attachment.mime_type == "application/pdf" and reply.attachment.content.startswith(b"%PDF")
    reply = await noi.say("ivana", "/report monthly 2026-11 csv")  # reporters see their own protocol
    assert reply.attachment is not None and reply.attachment.filename == "protocol-noi-2026-11.csv"
    reply = await noi.say("ivana", "/report monthly 2026-11 chart")
    assert reply.attachment is not None and reply.attachment.mime_type == "image/png"
    reply = await noi.say("ivana", "/report monthly 2026-10 md")
    assert reply.attachment is not None and b"NOI-2026-00001" in reply.attachment.content
    assert b"NOI-2026-00002" not in reply.attachment.content


async def test_the_protocols_data_keeps_what_it_prints_once(noi: DeskHarness) -> None:
    """A month of 50,000 incidents is held whole while its files are made (docs/performance.md): the
    register keeps each incident's printed columns and its clocks' results, not the clocks (no deadline,
    start or stop instants), equal results are one object, and a fixed fault shares its number and
    instants with the register's row."""
    p = protocol(noi, "noi")
    rows = {e.row.control_number: e.row for e in p.entries}
    kept = {id(x) for r in rows.values() for x in (r.reported_at, r.resolved_at, r.confirmed_at) if x is not None}
    reachable: dict[int, object] = {}
    stack: list[object] = [p.entries]
    while stack:
        o = stack.pop()
        if id(o) not in reachable and not isinstance(o, (type, ZoneInfo, timezone)):
            reachable[id(o)] = o
            stack.extend(gc.get_referents(o))
    instants = {i for i, o in reachable.items() if isinstance(o, datetime)}
    assert instants == kept
    results = [r for e in p.entries for r in e.results if r is not None]
    assert len(set(results)) < len(results)  # cancelled, waiting, ... more than once
    assert len({id(r) for r in results}) == len(set(results))
    assert len(p.fixed) == URGENT_DAYS
    for f in p.fixed:
        row = rows[f.number]
        assert f.number is row.control_number and f.resolved_at is row.resolved_at
        assert f.confirmed_at is row.confirmed_at and f.protocol == f"service-protocol-{f.number}.pdf"


@pytest.mark.parametrize(("text", "expected"), [
    ("/report monthly 2026-13", "2026-13 не е месец като 2026-11"),
    ("/report monthly 2026-11 docx", "Непознат формат docx"),
    ("/report weekly", "/report daily"),
])
async def test_report_refuses_what_it_cannot_do(noi: DeskHarness, text: str, expected: str) -> None:
    reply = await noi.say("maria", text)
    assert reply.is_error and expected in reply.text


# -- hgp ----------------------------------------------------------------------------------------------
async def test_hgp_csv_numbers_exactly_in_persian_dates(hgp: DeskHarness) -> None:
    days = hgp.days  # type: ignore[attr-defined]
    cal = hgp.app.services.calendar("hgp")
    s = sections(reports.render(protocol(hgp, "hgp"), "csv"))
    reg = by_number(s["دفتر ثبت ماه"])
    assert sorted(reg) == [f"HGP-2026-{n:05d}" for n in range(1, 12)]
    odd_elapsed = []
    for i, d in enumerate(days[:10]):
        row = reg[f"HGP-2026-{1 + i:05d}"]
        t0 = local(d, 10, 0, TEHRAN)
        assert row["نخستین اعلام"] == format_datetime(t0, TEHRAN, "fa") and row["نخستین اعلام"].startswith("۱۴۰۵/۰۸/")
        assert row["واکنش (دقیقه)"] == str(15 + 6 * i)
        assert row["واکنش: حاشیه (دقیقه)"] == str(60 - (15 + 6 * i))  # 1h business from 10:00 on a working day
        assert row["واکنش: نتیجه"] == ("رعایت‌شده" if 15 + 6 * i <= 60 else "نقض‌شده")
        if i % 2 == 0:
            assert (row["رفع (دقیقه)"], row["رفع: نتیجه"]) == ("240", "رعایت‌شده")
        else:  # 8 business hours from 10:00 end at 10:00 on the next working day; confirmed 10:30
            done = local(cal.next_working_day(d), 10, 30, TEHRAN)
            elapsed = int((done - t0).total_seconds()) // 60
            odd_elapsed.append(elapsed)
            assert (row["رفع (دقیقه)"], row["رفع: نتیجه"], row["رفع: حاشیه (دقیقه)"]) == (str(elapsed), "نقض‌شده", "-30")
    _header, *rows = s["رعایت مهلت‌ها بر حسب دسته"]
    median = (240 + min(odd_elapsed)) / 2
    assert rows == [
        ["بحرانی", "واکنش", "10", "8", "2", "0", "0", "80.0", "42.0", "69", "-9"],
        ["بحرانی", "رفع", "10", "5", "5", "0", "0", "50.0", f"{median:.1f}", str(max(odd_elapsed)), "-30"],
        ["عادی", "واکنش", "1", "0", "1", "0", "0", "0.0", "", "", rows[2][10]],
        ["عادی", "رفع", "1", "0", "1", "0", "0", "0.0", "", "", rows[3][10]],
    ]
    assert int(rows[2][10]) < 0 and int(rows[3][10]) < 0
    per_day = dict(s["رخدادها در هر روز"][1:])
    assert sum(int(v) for v in per_day.values()) == 11
    assert format_date(days[0], "fa") in per_day


async def test_hgp_xlsx_is_right_to_left_and_pdf_has_the_register(hgp: DeskHarness) -> None:
    p = protocol(hgp, "hgp")
    wb = load_workbook(io.BytesIO(reports.render(p, "xlsx")))
    assert wb.worksheets[1].sheet_view.rightToLeft
    assert [c.value for c in wb.worksheets[0]["A"] if c.value == "بحرانی"] == ["بحرانی", "بحرانی"]
    text = "\n".join(page.extract_text() for page in PdfReader(io.BytesIO(reports.render(p, "pdf"))).pages)
    for n in range(1, 12):
        assert f"HGP-2026-{n:05d}" in text
    words = " ".join(text.split())  # descriptions wrap inside their cells
    assert "CRM down 9" in words and "Dashboard slow" in words



def _rules_mm(data: bytes) -> list[tuple[float, float]]:
    """The lines to sign on of the last page: (from, to) in mm from the left edge."""
    with pdfplumber.open(io.BytesIO(data)) as pdf:
        mm = 72 / 25.4
        return sorted({(round(ln["x0"] / mm, 1), round(ln["x1"] / mm, 1)) for ln in pdf.pages[-1].lines})


# A4 landscape, 10 mm margins, two columns of 138.5 mm; the labels take 25 mm, 10 mm to the column's edge
async def test_bulgarian_lines_to_sign_on_have_their_labels_on_the_left(noi: DeskHarness) -> None:
    assert _rules_mm(reports.render(protocol(noi, "noi"), "pdf")) == [(35.0, 138.5), (173.5, 277.0)]


async def test_persian_signatures_are_mirrored_labels_on_the_right(hgp: DeskHarness) -> None:
    """Right to left: the contractor's column on the right, "امضا:" on the right of its line."""
    assert _rules_mm(reports.render(protocol(hgp, "hgp"), "pdf")) == [(20.0, 123.5), (158.5, 262.0)]
