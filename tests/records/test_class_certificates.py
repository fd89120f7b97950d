"""A class's results and certificates: a new attendee has no result yet; results, and the certificates
they earn, exist only once the class has ended; a changed result re-issues or revokes the certificate."""
from __future__ import annotations

import datetime as dt

import pytest
import sqlalchemy as sa
from sqlalchemy import select

from lms.certificates import operations as certificates
from lms.certificates.models import REPLACED, REVOKED, VALID, Certificate
from lms.core.clock import local_today
from lms.core.db import db
from lms.core.errors import ValidationError
from lms.records import operations
from lms.records.models import Attendance, RecordEntry
from tests.conftest import html_text


def _login(auth, province, role):
    auth.logout()
    assert auth.login(province["users"][role].username).status_code == 302


@pytest.fixture()
def signer(make, province, certificate_settings):
    """Certificates can be issued: settings complete, and the upper-level union has a chair to sign."""
    make.cadre("Phạm Văn Chung", unit=province["upper_a"], titles=["chu_tich"], gender="male")
    return province


def _class(province, start_on, end_on, title="Lớp tương lai"):
    return operations.create_class(operations.ClassData(
        title, province["upper_a"], start_on, end_on, 16, grants_certificate=True), province["users"]["trainer"])


def _future(province):
    start = local_today() + dt.timedelta(days=100)
    return _class(province, start, start + dt.timedelta(days=1))


def _past(province, title="Bồi dưỡng nghiệp vụ công tác kiểm tra"):
    end = local_today() - dt.timedelta(days=3)
    return _class(province, end - dt.timedelta(days=1), end, title)


def _passed(province):
    """An ended class whose attendee (cadre_a) passed, and so holds its certificate: (class, cadre)."""
    training_class = _past(province)
    cadre = province["cadre_a"]
    operations.add_attendees(training_class, [cadre.id], result="Đạt")
    return training_class, cadre


def _certificates(training_class) -> list[Certificate]:
    db.session.expire_all()
    return list(db.session.scalars(
        select(Certificate).where(Certificate.class_id == training_class.id).order_by(Certificate.id)))


def _entry(cadre, training_class) -> RecordEntry:
    return db.session.scalar(select(RecordEntry).where(
        RecordEntry.cadre_id == cadre.id, RecordEntry.class_id == training_class.id))


def _result(cadre, training_class) -> str:
    return db.session.scalar(select(Attendance.result).where(
        Attendance.cadre_id == cadre.id, Attendance.class_id == training_class.id))


# -- a class in the future ----------------------------------------------------------------------------

def test_adding_an_attendee_to_a_future_class_issues_nothing_and_gives_no_result(client, auth, signer):
    province = signer
    training_class = _future(province)
    cadre = province["cadre_a"]
    _login(auth, province, "trainer")
    response = client.post(f"/classes/{training_class.id}/attendees", data={"cadre_id": [str(cadre.id)]},
                           follow_redirects=True)
    text = html_text(response)
    assert "Đã thêm 1 học viên" in text and "Đã cấp" not in text
    assert _certificates(training_class) == []
    assert _result(cadre, training_class) == ""
    entry = _entry(cadre, training_class)
    assert (entry.result, entry.certificate_id, entry.end_on) == ("", None, training_class.end_on)
    # the class page says when results can be entered, and offers no results form yet
    assert f"Lớp kết thúc ngày {training_class.end_on:%d/%m/%Y}" in text
    assert "Chưa có kết quả" in text and "Lưu kết quả" not in text
    # the cadre's record shows the class as attended, without a result
    _login(auth, province, "cadre")
    record = html_text(client.get(f"/records/{cadre.id}"))
    assert "Lớp tương lai" in record and "Chưa có kết quả" in record


def test_results_for_a_future_class_are_refused_and_nothing_changes(client, auth, signer):
    province = signer
    training_class = _future(province)
    cadre = province["cadre_a"]
    operations.add_attendees(training_class, [cadre.id])
    _login(auth, province, "trainer")
    response = client.post(f"/classes/{training_class.id}/results", data={f"result-{cadre.id}": "Đạt"},
                           follow_redirects=True)
    assert (f"Lớp học kết thúc ngày {training_class.end_on:%d/%m/%Y}: chỉ nhập được kết quả từ ngày đó trở đi."
            in html_text(response))
    assert "Đã lưu kết quả" not in html_text(response)
    assert _result(cadre, training_class) == "" and _entry(cadre, training_class).result == ""
    assert _certificates(training_class) == []


def test_no_operation_issues_for_a_future_class(signer):
    province = signer
    training_class = _future(province)
    cadre = province["cadre_a"]
    with pytest.raises(ValidationError) as refused:
        operations.add_attendees(training_class, [cadre.id], result="Đạt")
    assert "chỉ nhập được kết quả" in str(refused.value)
    assert _result(cadre, training_class) is None
    operations.add_attendees(training_class, [cadre.id])
    with pytest.raises(ValidationError):
        operations.set_results(training_class, {cadre.id: "Giỏi"})
    # even a passing result written straight into the table earns nothing before the class ends
    db.session.execute(Attendance.__table__.update().values(result="Đạt"))
    db.session.expire_all()
    with pytest.raises(certificates.CertificateError, match="chỉ cấp giấy chứng nhận sau khi lớp học kết thúc"):
        certificates.issue_for_class_attendee(cadre, training_class)
    with pytest.raises(certificates.CertificateError):
        certificates.issue_for_class(training_class)
    outcome = operations.sync_class_entries(training_class)
    assert outcome.certificates_issued == 0 and _certificates(training_class) == []


def test_the_register_page_refuses_a_batch_for_a_future_class(client, auth, signer):
    province = signer
    training_class = _future(province)
    operations.add_attendees(training_class, [province["cadre_a"].id])
    _login(auth, province, "admin")
    response = client.post("/certificates/issue-class", data={"class-training_class": training_class.id})
    assert response.status_code == 422
    assert "chỉ cấp giấy chứng nhận sau khi lớp học kết thúc" in html_text(response)
    assert _certificates(training_class) == []


def test_a_class_with_results_cannot_be_moved_into_the_future(client, auth, signer):
    province = signer
    training_class, cadre = _passed(province)
    [certificate] = _certificates(training_class)
    _login(auth, province, "trainer")
    later = local_today() + dt.timedelta(days=30)
    response = client.post(f"/classes/{training_class.id}/edit", data={
        "title": training_class.title, "organiser_unit": str(province["upper_a"].id),
        "start_on": later.isoformat(), "end_on": later.isoformat(), "hours": "16", "grants_certificate": "y"})
    assert response.status_code == 200
    assert "Lớp đã có kết quả của học viên: ngày kết thúc không được sau hôm nay." in html_text(response)
    db.session.expire_all()
    assert training_class.end_on < local_today() and _entry(cadre, training_class).end_on < local_today()
    assert [c.status for c in _certificates(training_class)] == [VALID] and certificate.result == "Đạt"


# -- results entered, then changed ---------------------------------------------------------------------

def test_changed_results_reissue_or_revoke_the_certificates(client, auth, signer, make):
    """The tester's case: two attendees pass, then one is set to "Không đạt" and the other to "Giỏi"."""
    province = signer
    training_class = _past(province)
    failing, better = province["cadre_a"], make.cadre("Vũ Thị Học", unit=province["biz"])
    _login(auth, province, "trainer")
    client.post(f"/classes/{training_class.id}/attendees", data={"cadre_id": [str(failing.id), str(better.id)]})
    assert _certificates(training_class) == []  # no result yet, no certificate yet
    response = client.post(f"/classes/{training_class.id}/results", follow_redirects=True,
                           data={f"result-{failing.id}": "Đạt", f"result-{better.id}": "Đạt"})
    assert "Đã cấp 2 giấy chứng nhận" in html_text(response)
    first, second = _certificates(training_class)
    assert (first.result, second.result) == ("Đạt", "Đạt")

    response = client.post(f"/classes/{training_class.id}/results", follow_redirects=True,
                           data={f"result-{failing.id}": "Không đạt", f"result-{better.id}": "Giỏi"})
    text = html_text(response)
    assert "Đã cấp lại 1 giấy chứng nhận ghi kết quả mới." in text
    assert "Đã thu hồi 1 giấy chứng nhận" in text
    by_cadre = {}
    for certificate in _certificates(training_class):
        by_cadre.setdefault(certificate.cadre_id, []).append(certificate)
    [revoked] = by_cadre[failing.id]
    assert revoked.status == REVOKED and revoked.revoked_reason == "Kết quả lớp học được sửa thành Không đạt."
    old, new = by_cadre[better.id]
    assert (old.status, new.status, new.replaces_id, new.result) == (REPLACED, VALID, old.id, "Giỏi")
    assert new.serial != old.serial
    # the records follow: the failed attendee's entry links to no certificate, the other to the new one
    assert (_entry(failing, training_class).result, _entry(failing, training_class).certificate_id) == (
        "Không đạt", None)
    assert (_entry(better, training_class).result, _entry(better, training_class).certificate_id) == ("Giỏi", new.id)

    # the public verification page says the revoked one is revoked, and why; the old one is replaced
    client.get("/logout")
    page = html_text(client.get(f"/verify/{revoked.verify_code}"))
    assert "Đã thu hồi" in page and "Kết quả lớp học được sửa thành Không đạt." in page
    assert client.get(f"/verify/{new.verify_code}").status_code == 200

    # saving the same results again changes nothing in the register
    _login(auth, province, "trainer")
    client.post(f"/classes/{training_class.id}/results",
                data={f"result-{failing.id}": "Không đạt", f"result-{better.id}": "Giỏi"})
    assert len(_certificates(training_class)) == 3


def test_a_result_corrected_back_to_passing_is_issued_again(signer):
    province = signer
    training_class = _past(province)
    cadre = province["cadre_a"]
    operations.add_attendees(training_class, [cadre.id])
    operations.set_results(training_class, {cadre.id: "Đạt"})
    outcome = operations.set_results(training_class, {cadre.id: "Chưa đạt"})
    assert outcome.certificates_revoked == 1
    outcome = operations.set_results(training_class, {cadre.id: "Khá"})
    assert outcome.certificates_issued == 1
    statuses = [(c.status, c.result) for c in _certificates(training_class)]
    assert statuses == [(REVOKED, "Đạt"), (VALID, "Khá")]
    assert _entry(cadre, training_class).certificate_id == _certificates(training_class)[-1].id


def test_a_certificate_revoked_by_hand_is_not_issued_again_silently(signer):
    province = signer
    training_class, cadre = _passed(province)
    [certificate] = _certificates(training_class)
    certificates.revoke(certificate, "Cấp nhầm người học")
    outcome = operations.set_results(training_class, {cadre.id: "Đạt"})
    assert outcome.certificates_issued == 0
    assert [c.status for c in _certificates(training_class)] == [REVOKED]


def test_clearing_a_result_revokes_the_certificate(signer):
    province = signer
    training_class = _past(province)
    cadre = province["cadre_a"]
    operations.add_attendees(training_class, [cadre.id], result="Giỏi")
    outcome = operations.set_results(training_class, {cadre.id: "  "})
    assert outcome.certificates_revoked == 1
    [certificate] = _certificates(training_class)
    assert certificate.status == REVOKED and "chưa có kết quả" in certificate.revoked_reason
    assert _entry(cadre, training_class).result == ""


def test_removing_an_attendee_is_confirmed_on_a_page_that_names_the_certificate_it_revokes(client, auth, signer):
    """The class page's "Xóa khỏi lớp" was a button inside the results form: pressing it threw away the results
    typed and revoked a certificate without a word. It is now a link to a page that says what will happen."""
    province = signer
    training_class, cadre = _passed(province)
    _login(auth, province, "trainer")
    url = f"/classes/{training_class.id}/attendees/{cadre.id}/remove"
    class_page = client.get(f"/classes/{training_class.id}").get_data(as_text=True)
    assert f'<a href="{url}">Xóa khỏi lớp</a>' in class_page and "formaction" not in class_page
    [certificate] = _certificates(training_class)
    text = html_text(client.get(url))
    assert f"Xóa {cadre.full_name} khỏi lớp?" in text and certificate.serial in text and "thu hồi" in text
    assert certificate.status == VALID and _entry(cadre, training_class) is not None  # a look changes nothing
    assert client.get(f"/classes/{training_class.id}/attendees/{province['cadre_b'].id}/remove").status_code == 404


def test_removing_an_attendee_revokes_their_certificate(client, auth, signer):
    province = signer
    training_class, cadre = _passed(province)
    _login(auth, province, "trainer")
    response = client.post(f"/classes/{training_class.id}/attendees/{cadre.id}/remove", follow_redirects=True)
    assert "Đã thu hồi 1 giấy chứng nhận" in html_text(response)
    [certificate] = _certificates(training_class)
    assert certificate.status == REVOKED
    assert certificate.revoked_reason == "Học viên đã được xóa khỏi danh sách lớp học."
    assert _entry(cadre, training_class) is None


def test_revocation_reasons_are_stored_in_vietnamese_whatever_the_page_language(client, auth, signer):
    province = signer
    training_class, cadre = _passed(province)
    _login(auth, province, "trainer")
    assert client.post("/language", data={"lang": "en"}).status_code == 302
    page = client.get(f"/classes/{training_class.id}").get_data(as_text=True)
    assert "Save results" in page
    # the suggested results are the stored Vietnamese words, labelled in the page's language
    assert '<option value="Không đạt" label="Failed">' in page and '<option value="Giỏi" label="Good">' in page
    client.post(f"/classes/{training_class.id}/results", data={f"result-{cadre.id}": "Không đạt"})
    [certificate] = _certificates(training_class)
    assert certificate.revoked_reason == "Kết quả lớp học được sửa thành Không đạt."


def test_a_failed_reissue_keeps_the_result_and_reports_why(signer, monkeypatch):
    province = signer
    training_class, cadre = _passed(province)
    def refuse(*args, **kwargs):
        raise certificates.CertificateError("Ổ đĩa đầy")

    monkeypatch.setattr(certificates, "issue_certificate", refuse)
    outcome = operations.set_results(training_class, {cadre.id: "Giỏi"})
    assert outcome.certificate_error and outcome.certificates_reissued == 0
    assert _result(cadre, training_class) == "Giỏi"
    # the old certificate stands (both results pass) until the certificates can be re-issued
    assert [(c.status, c.result) for c in _certificates(training_class)] == [(VALID, "Đạt")]


def test_results_longer_than_the_column_are_refused(signer):
    province = signer
    training_class = _past(province)
    cadre = province["cadre_a"]
    operations.add_attendees(training_class, [cadre.id])
    with pytest.raises(ValidationError):
        operations.set_results(training_class, {cadre.id: "Đ" * 101})
    assert _result(cadre, training_class) == ""


def test_a_result_typed_without_accents_is_stored_and_printed_as_the_word_it_is(client, auth, signer, make):
    """A phone keyboard often has no Vietnamese letters: "dat" was stored as typed and printed on the
    certificate as "Kết quả: dat". The platform's own result words are stored as written, whatever the
    accents, case or spaces; any other result stays as typed."""
    province = signer
    training_class = _past(province)
    cadre, other, third = province["cadre_a"], make.cadre("Lê Văn Hai", unit=province["biz"]), \
        make.cadre("Đỗ Thị Ba", unit=province["biz"])
    operations.add_attendees(training_class, [cadre.id, other.id, third.id])
    _login(auth, province, "union")
    response = client.post(f"/classes/{training_class.id}/results",
                           data={f"result-{cadre.id}": " dat ", f"result-{other.id}": "KHONG  DAT",
                                 f"result-{third.id}": "8,5 điểm"})
    assert response.status_code == 302
    assert (_result(cadre, training_class), _result(other, training_class), _result(third, training_class)) == (
        "Đạt", "Không đạt", "8,5 điểm")
    issued = {c.cadre_id: c.result for c in _certificates(training_class) if c.status == VALID}
    assert issued == {cadre.id: "Đạt", third.id: "8,5 điểm"}
    operations.add_attendees(training_class, [make.cadre("Vũ Văn Bốn", unit=province["biz"]).id], result="gioi")
    assert sorted(c.result for c in _certificates(training_class)) == ["8,5 điểm", "Giỏi", "Đạt"]


def test_which_results_pass():
    assert [certificates.passed(r) for r in ("Đạt", "Khá", "Giỏi", "Xuất sắc")] == [True] * 4
    assert [certificates.passed(r) for r in ("", "  ", None, "Không đạt", "không hoàn thành", "Chưa đạt")] == [False] * 6


def test_a_certificate_is_never_reissued_by_hand_with_a_failing_result(signer):
    province = signer
    training_class, cadre = _passed(province)
    [certificate] = _certificates(training_class)
    with pytest.raises(certificates.CertificateError):
        certificates.reissue(certificate, full_name=cadre.full_name, birth_date=None, unit_name="", result="Không đạt")
    assert [c.status for c in _certificates(training_class)] == [VALID]


# -- the data migration ---------------------------------------------------------------------------------

def test_0011_clears_the_results_and_revokes_the_certificates_of_classes_not_ended(tmp_path):
    """Data written by the old code — "Đạt" and a valid certificate at once, for a future class too — is
    put right for the classes not ended; the ended ones keep their results and certificates."""
    from flask_migrate import downgrade, upgrade

    from lms.cadres.models import Cadre
    from lms.courses.models import Blob
    from lms.records.models import TrainingClass
    from tests.core.test_migrations import _empty_database

    today = local_today()
    with _empty_database(tmp_path, "results_pending"):
        upgrade()
        db.session.execute(sa.text(
            "INSERT INTO units (id, code, name, search_key, level_id, path, active_from, created_at) "
            "VALUES (1, 'U1', 'Liên đoàn', 'lien doan', 1, '/1/', '2010-01-01', :created)"),
            {"created": "2024-03-05 10:00:00+00:00"})
        cadre = Cadre(code="CB1", full_name="Nguyễn Văn A", sort_key="a", search_key="nguyen van a", gender="male",
                      unit_id=1)
        blob = Blob(sha256="0" * 64, size=1)
        db.session.add_all([cadre, blob])
        db.session.flush()
        ids = {}
        for name, end in (("past", today - dt.timedelta(days=2)), ("future", today + dt.timedelta(days=60))):
            training_class = TrainingClass(title=name, organiser_unit_id=1, start_on=end, end_on=end, hours=8,
                                           grants_certificate=True)
            db.session.add(training_class)
            db.session.flush()
            certificate = Certificate(
                cadre_id=cadre.id, issuer_unit_id=1, year=today.year, number=len(ids) + 1, serial=f"{name}/GCN",
                verify_code=f"code-{name}", full_name=cadre.full_name, gender="male", unit_name="Liên đoàn",
                title=name, issued_on=today, class_id=training_class.id, pdf_blob_id=blob.id)
            db.session.add_all([Attendance(class_id=training_class.id, cadre_id=cadre.id, result="Đạt"), certificate])
            db.session.flush()
            db.session.add(RecordEntry(cadre_id=cadre.id, kind="class", title=name, start_on=end, end_on=end,
                                       result="Đạt", class_id=training_class.id, certificate_id=certificate.id))
            ids[name] = training_class.id
        db.session.commit()
        downgrade(revision="0010_cadre_codes_upper")
        upgrade()

        def state(name):
            class_id = ids[name]
            return (
                db.session.scalar(sa.text("SELECT result FROM attendances WHERE class_id = :c"), {"c": class_id}),
                tuple(db.session.execute(sa.text(
                    "SELECT result, certificate_id IS NULL FROM record_entries WHERE class_id = :c"), {"c": class_id}
                ).one()),
                tuple(db.session.execute(sa.text(
                    "SELECT status, revoked_reason, revoked_at IS NOT NULL FROM certificates WHERE class_id = :c"),
                    {"c": class_id}).one()),
            )

        assert state("past") == ("Đạt", ("Đạt", False), ("valid", "", False))
        result, entry, (status, reason, revoked_at) = state("future")
        assert (result, entry, status, revoked_at) == ("", ("", True), "revoked", True)
        assert "trước khi lớp học kết thúc" in reason
        revoked = db.session.scalar(select(Certificate).where(Certificate.class_id == ids["future"]))
        assert revoked.revoked_at.tzinfo is not None and revoked.state_on(today) == REVOKED


def test_a_cadre_outside_the_organiser_is_refused_without_being_named(signer, make):
    """The form offers only the organiser's cadres; a forged id is refused, and the refusal does not
    tell whose id it was (the union admin may not see that cadre)."""
    province = signer
    training_class = _past(province)
    outsider = make.cadre("Hoàng Văn Minh", unit=province["pub"])
    with pytest.raises(ValidationError) as info:
        operations.add_attendees(training_class, [province["cadre_a"].id, outsider.id])
    message = " ".join(info.value.errors.values())
    assert "Chỉ thêm được cán bộ thuộc" in message and "Hoàng Văn Minh" not in message
    assert _result(province["cadre_a"], training_class) is None


# -- scores and the class's pass mark ---------------------------------------------------------------------

def test_a_score_passes_from_the_class_pass_mark(signer, make):
    """Any score earned a certificate ("3 điểm" too): a score now passes from the class's pass mark, 5 on
    the 10-point scale unless the class says otherwise."""
    province = signer
    training_class = _past(province)
    low, high = province["cadre_a"], make.cadre("Lê Thị Cao", unit=province["biz"])
    operations.add_attendees(training_class, [low.id, high.id])
    operations.set_results(training_class, {low.id: "3", high.id: "5 diem"})
    assert {c.cadre_id: c.result for c in _certificates(training_class)} == {high.id: "5 điểm"}
    # scored out of 100: the pass mark goes to 50, and 5 points no longer pass
    data = operations.ClassData(training_class.title, training_class.organiser_unit, training_class.start_on,
                                training_class.end_on, training_class.hours, grants_certificate=True, pass_score=50)
    operations.update_class(training_class, data)
    [revoked] = _certificates(training_class)
    assert revoked.status == REVOKED
    assert revoked.revoked_reason == "Kết quả 5 điểm thấp hơn điểm đạt của lớp (50 điểm)."
    operations.set_results(training_class, {low.id: "72,5"})
    assert {c.cadre_id: (c.result, c.status) for c in _certificates(training_class)} == {
        high.id: ("5 điểm", REVOKED), low.id: ("72,5 điểm", VALID)}


def test_which_scores_pass():
    assert [certificates.passed(r) for r in ("5 điểm", "8,5 điểm", "10")] == [True] * 3
    assert [certificates.passed(r) for r in ("4,99 điểm", "0 điểm", "3")] == [False] * 3
    assert certificates.passed("49 điểm", 50) is False and certificates.passed("50 điểm", 50) is True


def test_a_certificate_is_not_reissued_by_hand_with_a_score_below_the_pass_mark(signer):
    province = signer
    training_class, cadre = _passed(province)
    [certificate] = _certificates(training_class)
    with pytest.raises(certificates.CertificateError):
        certificates.reissue(certificate, full_name=cadre.full_name, birth_date=None, unit_name="", result="4 điểm")
    replaced = certificates.reissue(certificate, full_name=cadre.full_name, birth_date=None, unit_name="", result="6")
    assert replaced.result == "6 điểm"


def test_the_class_form_takes_its_pass_mark(client, auth, signer):
    province = signer
    _login(auth, province, "admin")
    form = {"title": "Lớp chấm điểm", "organiser_unit": str(province["upper_a"].id), "start_on": "2025-10-06",
            "end_on": "2025-10-07", "hours": "16", "grants_certificate": "y"}
    refused = client.post("/classes/new", data={**form, "pass_score": "năm"})
    assert refused.status_code == 200
    assert "Điểm đạt “năm” không phải là một số (ví dụ 5 hoặc 6,5)." in html_text(refused)
    assert 'value="năm"' in refused.get_data(as_text=True)  # kept as typed
    for typed, message in (("0", "Điểm đạt phải là một số lớn hơn 0"), ("150", "Điểm đạt phải là một số lớn hơn 0")):
        assert message in html_text(client.post("/classes/new", data={**form, "pass_score": typed})), typed
    created = client.post("/classes/new", data={**form, "pass_score": "6,5"})
    assert created.status_code == 302
    page = html_text(client.get(created.headers["Location"]))
    assert "6,5 điểm trở lên" in page
    class_id = int(created.headers["Location"].rstrip("/").split("/")[-1])
    assert 'value="6,5"' in client.get(f"/classes/{class_id}/edit").get_data(as_text=True)
    default = client.post("/classes/new", data=form)  # left empty: 5
    assert "5 điểm trở lên" in html_text(client.get(default.headers["Location"]))
