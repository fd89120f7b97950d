"""The contract of record-exporter plugins (entry-point group ``lms.record_exporters``).

An exporter turns one cadre's training record — a plain dict, built by
:func:`lms.records.queries.record_data`, never ORM objects — into the bytes of a file::

    class Tsv(RecordExporter):
        name = "tsv"                     # stable, equal to the entry point's name
        label = "Bảng TSV"               # shown on the record page's download link
        mimetype = "text/tab-separated-values"
        extension = "tsv"

        def export(self, record: dict) -> bytes:
            ...

registered in the plugin distribution's ``setup.cfg``::

    [options.entry_points]
    lms.record_exporters =
        tsv = my_plugin:Tsv

The record dict (all strings NFC; dates are ``datetime.date``; numbers are ``int``)::

    {
      "cadre": {"code", "full_name", "gender", "birth_date", "unit_name"},
      "generated_on": date,
      "entries": [  # oldest first
        {"kind": "online" | "class" | "external", "kind_label", "study_kind" (or None),
         "study_kind_label", "title", "provider", "start_on" (or None), "end_on", "year",
         "hours", "result", "certificate_serial", "note"},
      ],
      "years": [{"year", "hours", "online", "class", "external"}],  # newest first
      "total_hours": int,
      "labels": {column key: Vietnamese heading},
    }

The built-ins (csv, xlsx, pdf) are registered through ``setup.cfg`` like any plugin.
"""
from __future__ import annotations

from abc import ABC, abstractmethod

import datetime as dt
from typing import Any, ClassVar

from lms.core.plugins import GROUP_RECORD_EXPORTERS, register_base

#: The columns of tabular exports, in order: (key in an entry dict, key in ``record["labels"]``).
COLUMNS = ("year", "kind_label", "study_kind_label", "title", "provider", "start_on", "end_on", "hours", "result",
           "certificate_serial")


class RecordExporter(ABC):
    """Base class of record exporters: one file format for one cadre's training record.

    Subclasses set the class attributes and implement :meth:`export`. They receive plain data
    only, so a plugin can neither query the database nor see fields the record page does not show.
    """

    #: Stable identifier, equal to the entry-point name; part of the download URL.
    name: ClassVar[str]
    #: The download link's text (Vietnamese).
    label: ClassVar[str]
    #: The response's Content-Type.
    mimetype: ClassVar[str]
    #: The file name's extension, without the dot.
    extension: ClassVar[str]

    @abstractmethod
    def export(self, record: dict[str, Any]) -> bytes:
        """The file's bytes for ``record`` (see the module docstring for its keys)."""


def cell(value: Any) -> Any:
    """A value as tabular exports write it: dates as dd/mm/yyyy, None as empty, numbers as they are.

    Text that a spreadsheet would take for a formula (starting with = + - @) is prefixed with an
    apostrophe, so that a course title can never run as a formula in Excel.
    """
    if value is None:
        return ""
    if isinstance(value, dt.date):
        return value.strftime("%d/%m/%Y")
    if isinstance(value, str) and value[:1] in ("=", "+", "-", "@", "\t", "\r"):
        return "'" + value
    return value


def table(record: dict[str, Any], *, as_text: bool = True) -> tuple[list[str], list[list[Any]]]:
    """(header, rows) of the entries, for the tabular exporters.

    With ``as_text`` (CSV) every value goes through :func:`cell`; without it (XLSX) values keep
    their types (dates, numbers) and the exporter guards formulas itself.
    """
    fmt = cell if as_text else (lambda v: "" if v is None else v)
    labels = record["labels"]
    header = [labels["code"], labels["full_name"], labels["unit_name"]] + [labels[key] for key in COLUMNS]
    cadre = record["cadre"]
    who = [cadre["code"], cadre["full_name"], cadre["unit_name"]]
    rows = [[fmt(v) for v in who] + [fmt(entry[key]) for key in COLUMNS] for entry in record["entries"]]
    return header, rows


def download_name(record: dict[str, Any], extension: str) -> str:
    """An ASCII file name: ``ho-so-dao-tao-CB00012.csv``."""
    code = "".join(ch if ch.isascii() and ch.isalnum() else "-" for ch in record["cadre"]["code"]).strip("-")
    return f"ho-so-dao-tao-{code or 'can-bo'}.{extension}"


register_base(GROUP_RECORD_EXPORTERS, RecordExporter)
