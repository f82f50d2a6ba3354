"""The protocol as an Excel workbook, streamed by integrations/reports/xlsx_writer.py (rows are written
as they are made, never held as cell objects).

Sheets: the summary (header lines and compliance per category), the register, then the side tables
(awaiting confirmation, incidents per day, service protocols, planned maintenance, maintenance windows,
backups, health). Numbers are numeric cells; text is always a string cell, never a formula; the header
rows are bold; right-to-left sheets for fa.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Iterator, Sequence

from commands.reports.report import MonthlyProtocol
from integrations.reports.tables import (
    Table,
    compliance_table,
    header_lines,
    register_headers,
    register_rows,
    side_tables,
)
from integrations.reports.xlsx_writer import Sheet, Value, write_xlsx

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
    return write_xlsx(_sheets(p))


def _sheets(p: MonthlyProtocol) -> Iterator[Sheet]:
    used: set[str] = set()
    rtl = p.locale == "fa"

    def sheet(title: str, widths: list[int], rows: Iterable[tuple[Sequence[Value], bool]],
              size: tuple[int, int]) -> Sheet:
        return Sheet(sheet_name(title, used), widths, rows, size, rtl)

    lines, comp = header_lines(p), compliance_table(p)
    yield sheet(p.t("report.section.compliance"), [24, 14, 10, 10, 10, 10, 12, 10, 14, 14, 18], _summary(lines, comp),
                (len(lines) + 2 + len(comp.rows), len(comp.headers)))
    headers = register_headers(p)
    yield sheet(p.t("report.section.register"), [16, 14, 12, 50, 14, 18, *([10, 12, 12] * len(p.clocks)), 18, 18],
                _table(headers, register_rows(p)), (1 + len(p.entries), len(headers)))
    for table in side_tables(p):
        yield sheet(table.title, [20] * len(table.headers), _table(table.headers, table.rows),
                    (1 + len(table.rows), len(table.headers)))


def _summary(lines: list[str], comp: Table) -> Iterator[tuple[Sequence[Value], bool]]:
    for i, line in enumerate(lines):
        yield [line], i == 0
    yield [], False
    yield from _table(comp.headers, comp.rows)


def _table(headers: Sequence[str], rows: Iterable[Sequence[Value]]) -> Iterator[tuple[Sequence[Value], bool]]:
    yield headers, True
    for r in rows:
        yield r, False
