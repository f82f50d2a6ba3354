"""Table rows drawn straight into the page's content stream: the register's fast path.

fpdf2's ``cell()`` costs some 80 µs a cell (text fragments, a line object, font bookkeeping), and the
register of a busy month has half a million cells. A row of the register is regular: bordered cells,
lines of one font, left or right aligned. So a row is measured with a width per character (the font's
own advance widths, the sum fpdf2 computes) and written as one string of PDF operators, inside
``q … Q`` so fpdf2's idea of the page's colours and fonts stays true. Glyphs are taken into the font's
subset the way fpdf2 does (``subset.pick``). Text that needs shaping (right to left) is not drawn here.
"""

from __future__ import annotations

from fpdf import FPDF
from fpdf.enums import PDFResourceType
from fpdf.fonts import TTFFont
from fpdf.util import escape_parens


class Face:
    """A TTF font's advance widths (1/1000 em) and subset codes, per character, memoised."""

    def __init__(self, font: TTFFont) -> None:
        self.font = font
        self.units: dict[str, int] = {}
        self.codes: dict[str, str] = {}

    def width(self, text: str) -> int:
        """The advance of ``text`` in 1/1000 em (times the size in pt / 1000 gives points)."""
        units = self.units
        try:
            return sum(map(units.__getitem__, text))
        except KeyError:
            cw = self.font.cw
            for c in set(text) - units.keys():
                units[c] = int(cw[ord(c)])
            return sum(map(units.__getitem__, text))

    def encode(self, text: str) -> str:
        """``text`` as a PDF string of subset codes; a character the font lacks is left out, as fpdf2
        does (and lists it in ``font.missing_glyphs``)."""
        codes = self.codes
        try:
            return "".join(map(codes.__getitem__, text))
        except KeyError:
            pick = self.font.subset.pick
            for c in set(text) - codes.keys():
                cid = pick(ord(c))
                codes[c] = "" if cid is None else escape_parens(chr(cid).encode("utf-16-be").decode("latin-1"))
            return "".join(map(codes.__getitem__, text))


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
    space = f.width(" ")
    for para in text.split("\n"):
        if f.width(para) <= room:
            out.append(para)
            continue
        line: str | None = None
        used = 0
        for word in para.split(" "):
            w = f.width(word)
            if line is not None:
                if used + space + w <= room:
                    line += " " + word
                    used += space + w
                    continue
                out.append(line)
            while w > room:  # a word wider than the cell: as many letters as fit, at least one
                take, acc = 0, 0
                for c in word:
                    cw = f.width(c)
                    if take and acc + cw > room:
                        break
                    acc += cw
                    take += 1
                out.append(word[:take])
                word = word[take:]
                w = f.width(word)
            line, used = word, w
        if line is not None:
            out.append(line)
    return out or [""]


class RowWriter:
    """Collects a row's borders and text lines, then writes them to the page in one piece."""

    def __init__(self, doc: FPDF, f: Face, fill_gray: float | None) -> None:
        self.doc = doc
        self.face = f
        self.k = doc.k
        self.size_pt = doc.font_size_pt
        self.rects: list[str] = []
        self.texts: list[str] = []
        self.fill_gray = fill_gray

    def rect(self, x: float, y: float, w: float, h: float) -> None:
        k, top = self.k, self.doc.h - y
        self.rects.append(f"{x * k:.2f} {top * k:.2f} {w * k:.2f} {-h * k:.2f} re")

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
            font = self.face.font
            doc._resource_catalog.add(PDFResourceType.FONT, font.i, doc.page)  # the page's font list, as cell() does
            if doc.text_color is not None:
                parts.append(doc.text_color.serialize().lower())
            parts.append(f"BT /F{font.i} {self.size_pt:.2f} Tf")
            parts.extend(self.texts)
            parts.append("ET")
        parts.append("Q")
        doc._out(" ".join(parts))  # fpdf2's own way to add to the current page's content
