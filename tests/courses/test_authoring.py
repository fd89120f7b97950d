"""Trainers author courses in the browser: modules by track, reordering, the learner's-eye preview, frozen
published versions, learners kept on their version, who may edit, safe Markdown preview, duration
warnings, checked uploads served safely, and CSRF on every change."""
from __future__ import annotations

import io
import re
import struct
import zlib

import pytest
from sqlalchemy import func, select

from lms.core.db import db
from lms.courses import operations as ops
from lms.courses.models import Course, CourseVersion, Enrolment
from tests.conftest import PASSWORD, html_text

COMMON = "Công đoàn cơ sở là gì"
BUSINESS = "Thương lượng tập thể"
PUBLIC = "Hội nghị cán bộ, công chức"


def login(app, username):
    client = app.test_client()
    r = client.post("/login", data={"username": username, "password": PASSWORD})
    assert r.status_code == 302, f"login as {username} failed"
    return client


def course_by_code(code) -> Course:
    db.session.expire_all()
    return db.session.scalar(select(Course).where(Course.code == code))


def create_course(client, code="DOI-THOAI"):
    r = client.post("/author/new", data={
        "code": code, "title": "Đối thoại tại nơi làm việc", "description": "Kỹ năng đối thoại", "tracks": ["business", "public"]})
    assert r.status_code == 302, html_text(r)
    return course_by_code(code)


def add_module(client, course, title, tracks=(), content="Nội dung", duration=10):
    r = client.post(f"/author/courses/{course.id}/modules/new", data={
        "title": title, "duration_minutes": str(duration), "tracks": list(tracks), "content": content, "save": "1"})
    assert r.status_code == 302, html_text(r)
    return r


def titles_in_order(html, titles):
    """The given titles in the order they appear in ``html`` (titles absent from it are left out)."""
    found = [(html.find(t), t) for t in titles if t in html]
    return [t for _, t in sorted(found)]


def png_bytes() -> bytes:
    """A real 1×1 PNG."""
    def chunk(kind, data):
        return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data) & 0xFFFFFFFF)

    ihdr = struct.pack(">IIBBBBB", 1, 1, 8, 2, 0, 0, 0)
    idat = zlib.compress(b"\x00\xff\x00\x00")
    return b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", ihdr) + chunk(b"IDAT", idat) + chunk(b"IEND", b"")


@pytest.fixture()
def trainer(app, province):
    return login(app, "trainer")


@pytest.fixture()
def course(trainer):
    course = create_course(trainer)
    add_module(trainer, course, COMMON, content="Nội dung **chung**")
    add_module(trainer, course, BUSINESS, ["business"], content="Doanh nghiệp")
    add_module(trainer, course, PUBLIC, ["public"], content="Cơ quan")
    return course_by_code(course.code)


def version(course, number) -> CourseVersion:
    db.session.expire_all()
    return db.session.scalar(select(CourseVersion).where(CourseVersion.course_id == course.id, CourseVersion.number == number))


def test_create_add_reorder_and_preview_each_track(trainer, course):
    body = html_text(trainer.get("/author/"))
    assert "Đối thoại tại nơi làm việc" in body and "Bản nháp" in body
    page = html_text(trainer.get(f"/author/courses/{course.id}"))
    assert titles_in_order(page, [COMMON, BUSINESS, PUBLIC]) == [COMMON, BUSINESS, PUBLIC]
    assert "Bài chung" in page and "Sản xuất kinh doanh" in page and "Hành chính sự nghiệp" in page

    public_module = next(m for m in version(course, 1).modules if m.title == PUBLIC)
    r = trainer.post(f"/author/modules/{public_module.id}/move", data={"direction": "up"})
    assert r.status_code == 302
    page = html_text(trainer.get(f"/author/courses/{course.id}"))
    assert titles_in_order(page, [COMMON, BUSINESS, PUBLIC]) == [COMMON, PUBLIC, BUSINESS]
    assert [m.title for m in version(course, 1).modules] == [COMMON, PUBLIC, BUSINESS]
    assert trainer.post(f"/author/modules/{public_module.id}/move", data={"direction": "sideways"}).status_code == 400

    def outline(track=None):
        query = f"?track={track}" if track else ""
        r = trainer.get(f"/author/courses/{course.id}/preview{query}")
        assert r.status_code == 200
        ol = re.search(r'<ol class="modules" id="outline">(.*?)</ol>', r.get_data(as_text=True), re.S).group(1)
        return titles_in_order(ol, [COMMON, BUSINESS, PUBLIC])

    assert outline("business") == [COMMON, BUSINESS]
    assert outline("public") == [COMMON, PUBLIC]
    assert outline() == [COMMON]
    assert trainer.get(f"/author/courses/{course.id}/preview?track=nowhere").status_code == 404
    business_key = next(m.key for m in version(course, 1).modules if m.title == BUSINESS)
    shown = html_text(trainer.get(f"/author/courses/{course.id}/preview?track=business&module={business_key}"))
    assert "Doanh nghiệp" in shown
    # one main heading, the course's: the module's title was a second <h1>
    assert shown.count("<h1") == 1 and f"<h2>{BUSINESS}</h2>" in shown
    # the modules' tracks in the page's language (they were Vietnamese in English)
    trainer.post("/language", data={"lang": "en"})
    shown = html_text(trainer.get(f"/author/courses/{course.id}/preview?track=business"))
    assert "· Business and production</span>" in shown and "Sản xuất kinh doanh" not in shown
    assert trainer.get(f"/author/courses/{course.id}/preview?track=public&module={business_key}").status_code == 404
    assert "<strong>chung</strong>" in trainer.get(f"/author/courses/{course.id}/preview").get_data(as_text=True)


def test_publish_freezes_versions_and_learners_keep_theirs(app, trainer, course, province):
    assert trainer.post(f"/author/courses/{course.id}/publish").status_code == 302
    assert version(course, 1).status == "published"
    early = ops.enrol(province["cadre_a"], course)
    assert early.version.number == 1
    db.session.flush()

    # a published version is frozen: "Sửa" creates version 2 as a draft
    page = html_text(trainer.get(f"/author/courses/{course.id}"))
    assert "Đã xuất bản" in page and "/draft" in page
    assert trainer.post(f"/author/courses/{course.id}/draft").status_code == 302
    assert version(course, 2).status == "draft" and version(course, 1).status == "published"
    old_module = next(m for m in version(course, 1).modules if m.title == BUSINESS)
    refused = trainer.post(f"/author/modules/{old_module.id}/edit", data={
        "title": "Sửa bản đã xuất bản", "duration_minutes": "5", "content": "x", "save": "1"})
    assert refused.status_code == 422 and "không sửa được" in html_text(refused)
    draft_module = next(m for m in version(course, 2).modules if m.title == BUSINESS)
    assert trainer.get(f"/author/modules/{old_module.id}/edit").headers["Location"].endswith(f"/modules/{draft_module.id}/edit")
    r = trainer.post(f"/author/modules/{draft_module.id}/edit", data={
        "title": "Thương lượng tập thể (2025)", "duration_minutes": "12", "tracks": ["business"], "content": "Mới", "save": "1"})
    assert r.status_code == 302
    assert version(course, 1).status == "published"
    assert [m.title for m in version(course, 1).modules if m.title.startswith("Thương")] == [BUSINESS]

    assert trainer.post(f"/author/courses/{course.id}/publish").status_code == 302
    assert version(course, 1).status == "archived" and version(course, 2).status == "published"
    db.session.refresh(early)
    assert early.version.number == 1  # the early learner keeps version 1
    late = ops.enrol(province["cadre_b"], course)
    assert late.version.number == 2  # a new learner gets version 2
    db.session.flush()

    page = html_text(trainer.get(f"/author/courses/{course.id}"))
    assert "1 học viên đang học phiên bản cũ" in page
    r = trainer.post(f"/author/courses/{course.id}/move-learners")
    assert r.status_code == 302
    assert "Đã chuyển 1 học viên" in html_text(trainer.get(r.headers["Location"]))
    db.session.expire_all()
    assert db.session.get(Enrolment, early.id).version.number == 2
    assert db.session.get(Enrolment, late.id).version.number == 2


def test_publishing_an_empty_course_is_refused_in_vietnamese(trainer):
    course = create_course(trainer, code="RONG")
    r = trainer.post(f"/author/courses/{course.id}/publish")
    assert r.status_code == 422 and "chưa có bài học nào" in html_text(r)
    assert version(course, 1).status == "draft"


def test_who_may_edit(app, province, make, trainer, course):
    make.user("trainer3", role="trainer")
    db.session.flush()
    course_url = f"/author/courses/{course.id}"
    module = version(course, 1).modules[0]

    stranger = login(app, "trainer2")
    assert stranger.get(course_url).status_code == 403
    assert stranger.get(f"/author/modules/{module.id}/edit").status_code == 403
    assert stranger.post(f"{course_url}/publish").status_code == 403
    assert "Đối thoại tại nơi làm việc" not in html_text(stranger.get("/author/"))

    # only trainers become co-authors
    r = trainer.post(f"{course_url}/authors", data={"author-username": "cadre"})
    assert r.status_code == 422 and "Chỉ thêm được tài khoản giảng viên" in html_text(r)
    r = trainer.post(f"{course_url}/authors", data={"author-username": "khong-co"})
    assert r.status_code == 422 and "Không có tài khoản" in html_text(r)
    assert trainer.post(f"{course_url}/authors", data={"author-username": "trainer2"}).status_code == 302
    assert trainer.post(f"{course_url}/authors", data={"author-username": "trainer3"}).status_code == 302
    assert sorted(a.user.username for a in course_by_code(course.code).authors) == ["trainer2", "trainer3"]

    co_author = stranger  # now a co-author
    assert co_author.get(course_url).status_code == 200
    assert "Đối thoại tại nơi làm việc" in html_text(co_author.get("/author/"))
    r = co_author.post(f"/author/modules/{module.id}/edit", data={
        "title": "Sửa bởi đồng soạn", "duration_minutes": "5", "content": "x", "save": "1"})
    assert r.status_code == 302
    # a co-author may not remove co-authors; the owner may
    third = next(a.user_id for a in course_by_code(course.code).authors if a.user.username == "trainer3")
    assert co_author.post(f"{course_url}/authors/{third}/remove").status_code == 403
    assert trainer.post(f"{course_url}/authors/{third}/remove").status_code == 302
    assert [a.user.username for a in course_by_code(course.code).authors] == ["trainer2"]
    assert trainer.post(f"{course_url}/authors/{third}/remove").status_code == 404

    admin = login(app, "admin")
    assert admin.get(course_url).status_code == 200
    assert "Đối thoại tại nơi làm việc" in html_text(admin.get("/author/"))
    assert admin.post(f"{course_url}/publish").status_code == 302

    for username in ("cadre", "union"):
        client = login(app, username)
        assert client.get("/author/").status_code == 403, username
        assert client.get(course_url).status_code == 403, username
        assert client.post("/author/new", data={"code": "X1", "title": "x"}).status_code == 403, username
    assert app.test_client().get(course_url).status_code == 302  # anonymous: to the login page


def test_markdown_preview_does_not_save_and_is_sanitised(trainer, course):
    module = version(course, 1).modules[0]
    typed = "## Tiêu đề mới\n\n<script>alert(1)</script>\n\n[x](javascript:alert(2)) **đậm**"
    r = trainer.post(f"/author/modules/{module.id}/edit", data={
        "title": "Tên đang gõ", "duration_minutes": "7", "content": typed, "preview": "1"})
    assert r.status_code == 200
    body = r.get_data(as_text=True)
    preview = body[body.index('id="preview-heading"'):]
    assert "<h2>Tiêu đề mới</h2>" in preview and "<strong>đậm</strong>" in preview
    assert body.count("<h1") == 1 and "<h3>Tên đang gõ</h3>" in preview  # the page's heading stays the one <h1>
    assert "<script" not in body.lower().replace("&lt;script", "")  # the typed tag only ever appears escaped
    assert "href=\"javascript:" not in preview and "<a " not in preview  # the link is left as plain text
    assert "Tên đang gõ" in body and "&lt;script&gt;alert(1)&lt;/script&gt;" in body  # what was typed is kept
    db.session.expire_all()
    assert module.title == COMMON and module.content == "Nội dung **chung**\n"


def test_long_module_is_warned_not_refused(trainer, course):
    r = add_module(trainer, course, "Bài dài", duration=20)
    body = html_text(trainer.get(r.headers["Location"]))
    assert "Bài dài" in body and "quá 15 phút" in body  # the flashed warning
    assert "Dài hơn 15 phút" in body  # the badge on the course page
    assert [m.duration_minutes for m in version(course, 1).modules if m.title == "Bài dài"] == [20]
    new = trainer.get(f"/author/courses/{course.id}/modules/new")
    assert new.status_code == 200 and "15 phút" in html_text(new)
    r = trainer.post(f"/author/courses/{course.id}/modules/new", data={"title": "Quá dài", "duration_minutes": "500", "save": "1"})
    assert r.status_code == 422 and "Thời lượng phải từ 1 đến 240 phút" in html_text(r)
    assert 'value="Quá dài"' in r.get_data(as_text=True)
    # with the title missing too, both are said at once (the duration's came only once the title was
    # fixed, the page meanwhile advising to split a "500-minute" lesson)
    r = trainer.post(f"/author/courses/{course.id}/modules/new", data={"title": "", "duration_minutes": "500", "save": "1"})
    page = html_text(r)
    assert r.status_code == 422 and "Vui lòng nhập tên bài học." in page and "Thời lượng phải từ 1 đến 240 phút" in page
    assert "nên chia thành các bài ngắn hơn" not in page


def test_uploads_are_checked_and_served_safely(app, trainer, course, province):
    upload = f"/author/courses/{course.id}/assets"
    r = trainer.post(upload, data={"asset-file": (io.BytesIO(png_bytes()), "so-do.png")},
                     content_type="multipart/form-data")
    assert r.status_code == 302, html_text(r)
    draft = version(course, 1)
    asset_url = f"/author/versions/{draft.id}/assets/so-do.png"
    page = html_text(trainer.get(f"/author/courses/{course.id}"))
    assert "![mô tả](assets/so-do.png)" in page and asset_url in page

    served = trainer.get(asset_url)
    assert served.status_code == 200 and served.data == png_bytes()
    assert served.mimetype == "image/png"
    assert served.headers["X-Content-Type-Options"] == "nosniff"
    assert served.headers["Content-Security-Policy"] == "default-src 'none'; sandbox"
    assert served.headers["Content-Disposition"].startswith("inline")
    assert trainer.get(asset_url, headers={"If-None-Match": served.headers["ETag"]}).status_code == 304

    r = trainer.post(upload, data={"asset-file": (io.BytesIO(b"<html><script>alert(1)</script></html>"), "anh.png")},
                     content_type="multipart/form-data")
    assert r.status_code == 422
    assert "không phải ảnh PNG, JPEG, GIF, WebP hoặc tài liệu PDF" in html_text(r)
    assert trainer.get(f"/author/versions/{draft.id}/assets/anh.png").status_code == 404

    r = trainer.post(upload, data={"asset-file": (io.BytesIO(b"%PDF-1.4\n%%EOF\n"), "Tài liệu.pdf")},
                     content_type="multipart/form-data")
    assert r.status_code == 302
    pdf = trainer.get(f"/author/versions/{draft.id}/assets/tai-lieu.pdf")
    assert pdf.mimetype == "application/pdf" and pdf.headers["Content-Disposition"].startswith("attachment")

    # the image in a module's Markdown points at the served URL
    module = draft.modules[0]
    r = trainer.post(f"/author/modules/{module.id}/edit", data={
        "title": COMMON, "duration_minutes": "5", "content": "![Sơ đồ](assets/so-do.png)", "preview": "1"})
    assert f'src="{asset_url}"' in r.get_data(as_text=True)

    cadre = login(app, "cadre")
    assert cadre.get(asset_url).status_code == 403  # a draft's files are for its authors
    assert trainer.post(f"/author/courses/{course.id}/publish").status_code == 302
    published = cadre.get(asset_url)
    assert published.status_code == 200 and published.mimetype == "image/png"
    assert "immutable" in published.headers["Cache-Control"]
    assert cadre.get(f"/author/versions/{draft.id}/assets/khong-co.png").status_code == 404
    assert cadre.get("/author/versions/999999/assets/so-do.png").status_code == 404


def test_settings_keep_typed_values_on_error(trainer, course):
    url = f"/author/courses/{course.id}/settings"
    assert trainer.get(url).status_code == 200
    r = trainer.post(url, data={"title": "Tên mới", "sources": "Bộ luật Lao động | ftp://x"})
    assert r.status_code == 422 and "http://" in html_text(r) and 'value="Tên mới"' in r.get_data(as_text=True)
    # every error at once: the source's came only after the hours were put right
    r = trainer.post(url, data={"title": "", "certificate_hours": "0", "sources": "Bộ luật Lao động | ftp://x"})
    page = html_text(r)
    assert r.status_code == 422 and "Vui lòng nhập tên khóa học." in page and "1 đến 1000" in page
    assert "Dòng 1: địa chỉ phải bắt đầu bằng http:// hoặc https://." in page
    r = trainer.post(url, data={"title": "Tên mới", "tracks": ["business"], "reviewed_on": "2026-01-05",
                                "sources": "Bộ luật Lao động 2019 | https://example.vn/blld"})
    assert r.status_code == 302
    v = version(course, 1)
    assert v.title == "Tên mới" and v.track_codes == "business" and str(v.reviewed_on) == "2026-01-05"
    assert "Bộ luật Lao động 2019 | https://example.vn/blld" in trainer.get(url).get_data(as_text=True)


def test_create_errors_rerender_with_what_was_typed(trainer, course):
    r = trainer.post("/author/new", data={"code": "DOI-THOAI", "title": "Trùng mã"})
    assert r.status_code == 422 and "đã có" in html_text(r) and 'value="Trùng mã"' in r.get_data(as_text=True)
    r = trainer.post("/author/new", data={"code": "có dấu", "title": "x"})
    assert r.status_code == 422 and "Mã khóa học chỉ gồm" in html_text(r)
    # a wrong code and a missing title are said at once (the code's came only once the title was given)
    r = trainer.post("/author/new", data={"code": "kỹ năng 1", "title": ""})
    assert r.status_code == 422 and "Mã khóa học chỉ gồm" in html_text(r) and "Vui lòng nhập tên khóa học." in html_text(r)
    r = trainer.post("/author/new", data={"code": "doi-thoai", "title": ""})
    assert "Mã khóa học DOI-THOAI đã có." in html_text(r) and "Vui lòng nhập tên khóa học." in html_text(r)


def test_delete_module(trainer, course):
    module_id = next(m.id for m in version(course, 1).modules if m.title == BUSINESS)
    assert trainer.post(f"/author/modules/{module_id}/delete").status_code == 302
    assert [(m.title, m.position) for m in version(course, 1).modules] == [(COMMON, 1), (PUBLIC, 2)]
    assert trainer.post(f"/author/modules/{module_id}/delete").status_code == 404


def test_pages_are_light_and_labelled(trainer, course):
    module = version(course, 1).modules[0]
    for url in ("/author/", f"/author/courses/{course.id}", f"/author/courses/{course.id}/settings",
                f"/author/courses/{course.id}/modules/new", f"/author/modules/{module.id}/edit",
                f"/author/courses/{course.id}/preview?track=business"):
        body = trainer.get(url).get_data(as_text=True)
        assert not re.search(r"<script", body) and " style=" not in body, url
        labelled = set(re.findall(r'<label[^>]*\sfor="([^"]+)"', body))
        for field_id in re.findall(r'<(?:input|select|textarea)[^>]*\sid="([^"]+)"', body):
            if not field_id.endswith("csrf_token"):
                assert field_id in labelled, f"{url}: #{field_id} has no label"


def test_csrf_is_required(app, trainer, course, csrf_on):
    module = version(course, 1).modules[0]
    for url, data in ((f"/author/courses/{course.id}/publish", {}), (f"/author/modules/{module.id}/move", {"direction": "down"}),
                      (f"/author/modules/{module.id}/delete", {}), ("/author/new", {"code": "CSRF", "title": "x"})):
        assert trainer.post(url, data=data).status_code == 400, url
    assert version(course, 1).status == "draft" and len(version(course, 1).modules) == 3
    # with the token from the page, the same action works
    page = trainer.get(f"/author/courses/{course.id}").get_data(as_text=True)
    token = re.search(r'name="csrf_token" value="([^"]+)"', page).group(1)
    assert trainer.post(f"/author/courses/{course.id}/publish", data={"csrf_token": token}).status_code == 302


def test_course_chooses_its_certificate_template_hours_and_validity(trainer, course):
    page = trainer.get(f"/author/courses/{course.id}/settings")
    assert page.status_code == 200 and 'value="default"' in page.get_data(as_text=True)
    r = trainer.post(f"/author/courses/{course.id}/settings", data={
        "title": "Đối thoại tại nơi làm việc", "tracks": ["business", "public"], "certificate_template": "default",
        "certificate_hours": "8", "validity_months": "24"})
    assert r.status_code == 302
    saved = course_by_code(course.code)
    assert (saved.certificate_template, saved.certificate_hours, saved.validity_months) == ("default", 8, 24)
    r = trainer.post(f"/author/courses/{course.id}/settings", data={
        "title": "Đối thoại tại nơi làm việc", "certificate_template": "khong-co", "validity_months": "24"})
    assert r.status_code == 422


QUIZ_GIFT = """::Câu 1:: Ai thành lập công đoàn cơ sở? {=Người lao động ~Chủ doanh nghiệp ~Chính quyền}

::Câu 2:: Đối thoại định kỳ ít nhất mấy lần một năm? {#1}
"""


def test_a_module_quiz_is_written_in_the_browser(app, trainer, course):
    """The module form takes the quiz as GIFT or Aiken text (the same reader and errors as a course
    package's quiz file): an error names its line and saves nothing; a good quiz is kept verbatim,
    shown again for editing, built into the module's quiz at publishing, and removed when emptied."""
    from lms.quizzes.models import Quiz

    url = f"/author/courses/{course.id}/modules/new"
    bad = trainer.post(url, data={"title": "Kiểm tra cuối khóa", "duration_minutes": "5", "content": "Ôn tập",
                                  "quiz": "::Câu 1:: Thiếu ngoặc đóng {=Đúng ~Sai\n", "pass_mark": "80", "save": "1"})
    assert bad.status_code == 422
    text = html_text(bad)
    assert "Ô bài kiểm tra, dòng 1 (“::Câu 1:: Thiếu ngoặc đóng {=Đúng ~Sai”): thiếu dấu đóng ngoặc" in text
    assert re.search(r"<textarea[^>]*>\s*::Câu 1:: Thiếu ngoặc đóng", bad.get_data(as_text=True))  # kept as typed
    assert "Kiểm tra cuối khóa" not in [m.title for m in version(course, 1).modules]
    out_of_range = trainer.post(url, data={"title": "Kiểm tra cuối khóa", "duration_minutes": "5",
                                           "quiz": QUIZ_GIFT, "pass_mark": "0", "save": "1"})
    assert out_of_range.status_code == 422 and "từ 1 đến 100" in html_text(out_of_range)

    assert trainer.post(url, data={"title": "Kiểm tra cuối khóa", "duration_minutes": "5", "content": "Ôn tập",
                                   "quiz": QUIZ_GIFT, "pass_mark": "80", "save": "1"}).status_code == 302
    module = next(m for m in version(course, 1).modules if m.title == "Kiểm tra cuối khóa")
    assert module.quiz_source.filename == f"{module.key}.gift" and module.quiz_source.pass_mark == 80
    assert module.quiz_source.text == QUIZ_GIFT
    edit = html_text(trainer.get(f"/author/modules/{module.id}/edit"))
    assert "Ai thành lập công đoàn cơ sở?" in edit and 'value="80"' in trainer.get(
        f"/author/modules/{module.id}/edit").get_data(as_text=True)

    assert trainer.post(f"/author/courses/{course.id}/publish").status_code == 302
    quiz = db.session.scalar(select(Quiz).where(Quiz.module_id == module.id))
    assert quiz is not None and len(quiz.slots) == 2 and quiz.pass_mark == 80

    assert trainer.post(f"/author/courses/{course.id}/draft").status_code == 302
    draft_module = next(m for m in version(course, 2).modules if m.title == "Kiểm tra cuối khóa")
    assert draft_module.quiz_source is not None  # the draft copies the quiz file
    assert trainer.post(f"/author/modules/{draft_module.id}/edit", data={
        "title": "Kiểm tra cuối khóa", "duration_minutes": "5", "quiz": "", "save": "1"}).status_code == 302
    db.session.expire_all()
    assert version(course, 2).modules[-1].quiz_source is None
    assert next(m for m in version(course, 1).modules if m.title == "Kiểm tra cuối khóa").quiz_source is not None


PREVIEW_GIFT = (
    "$CATEGORY: $course$/Luật Công đoàn/Chương 1\n\n"
    + "\n\n".join(f"::C1-{i}:: Câu rút {i} của chương 1 là đúng? {{T}}" for i in range(1, 5))
    + "\n\n$CATEGORY: $course$/Ôn tập\n\n"
    "Đọc kỹ trước khi trả lời.\n\n"
    "::Cố định 1:: Công đoàn Việt Nam được thành lập năm nào? {=1929#Đúng, năm 1929 ~1930#Sai: đó là năm khác"
    " ####Nhận xét chung của giảng viên}\n\n"
    "::Cố định 2:: Luật Công đoàn 2024 có bao nhiêu chương? {#6}\n\n"
    "::Cố định 3:: Chọn phương án đúng. {=Phương-án-A ~Phương-án-B ~Phương-án-C ~Phương-án-D ~Phương-án-E}\n"
)


def test_preview_shows_the_module_quiz_as_learners_will_take_it(trainer, province):
    """The learner's-eye preview shows the module's quiz before publishing: the fixed questions drawn by
    the question types' own templates with inert controls and no answer key, the draw rules as
    "N câu ngẫu nhiên từ danh mục …" (not drawn), and nothing is written to the bank."""
    from lms.quizzes.models import Question, Quiz
    from tests.quizzes.test_draws import build

    course, version_, module = build(province["users"]["trainer"], draws="3 Luật Công đoàn/Chương 1\n",
                                     gift=PREVIEW_GIFT)
    questions_before = db.session.scalar(select(func.count(Question.id)))
    r = trainer.get(f"/author/courses/{course.id}/preview?module={module.key}")
    assert r.status_code == 200
    body = r.get_data(as_text=True)
    quiz = body[body.index('id="quiz-preview"'):]
    text = html_text(r)
    assert "Xem trước" in quiz[:400] and "Đọc kỹ trước khi trả lời." in quiz
    assert "Công đoàn Việt Nam được thành lập năm nào?" in quiz and "Luật Công đoàn 2024 có bao nhiêu chương?" in quiz
    # the single choice's own template, as on the attempt page, with its controls disabled
    assert '<fieldset class="checks answer">' in quiz and ">1929</span>" in quiz and ">1930</span>" in quiz
    controls = re.findall(r"<(?:input|select|textarea)\b[^>]*>", quiz)
    assert controls and all(" disabled" in c for c in controls) and not any(" checked" in c for c in controls)
    # no answer key, feedback or general feedback before an attempt is submitted
    for secret in ("Đúng, năm 1929", "Sai: đó là năm khác", "Nhận xét chung", "fraction"):
        assert secret not in body
    # the description is not numbered; the three fixed questions are Câu 1 to 3, the drawn ones 4–6
    # options come shuffled, as a learner gets them (GIFT writes the right one first)
    assert re.findall(r"Phương-án-[A-E]", quiz) != [f"Phương-án-{c}" for c in "ABCDE"]
    assert sorted(re.findall(r"Phương-án-[A-E]", quiz)) == [f"Phương-án-{c}" for c in "ABCDE"]
    assert "Câu 1" in quiz and "Câu 3" in quiz and "Câu 4–6" in quiz
    assert "3 câu ngẫu nhiên từ danh mục “Luật Công đoàn/Chương 1”" in text
    assert "Câu rút" not in quiz  # questions of a drawn category are not shown as fixed
    assert "6 câu hỏi · điểm đạt 70%" in text
    # nothing built or stored by looking
    db.session.expire_all()
    assert db.session.scalar(select(func.count(Question.id))) == questions_before
    assert db.session.scalar(select(Quiz).where(Quiz.module_id == module.id)) is None


def test_preview_with_a_quiz_is_a_fixed_number_of_queries(app, trainer, province):
    from tests.quizzes.test_draws import build
    from tests.reports.conftest import count_queries

    counts = []
    for code, n in (("IT-CAU", 2), ("NHIEU-CAU", 30)):
        gift = "\n\n".join(f"::Câu {i}:: Câu hỏi số {i}? {{=Có ~Không}}" for i in range(n)) + "\n"
        course, _version, module = build(province["users"]["trainer"], draws="", gift=gift, code=code)
        trainer.get(f"/author/courses/{course.id}/preview?module={module.key}")  # warm the per-process caches
        with count_queries() as statements:
            body = trainer.get(f"/author/courses/{course.id}/preview?module={module.key}").get_data(as_text=True)
        assert f"Câu hỏi số {n - 1}?" in body
        counts.append(len(statements))
    assert counts[0] == counts[1] and counts[0] > 0, counts


def test_quiz_box_errors_name_the_line_in_the_box_not_a_file(trainer, course):
    """A mistake in the quiz box was reported as "<generated-name>.gift:1: …", a file the trainer never
    saw, and with the blank lines above the first question left out of the count."""
    url = f"/author/courses/{course.id}/modules/new"
    typed = "\r\n\r\n::Câu 1:: Đúng? {=Có ~Không}\r\n\r\n::Câu 2:: Thiếu ngoặc {=Có ~Không\r\n"
    r = trainer.post(url, data={"title": "Kiểm tra", "duration_minutes": "5", "quiz": typed, "save": "1"})
    text = html_text(r)
    # the line is quoted too: a textarea shows no line numbers, and a phone wraps each line over several
    assert r.status_code == 422 and "Ô bài kiểm tra, dòng 5 (“::Câu 2:: Thiếu ngoặc {=Có ~Không”): thiếu dấu đóng ngoặc" in text, text
    assert ".gift" not in text
    # with the title missing too, both are said at once (the quiz's came only once the title was given)
    r = trainer.post(url, data={"title": "", "duration_minutes": "5", "quiz": typed, "save": "1"})
    assert "Vui lòng nhập tên bài học." in html_text(r) and "Ô bài kiểm tra, dòng 5" in html_text(r)
    long = "::Câu dài:: " + "Người lao động có quyền gì " * 6 + "{#abc}\n"
    r = trainer.post(url, data={"title": "Kiểm tra", "duration_minutes": "5", "quiz": long, "save": "1"})
    assert "Ô bài kiểm tra, dòng 1 (“::Câu dài:: Người lao động có quyền gì…”): " in html_text(r), html_text(r)
    aiken = "Công đoàn cơ sở do ai thành lập?\nA. Người lao động\nB. Chủ doanh nghiệp\nANSWER: C\n"
    r = trainer.post(url, data={"title": "Kiểm tra", "duration_minutes": "5", "quiz": aiken, "save": "1"})
    assert r.status_code == 422 and "Ô bài kiểm tra, dòng 4 (“ANSWER: C”): đáp án &#39;C&#39; không khớp" in html_text(r)
    assert ".txt" not in html_text(r)
    # in English the reader's own "Line n:" is not repeated after the box's
    trainer.post("/language", data={"lang": "en"})
    r = trainer.post(url, data={"title": "Kiểm tra", "duration_minutes": "5", "quiz": aiken, "save": "1"})
    assert r.status_code == 422 and not re.search(r"\b4: Line 4", html_text(r)), html_text(r)


def test_the_module_forms_preview_shows_the_typed_quiz_and_its_mistakes(trainer, course):
    """"Xem trước" in the module form showed the lesson only: the quiz's mistakes waited for "Lưu" and
    its questions for publishing; an image not uploaded showed as a broken picture without a word."""
    url = f"/author/courses/{course.id}/modules/new"
    # the quiz box's hint said the questions are built at publishing, as if they could not be seen before
    assert "bấm “Xem trước” để thấy câu hỏi như học viên sẽ thấy" in html_text(trainer.get(url))
    typed = {"title": "Kiểm tra", "duration_minutes": "5", "content": "![Sơ đồ](assets/chua-co.png)",
             "quiz": QUIZ_GIFT.replace("{#1}", "{#1}\n\nĐọc kỹ.\n"), "pass_mark": "80", "preview": "1"}
    r = trainer.post(url, data=typed)
    body = r.get_data(as_text=True)
    assert r.status_code == 200 and 'id="quiz-preview"' in body
    quiz = body[body.index('id="quiz-preview"'):]
    assert "Ai thành lập công đoàn cơ sở?" in quiz and ">Chủ doanh nghiệp</span>" in quiz and "điểm đạt 80%" in quiz
    controls = re.findall(r"<(?:input|select|textarea)\b[^>]*>", quiz)
    assert controls and all(" disabled" in c for c in controls)
    assert "Nội dung dẫn tới tệp chưa tải lên: chua-co.png." in html_text(r)
    # a mistake is said on the quiz box, as "Lưu" says it, and nothing is saved either way
    r = trainer.post(url, data={**typed, "quiz": "::Câu 1:: Thiếu ngoặc {=Có ~Không\n"})
    assert "Ô bài kiểm tra, dòng 1 (“::Câu 1:: Thiếu ngoặc {=Có ~Không”): thiếu dấu" in html_text(r)
    assert 'id="quiz-preview"' not in html_text(r)
    r = trainer.post(url, data={**typed, "draws": "2 Không có danh mục này"})
    assert "Dòng 1: danh mục “Không có danh mục này” không có" in html_text(r)
    assert "Kiểm tra" not in [m.title for m in version(course, 1).modules]


def test_an_image_named_otherwise_than_uploaded_names_the_upload(trainer, course):
    """Uploads are renamed ("Sơ đồ tổ chức.png" is stored as "so-do-to-chuc.png"); a lesson that wrote
    another spelling was only told the file was not uploaded, though it was."""
    r = trainer.post(f"/author/courses/{course.id}/assets",
                     data={"asset-file": (io.BytesIO(png_bytes()), "Sơ đồ tổ chức.png")}, content_type="multipart/form-data")
    assert r.status_code == 302
    url = f"/author/courses/{course.id}/modules/new"
    typed = {"title": "Có ảnh", "duration_minutes": "5", "content": "![a](assets/So-do-to-chuc.png) ![b](assets/khac.png)"}
    shown = html_text(trainer.post(url, data={**typed, "preview": "1"}))
    assert ("Nội dung dẫn tới tệp chưa tải lên: So-do-to-chuc.png (tệp đã tải lên có tên so-do-to-chuc.png), "
            "khac.png.") in shown
    saved = trainer.post(url, data={**typed, "save": "1"}, follow_redirects=True)
    assert "So-do-to-chuc.png (tệp đã tải lên có tên so-do-to-chuc.png)" in html_text(saved)
