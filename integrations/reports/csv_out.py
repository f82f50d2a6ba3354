"""The protocol as CSV (UTF-8 with BOM, so spreadsheet programs read Cyrillic and Persian): the header
lines, then each table as a titled section (title row, header row, data rows), sections separated by an
empty row. The register comes first, then compliance, incidents per day, maintenance, backups, health.
Every field goes through ``cells.csv_row``: text that could start a formula is written as text."""

from __future__ import annotations

import csv
import io

from commands.reports.report import MonthlyProtocol
from integrations.reports.cells import csv_row
from integrations.reports.tables import (
    compliance_table,
    header_lines,
    register_headers,
    register_rows,
    side_tables,
)


def render_csv(p: MonthlyProtocol) -> bytes:
    buf = io.BytesIO()  # encoded as it is written: one copy of a 15 MB file in memory, not four
    text = io.TextIOWrapper(buf, encoding="utf-8-sig", newline="")
    w = csv.writer(text, lineterminator="\r\n")
    for line in header_lines(p):
        w.writerow(csv_row([line]))
    w.writerow([])
    w.writerow(csv_row([p.t("report.section.register")]))
    w.writerow(csv_row(register_headers(p)))
    for row in register_rows(p):
        w.writerow(csv_row(row))
    for table in (compliance_table(p), *side_tables(p)):
        w.writerow([])
        w.writerow(csv_row([table.title]))
        w.writerow(csv_row(table.headers))
        for r in table.rows:
            w.writerow(csv_row(r))
    text.flush()
    return buf.getvalue()
