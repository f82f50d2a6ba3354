"""The protocol both sides sign keeps every text inside its cell, and shows all of it, wrapped.

The PDF is read back with pdfplumber, which gives the box of each word as drawn and the cell borders as
rectangles: a word that touches a cell must lie inside it (a word running over the next column is
exactly what a reader of the paper sees). Descriptions are 4,000 characters (the desk's limit) of
Bulgarian, Persian (shaped, right to left) and English, one word of 4,000 letters, many lines, and
hostile text (``&<>``, ``<!channel>``, newlines, right-to-left marks)."""

from __future__ import annotations

import io
import re
from collections import Counter
from collections.abc import Iterator
from datetime import UTC, datetime
from zoneinfo import ZoneInfo

import pdfplumber
import pytest

from commands.reports.report import MonthlyProtocol, monthly_protocol
from integrations import reports
from integrations.reports.pdf import FONT, PdfBase, register_widths
from integrations.reports.pdf_fast import face, wrap
from integrations.reports.tables import Cell
from tests.harness import DeskHarness

LIMIT = 4000
TOL = 0.25  # points: the border's own width
_RTL = re.compile(r"[\u0590-\u08ff]")


def _fill(sentence: str) -> str:
    text = (sentence * (LIMIT // len(sentence) + 1))[:LIMIT]
    return text.rstrip()


BG = _fill("Входящите обаждания не достигат до операторите на контактния център след рестартирането. ")
EN = _fill("Inbound calls do not reach the contact centre operators after the restart of the cluster. ")
FA = _fill("سامانه CRM از کار افتاده و کاربران نمی‌توانند وارد شوند؛ گزارش‌ها هم ساخته نمی‌شوند. ")
HOSTILE = ("<!channel> &<> & &amp; =HYPERLINK(\"http://x\")\n\u200fپیام راست‌به‌چپ\u200e then left to right\n"
           "third line\twith a tab; fpdf2's page-total aliases: {pages_total} {nb}")
ONE_WORD = "Ж" * LIMIT
MIXED = "Начало на реда " + "Ж" * 300 + " край\n\nнов  ред с (скоби) и \\ наклонена черта"  # a long word mid-sentence
MANY_LINES = ("ред\n" * (LIMIT // 4))[:LIMIT].strip()


def _words(text: str) -> str:
    return "".join(text.split())


async def _protocol(config, db_url: str, customer: str, person: str, category: str, component: str,  # type: ignore[no-untyped-def]
                    tz: str, descriptions: list[str], locale: str | None = None) -> MonthlyProtocol:
    now = datetime(2026, 11, 10, 10, 0, tzinfo=ZoneInfo(tz)).astimezone(UTC)
    h = DeskHarness(config, db_url, now)
    try:
        for text in descriptions:
            reply = await h.say(person, f"/incident {category} {component} {text}")
            assert not reply.is_error, reply.as_text()[:300]
        services = h.app.services
        return h.db.read_sync(lambda s: monthly_protocol(s, services, customer, 2026, 11, services.clock.now(),
                                                         locale=locale))
    finally:
        h.close()


def _pages(data: bytes) -> Iterator[pdfplumber.page.Page]:
    with pdfplumber.open(io.BytesIO(data)) as pdf:
        yield from pdf.pages


def _inside(word: dict[str, float], rect: dict[str, float]) -> bool:
    return (word["x0"] >= rect["x0"] - TOL and word["x1"] <= rect["x1"] + TOL
            and word["top"] >= rect["top"] - TOL and word["bottom"] <= rect["bottom"] + TOL)


def _overlaps(word: dict[str, float], rect: dict[str, float]) -> bool:
    return (min(word["x1"], rect["x1"]) - max(word["x0"], rect["x0"]) > TOL
            and min(word["bottom"], rect["bottom"]) - max(word["top"], rect["top"]) > TOL)


def assert_no_word_crosses_a_cell(data: bytes) -> int:
    """Every word drawn over a cell lies wholly inside that cell; returns the number of words checked."""
    checked = 0
    for page in _pages(data):
        cells = [r for r in page.rects if r["width"] > 2 and r["height"] > 2]
        for word in page.extract_words(keep_blank_chars=False, use_text_flow=False, x_tolerance=1):
            touched = [r for r in cells if _overlaps(word, r)]
            if not touched:
                continue
            checked += 1
            assert any(_inside(word, r) for r in touched), (page.page_number, word["text"], word["x0"], word["x1"],
                                                             [(r["x0"], r["x1"]) for r in touched])
    return checked


def _column(page: pdfplumber.page.Page, words: list[dict[str, float]], title: str) -> list[dict[str, float]]:
    """The cells below the header word ``title``, top to bottom."""
    head = next(w for w in words if w["text"] == title)
    return sorted((r for r in page.rects if r["x0"] - TOL <= head["x0"] and head["x1"] <= r["x1"] + TOL
                   and r["top"] > head["bottom"]), key=lambda r: r["top"])


def _text_in(rect: dict[str, float], words: list[dict[str, float]]) -> str:
    inside = [w for w in words if _inside(w, rect)]
    return "".join(str(w["text"]) for w in sorted(inside, key=lambda w: (round(w["top"]), w["x0"])))


def column_text(data: bytes, header: str, key: str) -> list[str]:
    """The text of the register's column ``header``, one string per row: a row continued on the next
    page (its ``key`` cell empty there) continues its text; header cells are left out."""
    out: list[str] = []
    for page in _pages(data):
        words = page.extract_words(x_tolerance=1)
        if not any(w["text"] == header for w in words):
            continue
        for rect, key_rect in zip(_column(page, words, header), _column(page, words, key), strict=True):
            if _text_in(key_rect, words) == "" and out:
                out[-1] += _text_in(rect, words)  # a row continued from the previous page
            else:
                out.append(_text_in(rect, words))
    return out


def same_text(drawn: str, typed: str) -> bool:
    """The words of ``typed`` drawn in full: exactly, or for right-to-left text (which is extracted in
    the order it is drawn) the same characters."""
    if _RTL.search(typed):
        return Counter(drawn) == Counter(_words(typed))
    return drawn == _words(typed)


@pytest.mark.parametrize("locale", ["bg", "en"])
async def test_long_descriptions_wrap_inside_their_cells(noi_config, tmp_path, locale: str) -> None:  # type: ignore[no-untyped-def]
    texts = [BG if locale == "bg" else EN, HOSTILE, ONE_WORD, MANY_LINES, MIXED, "Headset broken"]
    p = await _protocol(noi_config, f"sqlite:///{tmp_path / 'd.db'}", "noi", "ivana", "other", "crm",
                        "Europe/Sofia", texts, locale=locale)
    p2 = await _protocol(noi_config, f"sqlite:///{tmp_path / 'p.db'}", "noi", "ivana", "phones", "phones",
                         "Europe/Sofia", ["Headset broken"], locale=locale)
    for protocol, words in ((p, 1000), (p2, 15)):  # p2: "телефонни апарати" in a 22 mm column
        assert assert_no_word_crosses_a_cell(reports.render(protocol, "pdf")) > words
    data = reports.render(p, "pdf")
    header = {"bg": "Описание", "en": "Description"}[locale]
    pages = list(_pages(data))
    page_word = {"bg": "Страница", "en": "Page"}[locale]
    for n, page in enumerate(pages, 1):
        assert f"{page_word} {n}/{len(pages)}" in page.extract_text()  # the total filled in on every page
    key = {"bg": "Контролен", "en": "Control"}[locale]
    cells = column_text(data, header, key)
    assert len(cells) == len(texts)
    for cell, text in zip(cells, texts, strict=True):
        assert same_text(cell, text), (cell[:200], text[:200])  # nothing left out, nothing added


async def test_persian_descriptions_wrap_inside_their_cells(hgp_config, tmp_path) -> None:  # type: ignore[no-untyped-def]
    texts = [FA, HOSTILE, "داشبورد کند است"]
    p = await _protocol(hgp_config, f"sqlite:///{tmp_path / 'd.db'}", "hgp", "sara", "normal", "crm",
                        "Asia/Tehran", texts)
    data = reports.render(p, "pdf")
    assert assert_no_word_crosses_a_cell(data) > 100
    # Shaping joins letters (lam-alef is one glyph), so count glyphs rather than compare text.
    glyphs = sum(len(c["text"].strip()) for page in _pages(data) for c in page.chars)
    assert glyphs >= 0.9 * len(_words(FA))


async def test_the_month_in_persian_reads_as_written(hgp_config, tmp_path) -> None:  # type: ignore[no-untyped-def]
    p = await _protocol(hgp_config, f"sqlite:///{tmp_path / 'd.db'}", "hgp", "sara", "normal", "crm",
                        "Asia/Tehran", ["داشبورد کند است"])
    first = next(_pages(reports.render(p, "pdf")))
    title = max(first.chars, key=lambda c: c["size"])  # the protocol's title, the largest text
    line = sorted((c for c in first.chars if abs(c["top"] - title["top"]) < 2), key=lambda c: c["x0"])
    assert "".join(c["text"] for c in line if c["text"] in "0123456789-") == "2026-11"


def test_the_fast_line_breaking_fits_the_cell_and_keeps_every_character() -> None:
    doc = PdfBase("bg")
    doc.add_page()
    doc.set_font(FONT, "", 7)
    f = face(doc, doc.faces)
    assert f is not None
    room = 30 * doc.k * 1000 / doc.font_size_pt  # a cell 30 mm wide, in the font's 1/1000 em
    for text in (BG, EN, HOSTILE, ONE_WORD, MANY_LINES, MIXED, "a  b   c", ""):
        lines = wrap(f, text, room)
        assert all(f.width(line) <= room for line in lines), text[:50]
        assert _words("".join(lines)) == _words(text)  # only the spaces at the breaks go
        assert len(lines) >= text.count("\n") + 1  # every line feed kept
    assert wrap(f, "Ж" * 10, f.width("Ж") / 2) == ["Ж"] * 10  # a letter wider than the cell: one a line



_REGISTER = ["Контролен номер", "Категория", "Компонент", "Описание", "Първо уведомяване", "Реакция", "Пристигане",
             "Решаване", "Решен", "Потвърден"]


def test_a_register_whose_texts_fit_gives_each_column_what_it_needs() -> None:
    doc = PdfBase("bg")
    doc.add_page()
    rows: list[list[Cell]] = [[f"NOI-2026-{n:07d}", "спешен", "CUCM", f"Bench incident {n}: calls fail",
                               "2026-11-21 16:12", "43 мин ✗ −13 мин", "1 ч 13 мин ✗ −13 мин", "5 ч 29 мин ✗ −1 ч 29 мин",
                               "2026-11-21 21:42", "2026-11-21 21:47"] for n in range(200)]
    widths = register_widths(doc, _REGISTER, rows, 3)
    assert sum(widths) == pytest.approx(doc.width)
    doc.set_font(FONT, "", 7)
    f = face(doc, doc.faces)
    assert f is not None
    for i, w in enumerate(widths):  # every row one line: the clock cell with hours no longer wraps
        assert wrap(f, str(rows[0][i]), (w - 2 * doc.c_margin) * doc.k * 1000 / doc.font_size_pt) == [rows[0][i]]


def test_a_register_with_long_descriptions_keeps_the_description_its_room() -> None:
    doc = PdfBase("bg")
    doc.add_page()
    rows: list[list[Cell]] = [["NOI-2026-0000001", "неотложен", "UCCX", BG, "2026-11-21 16:12", "43 мин ✗ −13 мин",
                               "1 ч 13 мин ✗ −13 мин", "5 ч 29 мин ✗ −1 ч 29 мин", "2026-11-21 21:42", "2026-11-21 21:47"]]
    widths = register_widths(doc, _REGISTER, rows, 3)
    assert sum(widths) == pytest.approx(doc.width)
    assert widths[3] == max(widths) and widths[3] > 40  # not squeezed to the clocks' width
