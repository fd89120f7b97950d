"""The certificate register: numbering per issuing unit and year, serials from the settings' pattern,
unguessable codes, revoke and re-issue, the PDF stored once, object-level access, and a disk that
refuses the write leaving nothing behind."""
from __future__ import annotations

import datetime as dt
import re
import threading

import pytest
import sqlalchemy as sa

from lms.certificates import operations, queries
from lms.certificates.models import REPLACED, REVOKED, VALID, Certificate, RegisterCounter
from lms.core.db import db
from lms.core.settings import save_settings
from lms.courses import operations as course_ops
from lms.courses import queries as course_queries
from lms.courses import storage
from lms.records.models import Attendance, RecordEntry, TrainingClass
from tests.conftest import html_text

SIGNER = "Đặng Hữu Phước"
BASE_URL = "https://hoctap.congdoan.example.vn"


# -- helpers shared by the certificate tests (imported by test_verify, test_bulk, test_auto_issue) --

@pytest.fixture()
def configured(province):
    """A province whose certificate settings name a signer and a public address."""
    save_settings({"signer_name": SIGNER, "public_base_url": BASE_URL})
    return province


def make_course(trainer, code="NGHIEP-VU", title="Nghiệp vụ công tác công đoàn", modules=(("Bài mở đầu", 25), ("Bài hai", 40)),
                hours=None, validity_months=None):
    course = course_ops.create_course(code, course_ops.CourseMeta(title), trainer)
    version = course_ops.latest(course)
    for name, minutes in modules:
        course_ops.add_module(version, course_ops.ModuleData(name, "Nội dung", minutes))
    course_ops.publish(version)
    course.certificate_hours = hours
    course.validity_months = validity_months
    db.session.flush()
    return course


def finish(cadre, course):
    """Complete every module of the cadre's track, as a learner does; returns the enrolment."""
    enrolment = course_ops.enrol(cadre, course)
    for module in course_queries.outline(course, cadre).modules:
        course_ops.complete_module(enrolment, module)
    return enrolment


def issue(cadre, title="Bồi dưỡng nghiệp vụ", issued_on=None, **kwargs):
    facts = operations.Facts(title=title, hours=8, start_on=dt.date(2026, 3, 2), end_on=dt.date(2026, 3, 3))
    return operations.issue_certificate(cadre, facts, issued_on=issued_on or dt.date(2026, 3, 5), **kwargs)


def make_class(province, organiser, title="Lớp tập huấn kỹ năng thương lượng", grants=True, attendees=()):
    training_class = TrainingClass(title=title, organiser_unit_id=organiser.id, start_on=dt.date(2026, 4, 1),
                                   end_on=dt.date(2026, 4, 3), hours=24, grants_certificate=grants)
    db.session.add(training_class)
    db.session.flush()
    for cadre, result in attendees:
        db.session.add(Attendance(class_id=training_class.id, cadre_id=cadre.id, result=result))
    db.session.flush()
    db.session.refresh(training_class)
    return training_class


def counter(unit, year):
    return db.session.scalar(sa.select(RegisterCounter.last_number).where(
        RegisterCounter.issuer_unit_id == unit.id, RegisterCounter.year == year))


def login(client, username):
    response = client.post("/login", data={"username": username, "password": "mat-khau-thu-nghiem"})
    assert response.status_code == 302
    return client


# -- numbering and serials -----------------------------------------------------------------------

def test_numbers_run_per_issuing_unit_and_year_and_serials_follow_the_pattern(configured, make):
    fed, cadre = configured["fed"], configured["cadre_a"]
    first, second = issue(cadre), issue(cadre)
    next_year = issue(cadre, issued_on=dt.date(2027, 1, 2))
    assert (first.issuer_unit_id, first.year, first.number) == (fed.id, 2026, 1)
    assert (second.number, next_year.number, next_year.year) == (2, 1, 2027)
    assert first.serial == "1/GCN-LĐLĐ-2026" and second.serial == "2/GCN-LĐLĐ-2026"
    assert next_year.serial == "1/GCN-LĐLĐ-2027"
    assert counter(fed, 2026) == 2 and counter(fed, 2027) == 1

    save_settings({"serial_pattern": "{year}-{number:04d}/{issuer_short}", "issuer_short": "LĐLĐTN"})
    assert issue(cadre).serial == "2026-0003/LĐLĐTN"

    # A class organised by an upper-level union is entered in that union's own register.
    chair = make.cadre("Hoàng Văn Chủ", unit=configured["upper_a"], titles=["chu_tich"])
    assert chair.unit_id == configured["upper_a"].id
    training_class = make_class(configured, configured["upper_a"], attendees=[(cadre, "Đạt")])
    own = operations.issue_for_class(training_class).issued[0]
    assert (own.issuer_unit_id, own.number) == (configured["upper_a"].id, 1)
    assert own.serial == f"{own.year}-0001/KCN"


def test_a_serial_pattern_must_name_the_number_the_issuer_and_the_year(configured, client):
    """Numbers restart every year in every issuing unit's register: a pattern without {year} gave the
    1st certificate of 2025 and of 2026 the same serial, one without {issuer_short} the federation's and a
    union's; the verification page then answered a serial with two certificates."""
    for pattern in ("{number}/GCN-{issuer_short}", "{number}/GCN-LĐLĐ-{year}", "{number}/GCN"):
        with pytest.raises(operations.CertificateError, match="phải có đủ"):
            operations.check_serial_pattern(pattern)
    assert operations.check_serial_pattern(" {year}-{number:04d}/{issuer_short} ") == "{year}-{number:04d}/{issuer_short}"
    login(client, "admin")
    page = html_text(client.post("/certificates/settings", data={
        "issuer_parent": "TỔNG LIÊN ĐOÀN LAO ĐỘNG VIỆT NAM", "issuer_name": "LIÊN ĐOÀN LAO ĐỘNG TỈNH THÁI NGUYÊN",
        "issuer_short": "LĐLĐ", "place": "Thái Nguyên", "signer_on_behalf": "TM. BAN THƯỜNG VỤ", "signer_title": "CHỦ TỊCH",
        "signer_name": "Trần Thị Ký", "serial_pattern": "{number}/GCN-{issuer_short}", "public_base_url": BASE_URL}))
    assert "Mẫu số hiệu phải có đủ {number}, {issuer_short} và {year}" in page
    assert 'value="{number}/GCN-{issuer_short}"' in page
    from lms.core.settings import get_settings

    assert get_settings()["serial_pattern"] == "{number}/GCN-{issuer_short}-{year}"


def test_snapshot_and_expiry(configured):
    cadre = configured["cadre_a"]
    certificate = issue(cadre, validity_months=24, issued_on=dt.date(2024, 2, 29))
    assert certificate.expires_on == dt.date(2026, 2, 28)
    assert (certificate.full_name, certificate.birth_date, certificate.unit_name) == (
        "Nguyễn Thị Ánh", dt.date(1985, 5, 3), "Công đoàn Công ty May Đức Giang")
    cadre.set_name("Nguyễn Thị Ánh Hồng")
    db.session.flush()
    db.session.refresh(certificate)
    assert certificate.full_name == "Nguyễn Thị Ánh"  # later edits never change an issued certificate
    assert storage.read(certificate.pdf_blob).startswith(b"%PDF-")


def test_codes_are_unguessable_and_unique(configured):
    cadre = configured["cadre_a"]
    codes = [issue(cadre).verify_code for _ in range(12)]
    assert len(set(codes)) == len(codes)
    for code in codes:
        assert re.fullmatch(r"[A-Za-z0-9_-]{22}", code)  # 16 random bytes, URL-safe
    assert not any(code.isdigit() for code in codes)


def test_the_qr_code_points_to_the_public_verification_page(configured, monkeypatch):
    from lms.certificates import rendering

    seen = {}
    original = rendering.render_pdf

    def spy(template, data, **kwargs):
        seen.update(data)
        return original(template, data, **kwargs)

    monkeypatch.setattr(rendering, "render_pdf", spy)
    certificate = issue(configured["cadre_a"])
    assert seen["verify_url"] == f"{BASE_URL}/verify/{certificate.verify_code}"
    assert seen["serial"] == certificate.serial and seen["signer_name"] == SIGNER


def test_missing_signer_is_a_clear_error_and_uses_no_number(province):
    with pytest.raises(operations.CertificateError, match="người ký"):
        issue(province["cadre_a"])
    assert db.session.scalar(sa.select(sa.func.count(Certificate.id))) == 0
    assert counter(province["fed"], 2026) is None


# -- a disk that refuses the write ---------------------------------------------------------------

def _refuse(data):
    raise OSError(28, "No space left on device")


def test_failed_storage_write_leaves_no_certificate_and_no_number(configured, monkeypatch):
    cadre, fed = configured["cadre_a"], configured["fed"]
    issue(cadre)
    monkeypatch.setattr(storage, "store", _refuse)
    with pytest.raises(operations.CertificateError) as caught:
        issue(cadre)
    message = str(caught.value)
    assert "Không ghi được tệp PDF" in message and "No space left on device" in message
    assert db.session.scalar(sa.select(sa.func.count(Certificate.id))) == 1
    assert counter(fed, 2026) == 1
    # a register that did not exist yet is not created either
    with pytest.raises(operations.CertificateError):
        issue(cadre, issued_on=dt.date(2030, 1, 1))
    assert counter(fed, 2030) is None
    monkeypatch.undo()
    assert issue(cadre).number == 2  # the number was not used up


def test_failed_storage_write_through_the_issue_form(configured, client, monkeypatch):
    cadre = configured["cadre_b"]
    course = make_course(configured["users"]["trainer"])
    enrolment = finish(cadre, course)
    certificate = operations.certificate_for_enrolment(enrolment)  # issued at completion
    operations.revoke(certificate, "Thử nghiệm")  # so that issuing by hand is allowed again
    db.session.flush()
    login(client, "admin")
    monkeypatch.setattr(storage, "store", _refuse)
    before = db.session.scalar(sa.select(sa.func.count(Certificate.id)))
    response = client.post("/certificates/issue", data={"one-cadre_code": cadre.code, "one-course": course.id,
                                                        "one-training_class": 0})
    assert response.status_code == 200
    assert "Không ghi được tệp PDF của giấy chứng nhận" in html_text(response)
    assert db.session.scalar(sa.select(sa.func.count(Certificate.id))) == before


# -- revoke and re-issue -------------------------------------------------------------------------

def test_revoke_needs_a_reason(configured):
    certificate = issue(configured["cadre_a"])
    with pytest.raises(operations.CertificateError):
        operations.revoke(certificate, "  ")
    operations.revoke(certificate, "Cấp nhầm người")
    assert certificate.status == REVOKED and certificate.revoked_at is not None
    assert certificate.revoked_reason == "Cấp nhầm người"
    with pytest.raises(operations.CertificateError):
        operations.revoke(certificate, "lần hai")


def test_reissue_makes_a_chain(configured, client):
    cadre = configured["cadre_a"]
    old = issue(cadre)
    entry = RecordEntry(cadre_id=cadre.id, kind="online", title="x", end_on=dt.date(2026, 3, 3), certificate_id=old.id)
    db.session.add(entry)
    db.session.flush()
    new = operations.reissue(old, full_name="Nguyễn Thị Ánh Hồng", birth_date=dt.date(1985, 5, 3),
                             unit_name=old.unit_name, result="Đạt")
    assert old.status == REPLACED and new.status == VALID
    assert new.replaces_id == old.id and new.number == old.number + 1 and new.verify_code != old.verify_code
    assert (new.full_name, new.title, new.hours, new.issuer_unit_id) == ("Nguyễn Thị Ánh Hồng", old.title, 8, old.issuer_unit_id)
    assert entry.certificate_id == new.id
    assert queries.chain(old) == ([], [new])
    assert queries.chain(new) == ([old], [])
    with pytest.raises(operations.CertificateError):
        operations.reissue(old, full_name="x", birth_date=None, unit_name="", result="Đạt")

    login(client, "admin")
    for shown, other in ((old, new), (new, old)):
        page = html_text(client.get(f"/certificates/{shown.id}"))
        assert "Chuỗi cấp lại" in page and other.serial in page


def test_revoke_and_reissue_through_the_pages(configured, client):
    certificate = issue(configured["cadre_a"])
    login(client, "union")
    response = client.post(f"/certificates/{certificate.id}/reissue",
                           data={"full_name": "Nguyễn Thị Ánh Hồng", "birth_date": "1985-05-03", "unit_name": "CĐCS May",
                                 "result": "Giỏi"})
    assert response.status_code == 302
    new = db.session.scalar(sa.select(Certificate).where(Certificate.replaces_id == certificate.id))
    assert new is not None and new.result == "Giỏi" and response.headers["Location"].endswith(f"/certificates/{new.id}")
    response = client.post(f"/certificates/{new.id}/revoke", data={"reason": "Hồ sơ sai"})
    assert response.status_code == 302
    db.session.refresh(new)
    assert new.status == REVOKED and new.revoked_reason == "Hồ sơ sai"

    other = issue(configured["cadre_b"])  # in the other upper-level union's subtree
    assert client.post(f"/certificates/{other.id}/revoke", data={"reason": "x"}).status_code == 403
    assert client.get(f"/certificates/{other.id}/reissue").status_code == 403


def test_a_reissue_refuses_a_birth_date_the_cadre_form_refuses(configured, client):
    """A re-issue printed whatever birth date was typed, a future one included ("Sinh ngày: 01/01/2030"),
    on a certificate that stays in the register for good."""
    certificate = issue(configured["cadre_a"])
    login(client, "union")
    for typed in ("2030-01-01", "1900-05-03"):
        response = client.post(f"/certificates/{certificate.id}/reissue",
                               data={"full_name": "Nguyễn Thị Ánh Hồng", "birth_date": typed, "unit_name": "CĐCS May",
                                     "result": "Giỏi"})
        assert response.status_code == 200, typed
        page = html_text(response)
        assert "Ngày sinh " in page and "không hợp lệ: phải từ 01/01/1930" in page, typed
        assert 'value="Nguyễn Thị Ánh Hồng"' in page and 'value="Giỏi"' in page
    db.session.refresh(certificate)
    assert certificate.status == VALID
    assert db.session.scalar(sa.select(Certificate).where(Certificate.replaces_id == certificate.id)) is None
    with pytest.raises(operations.CertificateError, match="Ngày sinh"):
        operations.reissue(certificate, full_name="Nguyễn Thị Ánh", birth_date=dt.date(2030, 1, 1), unit_name="",
                           result="Đạt")


def test_every_post_needs_a_csrf_token(configured, client, csrf_on):
    certificate = issue(configured["cadre_a"])
    login_page = client.get("/login").get_data(as_text=True)
    token = login_page.split('name="csrf_token" type="hidden" value="')[1].split('"')[0]
    assert client.post("/login", data={"username": "admin", "password": "mat-khau-thu-nghiem",
                                       "csrf_token": token}).status_code == 302
    for url, data in [
        (f"/certificates/{certificate.id}/revoke", {"reason": "x"}),
        (f"/certificates/{certificate.id}/reissue", {"full_name": "A", "result": "Đạt"}),
        ("/certificates/issue", {"one-cadre_code": configured["cadre_a"].code}),
        ("/certificates/issue-class", {"class-training_class": 1}),
        ("/certificates/settings", {"issuer_name": "X"}),
    ]:
        assert client.post(url, data=data).status_code == 400, url
    db.session.refresh(certificate)
    assert certificate.status == VALID


# -- downloads: the stored PDF, object-level access ----------------------------------------------

@pytest.mark.parametrize("username, allowed", [
    ("cadre", True), ("cadre2", False), ("union", True), ("union2", False), ("admin", True), ("trainer", False),
])
def test_pdf_download_access(configured, client, username, allowed, monkeypatch):
    certificate = issue(configured["cadre_a"])
    stored = storage.read(certificate.pdf_blob)
    from lms.certificates import rendering

    monkeypatch.setattr(rendering, "render_pdf", lambda *a, **k: pytest.fail("downloads never re-render"))
    login(client, username)
    response = client.get(f"/certificates/{certificate.id}.pdf")
    if not allowed:
        assert response.status_code == 403
        return
    assert response.status_code == 200
    assert response.mimetype == "application/pdf" and response.data == stored
    disposition = response.headers["Content-Disposition"]
    assert disposition.startswith("attachment") and "giay-chung-nhan-1-GCN-LDLD-2026-nguyen-thi-anh.pdf" in disposition
    response.close()


def test_access_follows_the_cadres_current_unit(configured, client):
    cadre = configured["cadre_a"]
    certificate = issue(cadre)
    cadre.unit_id = configured["pub"].id  # transferred to the other upper-level union's subtree
    db.session.flush()
    db.session.expire_all()
    login(client, "union")
    assert client.get(f"/certificates/{certificate.id}.pdf").status_code == 403
    assert certificate.serial not in html_text(client.get("/certificates/register"))
    client2 = login(client.application.test_client(), "union2")
    assert client2.get(f"/certificates/{certificate.id}.pdf").status_code == 200


def test_register_lists_the_subtree_with_filters(configured, client):
    mine = issue(configured["cadre_a"], title="Khóa A")
    theirs = issue(configured["cadre_b"], title="Khóa B")
    older = issue(configured["cadre_a"], title="Khóa C", issued_on=dt.date(2025, 6, 1))
    login(client, "union")
    page = html_text(client.get("/certificates/register"))
    assert mine.serial in page and older.serial in page and theirs.serial not in page
    page = html_text(client.get("/certificates/register?year=2025"))
    assert older.serial in page and mine.serial not in page
    assert client.get(f"/certificates/register?unit={configured['pub'].id}").status_code == 404
    client2 = login(client.application.test_client(), "union2")
    page = html_text(client2.get("/certificates/register"))
    assert theirs.serial in page and mine.serial not in page
    admin = login(client.application.test_client(), "admin")
    page = html_text(admin.get("/certificates/register?status=valid"))
    assert all(c.serial in page for c in (mine, theirs, older))
    # on a phone the filters fold under "Lọc", left open while any is applied (the count says how many)
    assert '<details class="filters">' in admin.get("/certificates/register").get_data(as_text=True)
    filtered = admin.get("/certificates/register?status=valid&year=2025").get_data(as_text=True)
    assert '<details class="filters" open>' in filtered and "Lọc (2)" in filtered


def test_the_cadres_own_list(configured, client):
    certificate = issue(configured["cadre_a"])
    issue(configured["cadre_b"])
    login(client, "cadre")
    page = client.get("/certificates/mine")
    text = html_text(page)
    assert page.status_code == 200 and certificate.serial in text and "Hợp lệ" in text
    assert f"/certificates/{certificate.id}.pdf" in page.get_data(as_text=True)
    assert text.count("/GCN-") == 1


def test_renewal_query(configured):
    cadre = configured["cadre_a"]
    soon = issue(cadre, issued_on=dt.date(2025, 4, 1), validity_months=12)       # expires 1/4/2026
    later = issue(cadre, issued_on=dt.date(2025, 12, 1), validity_months=12)     # expires 1/12/2026
    issue(cadre, issued_on=dt.date(2025, 4, 1))                                   # never expires
    revoked = issue(cadre, issued_on=dt.date(2025, 4, 1), validity_months=12)
    operations.revoke(revoked, "x")
    assert queries.certificates_due_for_renewal(60, today=dt.date(2026, 3, 1)) == [soon]
    assert queries.certificates_due_for_renewal(300, today=dt.date(2026, 3, 1)) == [soon, later]


# -- issuing by hand and settings ----------------------------------------------------------------

def test_manual_issue_for_a_class_attendee_and_a_batch(configured, client, make):
    fed = configured["fed"]
    a, b = configured["cadre_a"], configured["cadre_b"]
    failed = make.cadre("Lê Văn Trượt", unit=configured["biz"])
    training_class = make_class(configured, fed, attendees=[(a, "Đạt"), (b, "Giỏi"), (failed, "Không đạt")])
    login(client, "admin")
    response = client.post("/certificates/issue", data={"one-cadre_code": a.code, "one-course": 0,
                                                        "one-training_class": training_class.id})
    assert response.status_code == 302
    response = client.post("/certificates/issue-class", data={"class-training_class": training_class.id})
    assert response.status_code == 302
    rows = db.session.scalars(sa.select(Certificate).where(Certificate.class_id == training_class.id)).all()
    assert sorted(c.cadre_id for c in rows) == sorted([a.id, b.id])
    assert {c.issuer_unit_id for c in rows} == {fed.id}  # the federation's own class: the federation's register
    assert {c.result for c in rows} == {"Đạt", "Giỏi"} and {c.hours for c in rows} == {24}
    # the other union's admin cannot issue for a class organised above them
    client2 = login(client.application.test_client(), "union2")
    response = client2.post("/certificates/issue-class", data={"class-training_class": training_class.id})
    assert response.status_code == 200 and "phạm vi" in html_text(response)


def test_settings_page_saves_checks_and_previews(configured, client, monkeypatch):
    from tests.courses.test_authoring import png_bytes

    login(client, "admin")
    data = {"issuer_parent": "TỔNG LIÊN ĐOÀN LAO ĐỘNG VIỆT NAM", "issuer_name": "LIÊN ĐOÀN LAO ĐỘNG TỈNH THÁI NGUYÊN",
            "issuer_short": "LĐLĐ", "place": "Thái Nguyên", "signer_on_behalf": "TM. BAN THƯỜNG VỤ",
            "signer_title": "CHỦ TỊCH", "signer_name": "Trần Thị Ký", "serial_pattern": "{number}/GCN-{issuer_short}-{year}",
            "public_base_url": "https://hoctap.example.vn/"}
    import io

    bad = client.post("/certificates/settings", data={**data, "seal": (io.BytesIO(b"GIF89a...."), "dau.png")},
                      content_type="multipart/form-data")
    assert bad.status_code == 200 and "không phải ảnh PNG" in html_text(bad)
    bad = client.post("/certificates/settings", data={**data, "serial_pattern": "{name}/{year}"})
    assert "Mẫu số hiệu" in html_text(bad)
    preview = client.post("/certificates/settings", data={**data, "preview": "1",
                                                         "seal": (io.BytesIO(png_bytes()), "dau.png")},
                          content_type="multipart/form-data")
    assert preview.status_code == 200 and preview.mimetype == "application/pdf" and preview.data.startswith(b"%PDF-")
    from lms.core.settings import get_settings

    assert get_settings()["signer_name"] == SIGNER  # previewing saves nothing
    saved = client.post("/certificates/settings", data={**data, "signature": (io.BytesIO(png_bytes()), "ky.png")},
                        content_type="multipart/form-data")
    assert saved.status_code == 302
    settings = get_settings()
    assert settings["signer_name"] == "Trần Thị Ký" and settings["public_base_url"] == "https://hoctap.example.vn"
    assert settings["signature_blob_id"] is not None
    assert issue(configured["cadre_a"]).serial == "1/GCN-LĐLĐ-2026"
    assert login(client.application.test_client(), "union").get("/certificates/settings").status_code == 403


# -- concurrency (PostgreSQL) --------------------------------------------------------------------

@pytest.mark.postgres
def test_concurrent_issues_never_share_a_number(app, database_url):
    """Eight threads, each its own connection and transaction, issue at once for one unit and year."""
    if not database_url.startswith("postgresql"):
        pytest.skip("row locks are tested on PostgreSQL (SQLite serialises writers)")
    from tests.conftest import Factory

    ids = {}
    with app.app_context():
        db.session.remove()
        make = Factory()
        root = make.unit("Liên đoàn thử đồng thời", code="LDLD-DONGTHOI")
        cadre = make.cadre("Phạm Văn Đồng Thời", unit=root)
        save_settings({"signer_name": SIGNER})
        db.session.commit()
        ids = {"unit": root.id, "cadre": cadre.id}
        db.session.remove()
    results, errors = [], []
    barrier = threading.Barrier(8)

    def worker():
        with app.app_context():
            try:
                from lms.cadres.models import Cadre

                cadre = db.session.get(Cadre, ids["cadre"])
                barrier.wait(timeout=10)
                certificate = issue(cadre, issued_on=dt.date(2031, 5, 1))
                db.session.commit()
                results.append(certificate.number)
            except Exception as exc:  # reported below
                errors.append(exc)
            finally:
                db.session.remove()

    threads = [threading.Thread(target=worker) for _ in range(8)]
    try:
        for t in threads:
            t.start()
        for t in threads:
            t.join(60)
        assert not errors, errors
        assert sorted(results) == list(range(1, 9))
    finally:
        with app.app_context():
            with db.engine.begin() as conn:
                conn.execute(sa.delete(Certificate).where(Certificate.cadre_id == ids["cadre"]))
                conn.execute(sa.delete(RegisterCounter).where(RegisterCounter.issuer_unit_id == ids["unit"]))
                conn.execute(sa.text("DELETE FROM settings"))
                conn.execute(sa.text("DELETE FROM memberships WHERE cadre_id = :c"), {"c": ids["cadre"]})
                conn.execute(sa.text("DELETE FROM cadre_titles WHERE cadre_id = :c"), {"c": ids["cadre"]})
                conn.execute(sa.text("DELETE FROM cadre_facts WHERE cadre_id = :c"), {"c": ids["cadre"]})
                conn.execute(sa.text("DELETE FROM cadres WHERE id = :c"), {"c": ids["cadre"]})
                conn.execute(sa.text("DELETE FROM unit_events WHERE unit_id = :u"), {"u": ids["unit"]})
                conn.execute(sa.text("DELETE FROM units WHERE id = :u"), {"u": ids["unit"]})
            db.session.remove()


def _queries(app, fn) -> int:
    statements = []

    def listener(conn, cursor, statement, parameters, context, executemany):
        statements.append(statement)

    engine = db.engine
    sa.event.listen(engine, "before_cursor_execute", listener)
    try:
        response = fn()
    finally:
        sa.event.remove(engine, "before_cursor_execute", listener)
    assert response.status_code == 200
    return len(statements)


def test_register_and_own_list_need_the_same_queries_for_2_or_8_certificates(configured, client, app, make):
    admin = login(app.test_client(), "admin")
    for _ in range(2):
        issue(configured["cadre_a"])
    counts_few = (_queries(app, lambda: admin.get("/certificates/register")),
                  _queries(app, lambda: login(app.test_client(), "cadre").get("/certificates/mine")))
    for n in range(6):
        issue(make.cadre(f"Cán bộ thêm {n}", unit=configured["biz"]))
        issue(configured["cadre_a"])
    counts_many = (_queries(app, lambda: admin.get("/certificates/register")),
                   _queries(app, lambda: login(app.test_client(), "cadre").get("/certificates/mine")))
    assert counts_few == counts_many


def test_the_register_warns_while_the_public_address_is_this_machines(province, client, auth):
    """Until a federation admin sets the platform's public address, QR codes point at 127.0.0.1: the
    register says so to whoever can change it, with the way to the settings."""
    warning = "Địa chỉ công khai của trang vẫn là địa chỉ của máy này"
    assert operations.public_url_is_local("http://127.0.0.1:5000") and operations.public_url_is_local("http://localhost")
    assert not operations.public_url_is_local("https://hoctap.ldld.vn")
    auth.login("admin")
    page = client.get("/certificates/register").get_data(as_text=True)
    assert warning in page and 'href="/certificates/settings"' in page
    save_settings({"public_base_url": "https://hoctap.ldld.vn"})
    db.session.commit()
    assert warning not in client.get("/certificates/register").get_data(as_text=True)
    save_settings({"public_base_url": "http://localhost:8000"})
    db.session.commit()
    auth.logout()
    auth.login("union")  # sees the register, cannot change the settings
    page = client.get("/certificates/register")
    assert page.status_code == 200 and warning not in page.get_data(as_text=True)


def test_a_certificates_page_leads_back_to_the_list_it_came_from(configured, client):
    """A certificate's page had no way back: the cadre's goes back to "Giấy chứng nhận của tôi", an
    administrator's to the register."""
    certificate = issue(configured["cadre_a"])
    back = '<nav class="muted"><a href="{}">'
    page = login(client, "cadre").get(f"/certificates/{certificate.id}").get_data(as_text=True)
    assert back.format("/certificates/mine") in page
    admin = login(client.application.test_client(), "admin")
    assert back.format("/certificates/register") in admin.get(f"/certificates/{certificate.id}").get_data(as_text=True)


def test_a_refused_revocation_keeps_the_reason_typed_beside_its_field(configured, client):
    """A refused revocation redirected to the certificate's page: the reason typed (too long, say) was
    lost and the message flashed at the top of the page, far above the form on a phone."""
    certificate = issue(configured["cadre_a"])
    login(client, "union")
    typed = "Cấp nhầm người " * 80  # more than the 1.000 characters a reason may have
    response = client.post(f"/certificates/{certificate.id}/revoke", data={"reason": typed})
    assert response.status_code == 422
    body = response.get_data(as_text=True)
    assert typed.strip() in body and 'class="error" id="reason-error"' in body
    db.session.refresh(certificate)
    assert certificate.status == VALID
    response = client.post(f"/certificates/{certificate.id}/revoke", data={"reason": "  "})
    assert response.status_code == 422 and "Vui lòng ghi lý do thu hồi." in html_text(response)


def test_a_certificate_page_leads_back_to_the_register(configured, client):
    certificate = issue(configured["cadre_a"])
    login(client, "union")
    page = client.get(f"/certificates/{certificate.id}").get_data(as_text=True)
    assert 'href="/certificates/register">« Sổ cấp giấy chứng nhận</a>' in page
    for url in ("/certificates/export", "/certificates/issue"):  # the register's own sub-pages
        assert 'href="/certificates/register">« Sổ cấp giấy chứng nhận</a>' in client.get(url).get_data(as_text=True), url
    client.post("/logout")
    login(client, "cadre")
    page = client.get(f"/certificates/{certificate.id}").get_data(as_text=True)
    assert "« Sổ cấp giấy chứng nhận" not in page  # a cadre has no register to go back to
