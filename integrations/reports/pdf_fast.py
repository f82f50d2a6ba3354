"""Table rows drawn straight into the page's content stream: the register's fast path.

fpdf2's ``cell()`` costs some 80 µs a cell (text fragments, a line object, font bookkeeping) and its
``multi_cell`` dry run about a millisecond, and a busy month's protocol has a million cells. A row of a
table is regular: bordered cells, lines of one font, left or right aligned. So text is measured with the
font's own advance widths (the sum fpdf2 computes), broken into lines here, and a row is written as one
string of PDF operators inside ``q … Q``, so fpdf2's idea of the page's colours and font stays true.
Glyphs enter the font's subset the way fpdf2 takes them (``subset.pick``). Text that needs shaping
(right to left) is not drawn here: ``face()`` is None while shaping is on, and ``Grid.cells`` says so.
"""

from __future__ import annotations

import re
from bisect import bisect_right
from collections.abc import Callable, Sequence
from itertools import accumulate
from typing import Any

from fpdf import FPDF
from fpdf.enums import PDFResourceType
from fpdf.fonts import TTFFont
from fpdf.util import escape_parens


class _Units(dict[str, int]):
    """Advance widths in 1/1000 em, per character, looked up in the font when first asked."""

    def __init__(self, font: TTFFont) -> None:
        super().__init__()
        self.font = font

    def __missing__(self, c: str) -> int:
        w = self[c] = int(self.font.cw[ord(c)])
        return w


class _Codes(dict[int, str]):
    """A character's code in the font's subset as PDF string bytes (for ``str.translate``); a character
    the font lacks becomes nothing, as fpdf2 draws it (it lists it in ``font.missing_glyphs``)."""

    def __init__(self, font: TTFFont) -> None:
        super().__init__()
        self.font = font

    def __missing__(self, c: int) -> str:
        cid = self.font.subset.pick(c)
        code = self[c] = "" if cid is None else escape_parens(chr(cid).encode("utf-16-be").decode("latin-1"))
        return code


class Face:
    """A TTF font's widths and subset codes, per character."""

    def __init__(self, font: TTFFont) -> None:
        self.font = font
        self.units = _Units(font)
        self.codes = _Codes(font)
        self.encoded: dict[str, str] = {}

    def width(self, text: str) -> int:
        """The advance of ``text`` in 1/1000 em (times the size in pt / 1000 gives points)."""
        return sum(map(self.units.__getitem__, text))

    def encode(self, text: str) -> str:
        code = self.encoded.get(text)
        if code is None:  # categories, components, durations and times repeat from row to row
            if len(self.encoded) > 20000:
                self.encoded.clear()
            code = self.encoded[text] = text.translate(self.codes)
        return code


def face(doc: FPDF, faces: dict[str, Face]) -> Face | None:
    """The current font's face, or None when the fast path cannot draw it like ``cell()`` would
    (a core font, character spacing or stretching, underline, text shaping)."""
    font = doc.current_font
    if (not isinstance(font, TTFFont) or doc.text_shaping or doc.char_spacing or doc.font_stretching != 100
            or doc.underline or font.is_symbol):
        return None
    f = faces.get(font.fontkey)
    if f is None:
        f = faces[font.fontkey] = Face(font)
    return f


def wrap(f: Face, text: str, room: float) -> list[str]:
    """``text`` in lines no wider than ``room`` (in 1/1000 em): broken at spaces (the space at a break is
    dropped, as multi_cell does), line feeds kept, a word wider than a line broken between letters."""
    out: list[str] = []
    width = f.width
    space = width(" ")
    for para in text.split("\n"):
        if width(para) <= room:
            out.append(para)
            continue
        line: str | None = None
        used = 0
        for word in para.split(" "):
            w = width(word)
            if line is not None:
                if used + space + w <= room:
                    line += " " + word
                    used += space + w
                    continue
                out.append(line)
            while w > room and len(word) > 1:  # a word wider than the cell: as many letters as fit, at least one
                take = max(1, bisect_right(list(accumulate(map(f.units.__getitem__, word))), room))
                out.append(word[:take])
                word = word[take:]
                w = width(word)
            line, used = word, w
        if line is not None:
            out.append(line)
    return out or [""]


def put_text(doc: FPDF, f: Face, x: float, baseline: float, text: str, gray: int) -> None:
    """One line of text in the current font at ``x`` mm, its baseline ``baseline`` mm from the top."""
    doc._out(text_operators(doc, f, x, baseline, text, gray, doc.page))


def text_operators(doc: FPDF, f: Face, x: float, baseline: float, text: str, gray: int, page: int) -> str:
    """The operators of ``put_text``, for a stream of the page ``page`` (whose fonts it lists)."""
    k = doc.k
    doc._resource_catalog.add(PDFResourceType.FONT, f.font.i, page)  # the page's fonts, as cell() adds
    return (f"q {gray / 255:.3f} g BT /F{f.font.i} {doc.font_size_pt:.2f} Tf 1 0 0 1 {x * k:.2f} "
            f"{(doc.h - baseline) * k:.2f} Tm ({f.encode(text)}) Tj ET Q")


_UNKNOWN = "\0unknown"  # not a text's glyph codes: those never hold a NUL (cell texts have no controls)
Column = tuple[list[str], str, bool]  # a cell's lines, its alignment (L or R), whether it is shaped


class Grid:
    """The columns of one table in one font and size: the cells' lines (``cells``) and the drawing of a
    row's lines (``draw``), with the borders' and left-aligned texts' coordinates worked out once."""

    def __init__(self, doc: FPDF, f: Face, widths: Sequence[float], line_h: float, pad: float, rtl: bool,
                 text_of: Callable[[Any], str], shaped: re.Pattern[str]) -> None:
        self.doc, self.face, self.line_h, self.pad = doc, f, line_h, pad
        self.text_of, self.shaped = text_of, shaped
        k = self.k = doc.k
        self.size_pt = doc.font_size_pt
        self.font_tf = f"/F{f.font.i} {self.size_pt:.2f} Tf"
        self.lead = 0.3 * doc.font_size  # from a line's middle to its baseline, as cell() places it
        self.c_margin = doc.c_margin
        scale = k * 1000 / self.size_pt  # mm to 1/1000 em
        self.rooms = [(w - 2 * doc.c_margin) * scale for w in widths]
        self.widths = list(widths)
        xs: list[float] = []
        x = doc.l_margin + (sum(widths) if rtl else 0)
        for w in widths:  # the first column on the right in a right-to-left document
            if rtl:
                x -= w
            xs.append(x)
            if not rtl:
                x += w
        self.xs = xs
        self.tm = [f" 1 0 0 1 {(x + doc.c_margin) * k:.2f}" for x in xs]  # a left-aligned line's start
        self.index = range(len(widths))
        # A row is drawn with its top as the origin ("1 0 0 1 0 top cm"), so its borders and the places of
        # its lines are the same strings from row to row: made once per height and per line.
        self.frames: dict[int, str] = {}  # a row of n lines: every cell's border
        self.baselines: list[str] = []  # line n's baseline below the row's top, in points
        self.starts: list[list[str]] = []  # line n: each column's left-aligned text matrix up to "("
        self.wrapped: dict[tuple[str, int], list[str]] = {}
        self.page = 0
        self.color: tuple[object, str] = (None, "")  # the text colour and its operator
        # per column: a cell value → its glyph codes when it is plain text that fits on one line, or
        # _WRAPS (the row goes the general way: cells(), draw()); most rows of a register are one line
        self.one_liners: list[dict[str, str | None]] = [{} for _ in widths]

    def cells(self, values: Sequence[object]) -> list[Column] | None:
        """Each cell's lines and alignment, or None when a cell holds text to shape."""
        out: list[Column] = []
        texts: list[str] = []
        unit = self.face.units.__getitem__
        text_of = self.text_of
        for v, room, i in zip(values, self.rooms, self.index, strict=True):
            right = False
            if isinstance(v, str) and v.isprintable():
                text = v.strip()  # no control character, no line feed: what text_of returns
            else:
                text = text_of(v)
                right = isinstance(v, int | float)
            texts.append(text)
            if "\n" in text or sum(map(unit, text)) > room:
                lines = self.wrapped.get((text, i))
                if lines is None:
                    if len(self.wrapped) > 5000:
                        self.wrapped.clear()
                    lines = self.wrapped[(text, i)] = wrap(self.face, text, room)
            else:
                lines = [text]
            out.append((lines, "R" if right else "L", False))
        if self.shaped.search("\n".join(texts)):
            return None
        return out

    def _frame(self, count: int) -> str:
        frame = self.frames.get(count)
        if frame is None:
            k, h = self.k, count * self.line_h + self.pad
            frame = self.frames[count] = " ".join(f"{x * k:.2f} 0 {w * k:.2f} {-h * k:.2f} re S"
                                                  for x, w in zip(self.xs, self.widths, strict=True))
        return frame

    def _starts(self, line: int) -> list[str]:
        while len(self.starts) <= line:
            n = len(self.starts)
            below = f"{-(self.pad / 2 + self.line_h / 2 + self.lead + n * self.line_h) * self.k:.2f}"
            self.baselines.append(below)
            self.starts.append([f"{tm} {below} Tm (" for tm in self.tm])  # where cell() puts a line's baseline
        return self.starts[line]

    def one_line(self, values: Sequence[object]) -> list[str] | None:
        """Each cell's glyph codes when every cell is plain text that fits on one line (left aligned, none
        to shape), else None. Worked out once per text and column: categories, clock cells and minutes
        repeat from row to row."""
        out: list[str] = []
        for v, known, room in zip(values, self.one_liners, self.rooms, strict=True):
            if v is None:
                out.append("")
                continue
            if v.__class__ is not str:
                return None  # a number: right aligned
            assert isinstance(v, str)
            code = known.get(v, _UNKNOWN)
            if code is _UNKNOWN:
                text = self.text_of(v)
                fits = "\n" not in text and not self.shaped.search(text) and self.face.width(text) <= room
                if len(known) > 20000:
                    known.clear()
                code = known[v] = text.translate(self.face.codes) if fits else None
            if code is None:
                return None
            out.append(code)
        return out

    def draw_line(self, codes: Sequence[str], y: float) -> None:
        """A row of one line from ``y`` mm: its cells' glyph codes (``one_line``), each cell bordered."""
        parts = self._begin(y, 1)
        starts = self._starts(0)
        for start, code in zip(starts, codes, strict=True):
            if code:
                parts += (start, code, ") Tj")
        parts.append(" ET Q")
        self.doc._out("".join(parts))

    def _begin(self, y: float, count: int) -> list[str]:
        """A row's operators up to its first line of text: the origin at its top, its borders, the text's
        colour and font (the page's font resource listed, as cell() does)."""
        doc = self.doc
        if doc.page != self.page:
            doc._resource_catalog.add(PDFResourceType.FONT, self.face.font.i, doc.page)
            self.page = doc.page
        if self.color[0] is not doc.text_color:
            self.color = (doc.text_color, doc.text_color.serialize().lower() if doc.text_color is not None else "")
        return [f"q 1 0 0 1 0 {(doc.h - y) * self.k:.2f} cm ", self._frame(count), " ", self.color[1], " BT ",
                self.font_tf]

    def draw(self, cols: Sequence[Column], y: float, first: int, count: int) -> None:
        """Lines ``first`` to ``first + count`` of the row's cells from ``y`` mm, each cell bordered."""
        k, f = self.k, self.face
        parts = self._begin(y, count)
        add = parts.append
        encode = f.encode
        for j in range(count):
            i = first + j
            starts = self._starts(j)
            for c, col in enumerate(cols):
                lines = col[0]
                if i >= len(lines) or not lines[i]:
                    continue
                line = lines[i]
                if col[1] == "R":
                    x = self.xs[c] + self.widths[c] - self.c_margin - f.width(line) * self.size_pt / 1000 / k
                    add(f" 1 0 0 1 {x * k:.2f} {self.baselines[j]} Tm (")
                else:
                    add(starts[c])
                add(encode(line))
                add(") Tj")
        add(" ET Q")
        self.doc._out("".join(parts))


class RowParts:
    """A row's borders and text lines, collected and then written to the page in one piece (a header row:
    filled grey) in one font; ``RowWriter`` and pdf_shaped's ``ShapedRowWriter`` add the lines."""

    def __init__(self, doc: FPDF, font: TTFFont, size_pt: float, fill_gray: float | None) -> None:
        self.doc = doc
        self.font = font
        self.k = doc.k
        self.size_pt = size_pt
        self.rects: list[str] = []
        self.texts: list[str] = []
        self.fill_gray = fill_gray

    def rect(self, x: float, y: float, w: float, h: float) -> None:
        k, top = self.k, self.doc.h - y
        self.rects.append(f"{x * k:.2f} {top * k:.2f} {w * k:.2f} {-h * k:.2f} re")

    def flush(self) -> None:
        doc = self.doc
        parts = ["q"]
        if self.rects:
            if self.fill_gray is not None:
                parts.append(f"{self.fill_gray:.3f} g")
                parts.extend(r + " B" for r in self.rects)
            else:
                parts.extend(r + " S" for r in self.rects)
        if self.texts:
            font = self.font
            doc._resource_catalog.add(PDFResourceType.FONT, font.i, doc.page)  # the page's fonts, as cell() adds
            if doc.text_color is not None:
                parts.append(doc.text_color.serialize().lower())
            parts.append(f"BT /F{font.i} {self.size_pt:.2f} Tf")
            parts.extend(self.texts)
            parts.append("ET")
        parts.append("Q")
        doc._out(" ".join(parts))  # fpdf2's own way to add to the current page's content


class RowWriter(RowParts):
    """A row of plain text in the current font (whatever it is: a header row is bold)."""

    def __init__(self, doc: FPDF, f: Face, fill_gray: float | None) -> None:
        super().__init__(doc, f.font, doc.font_size_pt, fill_gray)
        self.face = f

    def line(self, x: float, w: float, baseline: float, text: str, right: bool) -> None:
        """One line of text in a cell from ``x`` ``w`` mm wide, its baseline at ``baseline`` mm from the
        top: left aligned after the cell margin, or right aligned before it."""
        if not text:
            return
        doc, k = self.doc, self.k
        if right:
            x += w - doc.c_margin - self.face.width(text) * self.size_pt / 1000 / k
        else:
            x += doc.c_margin
        self.texts.append(f"1 0 0 1 {x * k:.2f} {(doc.h - baseline) * k:.2f} Tm ({self.face.encode(text)}) Tj")
