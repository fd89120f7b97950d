"""Course packages: every problem reported with file and line and nothing written; import then export
gives the same bytes; new versions on re-import; the commands; the ZIP upload and download pages."""
from __future__ import annotations

import io
import zipfile
from pathlib import Path

import pytest
from sqlalchemy import func, select

from lms import ROOT
from lms.core.db import db
from lms.courses.commands import export_course_command, import_course_command
from lms.courses.models import DRAFT, PUBLISHED, Course, CourseVersion, Module, ModuleQuizSource
from lms.courses.package import (
    PackageError, PackagePermissionError, package_files, package_of, package_zip, read_package, read_zip,
    write_package,
)
from lms.courses import operations
from lms.courses.packaging import import_package
from tests.conftest import html_text

COURSES = ROOT / "courses"
SAMPLES = sorted(p.parent for p in COURSES.glob("*/course.yaml"))
TRACKS = ["business", "public"]

PNG = b"\x89PNG\r\n\x1a\n" + b"\x00" * 32
PDF = b"%PDF-1.4\n%\xe2\xe3\xcf\xd3\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n"
GIFT = (
    "::Q1:: Công đoàn cơ sở được thành lập ở đâu? {\n"
    "=Tại doanh nghiệp, cơ quan, đơn vị\n"
    "~Chỉ ở cơ quan nhà nước\n"
    "}\n"
    "\n"
    "::Q2:: Đoàn viên có quyền được công đoàn bảo vệ khi bị xâm phạm quyền lợi. {T}\n"
)
AIKEN = "Luật Công đoàn 2024 có hiệu lực từ ngày nào?\nA) 01/7/2025\nB) 01/01/2024\nANSWER: A\n"

MANIFEST = """\
code: THU-NGHIEM
title: Khóa học thử nghiệm gói
description: Một khóa học nhỏ để kiểm tra định dạng gói.
tracks: [business, public]
reviewed: 2025-11-15
sources:
- title: Luật Công đoàn số 50/2024/QH15
  url: https://thuvienphapluat.vn/
modules:
- file: 01-gioi-thieu.md
  title: Giới thiệu
  tracks: [common]
  duration: 10
  quiz: 01-gioi-thieu.gift
  pass_mark: 80
- file: 02-doanh-nghiep.md
  title: Công đoàn trong doanh nghiệp
  tracks: [business]
  duration: 12
  quiz: 02-doanh-nghiep.txt
  pass_mark: 70
- file: 03-chung.md
  title: Ôn tập chung
  tracks: [business, public]
  duration: 5
"""


def canonical_files(manifest: str = MANIFEST) -> dict[str, bytes]:
    return {
        "course.yaml": manifest.encode(),
        "01-gioi-thieu.md": "Công đoàn là tổ chức chính trị – xã hội.\n\n![Sơ đồ](assets/so-do.png)\n".encode(),
        "01-gioi-thieu.gift": GIFT.encode(),
        "02-doanh-nghiep.md": "Xem [Luật](assets/luat.pdf) để biết thêm.\n".encode(),
        "02-doanh-nghiep.txt": AIKEN.encode(),
        "03-chung.md": "## Ôn tập\n\n- Điều lệ\n- Luật\n".encode(),
        "assets/so-do.png": PNG,
        "assets/luat.pdf": PDF,
    }


def write_folder(path: Path, files: dict[str, bytes]) -> Path:
    path.mkdir(parents=True, exist_ok=True)
    for name, data in files.items():
        (path / name).parent.mkdir(parents=True, exist_ok=True)
        (path / name).write_bytes(data)
    return path


def folder_files(path: Path) -> dict[str, bytes]:
    return {p.relative_to(path).as_posix(): p.read_bytes() for p in sorted(path.rglob("*")) if p.is_file()}


def make_zip(files: dict[str, bytes], folder: str = "") -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        for name, data in files.items():
            archive.writestr(folder + name, data)
    return buffer.getvalue()


def zip_files(data: bytes) -> dict[str, bytes]:
    with zipfile.ZipFile(io.BytesIO(data)) as archive:
        return {i.filename: archive.read(i) for i in archive.infolist() if not i.is_dir()}


def other_trainer(make, province):
    """A trainer who is neither owner nor co-author of the courses the tests import."""
    return province["users"].get("other_trainer") or make.user("trainer-khac", role="trainer")


def count(model) -> int:
    return db.session.scalar(select(func.count()).select_from(model))


# -- reading and validating --------------------------------------------------------------------

def test_a_canonical_package_reads_into_plain_data(tmp_path):
    pkg = read_package(write_folder(tmp_path / "p", canonical_files()), tracks=TRACKS)
    assert (pkg.code, pkg.title, pkg.track_codes, str(pkg.reviewed)) == (
        "THU-NGHIEM", "Khóa học thử nghiệm gói", ["business", "public"], "2025-11-15")
    assert pkg.sources == [{"title": "Luật Công đoàn số 50/2024/QH15", "url": "https://thuvienphapluat.vn/"}]
    assert pkg.is_open is True
    assert [(m.key, m.track_codes, m.duration, m.quiz_format, m.pass_mark) for m in pkg.modules] == [
        ("01-gioi-thieu", [], 10, "gift", 80),
        ("02-doanh-nghiep", ["business"], 12, "aiken", 70),
        ("03-chung", ["business", "public"], 5, None, None),
    ]
    assert sorted(pkg.assets) == ["luat.pdf", "so-do.png"]
    assert pkg.warnings == []
    assert package_files(pkg) == canonical_files()  # the canonical writer gives the input back


BROKEN = """\
code: thu nghiem
title: ""
tracks: [business, xyz]
reviewed: 15/11/2025
colour: red
modules:
- file: 01-gioi-thieu.md
  title: Giới thiệu
  tracks: [common]
  duration: 10
  quiz: 01-gioi-thieu.gift
- file: 03-abc.md
  title: Không có tệp
  tracks: [common]
  duration: 0
- file: 01-gioi-thieu.md
  title: Lặp tệp
  tracks: [public]
  duration: 30
- file: 04-loi-utf8.md
  tracks: [tinh]
  duration: 10
  pass_mark: 50
"""


def test_every_error_is_reported_with_its_file_and_line_and_nothing_is_written(make, province, tmp_path):
    files = canonical_files(BROKEN)
    files["01-gioi-thieu.gift"] = b"::Q1:: Thi\xe1\xba\xbfu \xc4\x91\xc3\xa1p \xc3\xa1n {=A ~B\n\n::Q2:: {}\n"
    files["04-loi-utf8.md"] = "Dòng một\nDòng hai ".encode() + b"\xff\xfe\n"
    files["99-thua.md"] = b"Khong duoc dung\n"
    files["ghi-chu.docx"] = b"PK\x03\x04"
    files["assets/khong-dung.png"] = PNG
    files["assets/gia.png"] = PDF
    before = (count(Course), count(CourseVersion), count(Module))
    folder = write_folder(tmp_path / "broken", files)
    with pytest.raises(PackageError) as caught:
        read_package(folder)
    found = [str(p) for p in caught.value.errors]
    text = "\n".join(found)
    expected = [
        "course.yaml:1: mã khóa học chỉ gồm chữ in hoa",
        "course.yaml:1: course.yaml thiếu khóa bắt buộc: description",
        "course.yaml:2: Tên khóa học không được để trống",
        "course.yaml:3: khu vực không có: xyz",
        "course.yaml:4: ngày rà soát phải có dạng YYYY-MM-DD",
        "course.yaml:5: khóa không được hỗ trợ: colour",
        "course.yaml:12: không tìm thấy tệp 03-abc.md",
        "course.yaml:15: thời lượng phải là số phút từ 1 đến 240",
        "course.yaml:16: tệp 01-gioi-thieu.md đã được dùng ở dòng 7",
        "course.yaml:20: Bài học ở dòng 20 thiếu khóa bắt buộc: title",
        "course.yaml:21: khu vực không có: tinh",
        "course.yaml:23: pass_mark chỉ dùng khi bài học có bài kiểm tra",
        "04-loi-utf8.md:2: không phải UTF-8 hợp lệ",
        "01-gioi-thieu.gift:1: ",
        "99-thua.md: tệp bài học không có trong modules",
        "ghi-chu.docx: tệp không thuộc định dạng gói",
        "02-doanh-nghiep.txt: tệp bài kiểm tra không được bài học nào dùng",
        "assets/khong-dung.png: tệp không được bài học nào dùng",
        "assets/gia.png: Tên tệp gia.png không khớp với nội dung",
    ]
    for fragment in expected:
        assert fragment in text, f"{fragment!r} not in:\n{text}"
    assert all(p.line or p.file != "course.yaml" for p in caught.value.errors), text
    # A 30-minute module is allowed but warned about: "authoring warns above 15 minutes".
    assert any(p.warning and p.line == 19 and "30 phút" in p.message for p in caught.value.problems)
    assert before == (count(Course), count(CourseVersion), count(Module))


def test_yaml_syntax_errors_carry_the_line(tmp_path):
    files = canonical_files(MANIFEST.replace("  duration: 12\n", "  duration: 12\n bad: [\n"))
    with pytest.raises(PackageError) as caught:
        read_package(write_folder(tmp_path / "p", files), tracks=TRACKS)
    (error,) = caught.value.errors
    assert error.file == "course.yaml" and error.line and error.line >= 18
    assert "YAML" in error.message


def test_missing_asset_reference_reports_the_markdown_line(tmp_path):
    files = canonical_files()
    files["03-chung.md"] = "## Ôn tập\n\nẢnh: ![x](assets/khong-co.png)\n".encode()
    with pytest.raises(PackageError) as caught:
        read_package(write_folder(tmp_path / "p", files), tracks=TRACKS)
    assert [str(e) for e in caught.value.errors] == ["03-chung.md:3: không tìm thấy tệp assets/khong-co.png"]


def test_non_canonical_files_import_with_warnings(tmp_path):
    files = canonical_files(MANIFEST.replace("tracks: [business, public]\n", "tracks:\n- business\n- public\n", 1))
    files["03-chung.md"] = "# Ôn tập\r\n\r\nNo\u0303i dung\r\n\r\n\r\n".encode()
    pkg = read_package(write_folder(tmp_path / "p", files), tracks=TRACKS)
    warnings = [str(w) for w in pkg.warnings]
    assert any(w.startswith("course.yaml:4: cảnh báo: course.yaml không ở dạng chuẩn") for w in warnings), warnings
    assert any(w.startswith("03-chung.md: cảnh báo: tệp không ở dạng chuẩn") for w in warnings), warnings
    assert any(w.startswith("03-chung.md:1: cảnh báo: không cần tiêu đề cấp 1") for w in warnings), warnings


def test_quiz_files_are_parsed_by_the_quiz_engine(tmp_path):
    pytest.importorskip("lms.quizzes.formats", reason="the quiz engine's reader (lms.quizzes.formats) is not there yet")
    files = canonical_files()
    files["02-doanh-nghiep.txt"] = "Câu hỏi?\nA) Có\nB) Không\nANSWER: C\n".encode()
    with pytest.raises(PackageError) as caught:
        read_package(write_folder(tmp_path / "p", files), tracks=TRACKS)
    (error,) = caught.value.errors
    assert (error.file, error.line) == ("02-doanh-nghiep.txt", 4)
    assert not error.message.startswith("Dòng")  # the line is in the location, not repeated


# -- ZIP safety --------------------------------------------------------------------------------

@pytest.mark.parametrize("name", ["../evil.md", "/etc/passwd", "a/../../evil.md", "C:/evil.md", "a\\..\\evil.md"])
def test_zip_slip_paths_are_refused(name):
    data = make_zip({**canonical_files(), name: b"x"}, folder="")
    with pytest.raises(PackageError) as caught:
        read_zip(data, tracks=TRACKS)
    assert any(p.file == name and "không an toàn" in p.message for p in caught.value.errors)


def test_zip_symlinks_encryption_and_garbage_are_refused():
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        for name, data in canonical_files().items():
            archive.writestr(name, data)
        link = zipfile.ZipInfo("assets/link.png")
        link.external_attr = (0o120777) << 16
        archive.writestr(link, "/etc/passwd")
    with pytest.raises(PackageError) as caught:
        read_zip(buffer.getvalue(), tracks=TRACKS)
    assert [p.file for p in caught.value.errors] == ["assets/link.png"]
    with pytest.raises(PackageError) as caught:
        read_zip(b"not a zip at all", tracks=TRACKS)
    assert "không phải tệp ZIP" in str(caught.value)


def test_a_zip_entry_that_does_not_inflate_is_named_and_nothing_is_read(client, auth, province):
    """A ZIP whose directory is intact but one entry's bytes are damaged: the trainer is told which file,
    the command line gets the same error, and nothing is imported (it was an HTTP 500)."""
    from tests.conftest import damaged_zip

    files = canonical_files()
    broken = next(name for name in files if name.endswith(".md") and name != "course.yaml")
    data = damaged_zip(files, broken)
    with pytest.raises(PackageError) as caught:
        read_zip(data, tracks=TRACKS)
    assert [(p.file, p.message) for p in caught.value.errors] == [(broken, "không đọc được tệp trong ZIP (tệp hỏng)")]

    before = db.session.scalar(select(func.count(Course.id)))
    auth.login("trainer")
    response = client.post("/author/packages/import", data={"file": (io.BytesIO(data), "khoa-hoc.zip")},
                           content_type="multipart/form-data")
    assert response.status_code in (200, 422)
    assert broken in html_text(response) and "tệp hỏng" in html_text(response)
    assert db.session.scalar(select(func.count(Course.id))) == before


def test_zip_limits(monkeypatch):
    from lms.courses import package

    monkeypatch.setattr(package, "MAX_FILES", 5)
    with pytest.raises(PackageError, match="quá nhiều tệp"):
        read_zip(make_zip(canonical_files()), tracks=TRACKS)
    monkeypatch.setattr(package, "MAX_FILES", 300)
    monkeypatch.setattr(package, "MAX_TOTAL_BYTES", 100)
    with pytest.raises(PackageError, match="quá lớn"):
        read_zip(make_zip(canonical_files()), tracks=TRACKS)


def test_zip_with_one_top_folder_or_files_at_the_root():
    for folder in ("", "goi-khoa-hoc/"):
        files = {**canonical_files(), ".DS_Store": b"x", "__MACOSX/._x": b"x"}
        pkg = read_zip(make_zip(files, folder=folder), tracks=TRACKS)
        assert package_files(pkg) == canonical_files()


def test_a_folder_of_several_packages_names_them(tmp_path):
    """The courses/ folder (or a ZIP of it) holds one package a folder: reading it said only that
    course.yaml was not found, as if the packages were not there."""
    files = {f"{name}/{path}": data for name in ("goi-b", "goi-a") for path, data in canonical_files().items()}
    with pytest.raises(PackageError) as info:
        read_zip(make_zip(files), tracks=TRACKS)
    assert [p.message for p in info.value.problems] == [
        "không tìm thấy tệp course.yaml ở gốc gói; trong đó có 2 gói (goi-a, goi-b): hãy nhập từng gói một"]
    with pytest.raises(PackageError, match=r"có 4 gói \(dan-chu-co-so, dieu-le-luat-cong-doan, "):
        read_package(ROOT / "courses", tracks=TRACKS)


# -- importing ---------------------------------------------------------------------------------

def test_import_creates_a_published_course_owned_by_the_actor(province, tmp_path):
    trainer = province["users"]["trainer"]
    version = import_package(read_package(write_folder(tmp_path / "p", canonical_files())), trainer)
    assert (version.number, version.status, version.course.owner_id) == (1, PUBLISHED, trainer.id)
    modules = version.modules
    assert [m.key for m in modules] == ["01-gioi-thieu", "02-doanh-nghiep", "03-chung"]
    assert [m.is_common for m in modules] == [True, False, False]
    quiz = db.session.scalar(select(ModuleQuizSource).where(ModuleQuizSource.module_id == modules[0].id))
    assert (quiz.filename, quiz.format, quiz.text, quiz.pass_mark) == ("01-gioi-thieu.gift", "gift", GIFT, 80)
    out = tmp_path / "out"
    write_package(version, out)
    assert folder_files(out) == canonical_files()


def test_reimport_makes_a_new_published_version_or_a_draft(province, tmp_path):
    admin = province["users"]["admin"]
    first = import_package(read_package(write_folder(tmp_path / "a", canonical_files())), admin)
    files = canonical_files(MANIFEST.replace("duration: 5", "duration: 7").replace("title: Giới thiệu", "title: Mở đầu"))
    second = import_package(read_package(write_folder(tmp_path / "b", files)), admin)
    assert (second.course_id, second.number, second.status) == (first.course_id, 2, PUBLISHED)
    assert first.status == "archived"
    assert [m.title for m in second.modules][0] == "Mở đầu"
    third = import_package(read_package(write_folder(tmp_path / "c", canonical_files())), admin, draft=True)
    assert (third.number, third.status) == (3, DRAFT)
    assert operations.latest(third.course, PUBLISHED).id == second.id
    # The draft's quiz files came from the package, and a draft made by editing copies them.
    assert {q.filename for q in db.session.scalars(select(ModuleQuizSource).join(Module).where(
        Module.version_id == third.id))} == {"01-gioi-thieu.gift", "02-doanh-nghiep.txt"}


def test_the_same_files_again_publish_nothing_new(province, tmp_path, runner, client, auth):
    """A folder under version control imported at every deployment published a copy of the version learners
    already had each time (new learners were enrolled on it, old ones were told of a newer version)."""
    from lms.courses.packaging import PackageUnchanged

    admin = province["users"]["admin"]
    first = import_package(read_package(write_folder(tmp_path / "a", canonical_files())), admin)
    with pytest.raises(PackageUnchanged) as same:
        import_package(read_package(write_folder(tmp_path / "b", canonical_files())), admin)
    assert same.value.version.id == first.id
    assert count(CourseVersion) == 1
    result = runner.invoke(import_course_command, [str(tmp_path / "b")])
    assert result.exit_code == 0, result.output
    assert ("Khóa học THU-NGHIEM không có gì thay đổi so với phiên bản 1 đã xuất bản: không tạo phiên bản mới."
            in result.output)
    auth.login("admin")
    response = client.post("/author/packages/import", data={"file": (io.BytesIO(make_zip(canonical_files())), "goi.zip")},
                           content_type="multipart/form-data", follow_redirects=True)
    assert "không có gì thay đổi so với phiên bản 1" in html_text(response)
    assert count(CourseVersion) == 1
    # asked for a draft, the trainer gets one: they mean to edit it
    assert import_package(read_package(tmp_path / "b"), admin, draft=True).number == 2


def test_new_drafts_copy_the_quiz_files(province, tmp_path):
    version = import_package(read_package(write_folder(tmp_path / "a", canonical_files())), province["users"]["admin"])
    draft = operations.draft_of(version.course)
    assert package_files(package_of(draft)) == canonical_files()


def test_only_owners_co_authors_and_federation_admins_update_a_course(make, province, tmp_path):
    folder = write_folder(tmp_path / "p", canonical_files())
    import_package(read_package(folder), province["users"]["trainer"])
    other = other_trainer(make, province)
    with pytest.raises(PackagePermissionError):
        import_package(read_package(folder), other)
    with pytest.raises(PackagePermissionError):
        import_package(read_package(write_folder(tmp_path / "q", canonical_files(MANIFEST.replace(
            "THU-NGHIEM", "KHAC")))), province["users"]["cadre"])
    course = db.session.scalar(select(Course).where(Course.code == "THU-NGHIEM"))
    operations.set_authors(course, [other])
    changed = write_folder(tmp_path / "r", canonical_files(MANIFEST.replace("duration: 5", "duration: 6")))
    assert import_package(read_package(changed), other).number == 2


def test_closed_course(province, tmp_path):
    manifest = MANIFEST.replace("  url: https://thuvienphapluat.vn/\n", "  url: https://thuvienphapluat.vn/\nopen: false\n")
    folder = write_folder(tmp_path / "p", canonical_files(manifest))
    pkg = read_package(folder)
    assert pkg.is_open is False and pkg.warnings == []
    version = import_package(pkg, None)
    assert version.course.is_open is False and version.course.owner_id is None
    write_package(version, tmp_path / "out")
    assert folder_files(tmp_path / "out") == canonical_files(manifest)


@pytest.mark.skipif(not SAMPLES, reason="no sample packages under courses/*/course.yaml yet")
@pytest.mark.parametrize("folder", SAMPLES, ids=[p.name for p in SAMPLES])
def test_sample_packages_round_trip_file_for_file(province, tmp_path, folder):
    pkg = read_package(folder)
    assert [str(w) for w in pkg.warnings if "dạng chuẩn" in w.message] == []
    version = import_package(pkg, province["users"]["admin"])
    out = tmp_path / "out"
    write_package(version, out)
    original, exported = folder_files(folder), folder_files(out)
    assert sorted(exported) == sorted(original)
    for name in original:
        assert exported[name] == original[name], name


# -- the commands ------------------------------------------------------------------------------

def test_commands_are_available(app):
    assert {"import-course", "export-course"} <= set(app.cli.commands)


def test_cli_import_export_and_exit_codes(runner, province, tmp_path):
    folder = write_folder(tmp_path / "p", canonical_files())
    result = runner.invoke(import_course_command, [str(folder)])
    assert result.exit_code == 0, result.output
    assert "Đã nhập khóa học THU-NGHIEM, phiên bản 1 (đã xuất bản)." in result.output
    result = runner.invoke(import_course_command, [str(folder), "--draft", "--as", "admin"])
    assert result.exit_code == 0, result.output
    assert "phiên bản 2 (bản nháp)." in result.output

    out = tmp_path / "out"
    result = runner.invoke(export_course_command, ["THU-NGHIEM", str(out)])
    assert result.exit_code == 0, result.output
    assert folder_files(out) == canonical_files()
    assert runner.invoke(export_course_command, ["THU-NGHIEM", str(out)]).exit_code == 1  # not empty
    (out / "99-cu.md").write_text("cũ\n")
    result = runner.invoke(export_course_command, ["THU-NGHIEM", str(out), "--draft", "--force"])
    assert result.exit_code == 0, result.output
    assert folder_files(out) == canonical_files()
    assert runner.invoke(export_course_command, ["KHONG-CO", str(tmp_path / "x")]).exit_code == 1


def test_cli_errors_one_per_line_exit_1_and_nothing_written(runner, province, tmp_path):
    files = canonical_files(MANIFEST.replace("duration: 12", "duration: 500").replace("[business]", "[xyz]"))
    before = count(Course)
    result = runner.invoke(import_course_command, [str(write_folder(tmp_path / "p", files))])
    assert result.exit_code == 1
    assert "course.yaml:18: khu vực không có: xyz" in result.output
    assert "course.yaml:19: thời lượng phải là số phút từ 1 đến 240" in result.output
    assert count(Course) == before
    result = runner.invoke(import_course_command, [str(tmp_path / "p"), "--as", "khong-co-ai"])
    assert result.exit_code == 2


def test_cli_imports_a_zip_and_refuses_a_trainer_who_is_not_an_author(make, runner, province, tmp_path):
    path = tmp_path / "goi.zip"
    path.write_bytes(make_zip(canonical_files(), folder="thu-nghiem/"))
    assert runner.invoke(import_course_command, [str(path), "--as", "trainer"]).exit_code == 0
    other = other_trainer(make, province)
    result = runner.invoke(import_course_command, [str(path), "--as", other.username])
    assert result.exit_code == 1 and "không có quyền" in result.output


# -- the browser -------------------------------------------------------------------------------

def upload(client, data: bytes, **fields):
    return client.post("/author/packages/import", data={"file": (io.BytesIO(data), "goi.zip"), **fields},
                       content_type="multipart/form-data")


def test_upload_page_for_trainers_only(client, auth, province):
    for username in ("cadre", "union"):
        auth.login(username)
        assert client.get("/author/packages/import").status_code == 403
        assert upload(client, make_zip(canonical_files())).status_code == 403
        auth.logout()
    auth.login("trainer")
    response = client.get("/author/packages/import")
    assert response.status_code == 200
    assert "Nhập gói khóa học" in html_text(response)


def test_upload_creates_the_course_and_redirects(client, auth, province):
    auth.login("trainer")
    response = upload(client, make_zip(canonical_files(), folder="thu-nghiem/"), draft="y")
    assert response.status_code == 302
    course = db.session.scalar(select(Course).where(Course.code == "THU-NGHIEM"))
    assert course is not None and course.owner_id == province["users"]["trainer"].id
    assert operations.latest(course).status == DRAFT
    page = html_text(client.get(response.headers["Location"]))
    assert "Đã nhập khóa học THU-NGHIEM, phiên bản 1 (bản nháp)." in page


def test_upload_shows_every_error_with_file_and_line(client, auth, province):
    auth.login("trainer")
    files = canonical_files(MANIFEST.replace("duration: 12", "duration: 500").replace("[business]", "[xyz]"))
    response = upload(client, make_zip(files))
    assert response.status_code == 422
    page = html_text(response)
    assert "course.yaml:18" in page and "khu vực không có: xyz" in page
    assert "course.yaml:19" in page and "thời lượng phải là số phút từ 1 đến 240" in page
    assert "không có gì được ghi" in page
    assert db.session.scalar(select(Course).where(Course.code == "THU-NGHIEM")) is None


def test_upload_refused_without_csrf_token(client, auth, province, csrf_on):
    auth.login("trainer")
    response = upload(client, make_zip(canonical_files()))
    assert response.status_code == 400
    assert db.session.scalar(select(Course).where(Course.code == "THU-NGHIEM")) is None


def test_download_for_owner_and_federation_admin_only(client, auth, make, province, tmp_path):
    version = import_package(read_package(write_folder(tmp_path / "p", canonical_files())), province["users"]["trainer"])
    other = other_trainer(make, province)
    db.session.flush()
    url = f"/author/packages/{version.course_id}/package.zip"
    for username, status in ((other.username, 403), ("cadre", 403), ("union", 403), ("trainer", 200), ("admin", 200)):
        auth.login(username)
        response = client.get(url)
        assert response.status_code == status, username
        if status == 200:
            assert response.mimetype == "application/zip"
            assert 'filename=THU-NGHIEM.zip' in response.headers["Content-Disposition"]
            files = zip_files(response.data)
            assert {name.split("/", 1)[1]: data for name, data in files.items()} == canonical_files()
            assert response.data == package_zip(version)  # the same content always gives the same bytes
        auth.logout()
    auth.login("trainer")
    assert client.get(url + "?version=draft").status_code == 404  # no draft yet
    assert client.get("/author/packages/999999/package.zip").status_code == 404


def test_a_downloaded_zip_is_the_version_file_for_file(client, auth, province, tmp_path):
    """Downloaded and uploaded again unchanged, the package is the published version itself (no copy is
    published); changed, it becomes the next version."""
    version = import_package(read_package(write_folder(tmp_path / "p", canonical_files())), province["users"]["trainer"])
    auth.login("trainer")
    data = client.get(f"/author/packages/{version.course_id}/package.zip").data
    response = upload(client, data)
    assert response.status_code == 302
    assert "không có gì thay đổi so với phiên bản 1" in html_text(client.get(response.headers["Location"]))
    assert operations.latest(version.course).id == version.id
    assert package_files(read_zip(data)) == canonical_files()
    changed = canonical_files(MANIFEST.replace("duration: 5", "duration: 6"))
    assert upload(client, make_zip(changed)).status_code == 302
    latest = operations.latest(version.course)
    assert (latest.number, latest.status) == (2, PUBLISHED)
    assert package_files(package_of(latest)) == changed


def test_readme_documents_the_format():
    readme = (COURSES / "README.md").read_text(encoding="utf-8")
    for word in ("course.yaml", "pass_mark", "duration", "tracks", "common", "GIFT", "Aiken", "assets/",
                 "import-course", "export-course", "--draft", "open: false"):
        assert word in readme, word


def test_reimporting_a_package_keeps_the_quiz_settings_a_trainer_set(province, tmp_path):
    """The package carries the quiz file and pass mark; the time limit, attempts, review and closing
    time are set on the platform, and a new version of the same module keeps them."""
    import datetime as dt

    from lms.quizzes.models import Quiz

    admin = province["users"]["admin"]
    first = import_package(read_package(write_folder(tmp_path / "a", canonical_files())), admin)
    quiz = db.session.scalar(select(Quiz).where(Quiz.module_id == first.modules[0].id))
    closes = dt.datetime(2026, 12, 31, 10, 0, tzinfo=dt.timezone.utc)
    quiz.time_limit_minutes, quiz.max_attempts, quiz.review_when, quiz.closes_at = 20, 2, "never", closes
    quiz.questions_per_page = 2
    db.session.flush()
    files = canonical_files(MANIFEST.replace("pass_mark: 80", "pass_mark: 90"))
    second = import_package(read_package(write_folder(tmp_path / "b", files)), admin)
    again = db.session.scalar(select(Quiz).where(Quiz.module_id == second.modules[0].id))
    assert again.id != quiz.id
    assert (again.time_limit_minutes, again.max_attempts, again.review_when, again.closes_at,
            again.questions_per_page) == (20, 2, "never", closes, 2)
    assert again.pass_mark == 90  # the package's own
    other = db.session.scalar(select(Quiz).where(Quiz.module_id == second.modules[1].id))
    assert (other.time_limit_minutes, other.max_attempts) == (None, 0)  # a quiz left as it was stays so
