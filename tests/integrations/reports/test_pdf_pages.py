"""Finished pages are compressed at once (integrations/reports/pdf_pages.py), and the file still shows
every page's text and its footer, drawn into a stream of its own at the end; the side tables
(service protocols, maintenance, backups, health) have columns as wide as their texts need."""

from __future__ import annotations

import io
import re
import zlib

import pdfplumber
import pytest

from integrations.reports.pdf import FONT, PdfBase, cell_text, fitted_widths
from integrations.reports.pdf_fast import Grid, face, put_text, text_operators
from integrations.reports.pdf_pages import SealedOutput, SealedPages
from integrations.reports.tables import Cell, Table


class _Doc(PdfBase):
    """A document that seals each page when the next one starts, as the monthly protocol does."""

    def __init__(self) -> None:
        super().__init__("bg")
        self.alias_nb_pages("")  # no page-total alias: the footers are drawn at the end
        self.sealing = SealedPages(self)

    def header(self) -> None:
        self.sealing.seal_up_to(self.page - 1)


def _write(doc: _Doc, pages: int) -> None:
    doc.set_font(FONT, "", 9)
    f = face(doc, doc.faces)
    assert f is not None
    for n in range(1, pages + 1):
        doc.add_page()
        put_text(doc, f, 20, 30, f"Тяло на страница {n} & <!channel>", 0)


def test_a_page_is_compressed_when_the_next_one_starts() -> None:
    doc = _Doc()
    _write(doc, 3)
    assert sorted(doc.sealing.sealed) == [1, 2]  # the page being written is the only one in the clear
    assert not doc.pages[1].contents and not doc.pages[2].contents
    assert doc.pages[3].contents
    assert b"Tj" in zlib.decompress(doc.sealing.sealed[1])


def test_each_page_shows_its_text_and_the_footer_drawn_at_the_end() -> None:
    doc = _Doc()
    _write(doc, 4)
    doc.set_font(FONT, "", 7)
    f = face(doc, doc.faces)
    assert f is not None
    for n in range(1, doc.page + 1):
        doc.sealing.footer(n, text_operators(doc, f, 100, 200, f"Страница {n}/{doc.page}", 90, n))
    data = bytes(doc.output(output_producer_class=SealedOutput))
    with pdfplumber.open(io.BytesIO(data)) as pdf:
        texts = [page.extract_text() for page in pdf.pages]
    assert len(texts) == 4
    for n, text in enumerate(texts, 1):
        assert f"Тяло на страница {n} & <!channel>" in text
        assert f"Страница {n}/4" in text


def test_writing_into_a_sealed_page_is_refused_at_output() -> None:
    doc = _Doc()
    _write(doc, 2)
    doc.page = 1  # as a footer drawn the old way would: into the finished page
    doc.set_font(FONT, "", 7)
    doc.cell(0, 4, "late text")
    doc.page = 2
    with pytest.raises(RuntimeError, match="page 1 was written to after it was sealed"):
        doc.output(output_producer_class=SealedOutput)


def _need(doc: PdfBase, text: str) -> float:
    f = face(doc, doc.faces)
    assert f is not None
    return f.width(text) * doc.font_size_pt / 1000 / doc.k + 2 * doc.c_margin


def test_a_side_table_gives_each_column_the_room_its_texts_need() -> None:
    doc = PdfBase("bg")
    doc.add_page()
    rows: list[list[Cell]] = [[f"NOI-2026-{n:07d}", "спешен", "CUCM", "2026-11-02 17:58", "2026-11-02 18:03",
                               f"service-protocol-NOI-2026-{n:07d}.pdf"] for n in range(300)]
    table = Table("service_protocols", "Сервизни протоколи", ["Контролен номер", "Категория", "Компонент", "Решен",
                                                              "Потвърден", "Протокол"], rows)
    widths = fitted_widths(doc, table, doc.width)
    assert sum(widths) == pytest.approx(doc.width)
    doc.set_font(FONT, "", 7.5)
    for i, w in enumerate(widths):  # every file name and date on one line (equal columns broke the name in two)
        assert all(_need(doc, str(r[i])) <= w for r in rows), (i, w)


def test_when_texts_need_more_than_the_page_the_narrow_columns_keep_their_width() -> None:
    doc = PdfBase("bg")
    doc.add_page()
    long = "дълъг текст " * 60
    table = Table("health", "Здраве", ["Кога", "Компонент", "Причина", "Бележка"],
                  [["2026-11-02 17:58", "CUCM", long, long]])
    widths = fitted_widths(doc, table, doc.width)
    assert sum(widths) == pytest.approx(doc.width)
    doc.set_font(FONT, "", 7.5)
    assert widths[0] >= _need(doc, "2026-11-02 17:58") and widths[1] >= _need(doc, "CUCM")
    assert widths[2] == pytest.approx(widths[3]) and widths[2] > 100  # the long texts share the rest


def test_a_row_of_one_line_is_drawn_as_the_general_way_draws_it() -> None:
    doc = PdfBase("bg")
    doc.add_page()
    doc.set_font(FONT, "", 7)
    f = face(doc, doc.faces)
    assert f is not None
    grid = Grid(doc, f, [30, 40, 50], 3.2, 1.8, False, cell_text, re.compile(r"[\u0590-\u08ff]"))
    values: list[Cell] = ["NOI-2026-0000001", " <!channel> &<> (скоби) \\ ", None]
    codes = grid.one_line(values)
    cols = grid.cells(values)
    assert codes is not None and cols is not None
    content = doc.pages[1].contents
    assert isinstance(content, bytearray)
    mark = len(content)
    grid.draw_line(codes, 50)
    fast = bytes(content[mark:])
    grid.draw(cols, 50, 0, 1)
    assert fast == bytes(content[mark + len(fast):])
    # what is not plain text on one line goes the general way
    assert grid.one_line(["a\nb", "x", "y"]) is None
    assert grid.one_line(["Ж" * 60, "x", "y"]) is None
    assert grid.one_line([12, "x", "y"]) is None  # a number: right aligned
    assert grid.one_line(["سلام", "x", "y"]) is None  # to shape
