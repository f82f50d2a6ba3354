"""Cells of every CSV file the desk writes, made safe for spreadsheet programs.

Text that a person typed may look like a formula (``=HYPERLINK("http://…")``, ``+``, ``-``, ``@``). In
XLSX a text cell is always a string cell, never a formula (integrations/reports/xlsx_writer.py). CSV has no
types, so a text field starting with ``=``, ``+``, ``-``, ``@``, a tab or a carriage return gets a leading
apostrophe, as OWASP's "CSV Injection" page recommends; spreadsheet programs then show it as text.
Numbers (int, float) are written as numbers, so a negative margin stays ``-49``.
"""

from __future__ import annotations

from collections.abc import Iterable

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

