"""Tables of the report pages and their CSV and XLSX exports.

A report page is built from ``Table`` objects; the page renders them and the export links under each
one (``?table=<name>&format=csv|xlsx`` with the page's own filters) write the very same rows, so an
export never holds more than the page (a union admin's exports stop at their subtree like the page).

CSV: UTF-8 with a byte-order mark (Excel reads the Vietnamese letters), comma-separated, CRLF, numbers
written plainly (2701, 98.5). XLSX: numbers are numbers, shares are fractions formatted as percentages,
dates are dates, text is typed as text (a name starting with "=" is never a formula).
"""
from __future__ import annotations

import csv
import datetime as dt
import io
import re
from dataclasses import dataclass, field
from typing import Any

from flask import Response

from lms.core.i18n import format_date, format_number

TEXT, INT, SHARE, DATE = "text", "int", "share", "date"
FORMATS = {
    "csv": "text/csv",  # werkzeug adds "; charset=utf-8" to a text/* mimetype
    "xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
}


@dataclass
class Column:
    label: str
    kind: str = TEXT
    #: False: a column of the exports only, whose values the page shows elsewhere (a unit's code, under
    #: its name: a column of its own would squeeze the names into a column of words on a phone).
    on_page: bool = True

    @property
    def numeric(self) -> bool:
        return self.kind in (INT, SHARE)


@dataclass
class Cell:
    """A value with a link on the page (the link is not exported), and a note shown after it on the page
    only (the value of a column not on the page, such as a unit's code)."""

    value: Any
    href: str = ""
    note: str = ""


@dataclass
class Table:
    name: str                      # in the export URL and the file name
    title: str
    columns: list[Column]
    rows: list[list[Any]] = field(default_factory=list)
    footer: list[Any] | None = None   # a totals row, exported as the last row
    caption: str = ""

    @property
    def page_columns(self) -> list[tuple[int, Column]]:
        """The columns the page shows, with their index in a row."""
        return [(i, c) for i, c in enumerate(self.columns) if c.on_page]

    def html_cell(self, column: Column, value: Any) -> str:
        value = value.value if isinstance(value, Cell) else value
        if value is None:
            return "–" if column.numeric else ""
        if column.kind == INT:
            return format_number(value)
        if column.kind == SHARE:
            return format_number(value * 100, 1) + "%"
        if column.kind == DATE:
            return format_date(value)
        return str(value)


def _plain(value: Any) -> Any:
    return value.value if isinstance(value, Cell) else value


def _all_rows(table: Table) -> list[list[Any]]:
    rows = [[_plain(v) for v in row] for row in table.rows]
    if table.footer is not None:
        rows.append([_plain(v) for v in table.footer])
    return rows


def to_csv(table: Table) -> bytes:
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\r\n")
    writer.writerow([c.label + (" (%)" if c.kind == SHARE else "") for c in table.columns])
    for row in _all_rows(table):
        out = []
        for column, value in zip(table.columns, row):
            if value is None:
                out.append("")
            elif column.kind == SHARE:
                out.append(f"{value * 100:.1f}")
            elif column.kind == DATE:
                out.append(value.isoformat())
            else:
                out.append(value)
        writer.writerow(out)
    return ("\ufeff" + buffer.getvalue()).encode("utf-8")


def _sheet_title(title: str) -> str:
    return re.sub(r"[\[\]\:\*\?\/\\]", " ", title)[:31] or "Sheet1"


def to_xlsx(table: Table) -> bytes:
    from openpyxl import Workbook
    from openpyxl.styles import Font

    book = Workbook()
    sheet = book.active
    sheet.title = _sheet_title(table.title)
    sheet.append([c.label for c in table.columns])
    for cell in sheet[1]:
        cell.font = Font(bold=True)
        cell.data_type = "s"
    for row in _all_rows(table):
        sheet.append(row)
        for column, cell in zip(table.columns, sheet[sheet.max_row]):
            if cell.value is None:
                continue
            if column.kind == SHARE:
                cell.number_format = "0.0%"
            elif column.kind == INT:
                cell.number_format = "#,##0"
            elif column.kind == DATE and isinstance(cell.value, dt.date):
                cell.number_format = "DD/MM/YYYY"
            elif isinstance(cell.value, str):
                cell.data_type = "s"
    if table.footer is not None:
        for cell in sheet[sheet.max_row]:
            cell.font = Font(bold=True)
    sheet.freeze_panes = "A2"
    sheet.column_dimensions["A"].width = 40
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


def export_response(table: Table, fmt: str, stem: str) -> Response:
    """The file download of one table; ``fmt`` is "csv" or "xlsx" (checked by the caller)."""
    body = to_csv(table) if fmt == "csv" else to_xlsx(table)
    filename = f"{stem}-{table.name}.{fmt}"
    return Response(body, mimetype=FORMATS[fmt], headers={
        "Content-Disposition": f'attachment; filename="{filename}"',
        "Cache-Control": "private, no-store",
    })
