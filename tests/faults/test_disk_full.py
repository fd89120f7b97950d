"""A disk that refuses writes while a certificate is issued: a clear error, no half-issued certificate.

The tests run as root, for whom file permissions do not stop a write, so the blob folder is broken
another way: ``instance/blobs`` is moved aside and a plain FILE takes its name, so every mkdir or
open under it fails with NotADirectoryError, as a read-only or full disk makes them fail. (Limiting
the server's file size with RLIMIT_FSIZE would also stop SQLite's own writes.)

Then, on the live server with the demo data (whose certificate settings are complete):

1. a cadre completes a small course → the certificate issued at completion fails: the course stays
   completed, the learner reads a Vietnamese explanation, no Certificate row, no register number used;
2. an admin issues it by hand on the issue page → the page explains the failure in Vietnamese (not a
   bare 500 page), still nothing written;
3. the disk comes back, the admin issues again → the certificate gets the very next register number.
"""
from __future__ import annotations

import html
import os
import re
from contextlib import contextmanager

import sqlalchemy as sa

from tests.faults.conftest import Http, find_form

COURSE = "SU-CO-O-DIA"
NOT_STORED = "Không ghi được tệp PDF của giấy chứng nhận vào kho lưu trữ"


def _write_course(folder) -> None:
    folder.mkdir()
    (folder / "course.yaml").write_text(
        f"code: {COURSE}\n"
        "title: Ghi chép biên bản họp công đoàn\n"
        "description: Một bài học ngắn để thử cấp giấy chứng nhận khi ổ đĩa lỗi.\n"
        "tracks: [business, public]\n"
        "modules:\n"
        "- file: 01-bien-ban.md\n"
        "  title: Biên bản họp\n"
        "  tracks: [common]\n"
        "  duration: 30\n",
        encoding="utf-8",
    )
    (folder / "01-bien-ban.md").write_text("Biên bản ghi rõ thời gian, thành phần và kết luận.\n", encoding="utf-8")


@contextmanager
def blob_folder_refusing_writes(instance):
    blobs = instance / "blobs"
    aside = instance / "blobs.aside"
    had = blobs.exists()
    if had:
        os.replace(blobs, aside)
    blobs.write_text("not a folder: writes under instance/blobs fail\n")
    try:
        yield
    finally:
        blobs.unlink()
        if had:
            os.replace(aside, blobs)


def _register(engine) -> tuple[int, dict]:
    with engine.connect() as conn:
        certificates = conn.execute(sa.text("SELECT count(*) FROM certificates")).scalar()
        rows = conn.execute(sa.text("SELECT issuer_unit_id, year, last_number FROM register_counters")).all()
    counters = {(unit, year): n for unit, year, n in rows}
    return certificates, counters


def _text(response) -> str:
    return html.unescape(re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", response.text)))


def test_a_disk_refusing_writes_issues_no_half_certificate(demo_server, server_db, tmp_path):
    _write_course(tmp_path / "course")
    demo_server.lms("import-course", str(tmp_path / "course"), "--as", "trainer")
    with server_db.connect() as conn:
        course_id = conn.execute(sa.text("SELECT id FROM courses WHERE code = :c"), {"c": COURSE}).scalar_one()
        cadre_code = conn.execute(sa.text(
            "SELECT cadres.code FROM cadres JOIN users ON users.cadre_id = cadres.id WHERE users.username = 'cadre'"
        )).scalar_one()
    before = _register(server_db)

    cadre = Http(demo_server.url)
    cadre.login("cadre")
    with blob_folder_refusing_writes(demo_server.instance):
        # 1. issuing at completion fails; the completion stands and the learner is told why
        course = cadre.get(f"/learn/courses/{COURSE}")
        module = cadre.submit(course, r"/enrol$")
        assert module.status == 200 and "/modules/" in module.url
        done = cadre.submit(module, r"/done$")
        assert done.status == 200, done.status
        text = _text(done)
        assert "Bạn đã hoàn thành khóa học" in text
        assert "Chưa cấp được giấy chứng nhận tự động" in text and NOT_STORED in text
        assert _register(server_db) == before
        with server_db.connect() as conn:
            completed_at = conn.execute(sa.text(
                "SELECT enrolments.completed_at FROM enrolments JOIN cadres ON cadres.id = enrolments.cadre_id "
                "WHERE cadres.code = :c AND enrolments.course_id = :k"), {"c": cadre_code, "k": course_id}).scalar_one()
        assert completed_at is not None

        # 2. issuing by hand explains the failure on the page, and writes nothing either
        admin = Http(demo_server.url)
        admin.login("admin")
        page = admin.get(f"/certificates/issue?cadre={cadre_code}&course={course_id}")
        assert page.status == 200
        form = find_form(page.text, r"/certificates/issue$")
        fields = {**form.hidden, "one-cadre_code": cadre_code, "one-course": str(course_id), "one-training_class": "0"}
        refused = admin.post("/certificates/issue", fields)
        assert refused.status < 500, refused.status
        assert NOT_STORED in _text(refused)
        assert "Chưa cấp giấy chứng nhận nào và số vào sổ không bị dùng" in _text(refused)
        assert _register(server_db) == before

    # 3. the disk is back: the certificate takes the next number, none was used up by the failures
    issued = admin.post("/certificates/issue", fields)
    assert issued.status == 200 and re.search(r"/certificates/\d+$", issued.url), (issued.status, issued.url)
    certificates, counters = _register(server_db)
    assert certificates == before[0] + 1
    with server_db.connect() as conn:
        number, issuer, year, sha = conn.execute(sa.text(
            "SELECT c.number, c.issuer_unit_id, c.year, b.sha256 FROM certificates c JOIN blobs b ON b.id = c.pdf_blob_id "
            "WHERE c.course_id = :k"), {"k": course_id}).one()
    assert counters[(issuer, year)] == number == before[1].get((issuer, year), 0) + 1
    assert (demo_server.instance / "blobs" / sha[:2] / sha).is_file()
    assert "Đã cấp giấy chứng nhận số" in _text(issued)
