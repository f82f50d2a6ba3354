"""The protocol as an Excel workbook (openpyxl, write-only: rows are streamed, not kept as cell objects).

Sheets: the summary (header lines and compliance per category), the register, incidents per day,
maintenance, backups, health. Numbers are numeric cells; text is always a string cell, never a formula
(``cells.xlsx_cells``); right-to-left sheets for fa.
"""

from __future__ import annotations

import io
import re

from openpyxl import Workbook  # type: ignore[import-untyped]

from commands.reports.report import MonthlyProtocol
from integrations.reports.cells import Value, xlsx_cells
from integrations.reports.tables import (
    compliance_table,
    header_lines,
    register_headers,
    register_rows,
    side_tables,
)

_BAD = re.compile(r"[\[\]:*?/\\]")


def sheet_name(title: str, used: set[str]) -> str:
    name = re.sub(r"\s+", " ", _BAD.sub(" ", title))[:31].strip() or "Sheet"
    base, n = name, 2
    while name in used:
        name = f"{base[:28]} {n}"
        n += 1
    used.add(name)
    return name


def render_xlsx(p: MonthlyProtocol) -> bytes:
    wb = Workbook(write_only=True)
    used: set[str] = set()
    rtl = p.locale == "fa"

    def sheet(title: str, widths: list[int]) -> object:
        ws = wb.create_sheet(sheet_name(title, used))
        if rtl:
            ws.sheet_view.rightToLeft = True
        for i, width in enumerate(widths):
            ws.column_dimensions[_col(i)].width = width
        return ws

    def bold_row(ws: object, values: list[str]) -> None:
        ws.append(xlsx_cells(ws, values, bold=True))  # type: ignore[attr-defined]

    def row(ws: object, values: list[Value]) -> None:
        ws.append(xlsx_cells(ws, values))  # type: ignore[attr-defined]

    comp = compliance_table(p)
    ws = sheet(p.t("report.section.compliance"), [24, 14, 10, 10, 10, 10, 12, 10, 14, 14, 18])
    for i, line in enumerate(header_lines(p)):
        if i == 0:
            bold_row(ws, [line])
        else:
            row(ws, [line])
    ws.append([])  # type: ignore[attr-defined]
    bold_row(ws, comp.headers)
    for r in comp.rows:
        row(ws, r)

    headers = register_headers(p)
    ws = sheet(p.t("report.section.register"), [16, 14, 12, 50, 14, 18, *([10, 12, 12] * len(p.clocks)), 18, 18])
    bold_row(ws, headers)
    for values in register_rows(p):
        row(ws, values)

    for table in side_tables(p):
        ws = sheet(table.title, [20] * len(table.headers))
        bold_row(ws, table.headers)
        for r in table.rows:
            row(ws, r)
    out = io.BytesIO()
    wb.save(out)
    return out.getvalue()


def _col(i: int) -> str:
    name = ""
    i += 1
    while i:
        i, rem = divmod(i - 1, 26)
        name = chr(65 + rem) + name
    return name
