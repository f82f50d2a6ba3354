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
from datetime import timedelta
from pathlib import Path

import matplotlib
from fpdf import FPDF
from fpdf.enums import XPos, YPos

from commands.domain.i18n.format import format_duration
from commands.domain.report_math import ClockResult
from commands.report import MonthlyProtocol, RegisterEntry
from commands.views import category_title, component_title
from integrations.reports.tables import Cell, Table, compliance_table, header_lines, side_tables, when

FONT_DIR = Path(matplotlib.get_data_path()) / "fonts" / "ttf"
FONT = "DejaVu"
_SYMBOL = {"met": "✓", "breached": "✗", "running": "…", "waiting": "–", "cancelled": "—"}
ROW_H = 5.0
PROVISIONAL = "*"  # after the outcome's symbol: the fix awaits confirmation


class _Doc(FPDF):
    def __init__(self, p: MonthlyProtocol) -> None:
        super().__init__(orientation="L", unit="mm", format="A4")
        self.protocol = p
        self.add_font(FONT, "", str(FONT_DIR / "DejaVuSans.ttf"))
        self.add_font(FONT, "B", str(FONT_DIR / "DejaVuSans-Bold.ttf"))
        if p.locale == "fa":
            self.set_text_shaping(True)
        self.set_auto_page_break(True, margin=14)
        self.set_margins(10, 12, 10)
        self.alias_nb_pages("{pages_total}")  # wide enough for thousands of pages
        self.running_title = ""  # the table whose header repeats after a page break
        self.set_title(p.t("report.protocol.title", month=p.label))
        self.set_author(p.customer.reports.contractor.name or p.contractor)
        self.set_creator("dutydesk")

    def header(self) -> None:
        p = self.protocol
        self.set_font(FONT, "", 7)
        self.set_text_color(90)
        self.cell(0, 4, f"{p.customer.name} · {p.t('report.protocol.title', month=p.label)}",
                  new_x=XPos.LMARGIN, new_y=YPos.NEXT)
        self.set_text_color(0)
        self.ln(1)

    def footer(self) -> None:
        self.set_y(-10)
        self.set_font(FONT, "", 7)
        self.set_text_color(90)
        self.cell(0, 4, self.protocol.t("report.page", page=self.page_no(), pages="{pages_total}"), align="C")
        self.set_text_color(0)

    @property
    def width(self) -> float:
        return float(self.w - self.l_margin - self.r_margin)


def _clip(text: str, width_mm: float, size: float) -> str:
    limit = max(4, int(width_mm / (size * 0.19)))  # DejaVu Sans: about 0.54 em per character
    text = text.replace("\n", " ")
    return text if len(text) <= limit else text[: limit - 1] + "…"


def _dur(seconds: int, locale: str) -> str:
    return format_duration(timedelta(seconds=abs(seconds)), locale)


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


def _table(doc: _Doc, table: Table, widths: list[float], none: str, size: float = 7.5) -> None:
    doc.set_font(FONT, "B", 10)
    doc.cell(0, 7, table.title, new_x=XPos.LMARGIN, new_y=YPos.NEXT)
    if not table.rows:
        doc.set_font(FONT, "", 8)
        doc.cell(0, 5, none, new_x=XPos.LMARGIN, new_y=YPos.NEXT)
        doc.ln(2)
        return
    _row(doc, table.headers, widths, size, bold=True)
    for r in table.rows:
        if doc.will_page_break(ROW_H):
            doc.add_page()
            _row(doc, table.headers, widths, size, bold=True)
        _row(doc, r, widths, size)
    doc.ln(3)


def _row(doc: _Doc, values: list[Cell] | list[str], widths: list[float], size: float, bold: bool = False) -> None:
    doc.set_font(FONT, "B" if bold else "", size)
    if bold:
        doc.set_fill_color(230)
    for v, w in zip(values, widths, strict=True):
        text = "" if v is None else (f"{v:.1f}" if isinstance(v, float) else str(v))
        align = "R" if isinstance(v, int | float) else "L"
        doc.cell(w, ROW_H, _clip(text, w, size), border=1, align=align, fill=bold)
    doc.ln(ROW_H)


def _register(doc: _Doc, p: MonthlyProtocol) -> None:
    loc = p.locale
    fixed = {"number": 29.0, "category": 22.0, "component": 20.0, "reported": 22.0, "resolved": 22.0,
             "confirmed": 22.0}
    clock_w = 35.0
    desc_w = doc.width - sum(fixed.values()) - clock_w * len(p.clocks)
    widths = [fixed["number"], fixed["category"], fixed["component"], desc_w, fixed["reported"],
              *([clock_w] * len(p.clocks)), fixed["resolved"], fixed["confirmed"]]
    headers = [p.t(f"report.col.{k}") for k in ("number", "category", "component", "description", "reported")]
    headers += [p.t(f"clock.{c}") for c in p.clocks]
    headers += [p.t("report.col.resolved"), p.t("report.col.confirmed")]
    doc.set_font(FONT, "B", 10)
    doc.cell(0, 7, p.t("report.section.register"), new_x=XPos.LMARGIN, new_y=YPos.NEXT)
    doc.set_font(FONT, "", 7)
    legend = " · ".join([*(f"{_SYMBOL[o]} {p.t(f'report.outcome.{o}')}" for o in ("met", "breached", "running")),
                         f"{PROVISIONAL} {p.t('report.awaiting_legend')}"])
    doc.cell(0, 4, legend, new_x=XPos.LMARGIN, new_y=YPos.NEXT)
    if not p.entries:
        doc.set_font(FONT, "", 8)
        doc.cell(0, 5, p.t("report.none"), new_x=XPos.LMARGIN, new_y=YPos.NEXT)
        return
    _row(doc, headers, widths, 7, bold=True)
    cats = {k: category_title(p.customer, k, loc) for k in p.customer.categories}
    comps = {k: component_title(p.customer, k) for k in p.customer.components}
    for e in p.entries:
        if doc.will_page_break(ROW_H):
            doc.add_page()
            _row(doc, headers, widths, 7, bold=True)
        _row(doc, _register_cells(p, e, cats, comps), widths, 7)


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
    doc.cell(0, 7, p.t("report.section.signatures"), new_x=XPos.LMARGIN, new_y=YPos.NEXT)
    half = doc.width / 2
    sides = [
        (p.t("report.sign.contractor"), cfg.contractor.name or p.contractor, cfg.contractor.signatory, cfg.contractor.title),
        (p.t("report.sign.customer"), cfg.customer.name or p.customer.name, cfg.customer.signatory, cfg.customer.title),
    ]
    top = doc.get_y()
    for i, (role, party, signatory, title) in enumerate(sides):
        x = doc.l_margin + i * half
        doc.set_xy(x, top)
        doc.set_font(FONT, "B", 9)
        doc.cell(half - 6, 6, role, new_x=XPos.LEFT, new_y=YPos.NEXT)
        doc.set_font(FONT, "", 9)
        doc.cell(half - 6, 6, party, new_x=XPos.LEFT, new_y=YPos.NEXT)
        doc.cell(half - 6, 6, p.t("report.sign.name", name=signatory or " " * 40), new_x=XPos.LEFT, new_y=YPos.NEXT)
        doc.cell(half - 6, 6, p.t("report.sign.title", title=title or ""), new_x=XPos.LEFT, new_y=YPos.NEXT)
        doc.ln(6)
        doc.set_x(x)
        doc.cell(25, 8, p.t("report.sign.signature"))
        y = doc.get_y() + 7
        doc.line(x + 25, y, x + half - 10, y)
        doc.set_xy(x, y + 3)
        doc.cell(25, 8, p.t("report.sign.date"))
        y2 = doc.get_y() + 7
        doc.line(x + 25, y2, x + half - 10, y2)
        if cfg.place:
            doc.set_xy(x, y2 + 3)
            doc.cell(half - 6, 6, p.t("report.sign.place", place=cfg.place))


def render_pdf(p: MonthlyProtocol, *, chart_png: bytes | None = None) -> bytes:
    doc = _Doc(p)
    doc.add_page()
    lines = header_lines(p)
    doc.set_font(FONT, "B", 14)
    doc.multi_cell(0, 8, lines[0], new_x=XPos.LMARGIN, new_y=YPos.NEXT)
    doc.set_font(FONT, "", 9)
    for line in lines[1:]:
        doc.multi_cell(0, 5, line, new_x=XPos.LMARGIN, new_y=YPos.NEXT)
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
        n = len(table.headers)
        widths = [doc.width / n] * n
        _table(doc, table, widths, none)
    doc.add_page()
    _register(doc, p)
    _signatures(doc, p)
    return bytes(doc.output())
