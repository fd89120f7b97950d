"""Exports of a record: plugins from plain data; CSV with BOM, XLSX, PDF with the cadre's name; extra plugins."""
from __future__ import annotations

import csv
import datetime as dt
import io
import shutil
import subprocess

import pytest

from lms.records.exporters import RecordExporter
from tests.conftest import html_text


def _login(auth, province, role):
    auth.logout()
    assert auth.login(province["users"][role].username).status_code == 302


@pytest.fixture()
def full_record(province, records):
    cadre = province["cadre_a"]
    records.online(cadre, title="Kỹ năng đối thoại tại nơi làm việc", end_on=dt.date(2024, 5, 10), hours=8)
    records.training_class([cadre], title="=HYPERLINK(\"http://x\") Hoạt động nữ công", hours=16)
    records.external(cadre, end_on=dt.date(2022, 12, 20), hours=120)
    return cadre


def test_csv_has_a_bom_and_vietnamese_text_intact(client, auth, province, full_record):
    _login(auth, province, "cadre")
    response = client.get(f"/records/{full_record.id}/export/csv")
    assert response.status_code == 200
    assert response.mimetype == "text/csv"
    assert response.headers["Content-Disposition"] == f'attachment; filename="ho-so-dao-tao-{full_record.code}.csv"'
    assert response.data.startswith(b"\xef\xbb\xbf")
    rows = list(csv.reader(io.StringIO(response.data.decode("utf-8-sig"))))
    assert rows[0][:4] == ["Mã cán bộ", "Họ và tên", "Đơn vị", "Năm"]
    assert len(rows) == 4
    body = {tuple(r) for r in rows[1:]}
    assert any("Kỹ năng đối thoại tại nơi làm việc" in r and "Nguyễn Thị Ánh" in r for r in body)
    assert any("Cao cấp lý luận chính trị" in r and "Học viện Chính trị khu vực I" in r and "20/12/2022" in r for r in body)
    # a title that looks like a formula is neutralised
    assert any("'=HYPERLINK(\"http://x\") Hoạt động nữ công" in r for r in body)


def test_xlsx_opens_with_openpyxl_and_has_the_rows(client, auth, province, full_record):
    from openpyxl import load_workbook

    _login(auth, province, "union")
    response = client.get(f"/records/{full_record.id}/export/xlsx")
    assert response.status_code == 200
    book = load_workbook(io.BytesIO(response.data))
    sheet = book["Hồ sơ đào tạo"]
    rows = list(sheet.iter_rows(values_only=True))
    assert rows[0][1] == "Họ và tên" and len(rows) == 4
    titles = {row[6] for row in rows[1:]}
    assert titles == {"Kỹ năng đối thoại tại nơi làm việc", "=HYPERLINK(\"http://x\") Hoạt động nữ công",
                      "Cao cấp lý luận chính trị hệ không tập trung"}
    formula_cell = next(c for c in sheet["G"] if str(c.value).startswith("="))
    assert formula_cell.data_type == "s"  # kept as text
    years = list(book["Số giờ theo năm"].iter_rows(values_only=True))
    assert years[-1][-1] == 144


@pytest.mark.skipif(shutil.which("pdftotext") is None, reason="needs pdftotext (poppler-utils)")
def test_pdf_contains_the_cadre_name_with_diacritics(client, auth, province, full_record, tmp_path):
    _login(auth, province, "admin")
    response = client.get(f"/records/{full_record.id}/export/pdf")
    assert response.status_code == 200
    assert response.mimetype == "application/pdf" and response.data.startswith(b"%PDF-")
    path = tmp_path / "record.pdf"
    path.write_bytes(response.data)
    text = subprocess.run(["pdftotext", "-enc", "UTF-8", str(path), "-"], capture_output=True, check=True).stdout.decode()
    assert "Nguyễn Thị Ánh" in text
    assert "Kỹ năng đối thoại tại nơi làm việc" in text
    fonts = subprocess.run(["pdffonts", str(path)], capture_output=True, text=True).stdout
    assert "Liberation-Serif" in fonts or "LiberationSerif" in fonts, fonts


def test_pdf_fetches_nothing_but_the_bundled_fonts(app, province, full_record, monkeypatch):
    """The exporter's fetcher is asked only for the font files; a remote URL in the data is never fetched."""
    from lms.certificates import rendering
    from lms.records import export_pdf, queries

    requested = []
    original = rendering.RestrictedFetcher.fetch

    def spy(self, url, headers=None):
        requested.append(url)
        return original(self, url, headers)

    monkeypatch.setattr(rendering.RestrictedFetcher, "fetch", spy)
    data = queries.record_data(queries.load_record(full_record.id))
    data["entries"][0]["title"] = '<img src="http://example.com/x.png"> Ánh'
    export_pdf.PdfExporter().export(data)
    assert requested and all(url.startswith("file://") and url.endswith(".ttf") for url in requested), requested


def test_exporters_receive_plain_data_only(province, full_record):
    from lms.records import queries

    data = queries.record_data(queries.load_record(full_record.id))

    def plain(value):
        if isinstance(value, dict):
            return all(isinstance(k, str) and plain(v) for k, v in value.items())
        if isinstance(value, list):
            return all(plain(v) for v in value)
        return value is None or isinstance(value, (str, int, dt.date))

    assert plain(data)
    assert data["cadre"]["full_name"] == "Nguyễn Thị Ánh" and data["total_hours"] == 144


def test_an_unknown_exporter_is_not_found(client, auth, province):
    _login(auth, province, "admin")
    assert client.get(f"/records/{province['cadre_a'].id}/export/docx").status_code == 404


def test_export_follows_the_record_access_rules(client, auth, province):
    _login(auth, province, "cadre2")
    assert client.get(f"/records/{province['cadre_a'].id}/export/csv").status_code == 403


def test_a_tiny_exporter_installed_through_an_entry_point_is_offered(tmp_path, monkeypatch, app, db_conn, province):
    """A plugin distribution (fake dist-info, as pip would install it) adds a format to the record page."""
    from lms import create_app
    from lms.core import plugins
    from tests.conftest import IsolatedClient

    dist = tmp_path / "tiny_record_exporter-0.1.dist-info"
    dist.mkdir()
    (dist / "METADATA").write_text("Metadata-Version: 2.1\nName: tiny-record-exporter\nVersion: 0.1\n")
    (dist / "entry_points.txt").write_text(f"[{plugins.GROUP_RECORD_EXPORTERS}]\ntxt = tiny_record_exporter:Text\n")
    (tmp_path / "tiny_record_exporter.py").write_text(
        "from lms.records.exporters import RecordExporter\n\n"
        "class Text(RecordExporter):\n"
        "    name = 'txt'\n    label = 'Văn bản thuần'\n    mimetype = 'text/plain'\n    extension = 'txt'\n\n"
        "    def export(self, record):\n"
        "        lines = [record['cadre']['full_name']] + [e['title'] for e in record['entries']]\n"
        "        return '\\n'.join(lines).encode('utf-8')\n"
    )
    monkeypatch.syspath_prepend(str(tmp_path))
    extra = create_app({**{k: app.config[k] for k in ("SECRET_KEY", "SQLALCHEMY_DATABASE_URI", "SERVER_NAME",
                                                       "PASSWORD_HASH_METHOD")},
                        "TESTING": True, "WTF_CSRF_ENABLED": False})
    extra.instance_path = app.instance_path
    extra.test_client_class = IsolatedClient
    registry = plugins.registry(extra, plugins.GROUP_RECORD_EXPORTERS)
    assert issubclass(registry.get("txt"), RecordExporter)
    assert {"csv", "xlsx", "pdf", "txt"} <= set(registry.items)

    with extra.app_context():
        from lms.core.db import db

        db.session.configure(bind=db_conn, join_transaction_mode="create_savepoint")
        client = extra.test_client()
        assert client.post("/login", data={"username": "cadre", "password": "mat-khau-thu-nghiem"}).status_code == 302
        cadre_id = province["cadre_a"].id
        page = html_text(client.get(f"/records/{cadre_id}"))
        assert "Tải về Văn bản thuần" in page and f"/records/{cadre_id}/export/txt" in page
        response = client.get(f"/records/{cadre_id}/export/txt")
        assert response.status_code == 200 and response.data.decode().startswith("Nguyễn Thị Ánh")
        db.session.remove()
        for engine in db.engines.values():
            engine.dispose()


@pytest.mark.parametrize("typed, stored", [("8", "8 điểm"), ("8.5", "8,5 điểm"), (" 8,5 ", "8,5 điểm"),
                                           ("9,25 diem", "9,25 điểm"), ("7 điểm", "7 điểm"), ("10.0", "10 điểm")])
def test_a_score_is_stored_with_its_unit_and_the_vietnamese_decimal_mark(typed, stored):
    """A result "8" printed as a bare "8" on the record, its exports and the certificate."""
    from lms.core.i18n import stored_result

    assert stored_result(typed) == stored


def test_a_class_score_reads_with_its_unit_on_every_page_and_export(app, client, auth, province, records):
    from flask_babel import force_locale
    from openpyxl import load_workbook

    from lms.certificates.models import Certificate
    from lms.core.i18n import local_result
    from lms.records import operations
    from lms.records.models import Attendance
    from sqlalchemy import select
    from lms.core.db import db

    cadre = province["cadre_a"]
    training_class = records.training_class([cadre, province["cadre_b"]], title="Nghiệp vụ công tác kiểm tra", result="")
    operations.set_results(training_class, {cadre.id: "8.5", province["cadre_b"].id: "7"})
    assert db.session.scalar(select(Attendance.result).where(Attendance.cadre_id == cadre.id)) == "8,5 điểm"
    db.session.flush()
    certificate = db.session.scalar(select(Certificate).where(Certificate.cadre_id == cadre.id))
    if certificate is not None:  # the certificate prints the stored result
        assert certificate.result == "8,5 điểm"
    # a result stored bare before this change reads with its unit too
    db.session.execute(Attendance.__table__.update().where(Attendance.cadre_id == province["cadre_b"].id).values(result="7"))
    with app.test_request_context("/"):
        assert local_result("7") == "7 điểm" and local_result("8,5 điểm") == "8,5 điểm"
        with force_locale("en"):
            assert local_result("8,5 điểm").startswith("8.5 ")  # the English decimal mark
    _login(auth, province, "admin")
    record = html_text(client.get(f"/records/{cadre.id}"))
    assert "8,5 điểm" in record
    rows = list(csv.reader(io.StringIO(client.get(f"/records/{cadre.id}/export/csv").data.decode("utf-8-sig"))))
    assert any("8,5 điểm" in row for row in rows[1:]), rows
    book = load_workbook(io.BytesIO(client.get(f"/records/{cadre.id}/export/xlsx").data))
    assert any("8,5 điểm" in row for row in book["Hồ sơ đào tạo"].iter_rows(values_only=True))
    page = html_text(client.get(f"/classes/{training_class.id}/attendees/{province['cadre_b'].id}/remove"))
    assert "7 điểm" in page
