"""Bulk downloads: a union admin's subtree, a course or a class as a ZIP that streams with an exact
Content-Length, the count and size shown first, and the same on the command line with a progress bar."""
from __future__ import annotations

import datetime as dt
import io
import zipfile

import pytest

from lms.certificates import queries
from lms.courses import storage
from tests.certificates.test_register import configured, issue, login, make_course  # noqa: F401  (fixtures)
from tests.conftest import html_text


def _zip(response):
    assert response.is_streamed
    body = b"".join(response.response)
    assert int(response.headers["Content-Length"]) == len(body)
    archive = zipfile.ZipFile(io.BytesIO(body))
    assert archive.testzip() is None
    return archive


@pytest.fixture()
def issued(configured, make):
    third = make.cadre("Lê Thị Ba", unit=configured["biz"])
    return {
        "a": issue(configured["cadre_a"], title="Khóa A"),
        "a2": issue(configured["cadre_a"], title="Khóa B"),
        "third": issue(third, title="Khóa A"),
        "b": issue(configured["cadre_b"], title="Khóa A"),
    }


def test_the_zip_streams_with_an_exact_length(issued, client):
    login(client, "admin")
    response = client.get("/certificates/export.zip")
    assert response.status_code == 200 and response.mimetype == "application/zip"
    assert response.headers["Content-Disposition"] == 'attachment; filename="giay-chung-nhan.zip"'
    archive = _zip(response)
    names = archive.namelist()
    assert len(names) == 4 and all(n.endswith(".pdf") for n in names)
    assert all(i.compress_type == zipfile.ZIP_STORED for i in archive.infolist())
    stored = {storage.read(c.pdf_blob) for c in issued.values()}
    assert {archive.read(n) for n in names} == stored
    assert "giay-chung-nhan-1-GCN-LDLD-2026-nguyen-thi-anh.pdf" in names


def test_a_union_admin_gets_their_subtree_only(issued, client, app):
    login(client, "union")
    names = _zip(client.get("/certificates/export.zip")).namelist()
    assert len(names) == 3 and not any("tran-van-duc" in n for n in names)
    other = login(app.test_client(), "union2")
    names = _zip(other.get("/certificates/export.zip")).namelist()
    assert names == ["giay-chung-nhan-4-GCN-LDLD-2026-tran-van-duc.pdf"]
    # asking for a unit outside one's scope is refused, not silently emptied
    assert other.get(f"/certificates/export.zip?unit={issued['a'].cadre.unit_id}").status_code == 404


def test_filters_and_revoked_certificates(issued, configured, client):
    from lms.certificates import operations

    operations.revoke(issued["a2"], "Sai")
    course = make_course(configured["users"]["trainer"])
    of_course = issue(configured["cadre_b"], title="Nghiệp vụ", course=course)
    older = issue(configured["cadre_a"], issued_on=dt.date(2025, 1, 2))
    login(client, "admin")
    names = _zip(client.get("/certificates/export.zip")).namelist()
    assert len(names) == 5  # revoked certificates stay out of bulk downloads
    response = client.get(f"/certificates/export.zip?course={course.id}")
    assert _zip(response).namelist() == [queries.pdf_filename(of_course.serial, of_course.full_name)]
    assert response.headers["Content-Disposition"] == f'attachment; filename="giay-chung-nhan-khoa-{course.id}.zip"'
    assert _zip(client.get("/certificates/export.zip?year=2025")).namelist() == [
        queries.pdf_filename(older.serial, older.full_name)]
    names = _zip(client.get(f"/certificates/export.zip?unit={configured['upper_a'].id}&year=2026")).namelist()
    assert len(names) == 2


def test_the_page_shows_count_and_size_before_downloading(issued, configured, client):
    login(client, "union")
    response = client.get("/certificates/export")
    text = html_text(response)
    items = queries.export_items(configured["users"]["union"], queries.Filters())
    size = queries.zip_size((i.filename, i.size) for i in items)
    assert response.status_code == 200 and "3 giấy chứng nhận" in text
    assert f"{size / 1048576:.1f}".replace(".", ",") + " MB" in text
    assert "/certificates/export.zip" in response.get_data(as_text=True)


def test_a_missing_stored_file_is_reported_before_streaming(issued, client, monkeypatch):
    monkeypatch.setattr(storage, "blob_path", lambda sha: storage.Path("/nonexistent") / sha)
    login(client, "admin")
    response = client.get("/certificates/export.zip", follow_redirects=True)
    assert "bị thiếu hoặc hỏng" in html_text(response)


def test_zip_size_matches_zipfile():
    import tempfile
    from pathlib import Path

    with tempfile.TemporaryDirectory() as folder:
        entries = []
        for n, size in enumerate([0, 1, 5000, 70000]):
            path = Path(folder) / f"f{n}"
            path.write_bytes(bytes(range(256)) * (size // 256) + b"x" * (size % 256))
            entries.append((f"giay-{n}-{'x' * n}.pdf", path))
        for subset in ([], entries[:1], entries):
            body = b"".join(queries.zip_stream(subset))
            assert len(body) == queries.zip_size((name, path.stat().st_size) for name, path in subset)


def test_the_command_line_export(issued, runner, tmp_path):
    target = tmp_path / "xuat.zip"
    result = runner.invoke(args=["certificates", "export", "--unit", "KCN", str(target)])
    assert result.exit_code == 0, result.output
    assert "3 giấy chứng nhận" in result.output and "Đang ghi" in result.output
    archive = zipfile.ZipFile(target)
    assert archive.testzip() is None and len(archive.namelist()) == 3
    result = runner.invoke(args=["certificates", "export", "--unit", "KHONG-CO", str(tmp_path / "x.zip")])
    assert result.exit_code == 2 and "Không có đơn vị" in result.output
    result = runner.invoke(args=["certificates", "export", "--year", "2026", "--course", "KHONG", str(tmp_path / "y.zip")])
    assert result.exit_code == 2
