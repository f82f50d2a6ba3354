"""The protocol as Markdown: header lines, then each table (pipes escaped, one line per row)."""

from __future__ import annotations

import io
from collections.abc import Iterable, Iterator

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


def _table(title: str, headers: list[str], rows: Iterable[list[Cell]], none: str) -> Iterator[str]:
    yield f"## {title}"
    yield ""
    first = True
    for r in rows:
        if first:
            yield "| " + " | ".join(_cell(h) for h in headers) + " |"
            yield "|" + "---|" * len(headers)
            first = False
        yield "| " + " | ".join(_cell(v) for v in r) + " |"
    if first:
        yield none
    yield ""


def render_md(p: MonthlyProtocol) -> bytes:
    buf = io.BytesIO()  # encoded line by line: the 18 MB file is held once, not as lines, text and bytes
    out = io.TextIOWrapper(buf, encoding="utf-8", newline="")
    lines = header_lines(p)
    out.write("\n".join([f"# {lines[0]}", "", *[f"- {x}" for x in lines[1:]], ""]))
    none = p.t("report.none")
    comp = compliance_table(p)
    tables = [_table(comp.title, comp.headers, comp.rows, none),
              _table(p.t("report.section.register"), register_headers(p), register_rows(p), none),
              *(_table(t.title, t.headers, t.rows, none) for t in side_tables(p))]
    for table in tables:
        for line in table:
            out.write("\n")
            out.write(line)
    out.flush()
    return buf.getvalue()
