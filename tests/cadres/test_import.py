"""Bulk import of cadres: reading every encoding and format, row validation, writing, CLI and upload page."""
from __future__ import annotations

import csv
import datetime as dt
import io
import zipfile
import unicodedata

import openpyxl
import pytest
from sqlalchemy import func, select

from lms.cadres.commands import import_cadres_command
from lms.cadres.importing import ImportFileError, RowError, import_cadres, read_file
from lms.cadres.models import Cadre, CadreTitle, Membership
from lms.core.clock import local_today
from lms.core.db import db
from lms.core.errors import ValidationError
from tests.conftest import html_text

HEADER = ["Mã cán bộ", "Họ và tên", "Giới tính", "Ngày sinh", "Mã đơn vị", "Chế độ", "Chức danh"]
EFFECTIVE = dt.date(2025, 7, 1)


# -- building files ----------------------------------------------------------------------------

def csv_text(rows: list[list[str]], delimiter: str = ",", header: list[str] = HEADER) -> str:
    buffer = io.StringIO()
    writer = csv.writer(buffer, delimiter=delimiter, lineterminator="\r\n")
    writer.writerow(header)
    writer.writerows(rows)
    return buffer.getvalue()


_TONES = "\u0300\u0301\u0303\u0309\u0323"


def cp1258(text: str) -> bytes:
    """Encode as Windows-1258 does: precomposed base letters where the code page has them, tones combining."""
    out = bytearray()
    for ch in text:
        try:
            out += ch.encode("cp1258")
        except UnicodeEncodeError:
            parts = unicodedata.normalize("NFD", ch)
            base = unicodedata.normalize("NFC", "".join(c for c in parts if c not in _TONES))
            out += (base + "".join(c for c in parts if c in _TONES)).encode("cp1258")
    return bytes(out)


def xlsx(rows: list[list[object]], header: list[str] = HEADER) -> bytes:
    book = openpyxl.Workbook()
    sheet = book.active
    sheet.append(header)
    for row in rows:
        sheet.append(row)
    buffer = io.BytesIO()
    book.save(buffer)
    return buffer.getvalue()


ANH = ["CB-A1", "Nguyễn Thị Ánh", "Nữ", "05/03/1985", "CS-MAY", "Không chuyên trách", "Chủ tịch; Ủy viên Ban Chấp hành"]
DUC = ["CB-A2", "Trần Văn Đức", "Nam", "1979-11-20", "CS-TRUONG", "Chuyên trách", ""]


def run(data: bytes, *, skip_invalid: bool = False, effective_on: dt.date = EFFECTIVE):
    report = import_cadres(read_file(data), effective_on, skip_invalid=skip_invalid)
    db.session.flush()
    return report


def cadre(code: str) -> Cadre | None:
    return db.session.scalar(select(Cadre).where(Cadre.code == code))


def count(model) -> int:
    return db.session.scalar(select(func.count()).select_from(model))


def errors_of(data: bytes, **kwargs) -> list[RowError]:
    return run(data, **kwargs).errors


# -- encodings and formats ---------------------------------------------------------------------

@pytest.mark.parametrize("encode", [
    pytest.param(lambda t: t.encode("utf-8"), id="utf-8"),
    pytest.param(lambda t: t.encode("utf-8-sig"), id="utf-8-bom"),
    pytest.param(cp1258, id="windows-1258"),
    pytest.param(lambda t: t.encode("utf-16"), id="utf-16-bom"),
    pytest.param(lambda t: t.encode("utf-16-le"), id="utf-16-le-no-bom"),
    pytest.param(lambda t: t.encode("utf-16-be"), id="utf-16-be-no-bom"),
])
def test_csv_encodings_import_names_in_nfc(province, encode):
    report = run(encode(csv_text([ANH, DUC])))
    assert report.errors == []
    assert (report.created, report.updated, report.unchanged) == (2, 0, 0)
    anh = cadre("CB-A1")
    assert anh.full_name == "Nguyễn Thị Ánh" and unicodedata.is_normalized("NFC", anh.full_name)
    assert anh.gender == "female" and anh.birth_date == dt.date(1985, 3, 5) and anh.unit.code == "CS-MAY"
    assert sorted(t.code for t in _titles(anh)) == ["chu_tich", "uv_bch"]
    duc = cadre("CB-A2")
    assert (duc.full_name, duc.gender, duc.employment, duc.birth_date) == ("Trần Văn Đức", "male", "full_time", dt.date(1979, 11, 20))


def test_windows_1258_really_decomposes_tones(province):
    """The test file matches what Excel writes: tone marks as separate combining bytes."""
    data = cp1258("Nguyễn")
    assert b"\xde" in data  # combining tilde
    assert run(cp1258(csv_text([ANH]))).created == 1
    assert cadre("CB-A1").search_key == "nguyen thi anh"


def test_utf16_tab_separated_as_excel_unicode_text(province):
    text = csv_text([ANH, DUC], delimiter="\t")
    data = b"\xff\xfe" + text.encode("utf-16-le")
    assert run(data).created == 2


@pytest.mark.parametrize("delimiter", [";", "\t", ","])
def test_delimiters_are_sniffed(province, delimiter):
    assert run(csv_text([ANH, DUC], delimiter=delimiter).encode("utf-8-sig")).created == 2


def test_excel_sep_line_is_honoured_and_row_numbers_still_start_at_the_header(province):
    data = ("sep=;\r\n" + csv_text([ANH, ["CB-X", "Lê Văn X", "?", "", "CS-MAY", "", ""]], delimiter=";")).encode()
    assert [(e.row, e.field) for e in errors_of(data)] == [(3, "Giới tính")]


def test_xlsx_with_real_dates_text_dates_and_numeric_codes(province):
    rows = [
        ["CB-A1", "Nguyễn Thị Ánh", "Nữ", dt.datetime(1985, 3, 5), "CS-MAY", "", "chu tich"],
        [1001, "Trần Văn Đức", "nam", "20/11/1979", "CS-TRUONG", "full_time", "uv_bch, Ủy viên Ban Thường vụ"],
    ]
    report = run(xlsx(rows))
    assert report.errors == [] and report.created == 2
    assert cadre("CB-A1").birth_date == dt.date(1985, 3, 5)
    duc = cadre("1001")
    assert duc.birth_date == dt.date(1979, 11, 20) and duc.employment == "full_time"
    assert sorted(t.code for t in _titles(duc)) == ["uv_bch", "uv_btv"]


def test_xlsx_errors_carry_sheet_row_numbers(province):
    rows = [ANH, [None, None, None, None, None, None, None], ["CB-Z", "Lê Thị Z", "Nữ", "31/02/1990", "CS-MAY", "", ""]]
    assert [(e.row, e.field) for e in errors_of(xlsx(rows))] == [(4, "Ngày sinh")]


def test_headers_without_diacritics_in_english_any_case_and_extra_stt_column(province):
    header = ["STT", "MA CAN BO", "ho  va  ten", "Gender", "unit_code", "Ngay Sinh", "che do", "Titles", "dien thoai", "Nhiệm kỳ"]
    rows = [["1", "CB-A1", "Nguyễn Thị Ánh", "female", "CS-MAY", "5/3/1985", "part_time", "pho_chu_tich", "0912.345.678", "2023-2028"]]
    report = run(csv_text(rows, header=header).encode())
    assert report.errors == [] and report.created == 1
    anh = cadre("CB-A1")
    assert (anh.phone, anh.term) == ("0912.345.678", "2023–2028")


def test_reference_values_match_by_name_code_or_without_accents(province):
    header = ["Mã cán bộ", "Họ và tên", "Giới tính", "Mã đơn vị", "Trình độ chuyên môn", "Lý luận chính trị", "Khu vực", "Email"]
    rows = [
        ["CB-1", "Người Một", "Nữ", "CS-MAY", "dai hoc", "Cử nhân", "public", "mot@example.vn"],
        ["CB-2", "Người Hai", "Nam", "cs-truong", "postgraduate", "trung cap", "Sản xuất kinh doanh", ""],
    ]
    assert run(csv_text(rows, header=header).encode()).errors == []
    one, two = cadre("CB-1"), cadre("CB-2")
    assert (one.education_level.code, one.political_level.code, one.track_override.code) == ("university", "cao_cap", "public")
    assert (two.education_level.code, two.political_level.code, two.track_override.code) == ("postgraduate", "trung_cap", "business")
    assert two.unit.code == "CS-TRUONG" and one.email == "mot@example.vn"


# -- file-level refusals -----------------------------------------------------------------------

@pytest.mark.parametrize("data, fragment", [
    pytest.param(b"", "Tệp rỗng", id="empty"),
    pytest.param(b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR" + bytes(range(256)) * 4, "không phải bảng tính", id="png"),
    pytest.param(b"%PDF-1.7\n%\xe2\xe3\xcf\xd3\n1 0 obj\x00\x01\x02\x03" * 20, "không phải bảng tính", id="pdf"),
    pytest.param(b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\x00" * 512, ".xls", id="xls"),
    pytest.param(b"PK\x03\x04not really a zip", "không phải bảng tính", id="broken-zip"),
    pytest.param("Mã cán bộ,Họ và tên,Giới tính,Mã đơn vị\r\n".encode(), "không có dòng dữ liệu", id="header-only"),
    pytest.param("\r\nCB1,Tên,Nam,CS-MAY\r\n".encode(), "Dòng 1 phải là dòng tiêu đề", id="blank-header"),
])
def test_unreadable_files_are_refused_with_a_clear_message(province, data, fragment):
    with pytest.raises(ImportFileError) as caught:
        read_file(data)
    assert fragment in " ".join(caught.value.messages)


def test_a_zip_that_is_not_a_workbook_is_refused(province):
    import zipfile

    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        archive.writestr("word/document.xml", "<w/>")
    with pytest.raises(ImportFileError, match="không phải bảng tính"):
        read_file(buffer.getvalue())


def test_header_problems_are_all_reported(province):
    header = ["Mã cán bộ", "Họ tên", "Họ và tên", "Ngày sinhh"]
    with pytest.raises(ImportFileError) as caught:
        read_file(csv_text([["a", "b", "c", "d"]], header=header).encode())
    messages = caught.value.messages
    assert "Dòng 1: cột “Họ và tên” xuất hiện hai lần." in messages
    assert "Dòng 1: không nhận ra cột “Ngày sinhh”." in messages
    assert "Dòng 1: thiếu cột bắt buộc “Giới tính”." in messages
    assert "Dòng 1: thiếu cột bắt buộc “Mã đơn vị”." in messages


def test_files_over_the_size_limit_are_refused(app, province, monkeypatch):
    monkeypatch.setitem(app.config, "CADRE_IMPORT_MAX_BYTES", 200)
    with pytest.raises(ImportFileError, match="Tệp quá lớn: tối đa"):
        read_file(csv_text([ANH, DUC, ANH]).encode())


def test_files_over_the_row_limit_are_refused(app, province, monkeypatch):
    monkeypatch.setitem(app.config, "CADRE_IMPORT_MAX_ROWS", 3)
    rows = [[f"CB{i}", "Tên", "Nam", "", "CS-MAY", "", ""] for i in range(4)]
    assert len(read_file(csv_text(rows[:3]).encode())) == 3
    with pytest.raises(ImportFileError, match="tối đa 3 cán bộ mỗi lần nhập"):
        read_file(csv_text(rows).encode())


# -- row validation ----------------------------------------------------------------------------

def test_every_row_error_has_its_row_number_field_and_vietnamese_message(make, province):
    from lms.orgs.operations import dissolve_unit, merge_unit

    closed = make.unit("Công đoàn Công ty Cũ", parent=province["upper_a"], code="CS-CU")
    dissolve_unit(closed, dt.date(2025, 6, 11))
    merged = make.unit("Công đoàn Công ty Gộp", parent=province["upper_a"], code="CS-GOP")
    merge_unit(merged, province["biz"], dt.date(2025, 6, 1))
    header = HEADER + ["Trình độ chuyên môn", "Lý luận chính trị", "Khu vực", "Email", "Điện thoại", "Nhiệm kỳ"]
    ok = ["", "", "", "", "", ""]
    rows = [
        ["CB-1", "Người Tốt", "Nữ", "", "CS-MAY", "", "", *ok],                      # 2: valid
        ["", "Không Mã", "Nữ", "", "CS-MAY", "", "", *ok],                           # 3
        ["CB-1", "Trùng Mã", "Nữ", "", "CS-MAY", "", "", *ok],                       # 4
        ["CB-4", "", "Nữ", "", "CS-MAY", "", "", *ok],                               # 5
        ["CB-5", "Sai Giới", "Khác", "", "CS-MAY", "", "", *ok],                     # 6
        ["CB-6", "Thiếu Giới", "", "", "CS-MAY", "", "", *ok],                       # 7
        ["CB-7", "Thiếu Đơn Vị", "Nam", "", "", "", "", *ok],                        # 8
        ["CB-8", "Sai Đơn Vị", "Nam", "", "KHONG-CO", "", "", *ok],                  # 9
        ["CB-9", "Đơn Vị Giải Thể", "Nam", "", "CS-CU", "", "", *ok],                # 10
        ["CB-10", "Đơn Vị Sáp Nhập", "Nam", "", "CS-GOP", "", "", *ok],              # 11
        ["CB-11", "Sai Ngày", "Nam", "31/04/1985", "CS-MAY", "", "", *ok],           # 12
        ["CB-12", "Ngày Ngoài Khoảng", "Nam", "01/01/1900", "CS-MAY", "", "", *ok],  # 13
        ["CB-13", "Sai Chế Độ", "Nam", "", "CS-MAY", "bán thời gian", "", *ok],      # 14
        ["CB-14", "Sai Chức Danh", "Nam", "", "CS-MAY", "", "Chủ tịch; Giám đốc", *ok],  # 15
        ["CB-15", "Sai Trình Độ", "Nam", "", "CS-MAY", "", "", "Tiến sĩ khoa học", "", "", "", "", ""],  # 16
        ["CB-16", "Sai LLCT", "Nam", "", "CS-MAY", "", "", "", "Thạc sĩ", "", "", "", ""],  # 17
        ["CB-17", "Sai Khu Vực", "Nam", "", "CS-MAY", "", "", "", "", "Nông nghiệp", "", "", ""],  # 18
        ["CB-18", "Sai Email", "Nam", "", "CS-MAY", "", "", "", "", "", "a@b", "", ""],  # 19
        ["CB-19", "Sai Điện Thoại", "Nam", "", "CS-MAY", "", "", "", "", "", "", "12ab", ""],  # 20
        ["CB-20", "Sai Nhiệm Kỳ", "Nam", "", "CS-MAY", "", "", "", "", "", "", "", "2028-2023"],  # 21
        ["CB-21", "Hai Lỗi", "X", "hôm qua", "CS-MAY", "", "", *ok],                 # 22
    ]
    before = count(Cadre)
    report = run(csv_text(rows, header=header).encode())
    got = [(e.row, e.field) for e in report.errors]
    assert got == [
        (3, "Mã cán bộ"), (4, "Mã cán bộ"), (5, "Họ và tên"), (6, "Giới tính"), (7, "Giới tính"), (8, "Mã đơn vị"),
        (9, "Mã đơn vị"), (10, "Mã đơn vị"), (11, "Mã đơn vị"), (12, "Ngày sinh"), (13, "Ngày sinh"), (14, "Chế độ"),
        (15, "Chức danh"), (16, "Trình độ chuyên môn"), (17, "Trình độ lý luận chính trị"), (18, "Khu vực"), (19, "Thư điện tử"),
        (20, "Điện thoại"), (21, "Nhiệm kỳ"), (22, "Giới tính"), (22, "Ngày sinh"),
    ]
    messages = {(e.row, e.field): e.message for e in report.errors}
    assert messages[(4, "Mã cán bộ")] == "Mã cán bộ CB-1 trùng với dòng 2."
    assert messages[(6, "Giới tính")] == "Không hiểu giới tính “Khác” (ghi Nam hoặc Nữ)."
    assert messages[(9, "Mã đơn vị")] == "Không có đơn vị mã KHONG-CO."
    assert "đã ngừng hoạt động từ 11/06/2025" in messages[(10, "Mã đơn vị")]
    assert "đã sáp nhập vào Công đoàn Công ty May Đức Giang (mã CS-MAY)" in messages[(11, "Mã đơn vị")]
    assert "không có thật" in messages[(12, "Ngày sinh")]
    assert "không đúng định dạng (ghi dd/mm/yyyy" in messages[(22, "Ngày sinh")]
    assert messages[(15, "Chức danh")].startswith("Không có chức danh: “Giám đốc”; chọn trong: Chủ tịch, Phó Chủ tịch, ")
    assert "Đại học" in messages[(16, "Trình độ chuyên môn")]
    assert str(report.errors[0]) == "Dòng 3, Mã cán bộ: Thiếu mã cán bộ."
    assert report.invalid_rows == 20 and report.total == 21
    # A single invalid row means nothing is written, not even the valid row 2.
    assert (report.created, count(Cadre)) == (0, before) and cadre("CB-1") is None


def test_half_valid_file_imports_nothing(province):
    before = (count(Cadre), count(Membership))
    report = run(csv_text([ANH, ["CB-BAD", "Lê Văn Lỗi", "Nam", "", "KHONG-CO", "", ""], DUC]).encode())
    assert [(e.row, e.field) for e in report.errors] == [(3, "Mã đơn vị")]
    assert report.written == 0
    assert (count(Cadre), count(Membership)) == before


def test_skip_invalid_imports_the_valid_rows_and_reports_the_rest(province):
    report = run(csv_text([ANH, ["CB-BAD", "Lê Văn Lỗi", "?", "", "CS-MAY", "", ""], DUC]).encode(), skip_invalid=True)
    assert [(e.row, e.field) for e in report.errors] == [(3, "Giới tính")]
    assert (report.created, report.invalid_rows) == (2, 1)
    assert cadre("CB-A1") and cadre("CB-A2") and cadre("CB-BAD") is None


def test_reimporting_the_same_file_changes_nothing(province):
    data = xlsx([ANH, DUC])
    assert run(data).created == 2
    memberships, titles = count(Membership), count(CadreTitle)
    report = run(data)
    assert (report.created, report.updated, report.transferred, report.unchanged) == (0, 0, 0, 2)
    assert (count(Membership), count(CadreTitle)) == (memberships, titles)


def test_existing_cadres_are_updated_and_missing_columns_keep_their_values(province):
    existing = province["cadre_a"]  # Nguyễn Thị Ánh, Chủ tịch at CS-MAY
    header = ["Mã cán bộ", "Họ và tên", "Giới tính", "Mã đơn vị", "Điện thoại"]
    report = run(csv_text([[existing.code, existing.full_name, "Nữ", "CS-MAY", "0987654321"]], header=header).encode())
    assert (report.updated, report.unchanged) == (1, 0)
    assert existing.phone == "0987654321"
    assert [t.code for t in _titles(existing)] == ["chu_tich"]  # no "Chức danh" column: titles kept
    assert existing.birth_date == dt.date(1985, 5, 3)


def test_a_changed_unit_is_a_transfer(province):
    existing = province["cadre_a"]
    old = db.session.scalar(select(Membership).where(Membership.cadre_id == existing.id))
    row = [existing.code, existing.full_name, "Nữ", "03/05/1985", "CS-TRUONG", "", "Chủ tịch"]
    report = run(csv_text([row]).encode(), effective_on=dt.date(2025, 8, 1))
    assert (report.transferred, report.updated, report.unchanged) == (1, 0, 0)
    memberships = db.session.scalars(select(Membership).where(Membership.cadre_id == existing.id).order_by(Membership.id)).all()
    assert [(m.unit.code, m.start_on, m.end_on, m.reason) for m in memberships] == [
        ("CS-MAY", old.start_on, dt.date(2025, 8, 1), "join"),
        ("CS-TRUONG", dt.date(2025, 8, 1), None, "transfer"),
    ]
    assert existing.unit.code == "CS-TRUONG"
    # Importing the same file again is not a second transfer.
    assert run(csv_text([row]).encode(), effective_on=dt.date(2025, 8, 1)).unchanged == 1


def test_a_transfer_dated_before_the_current_membership_is_refused(province):
    existing = province["cadre_a"]  # member since 01/01/2021
    row = [existing.code, existing.full_name, "Nữ", "", "CS-TRUONG", "", ""]
    report = run(csv_text([row]).encode(), effective_on=dt.date(2020, 1, 1))
    assert [(e.row, e.field) for e in report.errors] == [(2, "Mã đơn vị")]
    assert "01/01/2021" in report.errors[0].message
    assert existing.unit.code == "CS-MAY"


def _titles(c: Cadre):
    return [t.title_type for t in db.session.scalars(
        select(CadreTitle).where(CadreTitle.cadre_id == c.id, CadreTitle.end_on.is_(None)))]


# -- command line ------------------------------------------------------------------------------

def invoke(runner, *args):
    return runner.invoke(import_cadres_command, [str(a) for a in args])


def test_command_is_registered(app):
    assert "import-cadres" in app.cli.commands


def test_cli_imports_and_prints_a_summary(runner, province, tmp_path):
    path = tmp_path / "can-bo.csv"
    path.write_bytes(csv_text([ANH, DUC]).encode("utf-8-sig"))
    result = invoke(runner, path)
    assert result.exit_code == 0, result.output
    assert result.stdout.strip() == "Đã nhập 2 cán bộ mới, cập nhật 0, chuyển đơn vị 0, không đổi 0."
    assert cadre("CB-A1") is not None
    again = invoke(runner, path)
    assert again.stdout.strip() == "Đã nhập 0 cán bộ mới, cập nhật 0, chuyển đơn vị 0, không đổi 2."


def test_cli_invalid_rows_exit_1_and_import_nothing(runner, province, tmp_path):
    path = tmp_path / "loi.csv"
    path.write_bytes(csv_text([ANH, ["CB-BAD", "Lê Văn Lỗi", "Khác", "", "CS-MAY", "", ""]]).encode())
    result = invoke(runner, path)
    assert result.exit_code == 1
    assert "Dòng 3, Giới tính: Không hiểu giới tính “Khác” (ghi Nam hoặc Nữ)." in result.stderr.splitlines()
    assert "Không có dòng nào được nhập" in result.stderr
    assert result.stdout == ""
    assert cadre("CB-A1") is None


def test_cli_skip_invalid_imports_valid_rows_and_still_exits_1(runner, province, tmp_path):
    path = tmp_path / "loi.csv"
    path.write_bytes(csv_text([ANH, ["CB-BAD", "Lê Văn Lỗi", "Khác", "", "CS-MAY", "", ""]]).encode())
    result = invoke(runner, path, "--skip-invalid")
    assert result.exit_code == 1
    assert "Đã nhập 1 cán bộ mới" in result.stdout
    assert "Dòng 3, Giới tính" in result.stderr and "Đã bỏ qua 1 dòng có lỗi." in result.stderr
    assert cadre("CB-A1") is not None and cadre("CB-BAD") is None


def test_cli_effective_date_dates_the_transfer(runner, province, tmp_path):
    existing = province["cadre_a"]
    path = tmp_path / "chuyen.csv"
    path.write_bytes(csv_text([[existing.code, existing.full_name, "Nữ", "", "CS-TRUONG", "", ""]]).encode())
    result = invoke(runner, path, "--effective-date", "15/09/2025")
    assert result.exit_code == 0, result.output
    assert "chuyển đơn vị 1" in result.stdout
    opened = db.session.scalar(select(Membership).where(Membership.cadre_id == existing.id, Membership.end_on.is_(None)))
    assert opened.start_on == dt.date(2025, 9, 15)


@pytest.mark.parametrize("setup, args, fragment", [
    pytest.param(lambda p: None, [], "Không tìm thấy tệp", id="missing-file"),
    pytest.param(lambda p: p.write_bytes(b"\x89PNG\r\n\x1a\n\x00\x00" * 50), [], "không phải bảng tính", id="not-a-spreadsheet"),
    pytest.param(lambda p: p.write_bytes(csv_text([ANH]).encode()), ["--effective-date", "31/02/2025"], "không phải ngày hợp lệ", id="bad-date"),
])
def test_cli_unreadable_file_or_bad_usage_exits_2(runner, province, tmp_path, setup, args, fragment):
    path = tmp_path / "tep.csv"
    setup(path)
    result = invoke(runner, path, *args)
    assert result.exit_code == 2
    assert fragment in result.stderr
    assert cadre("CB-A1") is None


def test_cli_shows_a_progress_bar_for_large_files(runner, province, tmp_path):
    rows = [[f"CB-{i:04d}", f"Nguyễn Văn Số {i}", "Nam", "", "CS-MAY", "", ""] for i in range(250)]
    path = tmp_path / "lon.xlsx"
    path.write_bytes(xlsx(rows))
    result = invoke(runner, path)
    assert result.exit_code == 0, result.output
    assert "Đang ghi vào cơ sở dữ liệu" in result.stderr
    assert "Đã nhập 250 cán bộ mới" in result.stdout


# -- upload page -------------------------------------------------------------------------------

def post(client, data: bytes, filename: str = "can-bo.csv", **fields):
    form = {"file": (io.BytesIO(data), filename), "effective_on": "2025-07-01", **fields}
    return client.post("/cadres/import/", data=form, content_type="multipart/form-data")


def test_upload_page_shows_the_form_to_a_federation_admin(client, auth, province):
    auth.login("admin")
    r = client.get("/cadres/import/")
    assert r.status_code == 200
    text = html_text(r)
    assert "Nhập cán bộ từ tệp" in text and "Chỉ nhập các dòng hợp lệ" in text and 'enctype="multipart/form-data"' in text


def test_upload_success_shows_counts_and_keeps_the_cadres(client, auth, province):
    auth.login("admin")
    r = post(client, xlsx([ANH, DUC]), "can-bo.xlsx")
    assert r.status_code == 200
    assert "Đã nhập 2 cán bộ mới, cập nhật 0, chuyển đơn vị 0, không đổi 0." in html_text(r)
    assert cadre("CB-A1") is not None and cadre("CB-A2") is not None


def test_upload_with_errors_lists_them_all_and_keeps_nothing(client, auth, province):
    auth.login("admin")
    before = (count(Cadre), count(Membership))
    bad = ["CB-BAD", "Lê Văn Lỗi", "Khác", "32/01/1990", "CS-MAY", "", ""]
    r = post(client, csv_text([ANH, bad, DUC]).encode("utf-8-sig"))
    assert r.status_code == 422
    text = html_text(r)
    assert "Không có dòng nào được nhập." in text
    assert "<td class=\"num\">3</td><td>Giới tính</td>" in text and "<td class=\"num\">3</td><td>Ngày sinh</td>" in text
    assert (count(Cadre), count(Membership)) == before


def test_upload_skip_invalid_keeps_the_valid_rows(client, auth, province):
    auth.login("admin")
    bad = ["CB-BAD", "Lê Văn Lỗi", "Khác", "", "CS-MAY", "", ""]
    r = post(client, csv_text([ANH, bad]).encode(), skip_invalid="y")
    assert r.status_code == 200
    text = html_text(r)
    assert "Đã nhập 1 cán bộ mới" in text and "Đã bỏ qua 1 dòng có lỗi" in text
    assert cadre("CB-A1") is not None and cadre("CB-BAD") is None


def test_upload_of_an_unreadable_file_says_why(client, auth, province):
    auth.login("admin")
    r = post(client, b"\x89PNG\r\n\x1a\n\x00\x00" * 50, "anh.csv")
    assert r.status_code == 422
    text = html_text(r)
    assert "không phải bảng tính" in text and "Không có dòng nào được nhập." in text


def test_upload_without_a_file_is_refused(client, auth, province):
    auth.login("admin")
    r = client.post("/cadres/import/", data={"effective_on": "2025-07-01"}, content_type="multipart/form-data")
    assert r.status_code == 422
    assert "Vui lòng chọn tệp để nhập." in html_text(r)


@pytest.mark.parametrize("user", ["union", "cadre", "trainer"])
def test_upload_and_template_are_for_federation_admins_only(client, auth, province, user):
    auth.login(user)
    assert client.get("/cadres/import/").status_code == 403
    assert post(client, csv_text([ANH]).encode()).status_code == 403
    assert client.get("/cadres/import/template.csv").status_code == 403
    assert cadre("CB-A1") is None


def test_upload_requires_login(client, province):
    assert client.get("/cadres/import/").status_code == 302


def test_upload_without_csrf_token_is_refused(client, auth, province, request):
    auth.login("admin")  # log in while CSRF is off, then turn it on for the upload
    request.getfixturevalue("csrf_on")
    r = post(client, csv_text([ANH]).encode())
    assert r.status_code == 400
    assert cadre("CB-A1") is None


def test_template_csv_has_a_bom_the_headers_and_imports_cleanly(client, auth, province):
    auth.login("admin")
    r = client.get("/cadres/import/template.csv")
    assert r.status_code == 200 and r.mimetype == "text/csv"
    assert "attachment" in r.headers["Content-Disposition"]
    body = r.get_data()
    assert body.startswith(b"\xef\xbb\xbf")
    lines = body.decode("utf-8-sig").splitlines()
    assert lines[0].startswith("Mã cán bộ,Họ và tên,Giới tính,Ngày sinh,Mã đơn vị")
    assert len(lines) == 2
    report = run(body)
    assert report.errors == [] and report.created == 1


def test_the_examples_in_the_documentation_import_cleanly(province):
    from pathlib import Path

    doc = (Path(__file__).resolve().parents[2] / "docs" / "cadre-import.md").read_text(encoding="utf-8")
    blocks = [b.split("```", 1)[0].strip() for b in doc.split("```\n")[1:] if b.lstrip().startswith(("Mã cán bộ", "ma can bo"))]
    assert len(blocks) == 2
    for block in blocks:
        report = run(block.encode("utf-8"))
        assert report.errors == [], report.errors
    assert {t.code for t in _titles(cadre("CB0004"))} == {"uv_bch", "uv_ubkt"}
    assert cadre("CB0002").political_level.code == "cao_cap"


def test_an_xlsx_whose_sheet_does_not_inflate_is_refused_with_a_message(client, auth, province):
    """The workbook opens (its directory and workbook.xml are fine) but the sheet's bytes are damaged:
    openpyxl fails while reading the rows. The admin gets the XLSX message, nothing is imported (it was
    an HTTP 500)."""
    from tests.conftest import damaged_zip

    with zipfile.ZipFile(io.BytesIO(xlsx([ANH]))) as archive:
        files = {info.filename: archive.read(info) for info in archive.infolist()}
    data = damaged_zip(files, "xl/worksheets/sheet1.xml")
    with pytest.raises(ImportFileError) as caught:
        read_file(data)
    assert "Không đọc được tệp XLSX" in str(caught.value)

    before = count(Cadre)
    auth.login("admin")
    r = post(client, data, "can-bo.xlsx")
    assert r.status_code in (200, 422) and "Không đọc được tệp XLSX" in html_text(r)
    assert count(Cadre) == before

    # damaged three quarters in: the workbook opens, and the rows fail while they are read
    many = [[f"CB-{n}", f"Nguyễn Thị Ánh {n}", "Nữ", "05/03/1985", "CS-MAY", "", ""] for n in range(3000)]
    with zipfile.ZipFile(io.BytesIO(xlsx(many))) as archive:
        files = {info.filename: archive.read(info) for info in archive.infolist()}
    with pytest.raises(ImportFileError, match="Không đọc được tệp XLSX"):
        read_file(damaged_zip(files, "xl/worksheets/sheet1.xml", at=0.75))


def test_a_future_effective_date_is_refused_and_nothing_imported(client, auth, province, runner, tmp_path):
    """Joins and transfers dated after today would show cadres today in units they only join later."""
    tomorrow = local_today() + dt.timedelta(days=1)
    auth.login("admin")
    r = post(client, xlsx([ANH, DUC]), "can-bo.xlsx", effective_on=tomorrow.isoformat())
    assert r.status_code == 422
    assert "Ngày có hiệu lực không được sau hôm nay." in html_text(r)
    assert cadre("CB-A1") is None and cadre("CB-A2") is None
    path = tmp_path / "can-bo.xlsx"
    path.write_bytes(xlsx([ANH]))
    result = invoke(runner, path, "--effective-date", tomorrow.strftime("%d/%m/%Y"))
    assert result.exit_code == 2 and "không được sau hôm nay" in result.output
    with pytest.raises(ValidationError):
        run(xlsx([ANH]), effective_on=tomorrow)
    assert cadre("CB-A1") is None


def test_an_unknown_reference_value_lists_the_accepted_ones_in_their_own_order(province):
    """The list was sorted by code point, so "Đại học" came after "Trung cấp" (Đ after z) and the
    education levels read in no order a person recognises; they follow their rank now."""
    header = HEADER + ["Trình độ chuyên môn", "Trình độ lý luận chính trị"]
    rows = [["CB-R1", "Sai Trình Độ", "Nam", "", "CS-MAY", "", "", "Tiến sĩ khoa học", "Thạc sĩ"]]
    report = run(csv_text(rows, header=header).encode())
    messages = {e.field: e.message for e in report.errors}
    assert messages["Trình độ chuyên môn"] == (
        "Không có giá trị “Tiến sĩ khoa học”; chọn một trong: "
        "Trung học phổ thông, Trung cấp, Cao đẳng, Đại học, Sau đại học.")
    assert messages["Trình độ lý luận chính trị"].endswith("chọn một trong: Sơ cấp, Trung cấp, Cao cấp / Cử nhân.")


def test_reference_values_without_a_rank_sort_in_vietnamese_alphabetical_order():
    from types import SimpleNamespace

    from lms.cadres.importing import reference_order

    names = ["Đoàn thể", "Xã hội", "Dịch vụ", "Ấn phẩm", "An ninh"]
    items = [SimpleNamespace(name=n) for n in names]
    assert [i.name for i in reference_order(items)] == ["An ninh", "Ấn phẩm", "Dịch vụ", "Đoàn thể", "Xã hội"]


def test_the_import_uses_the_cadre_forms_words_and_still_reads_the_english_headers(client, auth, province):
    """The form says "Thư điện tử" and "Trình độ lý luận chính trị"; the import said "Email" and
    "Lý luận chính trị" in its template, its errors and its page."""
    from lms.cadres.importing import template_headers

    headers = template_headers()
    assert "Thư điện tử" in headers and "Trình độ lý luận chính trị" in headers and "Email" not in headers
    bad = run(csv_text([["CB-E1", "Sai Thư", "Nam", "", "CS-MAY", "", "", "a@b"]], header=HEADER + ["Thư điện tử"]).encode())
    assert [str(e) for e in bad.errors] == ["Dòng 2, Thư điện tử: Địa chỉ thư điện tử “a@b” không hợp lệ."]
    for spelling in ("Email", "E-mail", "thu dien tu", "Thư điện tử"):
        for llct in ("Lý luận chính trị", "political level", "LLCT"):
            report = run(csv_text([["CB-E2", "Đúng Thư", "Nam", "", "CS-MAY", "", "", "mot@example.vn", "Sơ cấp"]],
                                  header=HEADER + [spelling, llct]).encode())
            assert report.errors == [], (spelling, llct, report.errors)
    assert cadre("CB-E2").email == "mot@example.vn" and cadre("CB-E2").political_level.code == "so_cap"
    auth.login("admin")
    page = html_text(client.get("/cadres/import/"))
    assert "Thư điện tử, Điện thoại" in page and "Email" not in page
    assert "Trung học phổ thông; Trung cấp; Cao đẳng; Đại học; Sau đại học" in page
    assert "Sơ cấp; Trung cấp; Cao cấp / Cử nhân" in page


def test_the_import_summary_writes_its_counts_as_vietnamese_numbers(app, province):
    """2.701 cadres imported read "Đã nhập 2701 cán bộ mới": the counts were printed bare."""
    from lms.cadres.importing import ImportReport

    with app.test_request_context("/"):
        report = ImportReport(total=2713, created=2701, updated=1234, transferred=5, unchanged=0)
        assert report.summary() == "Đã nhập 2.701 cán bộ mới, cập nhật 1.234, chuyển đơn vị 5, không đổi 0."


def test_the_effective_date_says_it_also_dates_changes_of_employment_and_levels(client, auth, province):
    """The import dates changes of Chế độ and of the levels too (docs/cadre-import.md); its field named only
    joining, transfers and titles, unlike the cadre form's."""
    auth.login("admin")
    page = html_text(client.get("/cadres/import/"))
    assert "Ngày có hiệu lực (vào đơn vị, chuyển đơn vị, đổi chức danh, chế độ hoặc trình độ)" in page
