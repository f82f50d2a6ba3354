"""A service or maintenance protocol (commands/reports/documents.py) as a PDF both sides sign.

A4 portrait, on the monthly protocol's machinery (integrations/reports/pdf.py): the same fonts, Persian
shaped and laid out right to left, every cell's text measured and wrapped inside its cell, a table's
header repeated after a page break, and signature blocks for both sides.
"""

from __future__ import annotations

from fpdf.enums import XPos, YPos

from commands.reports.documents import Document, Section
from integrations.reports.pdf import FONT, PAGES_TOTAL, PdfBase, _row, _rows


class _ProtocolDoc(PdfBase):
    def __init__(self, d: Document) -> None:
        super().__init__(d.locale, orientation="P")
        self.document = d
        self.set_title(d.title)
        if d.author:
            self.set_author(d.author)

    def header(self) -> None:
        self.set_font(FONT, "", 7)
        self.set_text_color(90)
        self.cell(0, 4, self.document.running, align=self.start, new_x=XPos.LMARGIN, new_y=YPos.NEXT)
        self.set_text_color(0)
        self.ln(1)

    def footer(self) -> None:
        self.set_y(-10)
        self.set_font(FONT, "", 7)
        self.set_text_color(90)
        self.cell(0, 4, self.document.labels["page"].format(page=self.page_no(), pages=PAGES_TOTAL), align="C")
        self.set_text_color(0)


def _widths(doc: _ProtocolDoc, s: Section, columns: int) -> list[float]:
    weights = list(s.weights) if len(s.weights) == columns else ([1.0, 3.0] if not s.headers else [1.0] * columns)
    total = sum(weights)
    return [doc.width * w / total for w in weights]


def _section(doc: _ProtocolDoc, s: Section) -> None:
    if doc.will_page_break(20):
        doc.add_page()
    doc.set_font(FONT, "B", 10)
    doc.multi_cell(0, 6, s.title, align=doc.start, new_x=XPos.LMARGIN, new_y=YPos.NEXT)
    if not s.rows:
        doc.set_font(FONT, "", 8.5)
        doc.cell(0, 5, s.empty, align=doc.start, new_x=XPos.LMARGIN, new_y=YPos.NEXT)
        doc.ln(2)
        return
    columns = len(s.headers) if s.headers else 2
    widths = _widths(doc, s, columns)
    if s.headers:
        _rows(doc, list(s.headers), (list(r) for r in s.rows), widths, 8)
    else:  # label and value: no header row; the labels bold would cost a font switch per row
        for r in s.rows:
            _row(doc, list(r), widths, 8.5)
    doc.ln(3)


def _signatures(doc: _ProtocolDoc) -> None:
    d = doc.document
    if doc.will_page_break(62):
        doc.add_page()
    doc.ln(4)
    doc.set_font(FONT, "B", 10)
    doc.cell(0, 7, d.signatures, align=doc.start, new_x=XPos.LMARGIN, new_y=YPos.NEXT)
    half = doc.width / max(len(d.sides), 1)
    top = doc.get_y()
    for i, side in enumerate(d.sides):
        k = len(d.sides) - 1 - i if doc.rtl else i  # the contractor on the reading side's start
        x = doc.l_margin + k * half
        doc.set_xy(x, top)
        doc.set_font(FONT, "B", 9)
        doc.multi_cell(half - 6, 5, side.role, align=doc.start, new_x=XPos.LEFT, new_y=YPos.NEXT)
        doc.set_font(FONT, "", 9)
        doc.multi_cell(half - 6, 5, side.party, align=doc.start, new_x=XPos.LEFT, new_y=YPos.NEXT)
        doc.multi_cell(half - 6, 5, d.labels["name"].format(name=side.name), align=doc.start,
                       new_x=XPos.LEFT, new_y=YPos.NEXT)
        doc.multi_cell(half - 6, 5, d.labels["title"].format(title=side.title), align=doc.start,
                       new_x=XPos.LEFT, new_y=YPos.NEXT)
        doc.ln(5)
        for label in (d.labels["signature"], d.labels["date"]):
            doc.set_x(x)
            y = doc.get_y() + 7
            if doc.rtl:
                doc.cell(half - 6, 8, label, align="R")
                doc.line(x + 4, y, x + half - 31, y)
            else:
                doc.cell(25, 8, label)
                doc.line(x + 25, y, x + half - 10, y)
            doc.set_xy(x, y + 3)
        if d.place:
            doc.set_x(x)
            doc.cell(half - 6, 6, d.labels["place"].format(place=d.place), align=doc.start)


def render_document(d: Document) -> bytes:
    doc = _ProtocolDoc(d)
    doc.add_page()
    doc.set_font(FONT, "B", 14)
    doc.multi_cell(0, 8, d.title, align=doc.start, new_x=XPos.LMARGIN, new_y=YPos.NEXT)
    doc.set_font(FONT, "", 9)
    for line in d.subtitle:
        doc.multi_cell(0, 5, line, align=doc.start, new_x=XPos.LMARGIN, new_y=YPos.NEXT)
    doc.ln(3)
    for s in d.sections:
        _section(doc, s)
    _signatures(doc)
    return bytes(doc.output())
