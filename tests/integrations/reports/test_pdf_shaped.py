"""The shaped fast path (integrations/reports/pdf_shaped.py) draws a line where fpdf2's ``cell()`` with
text shaping draws it, glyph for glyph, and breaks lines where ``multi_cell`` breaks them: Persian,
Persian with Latin words and digits, a Persian word in a Bulgarian cell, combining marks, ligatures, and
hostile text (``<!channel>``, ``&<>``, ``=HYPERLINK(...)``, right-to-left marks and overrides)."""

from __future__ import annotations

import io
import random
import sys
import unicodedata
from collections import Counter

import pdfplumber
import pytest
from fpdf.bidi import BidiParagraph
from fpdf.enums import MethodReturnValue, TextDirection

from integrations.reports.pdf import FONT, LINE_H, PdfBase, _shaping, cell_text
from integrations.reports.pdf_shaped import NEEDS_BIDI, ShapedRowWriter, bidi_fragments, shaper
from tests.integrations.reports.test_pdf_cells import BG, FA, HOSTILE, MANY_LINES, MIXED, _words

LINES = [
    "سامانه CRM از کار افتاده و کاربران نمی‌توانند وارد شوند",
    "داشبورد کند است",
    "صورتجلسهٔ ماهانهٔ خدمات پشتیبانی",  # a combining hamza: a fragment of its own in fpdf2
    "لا إله ﻻ ﷲ",  # lam-alef ligature, presentation forms
    "۱۴۰۵/۰۸/۱۰ ۰۱:۱۱",  # Persian digits: no bidi, no joining
    "۱ ساعت و ۱۱ دقیقه ✓ +۲ ساعت و ۴۸ دقیقه",
    "HGP-2026-0000001",
    "AVAST Type WAVE fi fl A V T o",  # kerning and (maybe) ligatures: shaped even when left to right
    "سامانه A V کند Type است ۱۲ T. 14",  # words shaped one at a time: nothing crosses a space
    "<!channel> &<> & &amp; =HYPERLINK(\"http://x\") (a) \\ b",
    "\u200fپیام راست‌به‌چپ\u200e then left to right",
    "\u202eمتن وارونه RLO\u202c و \u2067isolated ۴۵\u2069 end",
    "Грешка: سامانه CRM از کار افتاده — потребителите не могат да влязат",
    "Microsoft Dynamics CRM",
    "سامانه (Reporting Services) ۱۲ و 14 کاربر",
    "",
]


def _chars(data: bytes) -> list[tuple[str, float, float]]:
    """Each glyph drawn: its text, where it starts and its top (pt), in order of line, text and place."""
    with pdfplumber.open(io.BytesIO(data)) as pdf:
        chars = [(str(c["text"]), float(c["x0"]), float(c["top"])) for p in pdf.pages for c in p.chars]
    return sorted(chars, key=lambda c: (round(c[2]), c[0], c[1]))


def _same_places(slow: list[tuple[str, float, float]], fast: list[tuple[str, float, float]]) -> float:
    """The largest distance between a glyph's place in ``slow`` and in ``fast`` (the same glyphs)."""
    assert Counter((t, round(y)) for t, _x, y in fast) == Counter((t, round(y)) for t, _x, y in slow)
    return max((max(abs(a[1] - b[1]), abs(a[2] - b[2])) for a, b in zip(slow, fast, strict=True)), default=0.0)


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
    assert len(slow) > 300
    # fpdf2 writes each glyph's place rounded to 1/100 pt; the fast path moves from glyph to glyph to
    # 1/10,000 pt: the places differ by less than 1/100 pt (1/72 of a pixel at 100 dpi)
    assert _same_places(slow, fast) < 0.011


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


def test_the_bidi_rules_give_fpdf2s_fragments() -> None:
    """pdf_shaped's port of fpdf2's bidi rules (text without explicit embeddings) against fpdf2's own, on
    random strings of Persian and Latin letters, both kinds of digits, separators, terminators,
    brackets, marks, joiners and spaces, in both paragraph directions."""
    alphabet = list("سامانهCRMabc ۱۲۳۴0123.,:/-+%#()[]{}،؛٫٬«»—!?\"'ـ\u200c\u200d\u064b\u0654\u0301\u200e\u200f٠١٢$€°×")
    alphabet += ["\u00a0", "ب", "ی", "لا"]
    rnd = random.Random(21)
    for _ in range(4000):
        text = "".join(rnd.choice(alphabet) for _ in range(rnd.randint(1, 16)))
        for paragraph in (TextDirection.RTL, TextDirection.LTR):
            want = list(BidiParagraph(text=text, base_direction=paragraph, preserve_bn_chars=True).get_bidi_fragments())
            assert bidi_fragments(text, paragraph) == want, (text, paragraph)
    assert bidi_fragments("a\u202eb", TextDirection.LTR) is None  # an override: left to fpdf2


def test_a_long_text_is_measured_without_keeping_its_run() -> None:
    """Whether a cell's text fits on one line is measured without writing its run: a month of 4,000-
    character descriptions would otherwise keep megabytes of operators per text in the cache."""
    doc = PdfBase("fa")
    doc.add_page()
    doc.set_font(FONT, "", 7)
    s = shaper(doc, doc.shapers)
    assert s is not None
    lines = s.lines(FA, 80.0)
    assert len(lines) > 10 and FA not in s.runs
    assert s.run_width("داشبورد کند است") == s.run("داشبورد کند است").width
