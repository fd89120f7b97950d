"""The built-in CSV exporter: UTF-8 with a byte-order mark, comma-separated, CRLF line ends.

The BOM makes Excel read the file as UTF-8 (without it, Vietnamese letters come out garbled).
The separator is a comma, as RFC 4180 says; Excel set to a Vietnamese locale expects ``;`` when a
file is double-clicked, but opens it correctly through Data → From Text/CSV, which detects the
comma. LibreOffice asks. See docs/training-record.md.
"""
from __future__ import annotations

import csv
import io
from typing import Any

from lms.records.exporters import RecordExporter, table


class CsvExporter(RecordExporter):
    name = "csv"
    label = "CSV"
    mimetype = "text/csv"
    extension = "csv"

    def export(self, record: dict[str, Any]) -> bytes:
        header, rows = table(record)
        buffer = io.StringIO()
        writer = csv.writer(buffer, lineterminator="\r\n")
        writer.writerow(header)
        writer.writerows(rows)
        return ("\ufeff" + buffer.getvalue()).encode("utf-8")
