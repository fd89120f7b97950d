"""Writes on courses: authoring, versioning and publishing, enrolment and progress. Callers commit."""
from __future__ import annotations

import datetime as dt
import json
import re
from dataclasses import dataclass, field

from sqlalchemy import func, select

from lms.core.db import db, utcnow, write_columns
from lms.core.errors import ValidationError
from lms.core.i18n import _l
from lms.core.text import fold, nfc
from lms.courses import storage
from lms.courses.models import (
    ARCHIVED, DRAFT, PUBLISHED, Asset, Course, CourseAuthor, CourseVersion, Enrolment, Module, ModuleProgress,
    ModuleQuizSource,
)
from lms.orgs.models import Track

MAX_DURATION_WARNING = 15
_CODE = re.compile(r"^[A-Z0-9][A-Z0-9_-]{1,59}$")
_FILENAME = re.compile(r"^[A-Za-z0-9][A-Za-z0-9._-]{0,199}$")


@dataclass
class CourseMeta:
    title: str
    description: str = ""
    track_codes: list[str] = field(default_factory=list)
    reviewed_on: object = None
    sources: list[dict] = field(default_factory=list)


@dataclass
class ModuleData:
    title: str
    content: str = ""
    duration_minutes: int = 10
    track_codes: list[str] = field(default_factory=list)  # empty = common
    key: str | None = None
    quiz: str | None = None  # the quiz file's text, GIFT or Aiken; "" removes it; None leaves it as it is
    pass_mark: int = 70  # percent, with ``quiz``
    draws: str | None = None  # with ``quiz``: questions drawn at random, "3 Luật/Chương 1" a line; None keeps them


def slugify(text: str) -> str:
    slug = re.sub(r"[^a-z0-9]+", "-", fold(text)).strip("-")
    return slug[:80] or "bai"


def _tracks(codes: list[str]) -> list[Track]:
    if not codes:
        return []
    tracks = list(db.session.scalars(select(Track).where(Track.code.in_(codes)).order_by(Track.position)))
    unknown = set(codes) - {t.code for t in tracks}
    if unknown:
        raise ValidationError({"tracks": str(_l("Khu vực không có: %(codes)s.", codes=", ".join(sorted(unknown))))})
    return tracks


def _apply_meta(version: CourseVersion, meta: CourseMeta) -> None:
    title = nfc(meta.title)
    if not title:
        raise ValidationError({"title": str(_l("Vui lòng nhập tên khóa học."))})
    _tracks(meta.track_codes)
    version.title = title
    version.search_key = fold(title)
    version.description = (meta.description or "").replace("\r\n", "\n").strip()
    version.track_codes = " ".join(meta.track_codes)
    version.reviewed_on = meta.reviewed_on
    version.sources = json.dumps(meta.sources, ensure_ascii=False)


def code_problem(code: str) -> str | None:
    """What is wrong with ``code`` for a new course (its form, or a course that has it), None when it can be used."""
    code = nfc(code or "").upper()
    if not _CODE.match(code):
        return str(_l("Mã khóa học chỉ gồm chữ in hoa không dấu, số, - và _ (2–60 ký tự)."))
    if db.session.scalar(select(Course.id).where(Course.code == code)):
        return str(_l("Mã khóa học %(code)s đã có.", code=code))
    return None


def create_course(code: str, meta: CourseMeta, owner) -> Course:
    problem = code_problem(code)
    if problem:
        raise ValidationError({"code": problem})
    code = nfc(code).upper()
    course = Course(code=code, owner_id=owner.id if owner else None)
    db.session.add(course)
    db.session.flush()
    version = CourseVersion(course_id=course.id, number=1, status=DRAFT)
    _apply_meta(version, meta)
    db.session.add(version)
    db.session.flush()
    return course


def latest(course: Course, status: str | None = None) -> CourseVersion | None:
    query = select(CourseVersion).where(CourseVersion.course_id == course.id)
    if status:
        query = query.where(CourseVersion.status == status)
    return db.session.scalar(query.order_by(CourseVersion.number.desc()).limit(1))


def draft_of(course: Course) -> CourseVersion:
    """The course's draft, created as a copy of the latest version when there is none (published versions are frozen)."""
    draft = latest(course, DRAFT)
    if draft is not None:
        return draft
    source = latest(course)
    draft = CourseVersion(
        course_id=course.id, number=source.number + 1, status=DRAFT, title=source.title, search_key=source.search_key,
        description=source.description, track_codes=source.track_codes, reviewed_on=source.reviewed_on,
        sources=source.sources,
    )
    db.session.add(draft)
    db.session.flush()
    for module in source.modules:
        copy = Module(version_id=draft.id, key=module.key, position=module.position, title=module.title,
                      content=module.content, duration_minutes=module.duration_minutes, is_common=module.is_common)
        copy.tracks = list(module.tracks)
        db.session.add(copy)
        copy_quiz = _copy_hooks.get("module")
        if copy_quiz:
            db.session.flush()
            copy_quiz(module, copy)
    for asset in source.assets:
        db.session.add(Asset(version_id=draft.id, filename=asset.filename, mime=asset.mime, blob_id=asset.blob_id))
    db.session.flush()
    db.session.refresh(draft)
    return draft


# Areas that hang data on modules (the quiz engine) register how to copy it into a new draft.
_copy_hooks: dict = {}


def register_copy_hook(kind: str, fn) -> None:
    _copy_hooks[kind] = fn


def _require_draft(version: CourseVersion) -> None:
    if version.status != DRAFT:
        raise ValidationError(str(_l("Phiên bản đã xuất bản không sửa được; hãy sửa bản nháp.")))


def update_meta(version: CourseVersion, meta: CourseMeta) -> CourseVersion:
    _require_draft(version)
    _apply_meta(version, meta)
    db.session.flush()
    return version


def _validate_module(data: ModuleData) -> tuple[str, list[Track]]:
    title = nfc(data.title)
    errors = {}
    if not title:
        errors["title"] = str(_l("Vui lòng nhập tên bài học."))
    if not (1 <= int(data.duration_minutes or 0) <= 240):
        errors["duration_minutes"] = str(_l("Thời lượng phải từ 1 đến 240 phút."))
    if errors:
        raise ValidationError(errors)
    return title, _tracks(data.track_codes)


def add_module(version: CourseVersion, data: ModuleData) -> Module:
    _require_draft(version)
    title, tracks = _validate_module(data)
    quiz = _checked_quiz(data, None, version)
    existing = set(db.session.scalars(select(Module.key).where(Module.version_id == version.id)))
    key = data.key or slugify(title)
    if data.key and not _FILENAME.match(data.key):
        raise ValidationError({"key": str(_l("Mã bài học không hợp lệ: %(key)s.", key=data.key))})
    base, n = key, 2
    while key in existing:
        if data.key:
            raise ValidationError({"key": str(_l("Mã bài học %(key)s đã có trong khóa học.", key=key))})
        key, n = f"{base}-{n}", n + 1
    position = (db.session.scalar(select(func.max(Module.position)).where(Module.version_id == version.id)) or 0) + 1
    module = Module(version_id=version.id, key=key, position=position, title=title,
                    content=nfc_text(data.content), duration_minutes=int(data.duration_minutes),
                    is_common=not tracks)
    module.tracks = tracks
    db.session.add(module)
    db.session.flush()
    _set_quiz(module, quiz)
    return module


def nfc_text(text: str) -> str:
    """Markdown as stored: NFC, LF line endings, one trailing newline (package files are the same bytes)."""
    import unicodedata

    text = unicodedata.normalize("NFC", text or "").replace("\r\n", "\n").replace("\r", "\n").translate({0xD0: 0x110})
    return text.rstrip("\n") + "\n" if text.strip() else ""


def update_module(module: Module, data: ModuleData) -> Module:
    _require_draft(module.version)
    title, tracks = _validate_module(data)
    quiz = _checked_quiz(data, module, module.version)
    module.title = title
    module.content = nfc_text(data.content)
    module.duration_minutes = int(data.duration_minutes)
    module.tracks = tracks
    module.is_common = not tracks
    db.session.flush()
    _set_quiz(module, quiz)
    return module


_NO_CHANGE = object()


def _checked_quiz(data: ModuleData, module: Module | None, version: CourseVersion):
    """The module's quiz file as ``data`` asks for it, checked as a package's quiz file is (every error
    with its line in the quiz box as the trainer typed it, ValidationError on ``quiz`` before anything is
    written), and its draw rules against the course's bank (errors as "Dòng n: message" on ``draws``): a
    transient ``ModuleQuizSource``, None to remove it, or ``_NO_CHANGE``."""
    from lms.quizzes.formats import detect_format
    from lms.quizzes.operations import draw_problems, format_draws, parse_draws, text_problems

    if data.quiz is None:
        return _NO_CHANGE
    typed = nfc_text(data.quiz)  # checked as typed, so that a line number is the box's, blank lines above included
    text = typed.strip()
    current = module.quiz_source if module is not None else None
    draws_text = nfc_text(data.draws) if data.draws is not None else (current.draws if current is not None else "")
    if not text:
        if draws_text.strip():
            raise ValidationError({"draws": str(_l("Câu hỏi rút ngẫu nhiên cần có bài kiểm tra: hãy viết ít nhất "
                                                   "một câu hỏi ở ô bài kiểm tra, hoặc xóa các dòng rút ngẫu nhiên."))})
        return None
    if not 1 <= int(data.pass_mark) <= 100:
        raise ValidationError({"pass_mark": str(_l("Điểm đạt phải là số phần trăm từ 1 đến 100."))})
    fmt = detect_format(text)
    key = module.key if module is not None else slugify(data.title)
    filename = current.filename if current is not None and current.format == fmt else f"{key}.{'gift' if fmt == 'gift' else 'txt'}"
    source = ModuleQuizSource(filename=filename, format=fmt, text=text + "\n", pass_mark=int(data.pass_mark),
                              draws=format_draws(parse_draws(draws_text)[0]))
    problems = text_problems(typed, fmt)  # the rules, canonical, are checked against the bank below
    if problems:
        raise ValidationError({"quiz": "; ".join(_quiz_box_problem(typed, line, message) for line, message in problems)})
    problems = draw_problems(version.course, source.text, fmt, draws_text)
    if problems:
        raise ValidationError({"draws": "; ".join(str(_l("Dòng %(n)s: %(message)s", n=line, message=message))
                                                  for line, message in problems)})
    return source


def _quiz_box_problem(typed: str, line: int, message: str) -> str:
    """A problem of the quiz box by its line, quoting the line's start: a textarea shows no line numbers,
    and on a phone one line of text wraps over several."""
    lines = typed.split("\n")
    text = lines[line - 1].strip() if 0 < line <= len(lines) else ""
    if not text:
        return str(_l("Ô bài kiểm tra, dòng %(n)s: %(message)s", n=line, message=message))
    if len(text) > 40:
        text = text[:39].rstrip() + "…"
    return str(_l("Ô bài kiểm tra, dòng %(n)s (“%(text)s”): %(message)s", n=line, text=text, message=message))


def check_quiz(version: CourseVersion, data: ModuleData, module: Module | None = None):
    """The quiz file that saving ``data`` would give the module (a transient ``ModuleQuizSource``, None
    for none or no change), checked as saving checks it (ValidationError): the form's preview."""
    source = _checked_quiz(data, module, version)
    return None if source is _NO_CHANGE else source


def _set_quiz(module: Module, source) -> None:
    if source is _NO_CHANGE:
        return
    current = module.quiz_source
    if source is None:
        if current is not None:
            db.session.delete(current)
    elif current is None:
        source.module_id = module.id
        db.session.add(source)
    else:
        current.filename, current.format, current.text, current.pass_mark, current.draws = (
            source.filename, source.format, source.text, source.pass_mark, source.draws)
    db.session.flush()
    db.session.expire(module, ["quiz_source", "has_quiz"])


def move_module(module: Module, offset: int) -> None:
    _require_draft(module.version)
    modules = list(module.version.modules)
    index = modules.index(module)
    target = index + offset
    if not 0 <= target < len(modules):
        return
    modules[index], modules[target] = modules[target], modules[index]
    for position, item in enumerate(modules, start=1):
        item.position = position
    db.session.flush()


def delete_module(module: Module) -> None:
    _require_draft(module.version)
    version = module.version
    db.session.delete(module)
    db.session.flush()
    for position, item in enumerate(sorted(version.modules, key=lambda m: m.position), start=1):
        item.position = position
    db.session.flush()


def catalogue_search_key(title: str, code: str, module_titles: list[str]) -> str:
    """What the catalogue's search reads of a published version: its title, the course's code and its
    lessons' titles, folded (a cadre looking for "đình công" finds the course whose lesson is on it)."""
    return fold(" ".join([title, code, *module_titles]))


def publish(version: CourseVersion) -> CourseVersion:
    """Freeze the draft. The previous published version stays for learners who started on it."""
    _require_draft(version)
    if not version.modules:
        raise ValidationError(str(_l("Khóa học chưa có bài học nào.")))
    check = _copy_hooks.get("publish_check")
    if check:
        check(version)
    previous = latest(version.course, PUBLISHED)
    if previous is not None:
        previous.status = ARCHIVED
    version.search_key = catalogue_search_key(version.title, version.course.code, [m.title for m in version.modules])
    version.status = PUBLISHED
    version.published_at = utcnow()
    db.session.flush()
    return version


def add_asset(version: CourseVersion, filename: str, data: bytes) -> Asset:
    _require_draft(version)
    filename = filename.strip().replace(" ", "-")
    if not _FILENAME.match(filename):
        raise ValidationError({"file": str(_l("Tên tệp chỉ gồm chữ không dấu, số, dấu chấm, - và _."))})
    mime = storage.sniff(data, filename)
    blob = storage.store(data)
    asset = db.session.scalar(select(Asset).where(Asset.version_id == version.id, Asset.filename == filename))
    if asset is None:
        asset = Asset(version_id=version.id, filename=filename, mime=mime, blob_id=blob.id)
        db.session.add(asset)
    else:
        asset.mime, asset.blob_id = mime, blob.id
    db.session.flush()
    return asset


def set_certificate_options(course: Course, template: str, hours: int | None, validity_months: int | None) -> None:
    """The course's certificate: which template plugin, the hours printed, how many months it stays valid."""
    course.certificate_template = template or "default"
    course.certificate_hours = hours or None
    course.validity_months = validity_months or None
    db.session.flush()


def set_authors(course: Course, users: list) -> None:
    """Make the co-authors exactly ``users`` (the owner is never a co-author): add and remove only what changed."""
    wanted = {u.id for u in users if u.id != course.owner_id}
    for author in list(course.authors):
        if author.user_id not in wanted:
            course.authors.remove(author)
    have = {a.user_id for a in course.authors}
    for user_id in sorted(wanted - have):
        course.authors.append(CourseAuthor(course_id=course.id, user_id=user_id))
    db.session.flush()


# -- the learner's side ------------------------------------------------------------------------

def visible_modules(version: CourseVersion, track: Track | None) -> list[Module]:
    return [m for m in version.modules if m.visible_to(track)]


def open_enrolment(cadre, course: Course) -> Enrolment | None:
    return db.session.scalar(
        select(Enrolment).where(Enrolment.cadre_id == cadre.id, Enrolment.course_id == course.id)
        .order_by(Enrolment.enrolled_at.desc(), Enrolment.id.desc()).limit(1)
    )


def enrol(cadre, course: Course, new_round: bool = False) -> Enrolment:
    """Enrol on the latest published version, or return the existing enrolment.

    ``new_round`` (a re-training cycle is due) starts a new enrolment after a completed one; the old
    enrolment, its certificate and record entry stay.
    """
    existing = open_enrolment(cadre, course)
    if existing is not None and not (new_round and existing.completed_at is not None):
        return existing
    version = latest(course, PUBLISHED)
    if version is None:
        raise ValidationError(str(_l("Khóa học chưa được xuất bản.")))
    if not visible_modules(version, cadre.track):
        raise ValidationError(str(_l("Khóa học không có bài học nào cho khu vực của bạn.")))
    enrolment = Enrolment(cadre_id=cadre.id, course_id=course.id, version_id=version.id)
    db.session.add(enrolment)
    db.session.flush()
    return enrolment


VISIT_REFRESH = dt.timedelta(minutes=5)


def record_visit(enrolment: Enrolment, module: Module) -> None:
    """Remember where the cadre is. Re-reading the same module writes at most every few minutes, so
    reading pages does not turn every GET into a database write."""
    now = utcnow()
    if enrolment.last_module_key == module.key and enrolment.last_seen_at and now - enrolment.last_seen_at < VISIT_REFRESH:
        return
    write_columns(enrolment, last_module_key=module.key, last_seen_at=now)


def complete_module(enrolment: Enrolment, module: Module) -> bool:
    """Mark a module done; returns True when this completed the course (every module of the cadre's track)."""
    progress = db.session.scalar(select(ModuleProgress).where(
        ModuleProgress.enrolment_id == enrolment.id, ModuleProgress.module_key == module.key))
    if progress is None:
        progress = ModuleProgress(enrolment_id=enrolment.id, module_key=module.key, completed_at=utcnow())
        db.session.add(progress)
    elif progress.completed_at is None:
        progress.completed_at = utcnow()
    db.session.flush()
    return check_completion(enrolment)


def done_keys(enrolment: Enrolment) -> set[str]:
    return set(db.session.scalars(select(ModuleProgress.module_key).where(
        ModuleProgress.enrolment_id == enrolment.id, ModuleProgress.completed_at.is_not(None))))


def check_completion(enrolment: Enrolment) -> bool:
    if enrolment.completed_at is not None:
        return False
    required = {m.key for m in visible_modules(enrolment.version, enrolment.cadre.track)}
    if required and required <= done_keys(enrolment):
        enrolment.completed_at = utcnow()
        db.session.flush()
        for listener in _completion_listeners:
            listener(enrolment)
        return True
    return False


_completion_listeners: list = []


def on_course_completed(fn):
    """Register a function called with the enrolment the moment a course is completed (certificates)."""
    _completion_listeners.append(fn)
    return fn


def move_learners(course: Course) -> int:
    """Move learners still in progress to the latest published version; their progress follows by module key."""
    target = latest(course, PUBLISHED)
    if target is None:
        return 0
    rows = db.session.scalars(select(Enrolment).where(
        Enrolment.course_id == course.id, Enrolment.completed_at.is_(None), Enrolment.version_id != target.id)).all()
    for enrolment in rows:
        enrolment.version_id = target.id
    db.session.flush()
    for enrolment in rows:
        db.session.refresh(enrolment)
        check_completion(enrolment)
    return len(rows)
