"""Course packages: a folder (or ZIP) holding ``course.yaml``, one Markdown file per module, quiz files
and assets. The format is documented in ``courses/README.md``.

Reading validates the whole package and collects every problem with its file and line before
anything is written; :class:`PackageError` carries them all. Writing produces the canonical files,
so that a canonical package read and written again gives the same bytes. This module only reads
the database for the list of track codes and, when writing, the version being exported; changes
are made by :mod:`lms.courses.packaging`.
"""
from __future__ import annotations

import datetime as dt
import io
import json
import os
import re
import stat
import zipfile
from dataclasses import dataclass, field
from pathlib import Path, PurePosixPath
from typing import Iterable, Sequence

import yaml

from lms.core.errors import DAMAGED_ZIP_ERRORS, ValidationError
from lms.core.i18n import _

MANIFEST = "course.yaml"
ASSET_DIR = "assets"
COMMON = "common"
QUIZ_FORMATS = {".gift": "gift", ".aiken": "aiken", ".txt": "aiken"}
DEFAULT_PASS_MARK = 70
MIN_DURATION, MAX_DURATION = 1, 240
DURATION_WARNING = 15  # minutes: longer modules are allowed but the author is warned

MAX_FILES = 300
MAX_TEXT_BYTES = 1024 * 1024  # one Markdown, quiz or manifest file
MAX_TOTAL_BYTES = 60 * 1024 * 1024  # everything in a package, uncompressed
MAX_TITLE = 300
MAX_KEY = 120

COURSE_KEYS = ("code", "title", "description", "tracks", "reviewed", "sources", "open", "modules")
COURSE_REQUIRED = ("code", "title", "description", "tracks", "modules")
MODULE_KEYS = ("file", "title", "tracks", "duration", "quiz", "pass_mark", "random")
MODULE_REQUIRED = ("file", "title", "tracks", "duration")
SOURCE_KEYS = ("title", "url")

_CODE = re.compile(r"^[A-Z0-9][A-Z0-9_-]{1,59}$")
_NAME = re.compile(r"^[A-Za-z0-9][A-Za-z0-9._-]{0,199}$")
_MODULE_FILE = re.compile(r"^[A-Za-z0-9][A-Za-z0-9._-]*\.md$")
_ASSET_REF = re.compile(r"(?<![A-Za-z0-9_./-])assets/([^\s()\[\]<>\"'`]+)")
_LINE_PREFIX = re.compile(r"^Dòng \d+:\s*")
_DUMP_OPTIONS = dict(sort_keys=False, allow_unicode=True, default_flow_style=False, width=10**6)


# -- problems ----------------------------------------------------------------------------------

@dataclass(frozen=True)
class Problem:
    """One finding in a package: an error (nothing is imported) or a warning (imported anyway)."""

    file: str
    line: int | None
    message: str
    warning: bool = False

    @property
    def location(self) -> str:
        return f"{self.file}:{self.line}" if self.line else self.file

    def __str__(self) -> str:
        prefix = _("cảnh báo: ") if self.warning else ""
        return f"{self.location}: {prefix}{self.message}"


class PackageError(Exception):
    """A package that cannot be imported; ``problems`` lists every error (and the warnings) found."""

    def __init__(self, problems: list[Problem]):
        self.problems = _sorted(problems)
        super().__init__("\n".join(str(p) for p in self.errors))

    @property
    def errors(self) -> list[Problem]:
        return [p for p in self.problems if not p.warning]

    @property
    def warnings(self) -> list[Problem]:
        return [p for p in self.problems if p.warning]


class PackagePermissionError(PackageError):
    """The package is valid but the user may not create or change this course."""


def _sorted(problems: Iterable[Problem]) -> list[Problem]:
    return sorted(problems, key=lambda p: (p.file != MANIFEST, p.file, p.line or 0))


class _Problems:
    def __init__(self) -> None:
        self.items: list[Problem] = []

    def error(self, file: str, line: int | None, message: str) -> None:
        self.items.append(Problem(file, line, message))

    def warn(self, file: str, line: int | None, message: str) -> None:
        self.items.append(Problem(file, line, message, warning=True))

    @property
    def has_errors(self) -> bool:
        return any(not p.warning for p in self.items)

    def raise_if_errors(self) -> None:
        if self.has_errors:
            raise PackageError(self.items)


# -- the package as plain data -----------------------------------------------------------------

@dataclass
class PackageModule:
    file: str
    key: str
    title: str
    track_codes: list[str]  # empty = common to every track
    duration: int
    content: str  # Markdown as read; stored NFC with LF line endings and one trailing newline
    quiz_file: str | None = None
    quiz_text: str | None = None  # the quiz file verbatim
    quiz_format: str | None = None  # gift | aiken
    pass_mark: int | None = None
    draws: str = ""  # with a quiz: questions drawn at random, "3 Luật Công đoàn/Chương 1" a line


@dataclass
class Package:
    code: str
    title: str
    description: str
    track_codes: list[str]
    reviewed: dt.date | None = None
    sources: list[dict] = field(default_factory=list)
    is_open: bool = True
    modules: list[PackageModule] = field(default_factory=list)
    assets: dict[str, bytes] = field(default_factory=dict)
    warnings: list[Problem] = field(default_factory=list)


# -- reading -----------------------------------------------------------------------------------

def known_track_codes() -> list[str]:
    """The track codes in the database, in their display order."""
    from sqlalchemy import select

    from lms.core.db import db
    from lms.orgs.models import Track

    return list(db.session.scalars(select(Track.code).order_by(Track.position, Track.id)))


def read_package(path: Path, tracks: Sequence[str] | None = None) -> Package:
    """Read and validate the package folder at ``path``; raise :class:`PackageError` listing every error.

    ``tracks`` are the valid track codes in display order (by default those in the database).
    """
    path = Path(path)
    problems = _Problems()
    if not path.is_dir():
        problems.error(str(path), None, _("không phải thư mục gói khóa học"))
        problems.raise_if_errors()
    files = _collect_folder(path, problems)
    return _read_files(files, problems, tracks)


def read_zip(data: bytes, tracks: Sequence[str] | None = None) -> Package:
    """Read and validate a package sent as a ZIP: the files at its root or inside one top-level folder.

    Nothing is extracted to disk. Absolute paths, ``..``, links, encrypted entries and archives
    over the file-count or size limits are refused.
    """
    problems = _Problems()
    files = _collect_zip(data, problems)
    problems.raise_if_errors()
    return _read_files(files, problems, tracks)


def _ignored(parts: Sequence[str]) -> bool:
    """Files that editors and archivers leave behind (.DS_Store, __MACOSX/, .git/, Thumbs.db)."""
    return any(p.startswith(".") or p == "__MACOSX" for p in parts) or parts[-1] in ("Thumbs.db", "desktop.ini")


def _collect_folder(root: Path, problems: _Problems) -> dict[str, bytes]:
    files: dict[str, bytes] = {}
    total = 0
    for folder, dirnames, filenames in os.walk(root, followlinks=False):
        rel_folder = Path(folder).relative_to(root)
        dirnames[:] = sorted(d for d in dirnames if not _ignored([d]))
        for d in dirnames:
            if (Path(folder) / d).is_symlink():
                problems.error((rel_folder / d).as_posix(), None, _("liên kết tượng trưng không được dùng trong gói"))
        for name in sorted(filenames):
            rel = (rel_folder / name).as_posix()
            if _ignored(PurePosixPath(rel).parts):
                continue
            full = Path(folder) / name
            if full.is_symlink():
                problems.error(rel, None, _("liên kết tượng trưng không được dùng trong gói"))
                continue
            if len(files) >= MAX_FILES:
                problems.error(rel, None, _("gói có quá nhiều tệp (tối đa %(n)s)", n=MAX_FILES))
                return files
            size = full.stat().st_size
            total += size
            if total > MAX_TOTAL_BYTES:
                problems.error(rel, None, _("gói quá lớn (tối đa %(mb)s MB)", mb=MAX_TOTAL_BYTES // (1024 * 1024)))
                return files
            files[rel] = full.read_bytes()
    return files


def _unsafe_zip_name(name: str) -> bool:
    if not name or name.startswith(("/", "\\")) or "\\" in name or "\x00" in name:
        return True
    parts = name.rstrip("/").split("/")
    if re.match(r"^[A-Za-z]:", parts[0]):
        return True
    return any(p in ("", ".", "..") for p in parts)


def _collect_zip(data: bytes, problems: _Problems) -> dict[str, bytes]:
    try:
        with zipfile.ZipFile(io.BytesIO(data)) as archive:
            return _zip_entries(archive, problems)
    except (zipfile.BadZipFile, zipfile.LargeZipFile, OSError, ValueError):
        problems.error(_("tệp ZIP"), None, _("không phải tệp ZIP hợp lệ"))
        return {}


def _zip_entries(archive: zipfile.ZipFile, problems: _Problems) -> dict[str, bytes]:
    label = _("tệp ZIP")
    infos = archive.infolist()
    if len(infos) > MAX_FILES:
        problems.error(label, None, _("gói có quá nhiều tệp (tối đa %(n)s)", n=MAX_FILES))
        return {}
    if sum(i.file_size for i in infos) > MAX_TOTAL_BYTES:
        problems.error(label, None, _("gói quá lớn (tối đa %(mb)s MB)", mb=MAX_TOTAL_BYTES // (1024 * 1024)))
        return {}
    entries: dict[str, zipfile.ZipInfo] = {}
    for info in infos:
        name = info.filename
        if _unsafe_zip_name(name):
            problems.error(name, None, _("đường dẫn không an toàn trong tệp ZIP (đường dẫn tuyệt đối hoặc có ..)"))
            continue
        if stat.S_ISLNK(info.external_attr >> 16):
            problems.error(name, None, _("liên kết tượng trưng không được dùng trong gói"))
            continue
        if info.is_dir() or _ignored(name.split("/")):
            continue
        if info.flag_bits & 0x1:
            problems.error(name, None, _("tệp được mã hóa bằng mật khẩu"))
            continue
        if name in entries:
            problems.error(name, None, _("tệp xuất hiện hai lần trong ZIP"))
            continue
        entries[name] = info
    # One top-level folder (as made by "compress this folder") or the files at the root.
    names = list(entries)
    prefix = ""
    if MANIFEST not in names and names:
        firsts = {n.split("/", 1)[0] for n in names}
        if len(firsts) == 1 and all("/" in n for n in names):
            prefix = firsts.pop() + "/"
    files: dict[str, bytes] = {}
    for name, info in entries.items():
        try:
            with archive.open(info) as fh:
                content = fh.read(info.file_size + 1)
        except DAMAGED_ZIP_ERRORS:
            problems.error(name, None, _("không đọc được tệp trong ZIP (tệp hỏng)"))
            continue
        if len(content) != info.file_size:
            problems.error(name, None, _("kích thước tệp trong ZIP không khớp (tệp hỏng)"))
            continue
        files[name[len(prefix):]] = content
    return files


def _decode(data: bytes, file: str, problems: _Problems) -> str | None:
    if len(data) > MAX_TEXT_BYTES:
        problems.error(file, None, _("tệp quá lớn (tối đa %(kb)s KB)", kb=MAX_TEXT_BYTES // 1024))
        return None
    try:
        return data.decode("utf-8")
    except UnicodeDecodeError as exc:
        line = data.count(b"\n", 0, exc.start) + 1
        problems.error(file, line, _("không phải UTF-8 hợp lệ; hãy lưu tệp với mã UTF-8"))
        return None


def _line(node: yaml.Node) -> int:
    return node.start_mark.line + 1


def _value(node: yaml.Node):
    """The Python value of a node, as yaml.safe_load would give it."""
    return yaml.constructor.SafeConstructor().construct_object(node, deep=True)


class _Manifest:
    """Checks on the nodes of course.yaml, each error with the line of the node it is about."""

    def __init__(self, problems: _Problems):
        self.problems = problems

    def error(self, node: yaml.Node, message: str) -> None:
        self.problems.error(MANIFEST, _line(node), message)

    def warn(self, node: yaml.Node, message: str) -> None:
        self.problems.warn(MANIFEST, _line(node), message)

    def mapping(self, node: yaml.Node, allowed: Sequence[str], required: Sequence[str], what: str) -> dict | None:
        if not isinstance(node, yaml.MappingNode):
            self.error(node, _("%(what)s phải là một bảng khóa: giá trị", what=what))
            return None
        result: dict[str, yaml.Node] = {}
        for key_node, value_node in node.value:
            key = key_node.value if isinstance(key_node, yaml.ScalarNode) else None
            if key not in allowed:
                self.error(key_node, _("khóa không được hỗ trợ: %(key)s (các khóa được dùng: %(keys)s)",
                                       key=key if key is not None else "?", keys=", ".join(allowed)))
                continue
            if key in result:
                self.error(key_node, _("khóa %(key)s bị lặp lại (đã có ở dòng %(line)s)", key=key, line=_line(result[key])))
                continue
            result[key] = value_node
        for key in required:
            if key not in result:
                self.error(node, _("%(what)s thiếu khóa bắt buộc: %(key)s", what=what, key=key))
        return result

    def text(self, node: yaml.Node, what: str, *, required: bool = True, limit: int | None = None) -> str | None:
        if not isinstance(node, yaml.ScalarNode) or node.tag != "tag:yaml.org,2002:str":
            value = _value(node) if isinstance(node, yaml.ScalarNode) else None
            if value is None and not required:
                return ""
            if not isinstance(node, yaml.ScalarNode) or value is None:
                self.error(node, _("%(what)s phải là một đoạn văn bản", what=what))
                return None
            value = str(value)  # a title like 2024 is read as a number; keep it as text
        else:
            value = node.value
        if required and not value.strip():
            self.error(node, _("%(what)s không được để trống", what=what))
            return None
        if limit and len(value) > limit:
            self.error(node, _("%(what)s dài quá %(n)s ký tự", what=what, n=limit))
            return None
        return value

    def integer(self, node: yaml.Node, low: int, high: int, message: str) -> int | None:
        value = _value(node) if isinstance(node, yaml.ScalarNode) else None
        if isinstance(value, bool) or not isinstance(value, int) or not low <= value <= high:
            self.error(node, message)
            return None
        return value

    def track_list(self, node: yaml.Node, known: Sequence[str], *, allow_common: bool) -> list[str] | None:
        if not isinstance(node, yaml.SequenceNode) or not node.value:
            choices = ", ".join([COMMON, *known] if allow_common else known)
            self.error(node, _("khu vực phải là danh sách, ví dụ [%(example)s] (có: %(choices)s)",
                               example=COMMON if allow_common else ", ".join(known), choices=choices))
            return None
        codes: list[str] = []
        ok = True
        for item in node.value:
            code = item.value if isinstance(item, yaml.ScalarNode) else None
            if code == COMMON and allow_common:
                pass
            elif code not in known:
                choices = ", ".join([COMMON, *known] if allow_common else known)
                self.error(item, _("khu vực không có: %(code)s (có: %(choices)s)", code=code or "?", choices=choices))
                ok = False
                continue
            if code in codes:
                self.error(item, _("khu vực %(code)s bị lặp lại", code=code))
                ok = False
                continue
            codes.append(code)
        if ok and COMMON in codes and len(codes) > 1:
            self.error(node, _("bài học chung (%(common)s) không ghi thêm khu vực khác", common=COMMON))
            ok = False
        return codes if ok else None


def _read_files(files: dict[str, bytes], problems: _Problems, tracks: Sequence[str] | None) -> Package:
    known = list(tracks) if tracks is not None else known_track_codes()
    m = _Manifest(problems)
    if MANIFEST not in files:
        # a folder (or ZIP) of several packages, such as courses/: say so rather than only "not found"
        inside = sorted({name[:-len(MANIFEST) - 1] for name in files if name.endswith("/" + MANIFEST)})
        if inside:
            problems.error(MANIFEST, None, _("không tìm thấy tệp course.yaml ở gốc gói; trong đó có %(n)s gói (%(names)s): "
                                             "hãy nhập từng gói một", n=len(inside), names=", ".join(inside)))
        else:
            problems.error(MANIFEST, None, _("không tìm thấy tệp course.yaml ở gốc gói"))
        raise PackageError(problems.items)
    text = _decode(files[MANIFEST], MANIFEST, problems)
    problems.raise_if_errors()
    try:
        root = yaml.compose(text, Loader=yaml.SafeLoader)
    except yaml.MarkedYAMLError as exc:
        mark = exc.problem_mark or exc.context_mark
        problems.error(MANIFEST, mark.line + 1 if mark else None,
                       _("cú pháp YAML không hợp lệ: %(detail)s", detail=exc.problem or exc.context or ""))
        raise PackageError(problems.items) from None
    except yaml.YAMLError as exc:
        problems.error(MANIFEST, None, _("cú pháp YAML không hợp lệ: %(detail)s", detail=str(exc)))
        raise PackageError(problems.items) from None
    if root is None:
        problems.error(MANIFEST, 1, _("tệp course.yaml trống"))
        raise PackageError(problems.items)
    course = m.mapping(root, COURSE_KEYS, COURSE_REQUIRED, _("course.yaml"))
    if course is None:
        raise PackageError(problems.items)

    pkg = Package(code="", title="", description="", track_codes=[])
    if "code" in course:
        code = m.text(course["code"], _("Mã khóa học"))
        if code is not None and not _CODE.match(code):
            m.error(course["code"], _("mã khóa học chỉ gồm chữ in hoa không dấu, số, - và _ (2–60 ký tự): %(code)s", code=code))
        pkg.code = code or ""
    if "title" in course:
        pkg.title = _nfc_line(m.text(course["title"], _("Tên khóa học"), limit=MAX_TITLE) or "")
    if "description" in course:
        pkg.description = m.text(course["description"], _("Mô tả")) or ""
    if "tracks" in course:
        pkg.track_codes = m.track_list(course["tracks"], known, allow_common=False) or []
    if "reviewed" in course:
        node = course["reviewed"]
        value = _value(node) if isinstance(node, yaml.ScalarNode) else None
        if isinstance(value, dt.datetime) or not isinstance(value, dt.date):
            m.error(node, _("ngày rà soát phải có dạng YYYY-MM-DD, ví dụ 2025-11-15"))
        else:
            pkg.reviewed = value
    if "sources" in course:
        pkg.sources = _read_sources(m, course["sources"])
    if "open" in course:
        value = _value(course["open"]) if isinstance(course["open"], yaml.ScalarNode) else None
        if not isinstance(value, bool):
            m.error(course["open"], _("open phải là true hoặc false"))
        else:
            pkg.is_open = value

    used: dict[str, int] = {MANIFEST: 0}  # file name → line in course.yaml that uses it
    texts: dict[str, str] = {}  # Markdown and quiz texts, searched for asset references
    modules_node = course.get("modules")
    if modules_node is not None:
        if not isinstance(modules_node, yaml.SequenceNode) or not modules_node.value:
            m.error(modules_node, _("modules phải là danh sách bài học (ít nhất một bài)"))
        else:
            for item in modules_node.value:
                module = _read_module(m, item, files, known, pkg, used, texts)
                if module is not None:
                    pkg.modules.append(module)

    _check_other_files(files, used, problems)
    pkg.assets = _read_assets(files, texts, problems)
    if text is not None and not problems.has_errors:
        canonical = manifest_text(pkg)
        if canonical != text:
            line = _first_difference(canonical, text)
            problems.warn(MANIFEST, line, _("course.yaml không ở dạng chuẩn; lệnh export-course sẽ viết lại tệp này ở dạng chuẩn"))
    problems.raise_if_errors()
    pkg.warnings = _sorted(problems.items)
    return pkg


def _nfc_line(value: str) -> str:
    from lms.core.text import nfc

    return nfc(value)


def _first_difference(a: str, b: str) -> int:
    for number, (x, y) in enumerate(zip(a.split("\n"), b.split("\n")), start=1):
        if x != y:
            return number
    return min(a.count("\n"), b.count("\n")) + 1


def _read_sources(m: _Manifest, node: yaml.Node) -> list[dict]:
    if not isinstance(node, yaml.SequenceNode):
        m.error(node, _("sources phải là danh sách, mỗi mục có title và url"))
        return []
    sources = []
    for item in node.value:
        entry = m.mapping(item, SOURCE_KEYS, ("title",), _("Nguồn"))
        if entry is None:
            continue
        source = {}
        title = m.text(entry["title"], _("Tên nguồn")) if "title" in entry else None
        if title is not None:
            source["title"] = _nfc_line(title)
        if "url" in entry:
            url = m.text(entry["url"], _("Địa chỉ nguồn"))
            if url is not None and not re.match(r"^https?://\S+$", url):
                m.error(entry["url"], _("địa chỉ nguồn phải bắt đầu bằng http:// hoặc https://"))
            elif url is not None:
                source["url"] = url
        sources.append(source)
    return sources


def _read_module(m: _Manifest, node: yaml.Node, files: dict[str, bytes], known: Sequence[str],
                 pkg: Package, used: dict[str, int], texts: dict[str, str]) -> PackageModule | None:
    entry = m.mapping(node, MODULE_KEYS, MODULE_REQUIRED, _("Bài học ở dòng %(line)s", line=_line(node)))
    if entry is None:
        return None
    ok = not any(key not in entry for key in MODULE_REQUIRED)
    module = PackageModule(file="", key="", title="", track_codes=[], duration=0, content="")

    if "file" in entry:
        name = m.text(entry["file"], _("Tệp bài học"))
        content = None
        if name is None:
            ok = False
        elif not _MODULE_FILE.match(name) or len(name) - 3 > MAX_KEY:
            m.error(entry["file"], _("tên tệp bài học phải dạng 01-ten-bai.md (chữ không dấu, số, - và _): %(name)s", name=name))
            ok = False
        elif name in used:
            m.error(entry["file"], _("tệp %(name)s đã được dùng ở dòng %(line)s", name=name, line=used[name]))
            ok = False
        elif name not in files:
            m.error(entry["file"], _("không tìm thấy tệp %(name)s", name=name))
            used[name] = _line(entry["file"])
            ok = False
        else:
            used[name] = _line(entry["file"])
            content = _decode(files[name], name, m.problems)
            ok = ok and content is not None
        if content is not None:
            texts[name] = content
            module.file, module.key, module.content = name, name[:-3], content
            _check_markdown(name, content, m.problems)

    if "title" in entry:
        title = m.text(entry["title"], _("Tên bài học"), limit=MAX_TITLE)
        ok = ok and title is not None
        module.title = _nfc_line(title or "")
    if "tracks" in entry:
        codes = m.track_list(entry["tracks"], known, allow_common=True)
        if codes is None:
            ok = False
        else:
            codes = [c for c in known if c in codes]  # stored, and written back, in display order
            outside = [c for c in codes if pkg.track_codes and c not in pkg.track_codes]
            if outside:
                m.warn(entry["tracks"], _("khu vực %(codes)s không có trong danh sách khu vực của khóa học",
                                          codes=", ".join(outside)))
            module.track_codes = codes
    if "duration" in entry:
        duration = m.integer(entry["duration"], MIN_DURATION, MAX_DURATION,
                             _("thời lượng phải là số phút từ %(low)s đến %(high)s", low=MIN_DURATION, high=MAX_DURATION))
        if duration is None:
            ok = False
        else:
            module.duration = duration
            if duration > DURATION_WARNING:
                m.warn(entry["duration"], _("bài học dài %(n)s phút; nên chia thành các bài không quá %(max)s phút",
                                            n=duration, max=DURATION_WARNING))

    if "quiz" in entry:
        quiz_ok = _read_quiz(m, entry["quiz"], files, used, texts, module)
        ok = quiz_ok and ok
        if "pass_mark" in entry:
            mark = m.integer(entry["pass_mark"], 1, 100, _("điểm đạt phải là số phần trăm từ 1 đến 100"))
            ok = ok and mark is not None
            module.pass_mark = mark
        else:
            module.pass_mark = DEFAULT_PASS_MARK
        if "random" in entry:
            ok = _read_draws(m, entry["random"], module, pkg.code if quiz_ok else None) and ok
    else:
        for key in ("pass_mark", "random"):
            if key in entry:
                m.error(entry[key], _("%(key)s chỉ dùng khi bài học có bài kiểm tra (quiz)", key=key))
                ok = False
    return module if ok else None


def _read_draws(m: _Manifest, node: yaml.Node, module: PackageModule, code: str | None) -> bool:
    """``random:`` — a list of "<count> <category>" (questions drawn at random for each attempt).

    Given the course ``code`` (None when the module's quiz file has errors of its own), each rule is
    checked against its pool as publishing checks it: the quiz file's questions of the category and,
    for a course that exists, its bank's. So a pool too small is reported with its line here, with the
    package's other errors, and also for a package imported as a draft. The pools need the application
    (its question types and database); a package read outside it has only its rules' form checked.
    """
    from flask import has_app_context

    from lms.quizzes.operations import format_draws, parse_draws, pool_problems

    if not isinstance(node, yaml.SequenceNode) or not node.value:
        m.error(node, _("random phải là danh sách, ví dụ [\"3 Luật Công đoàn/Chương 1\"]"))
        return False
    lines = []
    for item in node.value:
        value = _value(item) if isinstance(item, yaml.ScalarNode) else None
        text = str(value).strip() if isinstance(value, str) else ""
        lines.append(text or "?")  # not a "<count> <category>" text: reported on its own line
    draws, problems = parse_draws("\n".join(lines), [_line(item) for item in node.value])
    if code is not None and has_app_context():
        problems += pool_problems(code, _course_id(code), module.quiz_text or "", module.quiz_format or "gift", draws)
    for number, message in problems:
        m.problems.error(MANIFEST, number, message)
    module.draws = format_draws(draws)
    return not problems


def _course_id(code: str) -> int | None:
    """The id of the course with ``code``, whose bank a new version's draws also use; None for a new course."""
    from sqlalchemy import select

    from lms.core.db import db
    from lms.courses.models import Course

    return db.session.scalar(select(Course.id).where(Course.code == code)) if code else None


def _check_markdown(name: str, content: str, problems: _Problems) -> None:
    from lms.courses.operations import nfc_text

    if not content.strip():
        problems.warn(name, None, _("tệp bài học trống"))
    elif content != nfc_text(content):
        problems.warn(name, None, _("tệp không ở dạng chuẩn (Unicode NFC, xuống dòng LF, kết thúc bằng đúng một dấu "
                                    "xuống dòng); nội dung sẽ được chuẩn hóa khi nhập"))
    for number, line in enumerate(content.split("\n"), start=1):
        if line.strip():
            if line.startswith("# "):
                problems.warn(name, number, _("không cần tiêu đề cấp 1: tên bài học lấy từ course.yaml"))
            break


def _read_quiz(m: _Manifest, node: yaml.Node, files: dict[str, bytes], used: dict[str, int],
               texts: dict[str, str], module: PackageModule) -> bool:
    name = m.text(node, _("Tệp bài kiểm tra"))
    if name is None:
        return False
    fmt = QUIZ_FORMATS.get(PurePosixPath(name).suffix.lower())
    if "/" in name or not _NAME.match(name) or fmt is None:
        m.error(node, _("tệp bài kiểm tra phải là .gift (GIFT) hoặc .txt/.aiken (Aiken), ở gốc gói: %(name)s", name=name))
        return False
    if name in used:
        m.error(node, _("tệp %(name)s đã được dùng ở dòng %(line)s", name=name, line=used[name]))
        return False
    used[name] = _line(node)
    if name not in files:
        m.error(node, _("không tìm thấy tệp %(name)s", name=name))
        return False
    text = _decode(files[name], name, m.problems)
    if text is None:
        return False
    texts[name] = text
    try:
        from lms.quizzes.formats import parse
    except ImportError:  # pragma: no cover - the quiz engine ships with the platform
        m.error(node, _("chưa cài bộ đọc bài kiểm tra (lms.quizzes.formats)"))
        return False
    result = parse(text, fmt)
    for error in result.errors:
        message = _LINE_PREFIX.sub("", str(error.get("message", "")))
        m.problems.error(name, error.get("line"), message)
    if not result.errors and not result.questions:
        m.problems.error(name, None, _("bài kiểm tra không có câu hỏi nào"))
    module.quiz_file, module.quiz_text, module.quiz_format = name, text, fmt
    return not result.errors and bool(result.questions)


def _check_other_files(files: dict[str, bytes], used: dict[str, int], problems: _Problems) -> None:
    for name in files:
        if name in used:
            continue
        parts = PurePosixPath(name).parts
        if len(parts) == 2 and parts[0] == ASSET_DIR:
            continue
        if len(parts) > 1:
            problems.error(name, None, _("chỉ thư mục assets/ được dùng trong gói; tệp phải nằm ở gốc gói hoặc trong assets/"))
        elif name.endswith(".md"):
            problems.error(name, None, _("tệp bài học không có trong modules của course.yaml (thêm bài học hoặc xóa tệp)"))
        elif PurePosixPath(name).suffix.lower() in QUIZ_FORMATS:
            problems.error(name, None, _("tệp bài kiểm tra không được bài học nào dùng (ghi quiz: trong course.yaml hoặc xóa tệp)"))
        else:
            problems.error(name, None, _("tệp không thuộc định dạng gói khóa học (course.yaml, .md, .gift, .txt, .aiken, assets/)"))


def _read_assets(files: dict[str, bytes], texts: dict[str, str], problems: _Problems) -> dict[str, bytes]:
    from lms.courses import storage

    present = {PurePosixPath(n).name: n for n in files
               if len(PurePosixPath(n).parts) == 2 and PurePosixPath(n).parts[0] == ASSET_DIR}
    referenced: set[str] = set()
    for file, text in texts.items():
        for number, line in enumerate(text.split("\n"), start=1):
            for match in _ASSET_REF.finditer(line):
                ref = match.group(1).rstrip(".,;:!?")
                referenced.add(ref)
                if ref not in present:
                    problems.error(file, number, _("không tìm thấy tệp assets/%(name)s", name=ref))
    assets: dict[str, bytes] = {}
    for name in sorted(present):
        path = present[name]
        data = files[path]
        if not _NAME.match(name):
            problems.error(path, None, _("tên tệp chỉ gồm chữ không dấu, số, dấu chấm, - và _"))
            continue
        if name not in referenced:
            problems.error(path, None, _("tệp không được bài học nào dùng (ghi assets/%(name)s trong bài học hoặc xóa tệp)", name=name))
        if len(data) > storage.MAX_ASSET_BYTES:
            problems.error(path, None, _("tệp quá lớn (tối đa %(n)s MB)", n=storage.MAX_ASSET_BYTES // (1024 * 1024)))
            continue
        try:
            storage.sniff(data, name)
        except ValidationError as exc:
            problems.error(path, None, " ".join(exc.errors.values()))
            continue
        assets[name] = data
    return assets


# -- writing -----------------------------------------------------------------------------------

class _Flow(list):
    """A list written in flow style: ``[business, public]``."""


class _Dumper(yaml.SafeDumper):
    def ignore_aliases(self, data) -> bool:
        return True


_Dumper.add_representer(_Flow, lambda dumper, data: dumper.represent_sequence("tag:yaml.org,2002:seq", data, flow_style=True))


def manifest_text(pkg: Package) -> str:
    """course.yaml in the canonical style (see courses/README.md)."""
    doc: dict = {
        "code": pkg.code,
        "title": pkg.title,
        "description": pkg.description,
        "tracks": _Flow(pkg.track_codes),
    }
    if pkg.reviewed is not None:
        doc["reviewed"] = pkg.reviewed
    if pkg.sources:
        doc["sources"] = [{k: s[k] for k in SOURCE_KEYS if k in s} for s in pkg.sources]
    if not pkg.is_open:
        doc["open"] = False
    modules = []
    for module in pkg.modules:
        item = {
            "file": module.file,
            "title": module.title,
            "tracks": _Flow(module.track_codes or [COMMON]),
            "duration": module.duration,
        }
        if module.quiz_file:
            item["quiz"] = module.quiz_file
            item["pass_mark"] = module.pass_mark if module.pass_mark is not None else DEFAULT_PASS_MARK
            if module.draws:
                item["random"] = module.draws.splitlines()
        modules.append(item)
    doc["modules"] = modules
    return yaml.dump(doc, Dumper=_Dumper, **_DUMP_OPTIONS)


def package_files(pkg: Package) -> dict[str, bytes]:
    """Every file of the package, by relative path, in a fixed order."""
    files = {MANIFEST: manifest_text(pkg).encode("utf-8")}
    for module in pkg.modules:
        files[module.file] = module.content.encode("utf-8")
        if module.quiz_file:
            files[module.quiz_file] = (module.quiz_text or "").encode("utf-8")
    for name in sorted(pkg.assets):
        files[f"{ASSET_DIR}/{name}"] = pkg.assets[name]
    return files


def package_of(version) -> Package:
    """The package of a stored course version (modules, tracks and quizzes loaded in a fixed number of queries)."""
    from sqlalchemy import select
    from sqlalchemy.orm import selectinload

    from lms.core.db import db
    from lms.courses import storage
    from lms.courses.models import Asset, Module

    modules = db.session.scalars(
        select(Module).where(Module.version_id == version.id).order_by(Module.position)
        .options(selectinload(Module.tracks), selectinload(Module.quiz_source))
    ).all()
    assets = db.session.scalars(select(Asset).where(Asset.version_id == version.id).order_by(Asset.filename)).all()
    pkg = Package(
        code=version.course.code,
        title=version.title,
        description=version.description or "",
        track_codes=(version.track_codes or "").split(),
        reviewed=version.reviewed_on,
        sources=json.loads(version.sources) if version.sources else [],
        is_open=bool(version.course.is_open),
        assets={a.filename: storage.read(a.blob) for a in assets},
    )
    for module in modules:
        quiz = module.quiz_source
        pkg.modules.append(PackageModule(
            file=f"{module.key}.md", key=module.key, title=module.title,
            track_codes=[] if module.is_common else [t.code for t in module.tracks],
            duration=module.duration_minutes, content=module.content or "",
            quiz_file=quiz.filename if quiz else None, quiz_text=quiz.text if quiz else None,
            quiz_format=quiz.format if quiz else None, pass_mark=quiz.pass_mark if quiz else None,
            draws=quiz.draws if quiz else "",
        ))
    return pkg


def write_package(version, path: Path) -> list[str]:
    """Write the canonical files of ``version`` into the folder ``path`` (created if needed); return their names."""
    path = Path(path)
    files = package_files(package_of(version))
    for name, data in files.items():
        target = path / name
        target.parent.mkdir(parents=True, exist_ok=True)
        target.write_bytes(data)
    return list(files)


_ZIP_DATE = (1980, 1, 1, 0, 0, 0)


def package_zip(version) -> bytes:
    """The package of ``version`` as a ZIP with one top-level folder named after the course code.

    The bytes depend only on the content (fixed dates and order), so the same version always
    gives the same ZIP.
    """
    pkg = package_of(version)
    folder = pkg.code.lower()
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", compression=zipfile.ZIP_DEFLATED) as archive:
        for name, data in package_files(pkg).items():
            info = zipfile.ZipInfo(f"{folder}/{name}", date_time=_ZIP_DATE)
            info.external_attr = (stat.S_IFREG | 0o644) << 16
            info.compress_type = zipfile.ZIP_DEFLATED
            archive.writestr(info, data)
    return buffer.getvalue()
