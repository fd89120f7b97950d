"""External training with an evidence file: checked by content, served only to those who see the record."""
from __future__ import annotations

import io

from sqlalchemy import select

from lms.core.db import db
from lms.records.models import RecordEntry
from tests.conftest import html_text
from tests.records.conftest import PDF


def _login(auth, province, role):
    auth.logout()
    assert auth.login(province["users"][role].username).status_code == 302


def _form(evidence: bytes, filename: str, **overrides):
    data = {
        "study_kind": "political_advanced", "title": "Cao cấp lý luận chính trị",
        "provider": "Học viện Chính trị khu vực I", "start_on": "2021-03-01", "end_on": "2022-12-20",
        "hours": "0", "result": "Khá", "evidence": (io.BytesIO(evidence), filename),
    }
    data.update(overrides)
    return data


def test_an_admin_in_scope_adds_external_training_with_evidence(client, auth, province):
    cadre = province["cadre_a"]
    _login(auth, province, "union")
    assert client.get(f"/records/{cadre.id}/external").status_code == 200
    response = client.post(f"/records/{cadre.id}/external", data=_form(PDF, "Bằng cao cấp LLCT.pdf"),
                           content_type="multipart/form-data")
    assert response.status_code == 302, html_text(response)
    entry = db.session.scalar(select(RecordEntry).where(RecordEntry.cadre_id == cadre.id))
    assert (entry.kind, entry.study_kind, entry.provider) == ("external", "political_advanced", "Học viện Chính trị khu vực I")
    assert entry.evidence_blob_id is not None and entry.evidence_name == "Bằng cao cấp LLCT.pdf"
    page = html_text(client.get(f"/records/{cadre.id}"))
    assert "Cao cấp lý luận chính trị" in page and f"/entries/{entry.id}/evidence" in page

    # another subtree's admin may neither add nor see
    _login(auth, province, "other_union")
    assert client.get(f"/records/{cadre.id}/external").status_code == 403
    assert client.post(f"/records/{cadre.id}/external", data=_form(PDF, "b.pdf"),
                       content_type="multipart/form-data").status_code == 403


def test_an_html_file_named_pdf_is_refused_in_vietnamese(client, auth, province):
    cadre = province["cadre_a"]
    _login(auth, province, "admin")
    html = b"<!doctype html><html><body><script>alert(document.cookie)</script></body></html>"
    response = client.post(f"/records/{cadre.id}/external", data=_form(html, "bang.pdf"),
                           content_type="multipart/form-data")
    assert response.status_code == 200
    assert "Tệp bang.pdf không phải ảnh PNG, JPEG, GIF, WebP hoặc tài liệu PDF." in html_text(response)
    assert db.session.scalar(select(RecordEntry).where(RecordEntry.cadre_id == cadre.id)) is None

    # a PDF named .png: the name must match the content
    response = client.post(f"/records/{cadre.id}/external", data=_form(PDF, "bang.png"),
                           content_type="multipart/form-data")
    assert "không khớp với nội dung" in html_text(response)
    # and no file at all
    response = client.post(f"/records/{cadre.id}/external", data={k: v for k, v in _form(PDF, "x.pdf").items()
                                                                     if k != "evidence"})
    assert "Vui lòng tải lên tệp minh chứng." in html_text(response)


def test_too_large_evidence_is_refused(client, auth, province, monkeypatch):
    from lms.records import operations

    monkeypatch.setattr(operations, "MAX_EVIDENCE_BYTES", 1024)
    _login(auth, province, "admin")
    response = client.post(f"/records/{province['cadre_a'].id}/external", data=_form(PDF + b"0" * 2048, "bang.pdf"),
                           content_type="multipart/form-data")
    assert "Tệp minh chứng quá lớn" in html_text(response)


def test_evidence_is_served_only_to_those_who_see_the_record(client, auth, province, records):
    cadre = province["cadre_a"]
    entry = records.external(cadre)
    url = f"/records/{cadre.id}/entries/{entry.id}/evidence"
    for role, status in {"cadre": 200, "union": 200, "admin": 200, "cadre2": 403, "other_union": 403,
                         "trainer": 403}.items():
        _login(auth, province, role)
        response = client.get(url)
        assert response.status_code == status, role
        if status == 200:
            assert response.data == PDF
            assert response.mimetype == "application/pdf"
            assert response.headers["Content-Disposition"].startswith("attachment;")
            assert response.headers["X-Content-Type-Options"] == "nosniff"
    # an entry id under another cadre's URL is not found, even for the federation admin
    _login(auth, province, "admin")
    assert client.get(f"/records/{province['cadre_b'].id}/entries/{entry.id}/evidence").status_code == 404
    auth.logout()
    assert client.get(url).status_code == 302  # to the login page


def test_an_admin_removes_an_external_entry(client, auth, province, records):
    cadre = province["cadre_a"]
    entry_id = records.external(cadre).id
    class_entry_class = records.training_class([cadre])
    _login(auth, province, "union")
    assert client.post(f"/records/{cadre.id}/entries/{entry_id}/delete").status_code == 302
    db.session.expire_all()
    assert db.session.scalar(select(RecordEntry).where(RecordEntry.id == entry_id)) is None
    # class entries follow the attendance list: not deletable here
    class_entry = db.session.scalar(select(RecordEntry).where(RecordEntry.class_id == class_entry_class.id))
    assert client.post(f"/records/{cadre.id}/entries/{class_entry.id}/delete").status_code == 404
