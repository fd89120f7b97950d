"""In-person classes: created by trainers and admins in scope, attendance written into records once."""
from __future__ import annotations

import datetime as dt

from sqlalchemy import func, select

from lms.core.db import db
from lms.records.models import Attendance, RecordEntry, TrainingClass
from tests.conftest import html_text


def _login(auth, province, role):
    auth.logout()
    assert auth.login(province["users"][role].username).status_code == 302


def _class_form(unit, **overrides):
    form = {
        "title": "Bồi dưỡng nghiệp vụ công tác kiểm tra", "topic": "Nghiệp vụ công tác kiểm tra",
        "organiser_unit": str(unit.id), "start_on": "2025-10-06", "end_on": "2025-10-07", "hours": "16",
        "place": "Hội trường Công đoàn Khu công nghiệp", "trainer_name": "Đỗ Văn Kiên",
    }
    form.update(overrides)
    return form


def _entries(cadre_id, class_id=None) -> list[RecordEntry]:
    query = select(RecordEntry).where(RecordEntry.cadre_id == cadre_id, RecordEntry.kind == "class")
    if class_id is not None:
        query = query.where(RecordEntry.class_id == class_id)
    return list(db.session.scalars(query))


def test_a_trainer_creates_a_class_and_records_attendance(client, auth, province, make, certificate_settings):
    make.cadre("Phạm Văn Chung", unit=province["upper_a"], titles=["chu_tich"], gender="male")  # signs its certificates
    _login(auth, province, "trainer")
    response = client.post("/classes/new", data=_class_form(province["upper_a"], grants_certificate="y"))
    assert response.status_code == 302, html_text(response)
    training_class = db.session.scalar(select(TrainingClass).order_by(TrainingClass.id.desc()))
    assert training_class.created_by_id == province["users"]["trainer"].id
    assert training_class.hours == 16 and training_class.grants_certificate
    assert "/classes/" in response.headers["Location"]

    # accent-insensitive search within the organiser's subtree: "anh" finds Nguyễn Thị Ánh, not cadres elsewhere
    page = html_text(client.get(f"/classes/{training_class.id}?q=nguyen thi anh"))
    assert "Nguyễn Thị Ánh" in page
    assert "Trần Văn Đức" not in html_text(client.get(f"/classes/{training_class.id}?q=tran van duc"))

    cadre = province["cadre_a"]
    assert client.post(f"/classes/{training_class.id}/attendees", data={"cadre_id": [str(cadre.id)]}).status_code == 302
    [entry] = _entries(cadre.id)
    # attended, no result yet: the record shows the class without pass or fail, and no certificate yet
    assert (entry.title, entry.hours, entry.end_on, entry.result) == (
        "Bồi dưỡng nghiệp vụ công tác kiểm tra", 16, dt.date(2025, 10, 7), "")
    assert entry.provider == "Công đoàn Khu công nghiệp"
    from lms.certificates.models import Certificate

    assert db.session.scalar(select(Certificate).where(Certificate.class_id == training_class.id)) is None
    _login(auth, province, "cadre")
    assert "Chưa có kết quả" in html_text(client.get(f"/records/{cadre.id}"))
    _login(auth, province, "trainer")

    # results are saved on the attendance and in the record; the class grants certificates and has ended:
    # the certificates area issued one, stating the result, and the entry links to it
    assert client.post(f"/classes/{training_class.id}/results", data={f"result-{cadre.id}": "Giỏi"}).status_code == 302
    db.session.expire_all()
    [entry] = _entries(cadre.id)
    assert entry.result == "Giỏi"
    assert "Giỏi" in html_text(client.get(f"/classes/{training_class.id}"))
    certificate = db.session.scalar(select(Certificate).where(Certificate.class_id == training_class.id))
    assert certificate is not None and certificate.cadre_id == cadre.id and certificate.result == "Giỏi"
    assert entry.certificate_id == certificate.id
    _login(auth, province, "cadre")
    record = html_text(client.get(f"/records/{cadre.id}"))
    assert f'href="/certificates/{certificate.id}.pdf"' in record and certificate.serial in record
    _login(auth, province, "trainer")
    # saving the same results again issues no second certificate
    assert client.post(f"/classes/{training_class.id}/results", data={f"result-{cadre.id}": "Giỏi"}).status_code == 302
    assert db.session.scalar(select(func.count()).select_from(Certificate).where(
        Certificate.class_id == training_class.id)) == 1


def test_attendees_who_did_not_pass_get_no_certificate(client, auth, province, records, certificate_settings):
    from lms.certificates.models import Certificate
    from lms.records import operations

    training_class = records.training_class([])
    training_class.grants_certificate = True
    operations.add_attendees(training_class, [province["cadre_a"].id], result="Không đạt")
    outcome = operations.add_attendees(training_class, [province["cadre_b"].id], result="Đạt")
    assert (outcome.added, outcome.certificates_issued, outcome.certificate_error) == (1, 1, None)
    holders = set(db.session.scalars(select(Certificate.cadre_id).where(Certificate.class_id == training_class.id)))
    assert holders == {province["cadre_b"].id}
    assert len(_entries(province["cadre_a"].id, training_class.id)) == 1  # the record shows the class all the same


def test_attendance_stands_when_certificates_cannot_be_issued(client, auth, province, records):
    """No signer configured: the certificates area refuses; the result and the entry are saved anyway."""
    training_class = records.training_class([province["cadre_a"]], result="")
    training_class.grants_certificate = True
    db.session.flush()
    _login(auth, province, "trainer")
    response = client.post(f"/classes/{training_class.id}/results", data={f"result-{province['cadre_a'].id}": "Đạt"},
                           follow_redirects=True)
    assert "Chưa cấp được giấy chứng nhận tự động" in html_text(response)
    assert [e.result for e in _entries(province["cadre_a"].id, training_class.id)] == ["Đạt"]


def test_attendance_is_idempotent_and_removal_removes_the_entry(client, auth, province, records):
    cadre = province["cadre_a"]
    training_class = records.training_class([cadre])
    _login(auth, province, "trainer")
    for _ in range(3):  # adding again, saving results again: still one attendance, one entry
        client.post(f"/classes/{training_class.id}/attendees", data={"cadre_id": [str(cadre.id)]})
        client.post(f"/classes/{training_class.id}/results", data={f"result-{cadre.id}": "Đạt"})
    db.session.expire_all()
    assert db.session.scalar(select(func.count()).select_from(Attendance).where(Attendance.class_id == training_class.id)) == 1
    assert len(_entries(cadre.id, training_class.id)) == 1

    # editing the class updates the entry instead of adding one
    response = client.post(f"/classes/{training_class.id}/edit", data=_class_form(
        province["fed"], title="Tập huấn Điều lệ Công đoàn Việt Nam (khóa XIII)", hours="12"))
    assert response.status_code == 302, html_text(response)
    db.session.expire_all()
    [entry] = _entries(cadre.id, training_class.id)
    assert (entry.title, entry.hours) == ("Tập huấn Điều lệ Công đoàn Việt Nam (khóa XIII)", 12)

    assert client.post(f"/classes/{training_class.id}/attendees/{cadre.id}/remove").status_code == 302
    db.session.expire_all()
    assert _entries(cadre.id, training_class.id) == []
    assert "Tập huấn Điều lệ" not in html_text(client.get(f"/records/{cadre.id}"))


def test_attendees_must_belong_to_the_organiser_subtree(client, auth, province, records):
    training_class = records.training_class([], unit=province["upper_a"])
    _login(auth, province, "trainer")
    response = client.post(f"/classes/{training_class.id}/attendees", data={"cadre_id": [str(province["cadre_b"].id)]},
                           follow_redirects=True)
    assert "Chỉ thêm được cán bộ thuộc Công đoàn Khu công nghiệp" in html_text(response)
    assert _entries(province["cadre_b"].id) == []


def test_who_manages_which_class(client, auth, province, records):
    mine = records.training_class([], unit=province["biz"])  # created by `trainer`, in union's subtree
    expected = {"trainer": 200, "other_trainer": 403, "union": 200, "other_union": 403, "admin": 200, "cadre": 403}
    for role, status in expected.items():
        _login(auth, province, role)
        assert client.get(f"/classes/{mine.id}").status_code == status, role
        listing = client.get("/classes/")
        assert listing.status_code == (403 if role == "cadre" else 200), role
        if status == 200:
            assert mine.title in html_text(listing), role
        elif role != "cadre":
            assert mine.title not in html_text(listing), role


def test_a_union_admin_organises_only_within_the_subtree(client, auth, province):
    _login(auth, province, "union")
    response = client.post("/classes/new", data=_class_form(province["upper_b"]))
    assert response.status_code == 200
    assert "Lựa chọn không hợp lệ." in html_text(response)  # not even offered
    assert db.session.scalar(select(func.count()).select_from(TrainingClass)) == 0
    assert client.post("/classes/new", data=_class_form(province["biz"])).status_code == 302


def test_class_form_checks_dates(client, auth, province):
    _login(auth, province, "admin")
    response = client.post("/classes/new", data=_class_form(province["fed"], start_on="2025-10-07", end_on="2025-10-06"))
    assert "Ngày kết thúc không được trước ngày bắt đầu." in html_text(response)


def test_class_form_says_what_is_wrong_with_the_hours(client, auth, province):
    _login(auth, province, "admin")
    for hours, message in (("0", "Số phải trong khoảng 1 đến 5000."), ("", "Vui lòng nhập số giờ."),
                           ("8,5", "Vui lòng nhập một số nguyên.")):
        text = html_text(client.post("/classes/new", data=_class_form(province["fed"], hours=hours)))
        assert message in text, hours
        assert "Vui lòng nhập số giờ." not in text or hours == "", hours
    assert db.session.scalar(select(func.count()).select_from(TrainingClass)) == 0


def test_posts_without_a_csrf_token_are_refused(client, auth, province, records, csrf_on):
    training_class = records.training_class([province["cadre_a"]])
    page = client.get("/login").get_data(as_text=True)
    token = page.split('name="csrf_token" type="hidden" value="')[1].split('"')[0]
    assert client.post("/login", data={"username": "admin", "password": "mat-khau-thu-nghiem",
                                       "csrf_token": token}).status_code == 302
    cadre = province["cadre_a"]
    for url, data in [
        ("/classes/new", _class_form(province["fed"])),
        (f"/classes/{training_class.id}/attendees", {"cadre_id": str(province["cadre_b"].id)}),
        (f"/classes/{training_class.id}/results", {f"result-{cadre.id}": "Không đạt"}),
        (f"/classes/{training_class.id}/attendees/{cadre.id}/remove", {}),
        (f"/classes/{training_class.id}/edit", _class_form(province["fed"])),
        (f"/records/{cadre.id}/external", {"study_kind": "masters", "title": "Thạc sĩ", "end_on": "2020-01-01"}),
    ]:
        assert client.post(url, data=data).status_code == 400, url
    db.session.expire_all()
    assert [e.result for e in _entries(cadre.id)] == ["Đạt"]
    assert db.session.scalar(select(func.count()).select_from(TrainingClass)) == 1


def test_a_class_leads_to_its_attendees_records_and_a_record_back_to_the_cadre(client, auth, province, records):
    """The class page named its attendees without a way to their training records, and a record had no way
    back to the cadre's page: an admin checking an attendee went through the cadre search twice."""
    cadre = province["cadre_a"]
    training_class = records.training_class([cadre], unit=province["upper_a"])
    _login(auth, province, "union")
    page = client.get(f"/classes/{training_class.id}").get_data(as_text=True)
    assert f'<a href="/records/{cadre.id}">{cadre.full_name}</a>' in page
    page = client.get(f"/records/{cadre.id}").get_data(as_text=True)
    assert f'<a href="/cadres/{cadre.id}">« {cadre.full_name}</a>' in page
    _login(auth, province, "trainer")  # created the class; sees no cadre's record
    page = client.get(f"/classes/{training_class.id}").get_data(as_text=True)
    assert f'href="/records/{cadre.id}"' not in page and cadre.full_name in page
    _login(auth, province, "cadre")  # their own record: no admin's cadre page
    assert f'href="/cadres/{cadre.id}"' not in client.get("/records/me", follow_redirects=True).get_data(as_text=True)
