"""The protocol as Markdown: header lines, then each table (pipes escaped, one line per row)."""

from __future__ import annotations

from collections.abc import Iterable

from commands.reports.report import MonthlyProtocol
from integrations.reports.tables import (
    Cell,
    compliance_table,
    header_lines,
    register_headers,
    register_rows,
    side_tables,
)


def _cell(v: Cell) -> str:
    if v is None:
        return ""
    return str(v).replace("|", "\\|").replace("\n", " ")


def _table(title: str, headers: list[str], rows: Iterable[list[Cell]], none: str) -> list[str]:
    out = [f"## {title}", ""]
    body = ["| " + " | ".join(_cell(v) for v in r) + " |" for r in rows]
    if not body:
        return [*out, none, ""]
    out.append("| " + " | ".join(_cell(h) for h in headers) + " |")
    out.append("|" + "---|" * len(headers))
    return [*out, *body, ""]


def render_md(p: MonthlyProtocol) -> bytes:
    lines = header_lines(p)
    out = [f"# {lines[0]}", "", *[f"- {x}" for x in lines[1:]], ""]
    none = p.t("report.none")
    comp = compliance_table(p)
    out += _table(comp.title, comp.headers, comp.rows, none)
    out += _table(p.t("report.section.register"), register_headers(p), register_rows(p), none)
    for t in side_tables(p):
        out += _table(t.title, t.headers, t.rows, none)
    return "\n".join(out).encode("utf-8")
