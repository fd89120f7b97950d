"""Bulk import of cadres from CSV or XLSX files.

Three stages, each usable on its own:

1. **Reading** (``read_file``): bytes → ``RawRow`` objects keyed by field name. CSV text may be
   UTF-8 (with or without BOM), UTF-16 (as Excel's "Unicode text" writes it, with or without BOM)
   or Windows-1258 (Excel's "CSV" on Vietnamese Windows); the delimiter (``,`` ``;`` or tab) is
   sniffed from the header row. XLSX is read from its first sheet. Problems that make the whole
   file unusable (not a spreadsheet, too big, unknown or missing columns) raise
   ``ImportFileError``.
2. **Validation** (inside ``import_cadres``): every row is checked against the database before
   anything is written, so all errors come back at once, each as ``RowError(row, field, message)``
   with the row number the spreadsheet shows (the header is row 1).
3. **Writing** (inside ``import_cadres``): rows go through ``create_cadre`` / ``update_cadre``, so
   a changed unit is a dated transfer like in the web form. Nothing is committed here.

The accepted columns and values are documented in ``docs/cadre-import.md``; ``COLUMNS`` below is
the single source of truth for header names.
"""
from __future__ import annotations

import csv
import datetime as dt
import io
import re
import zipfile
from collections import defaultdict
from dataclasses import dataclass, field
from typing import Any, Callable, Iterable, Iterator, NamedTuple

from flask import current_app
from flask_babel import force_locale
from sqlalchemy import select

from lms.cadres.models import (
    Cadre, CadreFacts, CadreTitle, EducationLevel, Membership, PoliticalLevel, TitleType, cadre_code,
)
from lms.cadres.operations import (
    FACT_FIELDS, CadreData, birth_date_problem, check_effective_on, create_cadre, facts_date_error,
    facts_of, facts_of_cadre, normal_phone, normal_term, open_from, update_cadre,
)
from lms.core.clock import local_today
from lms.core.db import db
from lms.core.errors import DAMAGED_ZIP_ERRORS, ValidationError
from lms.core.i18n import _, _l, format_number
from lms.core.text import EMAIL_ADDRESS, fold, nfc, text_sort_key
from lms.orgs.models import Track, Unit

DEFAULT_MAX_BYTES = 10 * 1024 * 1024
DEFAULT_MAX_ROWS = 10_000
# An XLSX is a zip file; refuse archives that would inflate to more than this (zip bombs).
MAX_XLSX_UNCOMPRESSED = 200 * 1024 * 1024
TITLE_SEPARATORS = re.compile(r"[;,]")
IMPORT_CHUNK = 500  # ids per IN (...) query when loading existing cadres


# -- columns -----------------------------------------------------------------------------------

@dataclass(frozen=True)
class Column:
    """One importable column: its field key, Vietnamese label, and accepted header spellings."""

    key: str
    label: Any  # a lazy string, translated when shown
    aliases: tuple[str, ...]
    required: bool = False


COLUMNS: tuple[Column, ...] = (
    Column("code", _l("Mã cán bộ"), ("ma can bo", "ma cb", "code", "cadre code"), required=True),
    Column("full_name", _l("Họ và tên"), ("ho va ten", "ho ten", "full name", "name"), required=True),
    Column("gender", _l("Giới tính"), ("gioi tinh", "gender", "sex"), required=True),
    Column("birth_date", _l("Ngày sinh"), ("ngay sinh", "ngay thang nam sinh", "birth date", "date of birth", "dob")),
    Column("unit_code", _l("Mã đơn vị"), ("ma don vi", "ma dv", "unit code", "unit"), required=True),
    Column("employment", _l("Chế độ"), ("che do", "che do cong tac", "employment")),
    Column("titles", _l("Chức danh"), ("chuc danh", "chuc vu", "titles", "title")),
    Column("education_level", _l("Trình độ chuyên môn"), ("trinh do chuyen mon", "chuyen mon", "education level", "education")),
    Column("political_level", _l("Trình độ lý luận chính trị"), ("trinh do ly luan chinh tri", "ly luan chinh tri", "llct", "political level", "political theory")),
    Column("track", _l("Khu vực"), ("khu vuc", "track", "sector")),
    Column("email", _l("Thư điện tử"), ("thu dien tu", "dia chi thu dien tu", "email", "e mail")),
    Column("phone", _l("Điện thoại"), ("dien thoai", "so dien thoai", "sdt", "phone")),
    Column("term", _l("Nhiệm kỳ"), ("nhiem ky", "term")),
)
COLUMNS_BY_KEY = {c.key: c for c in COLUMNS}
# Columns people add to their sheets that carry nothing to import (row numbers).
IGNORED_HEADERS = frozenset({"stt", "tt", "so thu tu", "no"})


def header_key(text: str) -> str:
    """A header's comparison key: folded, punctuation and ``_`` as spaces ("Họ và tên *" → "ho va ten")."""
    return re.sub(r"[^a-z0-9]+", " ", fold(text)).strip()


_ALIASES = {header_key(alias): column.key for column in COLUMNS for alias in (*column.aliases, column.key)}


def label(key: str) -> str:
    """The Vietnamese label of a field, as errors and the template show it."""
    return str(COLUMNS_BY_KEY[key].label)


def template_headers() -> list[str]:
    """The header row of the downloadable template, in column order, always in Vietnamese.

    Headers are part of the file format, not of the interface: an English-speaking admin still
    gets a file that any other admin can import.
    """
    with force_locale("vi"):
        return [label(c.key) for c in COLUMNS]


# -- results -----------------------------------------------------------------------------------

class RowError(NamedTuple):
    """One problem: the spreadsheet row number (header = 1), the field label and the message."""

    row: int
    field: str
    message: str

    def __str__(self) -> str:
        return _("Dòng %(row)s, %(field)s: %(message)s", row=self.row, field=self.field, message=self.message)


class ImportFileError(ValidationError):
    """The file as a whole cannot be imported; ``messages`` says why, in Vietnamese."""

    def __init__(self, messages: str | list[str]):
        self.messages = [messages] if isinstance(messages, str) else list(messages)
        super().__init__(" ".join(self.messages))


@dataclass
class RawRow:
    """One data row as read from the file: the spreadsheet row number and the cells by field key.

    Cells are ``str`` from CSV; from XLSX they may also be numbers, dates or datetimes. Columns
    absent from the file are absent from ``values`` (so an update keeps what the cadre had).
    """

    number: int
    values: dict[str, Any]


@dataclass
class ImportReport:
    """What an import did (or would have done): counts per outcome and every error found."""

    total: int = 0
    created: int = 0
    updated: int = 0
    transferred: int = 0
    unchanged: int = 0
    errors: list[RowError] = field(default_factory=list)
    invalid_rows: int = 0

    @property
    def written(self) -> int:
        """Rows that were created or changed (what a commit would keep)."""
        return self.created + self.updated + self.transferred

    def summary(self) -> str:
        return _(
            "Đã nhập %(created)s cán bộ mới, cập nhật %(updated)s, chuyển đơn vị %(transferred)s, không đổi %(unchanged)s.",
            created=format_number(self.created), updated=format_number(self.updated),
            transferred=format_number(self.transferred), unchanged=format_number(self.unchanged),
        )


# -- reading -----------------------------------------------------------------------------------

def max_bytes() -> int:
    return int(current_app.config.get("CADRE_IMPORT_MAX_BYTES", DEFAULT_MAX_BYTES))


def max_rows() -> int:
    return int(current_app.config.get("CADRE_IMPORT_MAX_ROWS", DEFAULT_MAX_ROWS))


def read_limited(stream: io.BufferedIOBase | Any) -> bytes:
    """Read at most the size limit from a binary stream; a larger file raises ``ImportFileError``."""
    limit = max_bytes()
    data = stream.read(limit + 1)
    if len(data) > limit:
        raise ImportFileError(_("Tệp quá lớn: tối đa %(mb)s MB. Hãy chia thành nhiều tệp nhỏ hơn.", mb=_mb(limit)))
    return data


def _mb(n: int) -> str:
    return f"{n / 1024 / 1024:g}".replace(".", ",")


def read_file(data: bytes) -> list[RawRow]:
    """Turn the bytes of a CSV or XLSX file into data rows keyed by field.

    The content decides the format, never the file name: a zip holding ``xl/workbook.xml`` is
    XLSX, anything that decodes to text without control characters is CSV. Fully blank rows are
    skipped but still counted, so row numbers match what Excel shows.
    """
    if len(data) > max_bytes():
        raise ImportFileError(_("Tệp quá lớn: tối đa %(mb)s MB. Hãy chia thành nhiều tệp nhỏ hơn.", mb=_mb(max_bytes())))
    if not data.strip():
        raise ImportFileError(_("Tệp rỗng."))
    if data.startswith(b"PK\x03\x04"):
        table = _read_xlsx(data)
    elif data.startswith(b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"):
        raise ImportFileError(_("Tệp Excel 97–2003 (.xls) chưa được hỗ trợ. Hãy mở tệp trong Excel và lưu lại dưới dạng .xlsx hoặc CSV."))
    else:
        table = _read_csv(_decode(data))
    return _map_rows(table)


def _decode(data: bytes) -> str:
    """Decode CSV bytes: BOM first, then UTF-16 by its NUL bytes, then strict UTF-8, then Windows-1258."""
    if data.startswith(b"\xef\xbb\xbf"):
        text = _strict(data[3:], "utf-8")
    elif data.startswith(b"\xff\xfe"):
        text = _strict(data[2:], "utf-16-le")
    elif data.startswith(b"\xfe\xff"):
        text = _strict(data[2:], "utf-16-be")
    elif b"\x00" in data[:4096]:
        # UTF-16 without a BOM: ASCII letters leave a NUL in every other byte; which half holds
        # the NULs tells the byte order. Anything else with NULs is a binary file.
        head = data[:4096]
        even, odd = head[0::2].count(0), head[1::2].count(0)
        if max(even, odd) < len(head) // 4 or min(even, odd) > len(head) // 8:
            raise _not_a_spreadsheet()
        text = _strict(data, "utf-16-be" if even > odd else "utf-16-le")
    else:
        try:
            text = data.decode("utf-8")
        except UnicodeDecodeError:
            # Excel on Vietnamese Windows saves "CSV" in the ANSI code page, Windows-1258. Python's
            # codec returns decomposed tone marks; cells are NFC-normalised when mapped.
            text = _strict(data, "cp1258")
    if _looks_binary(text):
        raise _not_a_spreadsheet()
    return text


def _strict(data: bytes, encoding: str) -> str:
    try:
        return data.decode(encoding)
    except UnicodeDecodeError:
        raise ImportFileError(_(
            "Không đọc được tệp: mã hóa ký tự không hợp lệ. Hãy lưu tệp dưới dạng CSV UTF-8 hoặc XLSX."
        )) from None


def _looks_binary(text: str) -> bool:
    head = text[:8192]
    controls = sum(1 for ch in head if ord(ch) < 32 and ch not in "\t\r\n\f\v")
    return "\x00" in head or controls > len(head) // 100


def _not_a_spreadsheet() -> ImportFileError:
    return ImportFileError(_("Tệp không phải bảng tính CSV hoặc XLSX. Hãy chọn tệp .csv hoặc .xlsx."))


def _read_csv(text: str) -> Iterator[tuple[int, list[Any]]]:
    """Yield (row number, cells) with the delimiter sniffed from the first line."""
    first = text.split("\n", 1)[0]
    # Excel honours a first line "sep=;" and hides it, so the header is still row 1.
    if re.fullmatch(r"sep=.", first.strip().lower()):
        delimiter = first.strip()[-1]
        text = text.split("\n", 1)[1] if "\n" in text else ""
    else:
        delimiter = _sniff_delimiter(first)
    reader = csv.reader(io.StringIO(text, newline=""), delimiter=delimiter)
    try:
        for number, cells in enumerate(reader, start=1):
            yield number, cells
    except csv.Error as exc:
        raise ImportFileError(_("Tệp CSV bị lỗi cấu trúc gần dòng %(row)s (%(detail)s).", row=reader.line_num, detail=str(exc))) from None


def _sniff_delimiter(header_line: str) -> str:
    """The delimiter that splits the header row the most (Excel writes ``,`` ``;`` or tab)."""
    outside_quotes = re.sub(r'"[^"]*"', "", header_line)
    counts = {d: outside_quotes.count(d) for d in ("\t", ";", ",")}
    best = max(counts, key=lambda d: counts[d])
    return best if counts[best] else ","


def _read_xlsx(data: bytes) -> Iterator[tuple[int, list[Any]]]:
    """Yield (row number, cells) from the first worksheet of an XLSX file."""
    import openpyxl
    from openpyxl.utils.exceptions import InvalidFileException

    try:
        archive = zipfile.ZipFile(io.BytesIO(data))
        names = set(archive.namelist())
        inflated = sum(info.file_size for info in archive.infolist())
    except zipfile.BadZipFile:
        raise _not_a_spreadsheet() from None
    if "xl/workbook.xml" not in names:
        if "content.xml" in names:
            raise ImportFileError(_("Tệp OpenDocument (.ods) chưa được hỗ trợ. Hãy lưu lại dưới dạng .xlsx hoặc CSV."))
        raise _not_a_spreadsheet()
    if inflated > MAX_XLSX_UNCOMPRESSED:
        raise ImportFileError(_("Tệp quá lớn: tối đa %(mb)s MB. Hãy chia thành nhiều tệp nhỏ hơn.", mb=_mb(max_bytes())))
    try:
        workbook = openpyxl.load_workbook(io.BytesIO(data), read_only=True, data_only=True)
    except (*DAMAGED_ZIP_ERRORS, InvalidFileException, KeyError, SyntaxError) as exc:  # openpyxl's own, and XML
        raise ImportFileError(_("Không đọc được tệp XLSX (%(detail)s). Hãy mở và lưu lại tệp trong Excel.", detail=str(exc) or type(exc).__name__)) from None

    def rows() -> Iterator[tuple[int, list[Any]]]:
        # openpyxl inflates and parses the sheet while the rows are read: a damaged entry fails here
        try:
            sheet = workbook.worksheets[0]
            for number, cells in enumerate(sheet.iter_rows(values_only=True), start=1):
                yield number, list(cells)
        except (*DAMAGED_ZIP_ERRORS, KeyError, SyntaxError) as exc:
            raise ImportFileError(_("Không đọc được tệp XLSX (%(detail)s). Hãy mở và lưu lại tệp trong Excel.",
                                    detail=str(exc) or type(exc).__name__)) from None
        finally:
            workbook.close()

    return rows()


def _is_blank(value: Any) -> bool:
    return value is None or (isinstance(value, str) and not value.strip())


def _map_rows(table: Iterable[tuple[int, list[Any]]]) -> list[RawRow]:
    """Map the header row onto field keys and the data rows onto those keys."""
    iterator = iter(table)
    try:
        header = next(iterator)[1]
    except StopIteration:
        raise ImportFileError(_("Tệp rỗng.")) from None
    positions = _map_header(header)
    limit = max_rows()
    rows: list[RawRow] = []
    for number, cells in iterator:
        if all(_is_blank(c) for c in cells):
            continue
        if len(rows) >= limit:
            raise ImportFileError(_(
                "Tệp có quá nhiều dòng: tối đa %(n)s cán bộ mỗi lần nhập. Hãy chia thành nhiều tệp.", n=format_number(limit),
            ))
        values: dict[str, Any] = {}
        for key, index in positions.items():
            value = cells[index] if index < len(cells) else None
            values[key] = nfc(value) if isinstance(value, str) else value
        rows.append(RawRow(number, values))
    if not rows:
        raise ImportFileError(_("Tệp không có dòng dữ liệu nào (chỉ có dòng tiêu đề)."))
    return rows


def _map_header(header: list[Any]) -> dict[str, int]:
    """Field key → column index; every header problem is reported at once."""
    problems: list[str] = []
    positions: dict[str, int] = {}
    unrecognised = False
    if all(_is_blank(c) for c in header):
        raise ImportFileError(_("Dòng 1 phải là dòng tiêu đề (Mã cán bộ, Họ và tên, Giới tính, Mã đơn vị…) nhưng đang trống."))
    for index, cell in enumerate(header):
        text = nfc(str(cell)) if cell is not None else ""
        key = header_key(text)
        if not key or key in IGNORED_HEADERS:
            continue
        field_key = _ALIASES.get(key)
        if field_key is None:
            unrecognised = True
            problems.append(_("Dòng 1: không nhận ra cột “%(name)s”.", name=text))
        elif field_key in positions:
            problems.append(_("Dòng 1: cột “%(name)s” xuất hiện hai lần.", name=label(field_key)))
        else:
            positions[field_key] = index
    for column in COLUMNS:
        if column.required and column.key not in positions:
            problems.append(_("Dòng 1: thiếu cột bắt buộc “%(name)s”.", name=str(column.label)))
    if problems:
        if unrecognised or len(positions) < 2:
            problems.append(_("Các cột được nhận: %(names)s. Tải tệp mẫu để xem cách ghi.", names=", ".join(template_headers())))
        raise ImportFileError(problems)
    return positions


# -- validation --------------------------------------------------------------------------------

class _Lookups:
    """Reference data loaded once per import, keyed by folded name and code."""

    def __init__(self) -> None:
        units = list(db.session.scalars(select(Unit)))
        self.units = {u.code: u for u in units}
        self.units_folded: dict[str, list[Unit]] = {}
        for unit in units:
            self.units_folded.setdefault(unit.code.casefold(), []).append(unit)
        self.titles = self._index(db.session.scalars(select(TitleType)))
        self.education = self._index(db.session.scalars(select(EducationLevel)))
        self.political = self._index(db.session.scalars(select(PoliticalLevel)))
        self.tracks = self._index(db.session.scalars(select(Track)))

    @staticmethod
    def _index(items: Iterable[Any]) -> dict[str, Any]:
        """Name, English name, code, and each part of a name like "Cao cấp / Cử nhân"."""
        index: dict[str, Any] = {}
        for item in items:
            names = [item.name, getattr(item, "name_en", ""), item.code, *item.name.split("/")]
            for name in names:
                key = header_key(name)
                if key:
                    index.setdefault(key, item)
        return index

    def unit(self, code: str) -> Unit | None:
        found = self.units.get(code)
        if found is None:
            candidates = self.units_folded.get(code.casefold(), [])
            found = candidates[0] if len(candidates) == 1 else None
        return found


def reference_order(items: Iterable[Any]) -> list[Any]:
    """Reference values in their own order: by their ``rank`` or ``position`` column (Trung học phổ thông,
    Trung cấp, …, Sau đại học), else by name in Vietnamese alphabetical order ("Đ" after "D", not after "z")."""
    def key(item: Any) -> tuple:
        order = getattr(item, "rank", None)
        if order is None:
            order = getattr(item, "position", None)
        return (order if order is not None else 0, text_sort_key(item.name))
    return sorted(items, key=key)


def accepted_values() -> dict[str, list[str]]:
    """The names the reference columns accept, in their own order, keyed by field: for the upload page
    (the lists are data, so the page reads them rather than repeating the ones the platform starts with)."""
    return {
        key: [item.name for item in reference_order(db.session.scalars(select(model)))]
        for key, model in (("titles", TitleType), ("education_level", EducationLevel),
                           ("political_level", PoliticalLevel), ("track", Track))
    }


_GENDERS = {"nam": "male", "male": "male", "m": "male", "nu": "female", "female": "female", "f": "female"}
_EMPLOYMENT = {
    "chuyen trach": "full_time", "full time": "full_time", "ct": "full_time",
    "khong chuyen trach": "part_time", "kiem nhiem": "part_time", "part time": "part_time", "kct": "part_time",
}


def _text(value: Any) -> str:
    """A cell as text; whole numbers from Excel lose their ".0" (codes typed as numbers)."""
    if value is None:
        return ""
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    if isinstance(value, (dt.datetime, dt.date)):
        return value.strftime("%d/%m/%Y")
    return nfc(str(value))


def parse_date(value: Any) -> dt.date | None:
    """dd/mm/yyyy (also with ``-`` or ``.``), yyyy-mm-dd, an Excel date cell or serial number; None if not a date."""
    if isinstance(value, dt.datetime):
        return value.date()
    if isinstance(value, dt.date):
        return value
    if isinstance(value, (int, float)) and not isinstance(value, bool):
        # An unformatted Excel date is a serial day number (1 = 1900-01-01, with Excel's 1900 leap bug).
        if 1 <= value < 200_000:
            return dt.date(1899, 12, 30) + dt.timedelta(days=int(value))
        return None
    text = _text(value)
    match = re.fullmatch(r"(\d{1,2})[/.-](\d{1,2})[/.-](\d{4})", text)
    try:
        if match:
            day, month, year = (int(g) for g in match.groups())
            return dt.date(year, month, day)
        match = re.fullmatch(r"(\d{4})-(\d{1,2})-(\d{1,2})(?:[ T]00:00(?::00)?)?", text)
        if match:
            year, month, day = (int(g) for g in match.groups())
            return dt.date(year, month, day)
    except ValueError:
        return None
    return None


@dataclass
class _Checked:
    """A valid row: the cadre data and, for an update, the cadre it applies to."""

    row: RawRow
    data: CadreData
    cadre: Cadre | None


class _Validator:
    """Checks rows against reference data and existing cadres, collecting every error."""

    def __init__(self, rows: list[RawRow], effective_on: dt.date) -> None:
        self.effective_on = effective_on
        self.lookups = _Lookups()
        self.today = local_today()
        codes = sorted({cadre_code(_text(r.values.get("code"))) for r in rows} - {""})
        self.existing: dict[str, Cadre] = {}
        self.current_titles: dict[int, list[TitleType]] = {}
        self.membership_start: dict[int, dt.date] = {}
        periods: dict[int, list[tuple[dt.date, dt.date | None]]] = defaultdict(list)
        for start in range(0, len(codes), IMPORT_CHUNK):
            chunk = codes[start:start + IMPORT_CHUNK]
            for cadre in db.session.scalars(select(Cadre).where(Cadre.code.in_(chunk))):
                self.existing[cadre.code] = cadre
        ids = [c.id for c in self.existing.values()]
        for start in range(0, len(ids), IMPORT_CHUNK):
            chunk = ids[start:start + IMPORT_CHUNK]
            for title in db.session.scalars(select(CadreTitle).where(CadreTitle.cadre_id.in_(chunk), CadreTitle.end_on.is_(None))):
                self.current_titles.setdefault(title.cadre_id, []).append(title.title_type)
            for membership in db.session.scalars(select(Membership).where(Membership.cadre_id.in_(chunk), Membership.end_on.is_(None))):
                previous = self.membership_start.get(membership.cadre_id)
                self.membership_start[membership.cadre_id] = max(previous or membership.start_on, membership.start_on)
            for cadre_id, start_on, end_on in db.session.execute(
                select(CadreFacts.cadre_id, CadreFacts.start_on, CadreFacts.end_on).where(CadreFacts.cadre_id.in_(chunk))
            ):
                periods[cadre_id].append((start_on, end_on))
        # the day from which a change of employment or levels may take effect
        self.facts_since = {cadre_id: open_from(rows) for cadre_id, rows in periods.items()}
        self.seen_codes: dict[str, int] = {}

    def check(self, row: RawRow) -> tuple[_Checked | None, list[RowError]]:
        errors: list[RowError] = []
        values = row.values

        def error(key: str, message: str) -> None:
            errors.append(RowError(row.number, label(key), message))

        code = cadre_code(_text(values.get("code")))
        if not code:
            error("code", _("Thiếu mã cán bộ."))
        elif len(code) > 40:
            error("code", _("Mã cán bộ dài quá 40 ký tự."))
        elif code in self.seen_codes:
            error("code", _("Mã cán bộ %(code)s trùng với dòng %(row)s.", code=code, row=self.seen_codes[code]))
        else:
            self.seen_codes[code] = row.number
        cadre = self.existing.get(code) if code else None

        full_name = _text(values.get("full_name"))
        if not full_name:
            error("full_name", _("Thiếu họ và tên."))
        elif len(full_name) > 200:
            error("full_name", _("Họ và tên dài quá 200 ký tự."))

        gender_text = _text(values.get("gender"))
        gender = _GENDERS.get(header_key(gender_text))
        if not gender_text:
            error("gender", _("Thiếu giới tính (ghi Nam hoặc Nữ)."))
        elif gender is None:
            error("gender", _("Không hiểu giới tính “%(value)s” (ghi Nam hoặc Nữ).", value=gender_text))

        unit = self._unit(_text(values.get("unit_code")), error)
        if unit is not None and cadre is not None and cadre.unit_id != unit.id:
            since = self.membership_start.get(cadre.id)
            if since is not None and self.effective_on < since:
                error("unit_code", _(
                    "Ngày có hiệu lực %(d)s trước ngày cán bộ vào đơn vị hiện tại (%(since)s), nên không chuyển đơn vị được.",
                    d=self.effective_on.strftime("%d/%m/%Y"), since=since.strftime("%d/%m/%Y"),
                ))

        data = CadreData(code=code, full_name=full_name, gender=gender or "", unit=unit)  # type: ignore[arg-type]
        if cadre is not None:  # columns absent from the file keep what the cadre has
            data.birth_date, data.employment = cadre.birth_date, cadre.employment
            data.education_level, data.political_level = cadre.education_level, cadre.political_level
            data.track_override, data.titles = cadre.track_override, list(self.current_titles.get(cadre.id, []))
            data.titles_stated = "titles" in values
            data.email, data.phone, data.term = cadre.email, cadre.phone, cadre.term

        if "birth_date" in values:
            data.birth_date = self._birth_date(values["birth_date"], error)
        if "employment" in values:
            text = _text(values["employment"])
            employment = _EMPLOYMENT.get(header_key(text)) if text else "part_time"
            if employment is None:
                error("employment", _("Không hiểu chế độ “%(value)s” (ghi Chuyên trách hoặc Không chuyên trách).", value=text))
            data.employment = employment or "part_time"
        if "titles" in values:
            data.titles = self._titles(_text(values["titles"]), error)
        if "education_level" in values:
            data.education_level = self._reference(values["education_level"], self.lookups.education, "education_level", error)
        if "political_level" in values:
            data.political_level = self._reference(values["political_level"], self.lookups.political, "political_level", error)
        if "track" in values:
            data.track_override = self._reference(values["track"], self.lookups.tracks, "track", error)
        if "email" in values:
            data.email = _text(values["email"])
            if data.email and (len(data.email) > 200 or not EMAIL_ADDRESS.match(data.email)):
                error("email", _("Địa chỉ thư điện tử “%(value)s” không hợp lệ.", value=data.email))
        if "phone" in values:
            data.phone = self._phone(values["phone"], error)
        if "term" in values:
            data.term = self._term(_text(values["term"]), error)

        if cadre is not None and not errors:
            self._check_facts_date(cadre, data, error)
        if errors:
            return None, errors
        return _Checked(row, data, cadre), []

    def _check_facts_date(self, cadre: Cadre, data: CadreData, error: Callable[[str, str], None]) -> None:
        """A change of employment or levels cannot take effect before the period it would close."""
        since = self.facts_since.get(cadre.id)
        if since is None or self.effective_on >= since:
            return
        changed = [name for name, old, new in zip(FACT_FIELDS, facts_of_cadre(cadre), facts_of(data)) if old != new]
        if changed:
            error(changed[0], facts_date_error(self.effective_on, since))

    def _unit(self, code: str, error: Callable[[str, str], None]) -> Unit | None:
        if not code:
            error("unit_code", _("Thiếu mã đơn vị."))
            return None
        unit = self.lookups.unit(code)
        if unit is None:
            error("unit_code", _("Không có đơn vị mã %(code)s.", code=code))
            return None
        if not unit.is_active:
            if unit.merged_into is not None:
                error("unit_code", _(
                    "Đơn vị %(code)s (%(name)s) đã sáp nhập vào %(target)s (mã %(target_code)s) từ %(d)s.",
                    code=unit.code, name=unit.name, target=unit.merged_into.name, target_code=unit.merged_into.code,
                    d=unit.active_to.strftime("%d/%m/%Y") if unit.active_to else "",
                ))
            else:
                error("unit_code", _(
                    "Đơn vị %(code)s (%(name)s) đã ngừng hoạt động từ %(d)s.",
                    code=unit.code, name=unit.name, d=unit.active_to.strftime("%d/%m/%Y") if unit.active_to else "",
                ))
            return None
        return unit

    def _birth_date(self, value: Any, error: Callable[[str, str], None]) -> dt.date | None:
        if _is_blank(value):
            return None
        day = parse_date(value)
        if day is None:
            text = _text(value)
            if re.fullmatch(r"\d{1,2}[/.-]\d{1,2}[/.-]\d{4}|\d{4}-\d{1,2}-\d{1,2}", text):
                error("birth_date", _("Ngày sinh “%(value)s” không có thật (ghi ngày/tháng/năm, ví dụ 05/03/1985).", value=text))
            else:
                error("birth_date", _("Ngày sinh “%(value)s” không đúng định dạng (ghi dd/mm/yyyy, ví dụ 05/03/1985).", value=text))
            return None
        problem = birth_date_problem(day, self.today)
        if problem:
            error("birth_date", problem)
            return None
        return day

    def _titles(self, text: str, error: Callable[[str, str], None]) -> list[TitleType]:
        titles: list[TitleType] = []
        unknown: list[str] = []
        for part in TITLE_SEPARATORS.split(text):
            name = part.strip()
            if not name:
                continue
            title = self.lookups.titles.get(header_key(name))
            if title is None:
                unknown.append(name)
            elif title not in titles:
                titles.append(title)
        if unknown:
            choices = [t.name for t in reference_order(set(self.lookups.titles.values()))]
            error("titles", _("Không có chức danh: %(names)s; chọn trong: %(choices)s.",
                              names=", ".join(f"“{n}”" for n in unknown), choices=", ".join(choices)))
        return titles

    def _reference(self, value: Any, index: dict[str, Any], key: str, error: Callable[[str, str], None]) -> Any:
        text = _text(value)
        if not text:
            return None
        item = index.get(header_key(text))
        if item is None:
            choices = [i.name for i in reference_order(set(index.values()))]
            error(key, _("Không có giá trị “%(value)s”; chọn một trong: %(choices)s.", value=text, choices=", ".join(choices)))
        return item

    @staticmethod
    def _phone(value: Any, error: Callable[[str, str], None]) -> str:
        text = _text(value)
        if isinstance(value, (int, float)) and re.fullmatch(r"[1-9]\d{8}", text):
            text = "0" + text  # Excel stored the number as a number and dropped its leading zero
        if not text:
            return ""
        if normal_phone(text) is None:
            error("phone", _("Số điện thoại “%(value)s” không hợp lệ.", value=text))
        return text

    @staticmethod
    def _term(text: str, error: Callable[[str, str], None]) -> str:
        if not text:
            return ""
        term = normal_term(text)
        if term is None:
            error("term", _("Nhiệm kỳ “%(value)s” không hợp lệ (ghi dạng 2023–2028).", value=text))
            return text
        return term


# -- the operation -----------------------------------------------------------------------------

Progress = Callable[[int, int], None]


def import_cadres(
    rows: list[RawRow],
    effective_on: dt.date,
    skip_invalid: bool = False,
    progress: Progress | None = None,
) -> ImportReport:
    """Validate every row, then create or update cadres; the caller commits (or rolls back on errors).

    Without ``skip_invalid`` a single invalid row means nothing is written and ``report.errors``
    lists every problem. With it the valid rows are written and the invalid ones reported.
    ``effective_on`` dates new memberships, transfers and title changes. ``progress(done, total)``
    is called after each row written. Re-importing the same rows changes nothing.
    """
    check_effective_on(effective_on)  # before any row: the whole file takes effect on that day
    report = ImportReport(total=len(rows))
    validator = _Validator(rows, effective_on)
    checked: list[_Checked] = []
    invalid: set[int] = set()
    for row in rows:
        result, errors = validator.check(row)
        if errors:
            report.errors.extend(errors)
            invalid.add(row.number)
        elif result is not None:
            checked.append(result)
    report.invalid_rows = len(invalid)
    if report.errors and not skip_invalid:
        return report

    if skip_invalid:
        _write_all(checked, effective_on, report, progress, skip_invalid=True)
    else:
        # All or nothing even if a caller forgets to roll back: the whole write phase is one
        # savepoint, undone when the operations refuse any row.
        outer = db.session.begin_nested()
        _write_all(checked, effective_on, report, progress, skip_invalid=False)
        if report.errors:
            outer.rollback()
            report.created = report.updated = report.transferred = report.unchanged = 0
        else:
            outer.commit()
    report.errors.sort(key=lambda e: e.row)
    return report


def _write_all(
    checked: list[_Checked], effective_on: dt.date, report: ImportReport, progress: Progress | None, *, skip_invalid: bool,
) -> None:
    for done, item in enumerate(checked, start=1):
        try:
            # A savepoint per row: a row the operations refuse is undone alone and reported.
            with db.session.begin_nested():
                _write(item, effective_on, report)
        except ValidationError as exc:
            for key, message in exc.errors.items():
                report.errors.append(RowError(item.row.number, _operation_field(key), message))
            report.invalid_rows += 1
            if not skip_invalid:
                return
        if progress is not None:
            progress(done, len(checked))


def _write(item: _Checked, effective_on: dt.date, report: ImportReport) -> None:
    if item.cadre is None:
        create_cadre(item.data, effective_on)
        report.created += 1
        return
    moved = item.cadre.unit_id != item.data.unit.id
    changed = update_cadre(item.cadre, item.data, effective_on)
    if moved:
        report.transferred += 1
    elif changed:
        report.updated += 1
    else:
        report.unchanged += 1


def _operation_field(key: str) -> str:
    """Map an operation's error key (``unit``, ``code``, ``effective_on``…) to a column label."""
    mapping = {"unit": "unit_code", "effective_on": "unit_code"}
    key = mapping.get(key, key)
    return label(key) if key in COLUMNS_BY_KEY else str(_l("Dòng dữ liệu"))
