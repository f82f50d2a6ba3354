"""The protocol as CSV (UTF-8 with BOM, so spreadsheet programs read Cyrillic and Persian): the header
lines, then each table as a titled section (title row, header row, data rows), sections separated by an
empty row. The register comes first, then compliance, incidents per day, maintenance, backups, health."""

from __future__ import annotations

import csv
import io

from commands.report import MonthlyProtocol
from integrations.reports.tables import (
    Cell,
    compliance_table,
    header_lines,
    register_headers,
    register_rows,
    side_tables,
)


def _cell(v: Cell) -> str:
    return "" if v is None else str(v)


def render_csv(p: MonthlyProtocol) -> bytes:
    buf = io.StringIO()
    w = csv.writer(buf, lineterminator="\r\n")
    for line in header_lines(p):
        w.writerow([line])
    w.writerow([])
    w.writerow([p.t("report.section.register")])
    w.writerow(register_headers(p))
    for row in register_rows(p):
        w.writerow([_cell(v) for v in row])
    for table in (compliance_table(p), *side_tables(p)):
        w.writerow([])
        w.writerow([table.title])
        w.writerow(table.headers)
        for r in table.rows:
            w.writerow([_cell(v) for v in r])
    return ("\ufeff" + buf.getvalue()).encode("utf-8")
