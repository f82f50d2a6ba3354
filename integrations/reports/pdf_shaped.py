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
from fpdf.bidi import BIDI_BRACKETS, BidiParagraph, auto_detect_base_direction
from fpdf.enums import PDFResourceType, TextDirection
from fpdf.fonts import TTFFont
from fpdf.unicode_script import UnicodeScript, get_unicode_script
from fpdf.util import escape_parens

from integrations.reports.pdf_fast import RowParts


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


_CLASSES: dict[str, str] = {}
_EXPLICIT = frozenset({"LRE", "RLE", "LRO", "RLO", "PDF", "LRI", "RLI", "FSI", "PDI", "B", "S"})
_NEUTRAL_CLASSES = frozenset({"B", "S", "WS", "ON"})


def _bidi_class(c: str) -> str:
    k = _CLASSES.get(c)
    if k is None:
        k = _CLASSES[c] = unicodedata.bidirectional(c)
    return k


def bidi_fragments(text: str, paragraph: TextDirection) -> list[tuple[str, TextDirection]] | None:
    """fpdf2's ``BidiParagraph(text, paragraph, preserve_bn_chars=True).get_bidi_fragments()`` for a text
    without explicit embeddings, overrides, isolates or separators (None for one with them): every
    character at the paragraph's level, one isolating run, rules W1–W7, N0–N2 and I1–I2 applied as
    fpdf2 applies them (its order and quirks included), in a fraction of its time."""
    classes = [_bidi_class(c) for c in text]
    if not classes or not _EXPLICIT.isdisjoint(classes):
        return None
    n = len(classes)
    sos = eos = "R" if paragraph == TextDirection.RTL else "L"
    base = 1 if sos == "R" else 0
    original = list(classes)
    for i in range(n):  # W1
        if classes[i] == "NSM":
            classes[i] = sos if i == 0 else classes[i - 1]
    last = sos
    for i in range(n):  # W2, W3
        k = classes[i]
        if k in ("R", "L", "AL"):
            last = k
        if k == "AL":
            classes[i] = "R"
        elif k == "EN" and last == "AL":
            classes[i] = "AN"
    for i in range(1, n - 1):  # W4
        k = classes[i]
        if k == "ES" and classes[i - 1] == "EN" and classes[i + 1] == "EN":
            classes[i] = k = "EN"
        if k == "CS" and classes[i - 1] in ("AN", "EN") and classes[i + 1] == classes[i - 1]:
            classes[i] = classes[i - 1]

    def prev_is_en(i: int) -> bool:
        while i > 0 and classes[i - 1] == "ET":
            i -= 1
        return i > 0 and classes[i - 1] == "EN"

    def next_is_en(i: int) -> bool:
        while i < n - 1 and classes[i + 1] == "ET":
            i += 1
        return i < n - 1 and classes[i + 1] == "EN"

    for i in range(n):  # W5, W6
        if classes[i] == "ET" and (prev_is_en(i) or next_is_en(i)):
            classes[i] = "EN"
        if classes[i] in ("ET", "ES", "CS"):
            classes[i] = "ON"
    last = sos
    for i in range(n):  # W7
        k = classes[i]
        if k in ("R", "L", "AL"):
            last = k
        elif k == "EN" and last == "L":
            classes[i] = "L"

    def previous_strong(i: int) -> str:
        while i > 0:
            k = classes[i - 1]
            if k == "L":
                return "L"
            if k in ("R", "AN", "EN"):
                return "R"
            i -= 1
        return sos

    def next_strong(i: int) -> str:
        while i < n - 1:
            k = classes[i + 1]
            if k == "L":
                return "L"
            if k in ("R", "AN", "EN"):
                return "R"
            i += 1
        return eos

    for open_i, close_i in _bracket_pairs(text, classes):  # N0
        same = opposite = False
        for i in range(open_i, close_i):
            k = classes[i]
            strong = "L" if k == "L" else "R" if k in ("R", "AN", "EN") else None
            if strong == sos:
                same = True
                break
            if strong is not None:
                opposite = True
        result = None
        if same:
            result = sos
        elif opposite:
            other = "L" if sos == "R" else "R"
            result = other if previous_strong(open_i) == other else sos
        if result:
            classes[open_i] = classes[close_i] = result
            if close_i + 1 < n and original[close_i + 1] == "NSM" and classes[close_i + 1] == "ON":
                classes[close_i + 1] = result
    for i in range(n):  # N1, N2
        if classes[i] in _NEUTRAL_CLASSES:
            p = previous_strong(i)
            classes[i] = p if p == next_strong(i) else sos
    out: list[tuple[str, TextDirection]] = []
    start = 0
    current = None
    for i, k in enumerate(classes):  # I1, I2: odd levels are right to left
        if base == 0:
            level = 1 if k == "R" else 2 if k in ("AN", "EN") else 0
        else:
            level = 2 if k in ("L", "EN", "AN") else 1
        d = level % 2
        if d != current:
            if i > start:
                out.append((text[start:i], TextDirection.RTL if current else TextDirection.LTR))
                start = i
            current = d
    out.append((text[start:], TextDirection.RTL if current else TextDirection.LTR))
    return out


def _bracket_pairs(text: str, classes: list[str]) -> list[tuple[int, int]]:
    """fpdf2's ``IsolatingRun.pair_brackets``: brackets of class ON paired (BD16), sorted by the opening."""
    opened: list[tuple[str, int]] = []
    pairs: list[tuple[int, int]] = []
    for i, c in enumerate(text):
        b = BIDI_BRACKETS.get(c)
        if b is None or classes[i] != "ON":
            continue
        if b["type"] == "o":
            if len(opened) >= 63:
                return []
            opened.append((c, i))
        elif opened:
            for j in range(len(opened), 0, -1):
                o, oi = opened[j - 1]
                if BIDI_BRACKETS[o]["pair"] == c or (BIDI_BRACKETS[o]["pair"] in ("〉", "〉") and c in ("〉", "〉")):
                    pairs.append((oi, i))
                    del opened[j - 1:]
                    break
    return sorted(pairs)


def _td(dx: float, dy: float) -> str:
    """A ``Td`` move by (dx, dy) pt: fpdf2's ``Tm`` places as moves from one to the next, to 1/10,000 pt."""
    return f"{dx:.4f} {dy:.4f} Td" if dy else f"{dx:.4f} 0 Td"


@dataclass(frozen=True, slots=True)
class _Shape:
    """A word shaped from x = 0: the codes drawn before its first move (where the text stands), the rest
    as operators with the line matrix at the word's start (its moves ``Td``s from there), where they
    leave the line matrix and the pen (x, y mm, y downwards), and its width in 1/1000 em."""

    lead: str
    body: str
    lm_x: float
    lm_y: float
    x: float
    y: float
    units: int


@dataclass(frozen=True, slots=True)
class Run:
    """A shaped line: its width in mm, and its operators (text showing and ``Td`` moves) for a text
    matrix set at the line's start on the baseline."""

    width: float
    ops: str


class _IsolatedUnits(dict[str, int]):
    """A character's width shaped alone, in 1/1000 em: what ``multi_cell`` measures when it breaks lines."""

    def __init__(self, shaper: Shaper) -> None:
        super().__init__()
        self.shaper = shaper

    def __missing__(self, c: str) -> int:
        _infos, positions = self.shaper.harfbuzz(c, None, self.shaper.script)
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
        self.words: dict[tuple[str, TextDirection, str | None], _Shape] = {}  # a word's shape, per direction
        self.scripts: dict[str, str | None] = {}
        self.moves: dict[int, str] = {}  # a glyph's advance (font units) as a Td move
        self.widths: dict[str, int] = {}  # shaped widths of words, for line breaking
        self.hmtx = font.ttfont["hmtx"].metrics

    # -- shaping -------------------------------------------------------------------------------------------
    def harfbuzz(self, text: str, direction: TextDirection | None,
                 script: str | None = None) -> tuple[Sequence[Any], Sequence[Any]]:
        """HarfBuzz's glyphs and positions for ``text``, called as fpdf2's ``perform_harfbuzz_shaping``
        (``script``: a word's, guessed from its whole fragment)."""
        hbfont = self.font.hbfont
        hbfont.ptem = self.size_pt
        buf = hb.Buffer()
        buf.cluster_level = 1
        buf.add_str(text)
        buf.guess_segment_properties()
        if direction is not None:
            buf.direction = direction.value
        if script is not None:
            buf.script = script
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

    def _shape(self, text: str, direction: TextDirection | None, script: str | None) -> _Shape:
        """``text`` shaped (fpdf2's ``shape_text`` and ``render_with_text_shaping`` from x = 0): the codes
        written before the first ``Tm``, each ``Tm``'s place and the codes after it, where the pen ends,
        and the width in 1/1000 em (``Fragment.get_width``)."""
        infos, positions = self.harfbuzz(text, direction, script)
        if not infos:
            return _Shape("", "", 0.0, 0.0, 0.0, 0.0, 0)
        n = len(text)
        clusters = [gi.cluster for gi in infos]
        simple = len(clusters) == n and len(set(clusters)) == n  # a glyph per character
        by_cluster: dict[int, list[int]] = {}
        if not simple:
            ordered = sorted(clusters)
            for i in range(n):  # each character to the cluster it belongs to
                p = bisect_left(ordered, i)
                cl = (ordered[0] if p == 0 else ordered[p - 1] if p == len(ordered) or ordered[p] != i
                      else ordered[p])
                by_cluster.setdefault(cl, []).append(i)
        scale = self.font.scale
        adjust = scale * self.size_pt / 1000 / self.k  # font units to mm, as fpdf2's adjust_pos
        if simple:
            fast = self._simple(text, infos, positions, adjust)
            if fast is not None:
                return fast
        pos_x = pos_y = 0.0
        units = 0
        lead = ""
        pieces: list[list[Any]] = []
        cur: list[Any] | None = None
        glyphs = self.glyphs
        for gi, gp in zip(infos, positions, strict=True):
            xa, xo, yo, ya = gp.x_advance, gp.x_offset, gp.y_offset, gp.y_advance
            units += round(scale * xa + 0.001)
            if simple:
                unicode: tuple[int, ...] = (ord(text[gi.cluster]),)
            else:
                chars = by_cluster.pop(gi.cluster, None)
                unicode = tuple(ord(text[i]) for i in chars) if chars else ()
            key = (gi.codepoint, unicode)
            g = glyphs[key] if key in glyphs else self._glyph(gi.codepoint, unicode)
            if g is None:  # a glyph the font lacks: fpdf2 leaves it out
                continue
            code, gwidth = g
            if xo or yo:
                cur = [pos_x + xo * adjust, pos_y - yo * adjust, ""]
                pieces.append(cur)
            if cur is None:
                lead += code
            else:
                cur[2] += code
            pos_x += xa * adjust
            pos_y += ya * adjust
            if gwidth != xa or xo or yo or ya:
                cur = [pos_x, pos_y, ""]
                pieces.append(cur)
        k = self.k
        ops: list[str] = []
        lx = ly = 0.0
        for x, y, codes in pieces:  # the Tm places of fpdf2 as moves from one to the next
            ops.append(_td((x - lx) * k, (ly - y) * k))
            if codes:
                ops.append(f"({codes}) Tj")
            lx, ly = x, y
        return _Shape(lead, " ".join(ops), lx, ly, pos_x, pos_y, units)

    def _simple(self, text: str, infos: Sequence[Any], positions: Sequence[Any], adjust: float) -> _Shape | None:
        """``_shape`` for the common word: a glyph per character, none missing, none moved off the line,
        each followed by a move to where the next one starts (every glyph with an advance); the moves
        written once per advance. None for any other."""
        glyphs, moves, scale = self.glyphs, self.moves, self.font.scale
        codes: list[str] = []
        steps: list[str] = []
        units = 0
        for gi, gp in zip(infos, positions, strict=True):
            if gp.x_offset or gp.y_offset or gp.y_advance:
                return None
            xa = gp.x_advance
            key = (gi.codepoint, (ord(text[gi.cluster]),))
            g = glyphs[key] if key in glyphs else self._glyph(gi.codepoint, key[1])
            if g is None or g[1] == xa:  # left out, or not followed by a move
                return None
            codes.append(g[0])
            step = moves.get(xa)
            if step is None:
                step = moves[xa] = _td(xa * adjust * self.k, 0.0)
            steps.append(step)
            units += round(scale * xa + 0.001)
        body = " ".join(f"{step} ({code}) Tj" for step, code in zip(steps, codes[1:], strict=False))
        body = f"{body} {steps[-1]}" if body else steps[-1]
        x = sum(gp.x_advance for gp in positions) * adjust
        return _Shape(codes[0], body, x, 0.0, x, 0.0, units)

    def _word(self, word: str, direction: TextDirection, script: str | None) -> _Shape:
        key = (word, direction, script)
        w = self.words.get(key)
        if w is None:
            if len(self.words) > 50000:
                self.words.clear()
            w = self.words[key] = self._shape(word, direction, script)
        return w

    def _fragment(self, text: str, direction: TextDirection) -> list[_Shape]:
        """A bidi fragment's words (and spaces) shaped, from left to right. Shaped a word at a time, each
        word cached (with the fragment's script, as HarfBuzz guesses it for the whole fragment): no
        lookup of the font crosses a space, so the glyphs and places are those of the fragment shaped
        whole (tests/integrations/reports/test_pdf_shaped.py compares with cell())."""
        words = text.split(" ")
        if len(words) == 1:
            return [self._word(text, direction, self.script)]
        script = self.script or self._guess_script(text)
        tokens: list[str] = []
        for i, w in enumerate(words):
            if i:
                tokens.append(" ")
            if w:
                tokens.append(w)
        if direction == TextDirection.RTL:
            tokens.reverse()
        return [self._word(t, direction, script) for t in tokens]

    def _guess_script(self, text: str) -> str | None:
        s = self.scripts.get(text, "")
        if s == "":
            buf = hb.Buffer()
            buf.add_str(text)
            buf.guess_segment_properties()
            s = buf.script
            if len(self.scripts) > 50000:
                self.scripts.clear()
            self.scripts[text] = s
        return s

    def run(self, text: str) -> Run:
        """``text`` as fpdf2's ``cell()`` draws it with text shaping on (one line, no line feed)."""
        r = self.runs.get(text)
        if r is not None:
            return r
        k, to_mm = self.k, self.size_pt * 0.001 / self.k
        ops: list[str] = []
        lm_x = lm_y = 0.0  # the line matrix, from the line's start (mm, y downwards)
        width = 0.0
        for frag, direction in self._fragments(text):
            x, y = width, 0.0  # a fragment starts after the widths before it (rounded), as in fpdf2
            units = 0
            for w in self._fragment(frag, direction):
                if w.lead:  # drawn where the text stands, as fpdf2 draws it
                    ops.append(f"({w.lead}) Tj")
                if w.body:
                    dx, dy = (x - lm_x) * k, (y - lm_y) * k
                    if abs(dx) >= 0.00005 or abs(dy) >= 0.00005:
                        ops.append(_td(dx, -dy))
                        lm_x, lm_y = x, y
                    ops.append(w.body)
                    lm_x, lm_y = lm_x + w.lm_x, lm_y + w.lm_y
                x += w.x
                y += w.y
                units += w.units
            width += units * to_mm
        r = Run(width, " ".join(ops))
        if len(self.runs) > 60000:  # the dates and times of a month at most
            self.runs.clear()
        self.runs[text] = r
        return r

    def run_width(self, text: str) -> float:
        """The width of ``run(text)`` in mm (``get_string_width``), without writing or keeping the run:
        a cell's whole text, measured to know whether it fits on one line, may be 4,000 characters."""
        r = self.runs.get(text)
        if r is not None:
            return r.width
        width = 0.0
        for frag, direction in self._fragments(text):
            width += sum(w.units for w in self._fragment(frag, direction)) * self.size_pt * 0.001 / self.k
        return width

    def _fragments(self, text: str) -> list[tuple[str, TextDirection]]:
        """``text``'s bidi fragments split by script, from left to right (fpdf2's fragments of a cell)."""
        if self.direction is None and NEEDS_BIDI.search(text) is None:
            paragraph = TextDirection.LTR
            fragments = _script_runs(text, paragraph) if text else []
        else:
            paragraph = self.direction or auto_detect_base_direction(text)
            alias = self.doc.str_alias_nb_pages
            frags = None if alias and alias in text else bidi_fragments(text, paragraph)
            if frags is None:  # explicit embeddings, overrides, isolates: fpdf2's own
                frags = list(BidiParagraph(text=text, base_direction=paragraph, preserve_bn_chars=True,
                                           alias=alias).get_bidi_fragments())
            fragments = [run for t, d in frags for run in _script_runs(t, d)]
        return _visual_order(fragments, paragraph)

    # -- line breaking -------------------------------------------------------------------------------------
    def shaped_units(self, text: str) -> int:
        """The shaped width of ``text`` in 1/1000 em, each script's run shaped on its own (as fpdf2's
        fragments are; the direction does not change a width, so no bidi is needed)."""
        w = self.widths.get(text)
        if w is None:
            scale = self.font.scale
            w = 0
            for part, _d in _script_runs(text, TextDirection.LTR) if text else ():
                _infos, positions = self.harfbuzz(part, None, self.script)
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
        if "\n" not in text and self.run_width(text) <= room:
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
    return (f"q {gray / 255:.3f} g BT /F{s.font.i} {s.size_pt:.2f} Tf 1 0 0 1 {x * k:.2f} {(h - baseline) * k:.2f} Tm "
            f"{s.run(text).ops} ET Q")


class ShapedRowWriter(RowParts):
    """A row's borders and shaped text lines, written to the page in one piece (``pdf_fast.RowWriter``'s
    shaped sibling; a header row filled grey)."""

    def __init__(self, doc: FPDF, s: Shaper, fill_gray: float | None) -> None:
        super().__init__(doc, s.font, s.size_pt, fill_gray)
        self.shaper = s

    def line(self, x: float, w: float, baseline: float, text: str, right: bool) -> None:
        """One line in a cell from ``x`` ``w`` mm wide, its baseline ``baseline`` mm from the top: left
        aligned after the cell margin, or right aligned before it."""
        if not text:
            return
        r = self.shaper.run(text)
        doc, k = self.doc, self.k
        x += w - doc.c_margin - r.width if right else doc.c_margin
        if r.ops:
            self.texts.append(f"1 0 0 1 {x * k:.2f} {(doc.h - baseline) * k:.2f} Tm {r.ops}")
