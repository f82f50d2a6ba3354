"""Finished pages are compressed at once (integrations/reports/pdf_pages.py), and the file still shows
every page's text and its footer, drawn into a stream of its own at the end."""

from __future__ import annotations

import io
import zlib

import pdfplumber
import pytest

from integrations.reports.pdf import FONT, PdfBase
from integrations.reports.pdf_fast import face, put_text, text_operators
from integrations.reports.pdf_pages import SealedOutput, SealedPages


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
