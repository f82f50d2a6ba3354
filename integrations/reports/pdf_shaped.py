"""Shaped text (Persian, right to left) drawn straight into the page: the fast path of a shaped document.

With text shaping on, fpdf2's ``cell()`` runs its bidi algorithm, builds fragments and shapes each with
HarfBuzz, some 1.5 ms a cell, and ``multi_cell``'s dry run several milliseconds; a Persian month of 50,000
incidents was 11 minutes. Here a line of text becomes a ``Run`` once: the glyph codes and the positions
fpdf2 would write for it (the same bidi fragments, the same HarfBuzz call, the same subset codes and
``Tm`` moves), relative to the line's start, and its width. Runs are cached per text (categories,
components, durations and headers repeat from row to row) and written at any place by adding the place to
their positions. Text without right-to-left characters or bidi controls is one left-to-right fragment, so
fpdf2's bidi algorithm (pure Python, ~0.3 ms a line) is skipped for it; HarfBuzz still shapes it (kerning).

Line breaking is ``multi_cell``'s: a text whose shaped width fits is one line; otherwise it is broken at
spaces, measured as ``multi_cell`` measures (the line's shaped width and the next character's alone), with
the shaped width of each word cached.
"""

from __future__ import annotations

import re
import unicodedata
from bisect import bisect_left
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import uharfbuzz as hb  # type: ignore[import-untyped]
from fpdf import FPDF
from fpdf.bidi import BidiParagraph, auto_detect_base_direction
from fpdf.enums import PDFResourceType, TextDirection
from fpdf.fonts import TTFFont
from fpdf.unicode_script import UnicodeScript, get_unicode_script
from fpdf.util import escape_parens


def _bidi_chars() -> re.Pattern[str]:
    """Characters that make a text need the bidi algorithm: right-to-left letters (R, AL), Arabic
    numbers (AN) and the explicit marks, embeddings, overrides and isolates. (Persian digits are EN:
    they need none.) The blocks searched are where Unicode puts them; a test checks no other has one."""
    classes = {"R", "AL", "AN", "LRE", "RLE", "LRO", "RLO", "PDF", "LRI", "RLI", "FSI", "PDI"}
    found: list[int] = [0x200E, 0x200F]  # LRM, RLM: strong, but as marks left to fpdf2's bidi
    for lo, hi in BIDI_BLOCKS:
        found += [c for c in range(lo, hi + 1) if unicodedata.bidirectional(chr(c)) in classes]
    found.sort()
    ranges: list[str] = []
    start = prev = found[0]
    for c in [*found[1:], -1]:
        if c == prev + 1:
            prev = c
            continue
        ranges.append(re.escape(chr(start)) + ("-" + re.escape(chr(prev)) if prev > start else ""))
        start = prev = c
    return re.compile("[" + "".join(ranges) + "]")


BIDI_BLOCKS = ((0x0590, 0x08FF), (0x200B, 0x206F), (0xFB1D, 0xFEFF), (0x10800, 0x10FFF), (0x1E800, 0x1EFFF))
NEEDS_BIDI = _bidi_chars()


class _Scripts(dict[str, int]):
    """A character's Unicode script as fpdf2 looks it up (a scan of a table: cached)."""

    def __missing__(self, c: str) -> int:
        s = self[c] = int(get_unicode_script(c))
        return s


_SCRIPTS = _Scripts()
_NEUTRAL = (int(UnicodeScript.COMMON), int(UnicodeScript.UNKNOWN))


def _script_runs(text: str, direction: TextDirection) -> list[tuple[str, TextDirection]]:
    """A bidi fragment split where its script changes (common characters join the run they are in), as
    fpdf2's ``_parse_chars`` splits it: a combining mark (script Inherited) is a fragment of its own."""
    if text.isascii():
        return [(text, direction)]  # Latin and common characters only
    out: list[tuple[str, TextDirection]] = []
    scripts = _SCRIPTS
    current = None
    start = 0
    for i, c in enumerate(text):
        s = scripts[c]
        if s not in _NEUTRAL and s != current:
            if i > start and current is not None:
                out.append((text[start:i], direction))
                start = i
            current = s
    if start < len(text):
        out.append((text[start:], direction))
    return out


@dataclass(frozen=True, slots=True)
class Run:
    """A shaped line: its width in mm, and the text as (x, y, codes) pieces — each piece's codes written
    from (x, y) mm relative to the line's start on the baseline (y downwards), the first at (0, 0)."""

    width: float
    pieces: tuple[tuple[float, float, str], ...]


class _IsolatedUnits(dict[str, int]):
    """A character's width shaped alone, in 1/1000 em: what ``multi_cell`` measures when it breaks lines."""

    def __init__(self, shaper: Shaper) -> None:
        super().__init__()
        self.shaper = shaper

    def __missing__(self, c: str) -> int:
        _infos, positions = self.shaper.harfbuzz(c, None)
        scale = self.shaper.font.scale
        w = self[c] = sum(round(scale * p.x_advance + 0.001) for p in positions)
        return w


class Shaper:
    """The shaped runs of one TTF font at one size (``run``), the line breaking of shaped text (``lines``),
    for a document's text shaping parameters (those of ``set_text_shaping(True)`` if it has none)."""

    def __init__(self, doc: FPDF, font: TTFFont, size_pt: float) -> None:
        self.doc, self.font, self.size_pt = doc, font, size_pt
        params = doc.text_shaping or {}
        self.features: dict[str, bool] = params.get("features") or {}
        self.script, self.language = params.get("script"), params.get("language")
        self.direction: TextDirection | None = params.get("direction")
        self.k = doc.k
        self.to_mm = size_pt * 0.001 / doc.k  # 1/1000 em to mm
        self.runs: dict[str, Run] = {}
        self.glyphs: dict[tuple[int, tuple[int, ...]], tuple[str, int] | None] = {}  # subset code, PDF width
        self.units = _IsolatedUnits(self)
        self.widths: dict[str, int] = {}  # shaped widths of words, for line breaking
        self.hmtx = font.ttfont["hmtx"].metrics

    # -- shaping -------------------------------------------------------------------------------------------
    def harfbuzz(self, text: str, direction: TextDirection | None) -> tuple[Sequence[Any], Sequence[Any]]:
        """HarfBuzz's glyphs and positions for ``text``, called as fpdf2's ``perform_harfbuzz_shaping``."""
        hbfont = self.font.hbfont
        hbfont.ptem = self.size_pt
        buf = hb.Buffer()
        buf.cluster_level = 1
        buf.add_str(text)
        buf.guess_segment_properties()
        if direction is not None:
            buf.direction = direction.value
        if self.script is not None:
            buf.script = self.script
        if self.language is not None:
            buf.language = self.language
        hb.shape(hbfont, buf, self.features)
        return buf.glyph_infos, buf.glyph_positions

    def _glyph(self, gid: int, unicode: tuple[int, ...]) -> tuple[str, int] | None:
        """A glyph's code in the font's subset (picked as fpdf2's ``shape_text`` picks it) and its width."""
        key = (gid, unicode)
        if key in self.glyphs:
            return self.glyphs[key]
        font = self.font
        name = font.ttfont.getGlyphName(gid)
        width = round(font.scale * self.hmtx[name][0])
        glyph = font.subset.get_glyph(glyph=gid, unicode=unicode, glyph_name=name, glyph_width=width)
        out = None
        if glyph is not None:
            code = font.subset.pick_glyph(glyph)
            assert code is not None
            out = (escape_parens(chr(code).encode("utf-16-be").decode("latin-1")), width)
        self.glyphs[key] = out
        return out

    def _fragment(self, text: str, direction: TextDirection, x: float, pieces: list[list[Any]]) -> float:
        """Appends a bidi fragment's glyphs from ``x`` mm to ``pieces`` (fpdf2's ``shape_text`` and
        ``render_with_text_shaping``); returns the fragment's width in mm (``Fragment.get_width``)."""
        infos, positions = self.harfbuzz(text, direction)
        if not infos:
            return 0.0
        clusters = sorted(int(gi.cluster) for gi in infos)
        by_cluster: dict[int, list[int]] = {}
        for i in range(len(text)):  # each character to the cluster it belongs to
            p = bisect_left(clusters, i)
            cl = clusters[0] if p == 0 else clusters[p - 1] if p == len(clusters) or clusters[p] != i else clusters[p]
            by_cluster.setdefault(cl, []).append(i)
        scale = self.font.scale
        adjust = scale * self.size_pt / 1000 / self.k  # font units to mm, as fpdf2's adjust_pos
        pos_x, pos_y = x, 0.0
        width = 0.0
        cur = pieces[-1]
        for gi, gp in zip(infos, positions, strict=True):
            width += round(scale * gp.x_advance + 0.001) * self.size_pt * 0.001
            chars = by_cluster.pop(gi.cluster, None)
            unicode = tuple(ord(text[i]) for i in chars) if chars else ()
            g = self._glyph(gi.codepoint, unicode)
            if g is None:  # a glyph the font lacks: fpdf2 leaves it out
                continue
            code, gwidth = g
            if gp.x_offset or gp.y_offset:
                cur = [pos_x + gp.x_offset * adjust, pos_y - gp.y_offset * adjust, ""]
                pieces.append(cur)
            cur[2] += code
            pos_x += gp.x_advance * adjust
            pos_y += gp.y_advance * adjust
            if gwidth != gp.x_advance or gp.x_offset or gp.y_offset or gp.y_advance:
                cur = [pos_x, pos_y, ""]
                pieces.append(cur)
        return width / self.k

    def run(self, text: str) -> Run:
        """``text`` as fpdf2's ``cell()`` draws it with text shaping on (one line, no line feed)."""
        r = self.runs.get(text)
        if r is not None:
            return r
        if self.direction is None and NEEDS_BIDI.search(text) is None:
            paragraph = TextDirection.LTR
            fragments = _script_runs(text, paragraph) if text else []
        else:
            paragraph = self.direction or auto_detect_base_direction(text)
            frags = BidiParagraph(text=text, base_direction=paragraph, preserve_bn_chars=True,
                                  alias=self.doc.str_alias_nb_pages).get_bidi_fragments()
            fragments = [run for t, d in frags for run in _script_runs(t, d)]
        fragments = _visual_order(fragments, paragraph)
        pieces: list[list[Any]] = [[0.0, 0.0, ""]]
        width = 0.0
        for frag, direction in fragments:
            width += self._fragment(frag, direction, width, pieces)
        r = Run(width, tuple((x, y, codes) for x, y, codes in pieces if codes))
        if len(self.runs) > 20000:
            self.runs.clear()
        self.runs[text] = r
        return r

    # -- line breaking -------------------------------------------------------------------------------------
    def shaped_units(self, text: str) -> int:
        """The shaped width of ``text`` in 1/1000 em, each script's run shaped on its own (as fpdf2's
        fragments are; the direction does not change a width, so no bidi is needed)."""
        w = self.widths.get(text)
        if w is None:
            scale = self.font.scale
            w = 0
            for part, _d in _script_runs(text, TextDirection.LTR) if text else ():
                _infos, positions = self.harfbuzz(part, None)
                w += sum(round(scale * p.x_advance + 0.001) for p in positions or ())
            if len(self.widths) > 50000:
                self.widths.clear()
            self.widths[text] = w
        return w

    def _fit(self, text: str) -> int:
        """What ``multi_cell`` compares with the room when it adds the last character of ``text``: the
        shaped width of the rest and the last character's width shaped alone (1/1000 em)."""
        return self.shaped_units(text[:-1]) + self.units[text[-1]] if text else 0

    def lines(self, text: str, room: float) -> list[str]:
        """``text`` in lines for a cell whose text may be ``room`` mm wide, as ``multi_cell`` breaks it: one
        line if its shaped width fits; else broken at spaces (the space at a break dropped, line feeds
        kept, a word wider than the cell between letters), a line taking the next character while its
        shaped width and that character's alone fit."""
        if "\n" not in text and self.run(text).width <= room:
            return [text]
        room_u = room / self.to_mm + 1e-6
        space = self.units[" "]
        out: list[str] = []
        for para in text.split("\n"):
            if self._fit(para) <= room_u:
                out.append(para)
                continue
            line: str | None = None
            used = 0
            for word in para.split(" "):
                if line is not None:
                    if used + space + self._fit(word) <= room_u:
                        line += " " + word
                        used += space + self.shaped_units(word)
                        continue
                    out.append(line)
                while len(word) > 1 and self._fit(word) > room_u:  # as many letters as fit, at least one
                    take = 1
                    while take < len(word) and self._fit(word[:take + 1]) <= room_u:
                        take += 1
                    out.append(word[:take])
                    word = word[take:]
                line, used = word, self.shaped_units(word)
            if line is not None:
                out.append(line)
        return out or [""]


def _visual_order(frags: list[tuple[str, TextDirection]], paragraph: TextDirection) -> list[tuple[str, TextDirection]]:
    """Bidi fragments from left to right, as fpdf2's ``TextLine.get_ordered_fragments``."""
    runs: list[list[tuple[str, TextDirection]]] = []
    for f in frags:
        if runs and runs[-1][0][1] == f[1]:
            runs[-1].append(f)
        else:
            runs.append([f])
    if paragraph == TextDirection.RTL:
        runs.reverse()
    out: list[tuple[str, TextDirection]] = []
    for r in runs:
        out += r[::-1] if r[0][1] == TextDirection.RTL else r
    return out


def shaper(doc: FPDF, shapers: dict[tuple[str, float], Shaper]) -> Shaper | None:
    """The current font's shaper, or None when this path cannot draw it like ``cell()`` would (a core font,
    character spacing or stretching, underline, a symbol font)."""
    font = doc.current_font
    if (not isinstance(font, TTFFont) or doc.char_spacing or doc.font_stretching != 100 or doc.underline
            or font.is_symbol):
        return None
    key = (font.fontkey, doc.font_size_pt)
    s = shapers.get(key)
    if s is None:
        s = shapers[key] = Shaper(doc, font, doc.font_size_pt)
    return s


def put_run(doc: FPDF, s: Shaper, x: float, baseline: float, text: str, gray: int) -> None:
    """One shaped line starting at ``x`` mm, its baseline ``baseline`` mm from the top, in gray ``gray``."""
    doc._out(run_operators(doc, s, x, baseline, text, gray, doc.page))


def run_operators(doc: FPDF, s: Shaper, x: float, baseline: float, text: str, gray: int, page: int) -> str:
    """The operators of ``put_run``, for a stream of the page ``page`` (whose fonts it lists)."""
    k, h = doc.k, doc.h
    doc._resource_catalog.add(PDFResourceType.FONT, s.font.i, page)
    pieces = " ".join(f"1 0 0 1 {(x + dx) * k:.2f} {(h - baseline - dy) * k:.2f} Tm ({codes}) Tj"
                      for dx, dy, codes in s.run(text).pieces)
    return f"q {gray / 255:.3f} g BT /F{s.font.i} {s.size_pt:.2f} Tf {pieces} ET Q"


class ShapedRowWriter:
    """A row's borders and shaped text lines, written to the page in one piece (``pdf_fast.RowWriter``'s
    shaped sibling; a header row filled grey)."""

    def __init__(self, doc: FPDF, s: Shaper, fill_gray: float | None) -> None:
        self.doc, self.shaper, self.k = doc, s, doc.k
        self.rects: list[str] = []
        self.texts: list[str] = []
        self.fill_gray = fill_gray

    def rect(self, x: float, y: float, w: float, h: float) -> None:
        k, top = self.k, self.doc.h - y
        self.rects.append(f"{x * k:.2f} {top * k:.2f} {w * k:.2f} {-h * k:.2f} re")

    def line(self, x: float, w: float, baseline: float, text: str, right: bool) -> None:
        """One line in a cell from ``x`` ``w`` mm wide, its baseline ``baseline`` mm from the top: left
        aligned after the cell margin, or right aligned before it."""
        if not text:
            return
        r = self.shaper.run(text)
        doc, k = self.doc, self.k
        x += w - doc.c_margin - r.width if right else doc.c_margin
        h = doc.h
        add = self.texts.append
        for dx, dy, codes in r.pieces:
            add(f"1 0 0 1 {(x + dx) * k:.2f} {(h - baseline - dy) * k:.2f} Tm ({codes}) Tj")

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
            s = self.shaper
            doc._resource_catalog.add(PDFResourceType.FONT, s.font.i, doc.page)  # the page's fonts, as cell() adds
            if doc.text_color is not None:
                parts.append(doc.text_color.serialize().lower())
            parts.append(f"BT /F{s.font.i} {s.size_pt:.2f} Tf")
            parts.extend(self.texts)
            parts.append("ET")
        parts.append("Q")
        doc._out(" ".join(parts))
