"""The shaped fast path (integrations/reports/pdf_shaped.py) draws a line where fpdf2's ``cell()`` with
text shaping draws it, glyph for glyph, and breaks lines where ``multi_cell`` breaks them: Persian,
Persian with Latin words and digits, a Persian word in a Bulgarian cell, combining marks, ligatures, and
hostile text (``<!channel>``, ``&<>``, ``=HYPERLINK(...)``, right-to-left marks and overrides)."""

from __future__ import annotations

import io
import sys
import unicodedata
from collections import Counter

import pdfplumber
import pytest
from fpdf.enums import MethodReturnValue

from integrations.reports.pdf import FONT, LINE_H, PdfBase, _shaping, cell_text
from integrations.reports.pdf_shaped import NEEDS_BIDI, ShapedRowWriter, shaper
from tests.integrations.reports.test_pdf_cells import BG, FA, HOSTILE, MANY_LINES, MIXED, _words

LINES = [
    "سامانه CRM از کار افتاده و کاربران نمی‌توانند وارد شوند",
    "داشبورد کند است",
    "صورتجلسهٔ ماهانهٔ خدمات پشتیبانی",  # a combining hamza: a fragment of its own in fpdf2
    "لا إله ﻻ ﷲ",  # lam-alef ligature, presentation forms
    "۱۴۰۵/۰۸/۱۰ ۰۱:۱۱",  # Persian digits: no bidi, no joining
    "۱ ساعت و ۱۱ دقیقه ✓ +۲ ساعت و ۴۸ دقیقه",
    "HGP-2026-0000001",
    "AVAST Type WAVE fi fl",  # kerning and (maybe) ligatures: shaped even when left to right
    "<!channel> &<> & &amp; =HYPERLINK(\"http://x\") (a) \\ b",
    "\u200fپیام راست‌به‌چپ\u200e then left to right",
    "\u202eمتن وارونه RLO\u202c و \u2067isolated ۴۵\u2069 end",
    "Грешка: سامانه CRM از کار افتاده — потребителите не могат да влязат",
    "Microsoft Dynamics CRM",
    "سامانه (Reporting Services) ۱۲ و 14 کاربر",
    "",
]


def _chars(data: bytes) -> Counter[tuple[str, float, float]]:
    with pdfplumber.open(io.BytesIO(data)) as pdf:
        return Counter((c["text"], round(c["x0"], 2), round(c["top"], 2)) for p in pdf.pages for c in p.chars)


def _draw(locale: str, texts: list[str], fast: bool, align: str) -> bytes:
    """Each text on a line of its own in a cell 180 mm wide: by ``cell()`` or by the shaped path."""
    doc = PdfBase(locale)
    doc.add_page()
    doc.set_font(FONT, "", 7)
    for i, text in enumerate(texts):
        y = 20 + i * 6
        with _shaping(doc, locale != "fa"):  # a Latin document shapes its right-to-left cells only
            if fast:
                s = shaper(doc, doc.shapers)
                assert s is not None
                w = ShapedRowWriter(doc, s, None)
                w.line(10, 180, y + 2.5 + 0.3 * doc.font_size, text, align == "R")
                w.flush()
            else:
                doc.set_xy(10, y)
                doc.cell(180, 5, text, align=align)
    return bytes(doc.output())


@pytest.mark.parametrize(("locale", "align"), [("fa", "R"), ("fa", "L"), ("bg", "L")])
def test_a_shaped_line_is_drawn_where_cell_draws_it(locale: str, align: str) -> None:
    slow = _chars(_draw(locale, LINES, fast=False, align=align))
    fast = _chars(_draw(locale, LINES, fast=True, align=align))
    assert sum(slow.values()) > 300
    assert fast == slow, (list((slow - fast).items())[:5], list((fast - slow).items())[:5])


def test_every_character_that_needs_the_bidi_algorithm_is_found() -> None:
    """Text without these characters is drawn as one left-to-right fragment, skipping fpdf2's bidi."""
    classes = {"R", "AL", "AN", "LRE", "RLE", "LRO", "RLO", "PDF", "LRI", "RLI", "FSI", "PDI"}
    missed = [hex(c) for c in range(sys.maxunicode + 1)
              if unicodedata.bidirectional(chr(c)) in classes and not NEEDS_BIDI.match(chr(c))]
    assert missed == []
    assert NEEDS_BIDI.search("۱۴۰۵/۰۸/۱۰ ۰۱:۱۱ HGP-2026 <!channel>") is None  # Persian digits are EN
    assert NEEDS_BIDI.search("a\u200fb") and NEEDS_BIDI.search("a\u202eb") and NEEDS_BIDI.search("ب")


LONG_FA_WORD = "ب" * 600 + " پایان"
PERSIAN_MIXED = "شروع " + "ژ" * 300 + " پایان\n\nخط  جدید با (پرانتز) و \\ خط مورب و ﷲ و ﻻ"
LATIN_IN_FA = "سامانه Microsoft Dynamics CRM کند است و ۱۲ کاربر (Reporting Services) گزارش دادند"
FA_IN_BG = "Грешка: سامانه CRM از کار افتاده — потребителите не могат да влязат"
FA_MANY_LINES = ("خط\n" * 300).strip()


@pytest.mark.parametrize("locale", ["fa", "bg"])
def test_shaped_text_is_broken_into_lines_as_multi_cell_breaks_it(locale: str) -> None:
    doc = PdfBase(locale)
    doc.add_page()
    doc.set_font(FONT, "", 7)
    texts = [FA, HOSTILE, LONG_FA_WORD, PERSIAN_MIXED, LATIN_IN_FA, FA_IN_BG, FA_MANY_LINES, MIXED, MANY_LINES, BG,
             "<!channel> &<> =HYPERLINK(\"http://x\") \u200fپیام\u200f", "داشبورد کند است", ""]
    for width in (82.5, 31.0, 20.0):
        room = width - 2 * doc.c_margin
        for raw in texts:
            text = cell_text(raw)
            with _shaping(doc, locale != "fa"):
                s = shaper(doc, doc.shapers)
                assert s is not None
                lines = s.lines(text, room)
                if "\n" not in text and doc.get_string_width(text) <= room:
                    expected = [text]
                else:
                    out = doc.multi_cell(width, LINE_H, text, dry_run=True, output=MethodReturnValue.LINES)
                    assert isinstance(out, list)
                    expected = [str(line) for line in out] or [""]
            assert lines == expected, (width, text[:40])
            assert _words("".join(lines)) == _words(text)  # every word shown: only the spaces at breaks go
            assert all(s.run(line).width <= room + 1e-6 or len(line) == 1 for line in lines)
