"""Cells of every CSV and XLSX file the desk writes, made safe for spreadsheet programs.

Text that a person typed may look like a formula (``=HYPERLINK("http://…")``, ``+``, ``-``, ``@``). In
XLSX a text cell is stored as a string (``t="s"``), never as a formula, whatever it starts with. CSV has no
types, so a text field starting with ``=``, ``+``, ``-``, ``@``, a tab or a carriage return gets a leading
apostrophe, as OWASP's "CSV Injection" page recommends; spreadsheet programs then show it as text.
Numbers (int, float) are written as numbers, so a negative margin stays ``-49``.
"""

from __future__ import annotations

from collections.abc import Iterable

from openpyxl.cell import WriteOnlyCell  # type: ignore[import-untyped]
from openpyxl.cell.cell import ERROR_CODES, ILLEGAL_CHARACTERS_RE  # type: ignore[import-untyped]
from openpyxl.styles import Font  # type: ignore[import-untyped]

Value = str | int | float | None

# https://owasp.org/www-community/attacks/CSV_Injection
FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")


def csv_field(value: Value) -> str:
    """One CSV field: numbers as they are, text with a leading ``'`` if it could start a formula."""
    if value is None:
        return ""
    if isinstance(value, int | float):
        return str(value)
    return "'" + value if value.startswith(FORMULA_STARTS) else value


def csv_row(values: Iterable[Value]) -> list[str]:
    return [csv_field(v) for v in values]


def xlsx_cells(ws: object, values: Iterable[Value], *, bold: bool = False) -> list[object]:
    """A row for a write-only sheet: text stored as a string cell (never a formula, never an error value),
    numbers as numbers; a control character XML cannot hold becomes U+FFFD. Plain values are passed through (openpyxl reuses one cell for them); only text that
    openpyxl would not store as a string, and bold cells, get a cell object of their own."""
    row: list[object] = []
    for v in values:
        if isinstance(v, str) and ILLEGAL_CHARACTERS_RE.search(v):
            # XML 1.0 has no such characters (a probe's error text may carry one): shown as U+FFFD
            v = ILLEGAL_CHARACTERS_RE.sub("\ufffd", v)
        if not bold and not (isinstance(v, str) and _not_a_string_to_openpyxl(v)):
            row.append(v)
            continue
        cell = WriteOnlyCell(ws, value=v)
        if isinstance(v, str):
            cell.data_type = "s"
        if bold:
            cell.font = _BOLD
        row.append(cell)
    return row


def _not_a_string_to_openpyxl(text: str) -> bool:
    # openpyxl's Cell._bind_value: "=..." becomes a formula, "#N/A" and the like an error value.
    return text.startswith("=") or text in ERROR_CODES


_BOLD = Font(bold=True)
