"""The protocol as a PDF a customer would sign (fpdf2).

A4 landscape: a header with the contract's parties and the period, the totals, SLA compliance per
category, the charts, maintenance, backups and health history, the register of the month (its header
repeated on every page), and signature lines for both sides. Fonts are DejaVu Sans from matplotlib's
package data, so no system font is needed; it covers Latin, Cyrillic and Arabic script. Persian text is
shaped and laid out right to left by fpdf2's text shaping (uharfbuzz), switched on for fa only (it costs
time per cell).
"""

from __future__ import annotations

import io
import re
from collections.abc import Callable, Iterable, Iterator
from contextlib import contextmanager
from datetime import timedelta
from functools import lru_cache
from itertools import islice
from pathlib import Path

import matplotlib
from fpdf import FPDF
from fpdf.enums import MethodReturnValue, PDFResourceType, XPos, YPos

from commands.domain.i18n.format import format_duration
from commands.incidents.views import category_title, component_title
from commands.reports.domain.math import ClockResult
from commands.reports.report import MonthlyProtocol, RegisterEntry
from integrations.reports.pdf_fast import Face, Grid, RowWriter, face, put_text, text_operators, wrap
from integrations.reports.pdf_pages import SealedOutput, SealedPages
from integrations.reports.pdf_shaped import ShapedRowWriter, Shaper, put_run, run_operators, shaper
from integrations.reports.tables import Cell, Table, compliance_table, header_lines, side_tables, when

FONT_DIR = Path(matplotlib.get_data_path()) / "fonts" / "ttf"
FONT = "DejaVu"
_SYMBOL = {"met": "✓", "breached": "✗", "running": "…", "waiting": "–", "cancelled": "—"}
# The total of pages, filled in when the document is closed. fpdf2 replaces this string in every text it
# draws, so it contains a control character, which no cell text has (``cell_text`` turns them to spaces):
# a description that reads "{nb}" prints as typed.
PAGES_TOTAL = "\x08pp\x08"
PROVISIONAL = "*"  # after the outcome's symbol: the fix awaits confirmation
LINE_H = 3.2  # mm: one line of 7–7.5 pt text in a table cell
PAD = 1.8  # mm: above and below a cell's text (a one-line row is 5 mm)
_MIN_SPLIT = 3  # lines: a row taller than the rest of the page is split there only if this many fit
_CONTROLS = re.compile(r"[\x00-\x09\x0b-\x1f\x7f]")  # control characters but the line feed
_BLANK_LINES = re.compile(r"\n[ \t]*\n(?:[ \t]*\n)+")
_RTL = re.compile(r"[\u0590-\u08ff\ufb1d-\ufdff\ufe70-\ufefc]")  # Hebrew, Arabic and their presentation forms


class PdfBase(FPDF):
    """A4 with the DejaVu fonts, right to left for Persian (shaping on for the whole document), the
    wrapped-lines cache and the page-total alias: what every document of the desk shares."""

    def __init__(self, locale: str, orientation: str = "L") -> None:
        super().__init__(orientation=orientation, unit="mm", format="A4")
        self.add_font(FONT, "", str(FONT_DIR / "DejaVuSans.ttf"))
        self.add_font(FONT, "B", str(FONT_DIR / "DejaVuSans-Bold.ttf"))
        self.shaping = locale == "fa"  # on for the whole document; else per cell with right-to-left text
        self.rtl = locale == "fa"  # columns from the right, text aligned to the right
        self.start = "R" if self.rtl else "L"
        self.wrapped: dict[tuple[str, float, str, float, bool], list[str]] = {}  # _lines, per text and font
        self.faces: dict[str, Face] = {}  # pdf_fast: widths and glyph codes per font
        self.shapers: dict[tuple[str, float], Shaper] = {}  # pdf_shaped: shaped runs per font and size
        if self.shaping:
            self.set_text_shaping(True)
        self.set_auto_page_break(True, margin=14)
        self.set_margins(10, 12, 10)
        self.alias_nb_pages(PAGES_TOTAL)
        self.set_creator("dutydesk")

    @property
    def width(self) -> float:
        return float(self.w - self.l_margin - self.r_margin)


class _Doc(PdfBase):
    def __init__(self, p: MonthlyProtocol) -> None:
        super().__init__(p.locale)
        self.protocol = p
        # "2026-11" in Persian text is, by the Unicode bidi algorithm (W2: digits after Arabic letters are
        # Arabic numbers), drawn "11-2026": isolated left to right (LRI … PDI) it reads as written
        self.month = f"\u2066{p.label}\u2069" if self.rtl else p.label
        self.running_title = ""  # the table whose header repeats after a page break
        # finished pages compressed at once (pdf_pages): the footers ("page n/total") are drawn at the end
        # by write_footers, which leaves no page-total alias for fpdf2 to replace in a page's text
        self.sealing = SealedPages(self)
        self.set_title(p.t("report.protocol.title", month=p.label))
        self.set_author(p.customer.reports.contractor.name or p.contractor)

    def header(self) -> None:
        self.sealing.seal_up_to(self.page - 1)
        p = self.protocol
        self.set_font(FONT, "", 7)
        text = f"{p.customer.name} · {p.t('report.protocol.title', month=self.month)}"
        f = face(self, self.faces)
        s = shaper(self, self.shapers) if f is None and self.text_shaping else None
        baseline = self.y + 2 + 0.3 * self.font_size
        if f is not None:  # a cell() of its own costs a millisecond a page
            put_text(self, f, self.l_margin + self.c_margin, baseline, text, 90)
            self.set_xy(self.l_margin, self.y + 4)
        elif s is not None:  # shaped: on the right in a right-to-left document (cell()'s place)
            w = s.run(text).width
            x = self.l_margin + self.width - self.c_margin - w if self.start == "R" else self.l_margin + self.c_margin
            put_run(self, s, x, baseline, text, 90)
            self.set_xy(self.l_margin, self.y + 4)
        else:
            self.set_text_color(90)
            self.cell(0, 4, text, align=self.start, new_x=XPos.LMARGIN, new_y=YPos.NEXT)
            self.set_text_color(0)
        self.ln(1)

    def footer(self) -> None:
        pass  # written by write_footers, when the total is known

    def write_footers(self) -> None:
        """"Page n/total" on every page, centred (fpdf2's page-total alias costs a cell() a page), each in
        a stream of its own beside the page's sealed content."""
        self.set_font(FONT, "", 7)
        f = face(self, self.faces)
        s = shaper(self, self.shapers) if f is None else None
        assert f is not None or s is not None
        total = self.page
        baseline = self.h - 10 + 2 + 0.3 * self.font_size
        for n in range(1, total + 1):
            text = self.protocol.t("report.page", page=n, pages=total)
            if f is not None:
                x = self.l_margin + (self.width - f.width(text) * self.font_size_pt / 1000 / self.k) / 2
                ops = text_operators(self, f, x, baseline, text, 90, n)
            else:  # shaped (fa): centred as cell(align="C") centres it
                assert s is not None
                ops = run_operators(self, s, self.l_margin + (self.width - s.run(text).width) / 2, baseline, text, 90, n)
            self.sealing.footer(n, ops)

    def pdf_bytes(self) -> bytes:
        self.write_footers()
        return bytes(self.output(output_producer_class=SealedOutput))


def _dur(seconds: int, locale: str) -> str:
    return _minutes(abs(seconds) // 60, locale)


@lru_cache(maxsize=4096)
def _minutes(minutes: int, locale: str) -> str:
    return format_duration(timedelta(minutes=minutes), locale)  # cached: the register repeats durations


@lru_cache(maxsize=16384)  # a month's 150,000 clocks have some 30,000 distinct results
def clock_cell(r: ClockResult | None, locale: str) -> str:
    """``12 min ✓ +18 min`` (met with 18 to spare), ``1 h 05 min ✗ −35 min``, ``… +45 min`` (running)."""
    if r is None:
        return ""
    sym = _SYMBOL[r.outcome] + (PROVISIONAL if r.awaiting else "")
    if r.outcome in ("waiting", "cancelled") or r.margin is None:
        return sym
    margin = ("+" if r.margin >= 0 else "−") + _dur(r.margin, locale)
    if r.elapsed is None:
        return f"{sym} {margin}"
    return f"{_dur(r.elapsed, locale)} {sym} {margin}"


def _table(doc: PdfBase, table: Table, widths: list[float], none: str, size: float = 7.5) -> None:
    doc.set_font(FONT, "B", 10)
    doc.cell(0, 7, table.title, align=doc.start, new_x=XPos.LMARGIN, new_y=YPos.NEXT)
    if not table.rows:
        doc.set_font(FONT, "", 8)
        doc.cell(0, 5, none, align=doc.start, new_x=XPos.LMARGIN, new_y=YPos.NEXT)
        doc.ln(2)
        return
    _rows(doc, table.headers, table.rows, widths, size)
    doc.ln(3)


_SAMPLE = 200  # rows measured for a table's column widths: a table's rows are alike


def fitted_widths(doc: PdfBase, table: Table, total: float, size: float = 7.5) -> list[float]:
    """Column widths in mm summing to ``total``, each column as wide as its texts need (measured on the
    header's longest word and the first rows), the room left shared in proportion; when the texts need
    more than there is, the narrow columns keep their width and the wide ones share the rest. Equal
    columns would break a file name or a date in two while a short word's column stands half empty."""
    n = len(table.headers)
    need = natural_widths(doc, table, size)
    if sum(need) <= total:
        return [w * total / sum(need) for w in need]
    narrow = [w <= total / n for w in need]
    while True:  # narrow columns as they are; the others share what is left equally
        wide = [i for i in range(n) if not narrow[i]]
        share = (total - sum(need[i] for i in range(n) if narrow[i])) / len(wide)
        newly = [i for i in wide if need[i] <= share]
        if not newly:
            return [need[i] if narrow[i] else share for i in range(n)]
        for i in newly:
            narrow[i] = True


def natural_widths(doc: PdfBase, table: Table, size: float) -> list[float]:
    """How wide each column must be (mm) for its texts to stand on one line: the header's longest word
    (the header may wrap) and the first rows' lines, with the cell's margins."""
    doc.set_font(FONT, "B", size)
    need = [max((_text_width(doc, w) for w in h.split()), default=0.0) for h in table.headers]
    doc.set_font(FONT, "", size)
    for row in table.rows[:_SAMPLE]:
        for i, v in enumerate(row):
            for line in cell_text(v).split("\n"):
                need[i] = max(need[i], _text_width(doc, line))
    return [w + 2 * doc.c_margin + 0.5 for w in need]  # the cell's margins, and a little air


def _text_width(doc: PdfBase, text: str) -> float:
    f = face(doc, doc.faces)
    if f is not None:
        return f.width(text) * doc.font_size_pt / 1000 / doc.k
    s = shaper(doc, doc.shapers) if doc.text_shaping else None
    if s is not None:  # shaped by HarfBuzz once per text, as get_string_width would each time
        return s.shaped_units(text) * doc.font_size_pt / 1000 / doc.k
    return float(doc.get_string_width(text))


def _rows(doc: PdfBase, headers: list[str], rows: Iterable[list[Cell]], widths: list[float], size: float) -> None:
    """A table: the header row, then the rows; the header is drawn again at the top of every page."""

    # The header row drawn again on each page, at the same place, is the same operators: kept from its
    # first drawing at that place (a page's first row in a table of 3,000 pages), unless it holds text to
    # shape, which fpdf2 draws with resources of its own
    drawn: dict[float, tuple[bytes, float]] = {}  # where it starts → its operators and where it ends
    keep = not doc.text_shaping and not any(_RTL.search(h) for h in headers)

    def header() -> None:
        y = doc.get_y()
        doc.set_font(FONT, "B", size)  # as _row sets it, its operator written into the page as fpdf2 does
        again = drawn.get(y)
        f = face(doc, doc.faces)
        if again is not None and f is not None:
            doc._resource_catalog.add(PDFResourceType.FONT, f.font.i, doc.page)
            doc._out(again[0])
            doc.set_xy(doc.l_margin, again[1])
            return
        page, content = doc.page, doc.pages[doc.page].contents
        assert isinstance(content, bytearray)  # the page being written
        mark = len(content)
        _row(doc, headers, widths, size, bold=True)
        if keep and doc.page == page:
            drawn[y] = (bytes(content[mark:]).removesuffix(b"\n"), doc.get_y())

    header()
    doc.set_font(FONT, "", size)
    f = face(doc, doc.faces)
    grid = Grid(doc, f, widths, LINE_H, PAD, doc.rtl, cell_text, _RTL) if f is not None else None
    for r in rows:
        _row(doc, r, widths, size, header=header, grid=grid)


def cell_text(v: Cell) -> str:
    """A value as a cell shows it. Line breaks are kept (runs of empty lines become one), tabs and other
    control characters become spaces: nothing a person wrote is left out."""
    if v is None:
        return ""
    if isinstance(v, float):
        return f"{v:.1f}"
    text = str(v).replace("\r\n", "\n").replace("\r", "\n")
    text = _CONTROLS.sub(" ", text)
    return _BLANK_LINES.sub("\n\n", text).strip()


def _lines(doc: PdfBase, text: str, width: float) -> list[str]:
    """The lines of ``text`` wrapped to a cell ``width`` mm wide, measured with the font (a word longer
    than the cell is broken between letters)."""
    key = (text, width, doc.font_style, doc.font_size_pt, doc.text_shaping is not None)
    cached = doc.wrapped.get(key)
    if cached is not None:
        return cached  # categories, components, clock cells repeat from row to row
    f = face(doc, doc.faces)
    s = shaper(doc, doc.shapers) if f is None and doc.text_shaping else None
    if f is not None:  # measured and broken here: multi_cell's dry run costs ~1 ms a cell
        out = wrap(f, text, (width - 2 * doc.c_margin) * doc.k * 1000 / doc.font_size_pt)
    elif s is not None:  # shaped text measured and broken as multi_cell does (pdf_shaped)
        out = s.lines(text, width - 2 * doc.c_margin)
    elif "\n" not in text and doc.get_string_width(text) <= width - 2 * doc.c_margin:
        out = [text]  # most cells: one line, no line breaking needed
    else:
        lines = doc.multi_cell(width, LINE_H, text, dry_run=True, output=MethodReturnValue.LINES)
        assert isinstance(lines, list)  # what output=LINES returns
        out = [str(line) for line in lines] or [""]
    if len(doc.wrapped) > 5000:
        doc.wrapped.clear()
    doc.wrapped[key] = out
    return out


def _row(doc: PdfBase, values: list[Cell] | list[str], widths: list[float], size: float, bold: bool = False,
         header: Callable[[], None] | None = None, grid: Grid | None = None) -> None:
    """One row of bordered cells, each text wrapped inside its cell and the row as tall as its longest
    cell. A row that does not fit the rest of the page starts on the next one (after ``header``); a row
    taller than a page is continued on the next pages, its cells' borders drawn on each. ``grid``: the
    table's columns for the fast path (pdf_fast), used unless a cell holds text to shape."""
    style = "B" if bold else ""
    codes = grid.one_line(values) if grid is not None else None
    if codes is not None:  # the common row: one line of plain text in every cell (pdf_fast)
        assert grid is not None
        if _room(doc) < 1:
            doc.add_page()
            if header is not None:
                header()
                doc.set_font(FONT, style, size)
        y = doc.get_y()
        grid.draw_line(codes, y)
        doc.set_xy(doc.l_margin, y + LINE_H + PAD)
        return
    cols = grid.cells(values) if grid is not None else None
    if cols is None:
        grid = None
        doc.set_font(FONT, style, size)
        cols = []
        for v, w in zip(values, widths, strict=True):
            text = cell_text(v)
            shaped = _needs_shaping(doc, text)
            with _shaping(doc, shaped):
                lines = _lines(doc, text, w)
            align = "R" if isinstance(v, int | float) else doc.start
            cols.append((lines, align, shaped))
    total = max([len(c[0]) for c in cols])
    done = 0
    while done < total:
        room = _room(doc)
        left = total - done
        if left > room and (room < _MIN_SPLIT or (done == 0 and left <= _page_room(doc))):
            doc.add_page()  # keep a row together when a page can hold it; never leave a sliver
            if header is not None:
                header()
                doc.set_font(FONT, style, size)
            if _room(doc) < 1:
                raise ValueError("a table header taller than a page")
            continue
        k = min(left, room)
        if grid is not None:
            y = doc.get_y()
            grid.draw(cols, y, done, k)
            doc.set_xy(doc.l_margin, y + k * LINE_H + PAD)
        else:
            _draw(doc, cols, widths, done, k, bold)
        done += k


def _room(doc: PdfBase) -> int:
    """How many lines of a row fit between the current position and the page's bottom margin."""
    return max(0, int((doc.page_break_trigger - doc.get_y() - PAD) / LINE_H + 1e-6))


def _page_room(doc: PdfBase) -> int:
    """How many lines a row can have on an empty page, below the page header and a table header."""
    return int((doc.page_break_trigger - doc.t_margin - 20 - PAD) / LINE_H)


def _draw(doc: PdfBase, cols: list[tuple[list[str], str, bool]], widths: list[float], first: int, count: int,
          bold: bool) -> None:
    """Lines ``first`` to ``first + count`` of a row's cells, each cell bordered (filled grey in a header).
    Cells of plain text go through pdf_fast in one piece, shaped cells (all of a shaped document's, the
    right-to-left ones of another) through pdf_shaped; fpdf2's ``cell()`` is left for what neither draws."""
    y, x = doc.get_y(), doc.l_margin
    h = count * LINE_H + PAD
    f = face(doc, doc.faces)
    fast = RowWriter(doc, f, 230 / 255 if bold else None) if f is not None else None
    s = shaper(doc, doc.shapers)
    shaped_w = ShapedRowWriter(doc, s, 230 / 255 if bold else None) if s is not None else None
    baseline = y + PAD / 2 + LINE_H / 2 + 0.3 * doc.font_size  # where cell() puts a line's baseline
    if doc.rtl:  # the first column on the right
        x += sum(widths)
    for (lines, align, shaped), w in zip(cols, widths, strict=True):
        if doc.rtl:
            x -= w
        if fast is not None and not shaped:
            fast.rect(x, y, w, h)
            for i, line in enumerate(lines[first:first + count]):
                fast.line(x, w, baseline + i * LINE_H, line, align == "R")
        elif shaped_w is not None and (shaped or doc.text_shaping):
            shaped_w.rect(x, y, w, h)
            for i, line in enumerate(lines[first:first + count]):
                shaped_w.line(x, w, baseline + i * LINE_H, line, align == "R")
        else:
            _draw_slow(doc, lines, align, shaped, x, y, w, first, count, bold)
        if not doc.rtl:
            x += w
    if fast is not None:
        fast.flush()
    if shaped_w is not None and (shaped_w.rects or shaped_w.texts):
        shaped_w.flush()
    doc.set_xy(doc.l_margin, y + h)


def _draw_slow(doc: PdfBase, lines: list[str], align: str, shaped: bool, x: float, y: float, w: float, first: int,
               count: int, bold: bool) -> None:
    h = count * LINE_H + PAD
    if bold:
        doc.set_fill_color(230)
    with _shaping(doc, shaped):
        if count == 1:  # the common one-line row: the cell draws its own border
            doc.set_xy(x, y)
            doc.cell(w, h, lines[first] if first < len(lines) else "", border=1, align=align, fill=bold)
        else:
            doc.rect(x, y, w, h, style="DF" if bold else "D")
            for i, line in enumerate(lines[first:first + count]):
                doc.set_xy(x, y + PAD / 2 + i * LINE_H)
                doc.cell(w, LINE_H, line, align=align)


def _needs_shaping(doc: PdfBase, text: str) -> bool:
    """Right-to-left text in a document without text shaping (a Persian word in a Bulgarian report)."""
    return not doc.shaping and _RTL.search(text) is not None


@contextmanager
def _shaping(doc: PdfBase, on: bool) -> Iterator[None]:
    if not on:
        yield
        return
    doc.set_text_shaping(True)
    try:
        yield
    finally:
        doc.set_text_shaping(False)


def _register(doc: _Doc, p: MonthlyProtocol) -> None:
    loc = p.locale
    headers = [p.t(f"report.col.{k}") for k in ("number", "category", "component", "description", "reported")]
    headers += [p.t(f"clock.{c}") for c in p.clocks]
    headers += [p.t("report.col.resolved"), p.t("report.col.confirmed")]
    doc.set_font(FONT, "B", 10)
    doc.cell(0, 7, p.t("report.section.register"), align=doc.start, new_x=XPos.LMARGIN, new_y=YPos.NEXT)
    doc.set_font(FONT, "", 7)
    legend = " · ".join([*(f"{_SYMBOL[o]} {p.t(f'report.outcome.{o}')}" for o in ("met", "breached", "running")),
                         f"{PROVISIONAL} {p.t('report.awaiting_legend')}"])
    doc.cell(0, 4, legend, align=doc.start, new_x=XPos.LMARGIN, new_y=YPos.NEXT)
    if not p.entries:
        doc.set_font(FONT, "", 8)
        doc.cell(0, 5, p.t("report.none"), align=doc.start, new_x=XPos.LMARGIN, new_y=YPos.NEXT)
        return
    cats = {k: category_title(p.customer, k, loc) for k in p.customer.categories}
    comps = {k: component_title(p.customer, k) for k in p.customer.components}
    sample = [_register_cells(p, e, cats, comps) for e in islice(p.entries, _SAMPLE)]
    widths = register_widths(doc, headers, sample, len(p.clocks))
    _rows(doc, headers, (_register_cells(p, e, cats, comps) for e in p.entries), widths, 7)


def register_widths(doc: PdfBase, headers: list[str], sample: list[list[Cell]], clocks: int) -> list[float]:
    """When the first rows' texts all fit on one line, the columns are as wide as they need (the room left
    shared in proportion). Otherwise the description keeps its room: a date and time at 7 pt is 22.3 mm of
    text + 2 mm of padding, and a longer clock cell wraps to two lines."""
    need = natural_widths(doc, Table("register", "", headers, sample), 7)
    if sum(need) <= doc.width:
        return [w * doc.width / sum(need) for w in need]
    return [27.0, 20.0, 18.0, doc.width - 27 - 20 - 18 - 3 * 24.5 - 31 * clocks, 24.5, *[31.0] * clocks, 24.5, 24.5]


def _register_cells(p: MonthlyProtocol, e: RegisterEntry, cats: dict[str, str], comps: dict[str, str]) -> list[Cell]:
    row = e.row
    number = row.control_number + (" ✗" if row.state == "cancelled" else "")
    cells: list[Cell] = [number, cats.get(row.category, row.category), comps.get(row.component, row.component),
                         row.description, when(p, row.reported_at)]
    cells += [clock_cell(r, p.locale) for r in e.results]
    cells += [when(p, row.resolved_at), when(p, row.confirmed_at)]
    return cells


def _signatures(doc: _Doc, p: MonthlyProtocol) -> None:
    cfg = p.customer.reports
    if doc.will_page_break(62):
        doc.add_page()
    doc.ln(4)
    doc.set_font(FONT, "B", 10)
    doc.cell(0, 7, p.t("report.section.signatures"), align=doc.start, new_x=XPos.LMARGIN, new_y=YPos.NEXT)
    half = doc.width / 2
    sides = [
        (p.t("report.sign.contractor"), cfg.contractor.name or p.contractor, cfg.contractor.signatory, cfg.contractor.title),
        (p.t("report.sign.customer"), cfg.customer.name or p.customer.name, cfg.customer.signatory, cfg.customer.title),
    ]
    top = doc.get_y()
    label_w, gap = 25, 10  # "Signature:" / "Date:" and the space between the line and the column's edge
    for i, (role, party, signatory, title) in enumerate(sides):
        # right to left (fa): the contractor's column on the right, each column mirrored — text aligned to
        # its right edge, the labels on the right of the lines to sign on
        x = doc.l_margin + ((1 - i) if doc.rtl else i) * half
        text_x = x + 6 if doc.rtl else x
        label_x = x + half - label_w if doc.rtl else x
        line_from, line_to = (x + gap, x + half - label_w) if doc.rtl else (x + label_w, x + half - gap)
        doc.set_xy(text_x, top)
        doc.set_font(FONT, "B", 9)
        doc.cell(half - 6, 6, role, align=doc.start, new_x=XPos.LEFT, new_y=YPos.NEXT)
        doc.set_font(FONT, "", 9)
        doc.cell(half - 6, 6, party, align=doc.start, new_x=XPos.LEFT, new_y=YPos.NEXT)
        doc.cell(half - 6, 6, p.t("report.sign.name", name=signatory or " " * 40), align=doc.start, new_x=XPos.LEFT,
                 new_y=YPos.NEXT)
        doc.cell(half - 6, 6, p.t("report.sign.title", title=title or ""), align=doc.start, new_x=XPos.LEFT,
                 new_y=YPos.NEXT)
        doc.ln(6)
        doc.set_x(label_x)
        doc.cell(label_w, 8, p.t("report.sign.signature"), align=doc.start)
        y = doc.get_y() + 7
        doc.line(line_from, y, line_to, y)
        doc.set_xy(label_x, y + 3)
        doc.cell(label_w, 8, p.t("report.sign.date"), align=doc.start)
        y2 = doc.get_y() + 7
        doc.line(line_from, y2, line_to, y2)
        if cfg.place:
            doc.set_xy(text_x, y2 + 3)
            doc.cell(half - 6, 6, p.t("report.sign.place", place=cfg.place), align=doc.start)


def render_pdf(p: MonthlyProtocol, *, chart_png: bytes | None = None) -> bytes:
    doc = _Doc(p)
    doc.add_page()
    lines = [line.replace(p.label, doc.month) for line in header_lines(p)]
    doc.set_font(FONT, "B", 14)
    doc.multi_cell(0, 8, lines[0], align=doc.start, new_x=XPos.LMARGIN, new_y=YPos.NEXT)
    doc.set_font(FONT, "", 9)
    for line in lines[1:]:
        doc.multi_cell(0, 5, line, align=doc.start, new_x=XPos.LMARGIN, new_y=YPos.NEXT)
    doc.ln(3)
    none = p.t("report.none")
    comp = compliance_table(p)
    _table(doc, comp, [40, 26, 20, 20, 20, 20, 24, 20, 28, 28, 37], none)
    if chart_png is None:
        from integrations.reports.chart import render_chart

        chart_png = render_chart(p)
    if doc.will_page_break(130):
        doc.add_page()
    doc.image(io.BytesIO(chart_png), x=doc.l_margin + 20, w=doc.width - 40)
    doc.ln(3)
    for table in side_tables(p):
        if table.key == "per_day":
            continue  # drawn in the chart; the CSV/XLSX keep the numbers
        _table(doc, table, fitted_widths(doc, table, doc.width), none)
    doc.add_page()
    _register(doc, p)
    _signatures(doc, p)
    return doc.pdf_bytes()
