"""The built-in Excel exporter (openpyxl): one row per entry on the first sheet, hours per year on the second.

Dates are real dates (shown dd/mm/yyyy); text cells are typed as text, so a title starting with "="
is never evaluated as a formula.
"""
from __future__ import annotations

import datetime as dt
import io
from typing import Any

from lms.records.exporters import RecordExporter, table


class XlsxExporter(RecordExporter):
    name = "xlsx"
    label = "Excel (XLSX)"
    mimetype = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
    extension = "xlsx"

    def export(self, record: dict[str, Any]) -> bytes:
        from openpyxl import Workbook
        from openpyxl.styles import Font

        labels = record["labels"]
        header, rows = table(record, as_text=False)
        book = Workbook()
        sheet = book.active
        sheet.title = labels["sheet_entries"]
        bold = Font(bold=True)

        def append(values: list[Any], font: Font | None = None) -> None:
            sheet.append(list(values))
            for c in sheet[sheet.max_row]:
                if isinstance(c.value, str):
                    c.data_type = "s"  # text stays text, even when it starts with "="
                elif isinstance(c.value, dt.date):
                    c.number_format = "DD/MM/YYYY"
                if font is not None:
                    c.font = font

        append(header, bold)
        for row in rows:
            append(row)
        sheet.freeze_panes = "A2"
        for column, width in zip("ABCDEFGHIJKLM", (10, 24, 30, 6, 16, 22, 40, 30, 11, 11, 8, 10, 18)):
            sheet.column_dimensions[column].width = width

        years = book.create_sheet(labels["sheet_years"])
        years.append([labels["year"], labels["hours_online"], labels["hours_class"], labels["hours_external"],
                      labels["hours_total"]])
        for c in years[1]:
            c.font = bold
        for year in record["years"]:
            years.append([year["year"], year["online"], year["class"], year["external"], year["hours"]])
        years.append([labels["total"], None, None, None, record["total_hours"]])
        years[years.max_row][0].font = bold

        out = io.BytesIO()
        book.save(out)
        return out.getvalue()
