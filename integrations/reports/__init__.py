"""Renderers of the monthly protocol: pure functions from ``MonthlyProtocol`` to the bytes of a file
(CSV, XLSX, Markdown, PDF, and a PNG of the charts). Heavy libraries are imported per format."""

from __future__ import annotations

from commands.reports.bulk import collector_paused
from commands.reports.report import MonthlyProtocol


def render(protocol: MonthlyProtocol, fmt: str) -> bytes:
    with collector_paused():  # tens of thousands of rows of cells: see commands/reports/bulk.py
        return _render(protocol, fmt)


def _render(protocol: MonthlyProtocol, fmt: str) -> bytes:
    match fmt:
        case "csv":
            from integrations.reports.csv_out import render_csv

            return render_csv(protocol)
        case "xlsx":
            from integrations.reports.xlsx import render_xlsx

            return render_xlsx(protocol)
        case "md":
            from integrations.reports.markdown import render_md

            return render_md(protocol)
        case "pdf":
            from integrations.reports.pdf import render_pdf

            return render_pdf(protocol)
        case "chart":
            from integrations.reports.chart import render_chart

            return render_chart(protocol)
    raise ValueError(f"unknown report format {fmt!r}")
