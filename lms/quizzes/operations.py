"""Writes for quizzes: the question bank, building quizzes from quiz files, attempts and grading.

Operations flush; the request (or command) commits once. Every function that depends on the time
takes ``now`` (default: :func:`lms.core.db.utcnow`) so that deadlines can be tested without waiting.

Concurrency: submitting is one conditional ``UPDATE attempts SET state='submitted' … WHERE
state='in_progress'``; only the transaction whose row count is 1 grades, so a double click, two tabs
or fifty requests grade an attempt exactly once. Saving an answer first locks the attempt's row
(``SELECT … FOR UPDATE`` on PostgreSQL; SQLite serialises writers by itself), so an answer can never
be written after the submission that graded the attempt.
"""
from __future__ import annotations

import datetime as dt
import functools
import hashlib
import json
import random
import re
import secrets
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy import Integer, and_, bindparam, func, or_, select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import joinedload
from sqlalchemy.orm.attributes import set_committed_value

from lms.core import db as core_db
from lms.core.db import db
from lms.core.errors import ValidationError
from lms.core.i18n import _
from lms.core.text import fold
from lms.courses import operations as course_operations
from lms.courses.models import DRAFT, Course, CourseVersion, Enrolment, Module, ModuleQuizSource
from lms.quizzes.formats import parse
from lms.quizzes.models import (
    FEEDBACK_WHEN, GRADED, GRADING_METHODS, IN_PROGRESS, NEEDS_GRADING, REVIEW_WHEN, SUBMITTED, Attempt,
    AttemptAnswer, Question, QuestionCategory, Quiz, QuizSlot, _dumps,
)
from lms.quizzes.types import question_type

COMMON_KEYS = ("type", "name", "text", "text_format", "category", "general_feedback", "line")
COURSE_CATEGORY_PREFIX = "$course$"


class AttemptClosed(Exception):
    """An answer or a submission arrived for an attempt that is no longer open (HTTP 409)."""

    def __init__(self, message: str, attempt: Attempt):
        self.message = message
        self.attempt = attempt
        super().__init__(message)


# -- the question bank ---------------------------------------------------------------------------

def category_parts(path: str | None) -> list[str]:
    """The names along a category path ("$course$/Luật/ Điều lệ" → ["Luật", "Điều lệ"])."""
    parts = [p.strip() for p in (path or "").split("/") if p.strip()]
    if parts and parts[0] == COURSE_CATEGORY_PREFIX:
        parts = parts[1:]
    return parts


def _course_category_parts(course: Course, path: str | None) -> list[str]:
    """The names along ``path`` in the course's bank: no path is the course's own category (its code)."""
    return category_parts(path) or [course.code]


def ensure_category(course: Course, path: str | None) -> QuestionCategory:
    """The category at ``path`` ("$course$/Luật/Điều lệ", "Luật/Điều lệ"), created as needed.

    No path means the course's own category, named after the course code.
    """
    parts = _course_category_parts(course, path)
    parent = None
    for name in parts:
        query = select(QuestionCategory).where(QuestionCategory.course_id == course.id, QuestionCategory.name == name)
        query = query.where(QuestionCategory.parent_id.is_(None) if parent is None else QuestionCategory.parent_id == parent.id)
        category = db.session.scalar(query)
        if category is None:
            category = QuestionCategory(course_id=course.id, name=name[:300], parent_id=parent.id if parent else None)
            db.session.add(category)
            db.session.flush()
        parent = category
    return parent


def category_path(category: QuestionCategory) -> str:
    names = []
    node = category
    while node is not None:
        names.append(node.name)
        node = node.parent
    return "/".join(reversed(names))


# -- random questions: a quiz's draw rules ("3 Luật Công đoàn/Chương 1", one a line) ----------------

MAX_DRAW = 100
_DRAW_LINE = re.compile(r"^(\d+)\s+(\S.*)$")


@dataclass(frozen=True)
class Draw:
    """``count`` questions drawn at random, for each attempt, from the category at ``category``."""

    count: int
    category: str  # the path as the bank shows it, "Luật Công đoàn/Chương 1"
    line: int


def parse_draws(text: str | None, line_numbers: list[int] | None = None) -> tuple[list[Draw], list[tuple[int, str]]]:
    """The draw rules of ``text`` and the problems of its lines, as (line number, message).

    ``line_numbers``: the number to report for each line of ``text`` (a course package's manifest
    line of each item), instead of its own.
    """
    draws: list[Draw] = []
    problems: list[tuple[int, str]] = []
    seen: dict[str, int] = {}
    for index, raw in enumerate((text or "").splitlines()):
        number = line_numbers[index] if line_numbers else index + 1
        line = raw.strip()
        if not line:
            continue
        match = _DRAW_LINE.match(line)
        path = "/".join(category_parts(match.group(2))) if match else ""
        if not match or not path:
            problems.append((number, _("cần ghi số câu rồi tên danh mục, ví dụ “3 Luật Công đoàn/Chương 1”")))
            continue
        count = int(match.group(1))
        if not 1 <= count <= MAX_DRAW:
            problems.append((number, _("số câu rút ngẫu nhiên phải từ 1 đến %(n)s", n=MAX_DRAW)))
        elif path in seen:
            problems.append((number, _("danh mục “%(c)s” đã có ở dòng %(n)s", c=path, n=seen[path])))
        else:
            seen[path] = number
            draws.append(Draw(count, path, number))
    return draws, problems


def format_draws(draws: list[Draw]) -> str:
    """The rules as stored and as a course package writes them: one "<count> <path>" a line."""
    return "".join(f"{d.count} {d.category}\n" for d in draws)


def draw_problems(course: Course, text: str, fmt: str, draws_text: str) -> list[tuple[int, str]]:
    """The problems of a module's draw rules against the course's bank and its quiz file, by line.

    A rule's pool is the bank's questions of its category together with the quiz file's questions
    of that category (those are drawn, not fixed); a description is never drawn.
    """
    draws, problems = parse_draws(draws_text)
    return sorted(problems + pool_problems(course.code, course.id, text, fmt, draws), key=lambda problem: problem[0])


def parsed_category_path(parsed: dict, code: str) -> str:
    """The bank path of a quiz file's question, as draw rules name it; no $CATEGORY is the course's own
    category ``code`` (what :func:`ensure_category` stores it under)."""
    return "/".join(category_parts(parsed.get("category")) or [code])


def is_drawn(parsed: dict, draws: list[Draw], code: str) -> bool:
    """Whether a quiz file's question joins a draw rule's pool (its category has a rule) rather than
    being fixed in every attempt: publishing builds the quiz this way, and the preview shows it so."""
    return parsed_category_path(parsed, code) in {draw.category for draw in draws}


def pool_problems(code: str, course_id: int | None, text: str, fmt: str, draws: list[Draw]) -> list[tuple[int, str]]:
    """Each rule of ``draws`` whose category, in the bank of the course ``course_id`` (None: a course not
    created yet) together with the quiz file ``text``, is missing or has too few questions, as
    (the rule's line, message). ``code`` names the course's own category (questions without a category)."""
    if not draws:
        return []
    pools: dict[str, set] = {}
    if course_id is not None:
        for category in db.session.scalars(select(QuestionCategory).where(QuestionCategory.course_id == course_id)):
            pools.setdefault(category_path(category), set())
        for question in db.session.scalars(
                select(Question).options(joinedload(Question.category))
                .where(Question.course_id == course_id, Question.type != "description")):
            pools.setdefault(category_path(question.category), set()).add(_stored_content(question))
    for parsed in parse(text, fmt).questions:
        if parsed["type"] == "description":
            continue
        data, _problems = data_from_parsed(parsed)
        pools.setdefault(parsed_category_path(parsed, code), set()).add(_parsed_content(parsed, data))
    problems = []
    folded = {" ".join(fold(path).split()): path for path in pools}
    for draw in draws:
        if draw.category not in pools:
            # typed without its accents or capitals (as on a phone): name the category meant
            meant = folded.get(" ".join(fold(draw.category).split()))
            if meant is not None:
                problems.append((draw.line, _("danh mục “%(c)s” không có; viết đúng tên như trong ngân hàng câu hỏi: "
                                              "“%(meant)s”", c=draw.category, meant=meant)))
                continue
            if course_id is None:  # a package creating its course: a bank's questions do not come with it
                problems.append((draw.line, _("danh mục “%(c)s” không có trong tệp bài kiểm tra, và khóa học mới chưa "
                                              "có ngân hàng câu hỏi: đưa câu hỏi của danh mục vào tệp bài kiểm tra "
                                              "(sau dòng $CATEGORY: %(c)s)", c=draw.category)))
                continue
            problems.append((draw.line, _("danh mục “%(c)s” không có trong ngân hàng câu hỏi của khóa học "
                                          "hay trong tệp bài kiểm tra", c=draw.category)))
        elif len(pools[draw.category]) < draw.count:
            problems.append((draw.line, _("danh mục “%(c)s” chỉ có %(have)s câu hỏi, không đủ để rút %(n)s câu",
                                          c=draw.category, have=len(pools[draw.category]), n=draw.count)))
    return problems


def data_from_parsed(parsed: dict) -> tuple[dict, list[str]]:
    """(type data, problems) for one question of the GIFT/Aiken JSON.

    A type that is not installed keeps the format's own keys, so installing it later makes the
    question usable without importing it again.
    """
    cls = question_type(parsed["type"])
    if cls is None:
        return {k: v for k, v in parsed.items() if k not in COMMON_KEYS}, []
    data = cls.from_parsed(parsed)
    return data, list(cls.validate(data))


def default_mark_for(type_name: str) -> float:
    cls = question_type(type_name)
    if type_name == "description" or (cls is not None and not cls.answerable):
        return 0.0
    return 1.0


@dataclass
class ImportPreview:
    """What a question file would add to the bank: every question, and every problem with its line."""

    format: str
    questions: list[dict] = field(default_factory=list)
    errors: list[dict] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return not self.errors and bool(self.questions)


def preview_questions(text: str | bytes, fmt: str) -> ImportPreview:
    """Parse a question file and check every question against its type (nothing is written)."""
    result = parse(text, fmt)
    preview = ImportPreview(result.format, errors=[dict(e) for e in result.errors])
    for parsed in result.questions:
        data, problems = data_from_parsed(parsed)
        line = parsed.get("line") or 0
        for problem in problems:
            preview.errors.append({"line": line, "message": _("Dòng %(n)s: %(message)s", n=line, message=problem)})
        preview.questions.append({**parsed, "data": data, "installed": question_type(parsed["type"]) is not None})
    preview.errors.sort(key=lambda e: e["line"])
    return preview


def _parsed_content(parsed: dict, data: dict) -> tuple:
    """What makes a parsed question the same as a stored one (:func:`_stored_content`), category aside."""
    return (parsed["type"], parsed.get("name"), parsed.get("text") or "", parsed.get("text_format") or "moodle",
            _dumps(data), parsed.get("general_feedback") or "")


def _stored_content(question: Question) -> tuple:
    return (question.type, question.name, question.text, question.text_format, _dumps(question.payload),
            question.general_feedback)


def question_from_parsed(parsed: dict, data: dict, **columns) -> Question:
    """A question of the GIFT/Aiken JSON with its type ``data`` (:func:`data_from_parsed`) as the bank
    stores it; transient (the preview of a quiz file shows it without storing it)."""
    return Question(type=parsed["type"], name=parsed.get("name"), text=parsed.get("text") or "",
                    text_format=parsed.get("text_format") or "moodle", data=_dumps(data),
                    general_feedback=parsed.get("general_feedback") or "", default_mark=default_mark_for(parsed["type"]),
                    **columns)


def add_questions(course: Course, parsed_questions: list[dict], default_category: str | None = None,
                  reuse: bool = False) -> list[Question]:
    """Store parsed questions in the course's bank (category per ``$CATEGORY``, else ``default_category``).

    With ``reuse``, a question identical to one already in the same category is not stored twice
    (publishing the same quiz file again does not grow the bank).
    """
    existing: dict[tuple, Question] = {}
    if reuse:
        for question in db.session.scalars(select(Question).where(Question.course_id == course.id)):
            existing.setdefault((question.category_id, *_stored_content(question)), question)
    stored = []
    categories: dict[str | None, QuestionCategory] = {}
    for parsed in parsed_questions:
        path = parsed.get("category") or default_category
        if path not in categories:
            categories[path] = ensure_category(course, path)
        category = categories[path]
        data, _problems = data_from_parsed(parsed)
        key = (category.id, *_parsed_content(parsed, data))
        question = existing.get(key)
        if question is None:
            question = question_from_parsed(parsed, data, course_id=course.id, category_id=category.id)
            db.session.add(question)
            existing[key] = question
        stored.append(question)
    db.session.flush()
    return stored


def import_questions(course: Course, text: str | bytes, fmt: str) -> list[Question]:
    """All or nothing: the file's questions go into the bank only when the file has no error at all."""
    preview = preview_questions(text, fmt)
    if preview.errors:
        raise ValidationError({f"line{i}": e["message"] for i, e in enumerate(preview.errors)})
    if not preview.questions:
        raise ValidationError({"text": _("Tệp không có câu hỏi nào.")})
    return add_questions(course, preview.questions)


def export_questions(questions: list[Question]) -> list[dict]:
    """The GIFT/Aiken JSON of stored questions (types that are not installed keep their stored keys)."""
    out = []
    for question in questions:
        parsed = parsed_of(question)
        del parsed["installed"]
        out.append({**parsed, "category": f"{COURSE_CATEGORY_PREFIX}/{category_path(question.category)}"})
    return out


def parsed_of(question: Question) -> dict:
    """A stored question as the GIFT/Aiken JSON the import preview shows (keys included: trainers only)."""
    cls = question_type(question.type)
    data = question.payload
    return {"type": question.type, "name": question.name, "text": question.text, "text_format": question.text_format,
            "general_feedback": question.general_feedback, "installed": cls is not None,
            **(cls.to_parsed(data) if cls is not None else data)}


@dataclass
class QuestionUsage:
    """Where a bank question is used: the quizzes that hold it or draw from its category, and its answers."""

    fixed: list[tuple[str, int]]   # (lesson title, version number) of quizzes holding it in a fixed place
    drawn: list[tuple[str, int, int]]  # (lesson title, version number, questions drawn) from its category
    answers: int


def question_usage(question: Question) -> QuestionUsage:
    """:class:`QuestionUsage` of ``question`` (2 queries: the page shows it, deleting reads it)."""
    rows = db.session.execute(
        select(Module.title, CourseVersion.number, QuizSlot.question_id, QuizSlot.count).select_from(QuizSlot)
        .join(Quiz, Quiz.id == QuizSlot.quiz_id).join(Module, Module.id == Quiz.module_id)
        .join(CourseVersion, CourseVersion.id == Module.version_id)
        .where(or_(QuizSlot.question_id == question.id,
                   and_(QuizSlot.question_id.is_(None), QuizSlot.category_id == question.category_id)))
        .order_by(CourseVersion.number, Module.position)).all()
    answers = db.session.scalar(select(func.count(AttemptAnswer.id)).where(AttemptAnswer.question_id == question.id))
    return QuestionUsage(fixed=[(r.title, r.number) for r in rows if r.question_id is not None],
                         drawn=[(r.title, r.number, r.count) for r in rows if r.question_id is None], answers=answers or 0)


def delete_question(question: Question) -> None:
    """Remove a question from its course's bank, refused (nothing changes) while anything needs it:
    attempts that answered it (their review shows it), a quiz that holds it in a fixed place, or a draw
    rule of a quiz whose category would then hold too few questions for it."""
    usage = question_usage(question)
    if usage.answers:
        raise ValidationError(_("Câu hỏi đã được trả lời %(n)s lần trong các lần làm bài: không xóa được, vì học viên "
                                "và giảng viên còn xem lại bài làm có câu này.", n=usage.answers))
    if usage.fixed:
        title, number = usage.fixed[0]
        raise ValidationError(_("Câu hỏi nằm trong bài kiểm tra của bài học “%(m)s” (phiên bản %(v)s): không xóa được. "
                                "Bỏ câu hỏi khỏi tệp bài kiểm tra của bài học rồi xuất bản phiên bản mới.",
                                m=title, v=number))
    if question.type != "description" and usage.drawn:
        left = db.session.scalar(select(func.count(Question.id)).where(
            Question.category_id == question.category_id, Question.type != "description")) - 1
        short = next(((title, count) for title, _number, count in usage.drawn if count > left), None)
        if short is not None:
            raise ValidationError(_("Bài kiểm tra của bài học “%(m)s” rút %(n)s câu từ danh mục “%(c)s”: xóa câu này thì "
                                    "danh mục chỉ còn %(left)s câu, không đủ để rút.", m=short[0], n=short[1],
                                    c=category_path(question.category), left=left))
    db.session.delete(question)
    db.session.flush()


# -- quizzes built from a module's quiz file -----------------------------------------------------

def _source_digest(source: ModuleQuizSource) -> str:
    draws = f"\n{source.draws}" if source.draws else ""  # quizzes built before draw rules keep their digest
    return hashlib.sha256(f"{source.format}\n{source.text}{draws}".encode()).hexdigest()


def text_problems(text: str, fmt: str) -> list[tuple[int, str]]:
    """Every problem of a quiz file's text as (line, message without its "Dòng n: "), empty when it can be
    used; callers say where the line is (a package's file, the module form's quiz box). ValueError for
    an unknown format."""
    preview = preview_questions(text, fmt)
    problems = []
    for error in preview.errors:
        line = error["line"]
        # the reader's messages start with "Dòng n: " in the page's language ("Line n: " in English)
        problems.append((line, re.sub(rf"^[^:]*\b{line}: ", "", error["message"], count=1)))
    if not preview.errors and not preview.questions:
        problems.append((1, _("tệp bài kiểm tra không có câu hỏi nào")))
    return problems


def source_problems(source: ModuleQuizSource, course: Course | None = None) -> list[str]:
    """Every problem of a module's quiz file as "file:line: message" (empty when it can be used), and,
    given the course, of its draw rules against the course's bank."""
    try:
        messages = [f"{source.filename}:{line}: {message}" for line, message in text_problems(source.text, source.format)]
    except ValueError as exc:  # an unknown format
        return [f"{source.filename}: {exc}"]
    if not messages and source.draws:
        problems = draw_problems(course, source.text, source.format, source.draws) if course is not None \
            else parse_draws(source.draws)[1]
        messages.extend(_("%(file)s: câu hỏi rút ngẫu nhiên, dòng %(n)s: %(message)s",
                          file=source.filename, n=line, message=message) for line, message in problems)
    return messages


def sync_quiz_from_source(module: Module) -> Quiz | None:
    """Build (or bring up to date) the module's quiz from its quiz file: questions, fixed slots, pass mark.

    Policies a trainer set on the quiz (time limit, attempts…) are kept. Raises ValidationError with
    "file:line: message" entries when the file has errors. Returns None for a module without a quiz file.
    """
    source = db.session.scalar(select(ModuleQuizSource).where(ModuleQuizSource.module_id == module.id))
    if source is None:
        return None
    course = module.version.course
    problems = source_problems(source, course)
    if problems:
        raise ValidationError({f"quiz{i}": p for i, p in enumerate(problems)})
    quiz = db.session.scalar(select(Quiz).where(Quiz.module_id == module.id))
    if quiz is None:
        quiz = Quiz(module_id=module.id)
        previous = _previous_quiz(module)
        if previous is not None:  # a module made anew (a re-uploaded package) keeps the trainer's policies
            for column in QUIZ_POLICIES:
                setattr(quiz, column, getattr(previous, column))
        db.session.add(quiz)
    quiz.pass_mark = source.pass_mark
    digest = _source_digest(source)
    if quiz.source_sha256 == digest and quiz.slots:
        db.session.flush()
        return quiz
    parsed = parse(source.text, source.format).questions
    questions = add_questions(course, parsed, reuse=True)
    rules = parse_draws(source.draws)[0]
    draws = {ensure_category(course, d.category).id: d for d in rules}
    # the others are drawn with their category
    fixed = [q for q, p in zip(questions, parsed) if not is_drawn(p, rules, course.code)]
    quiz.slots.clear()
    db.session.flush()
    quiz.slots.extend(QuizSlot(position=i, question_id=q.id, count=1) for i, q in enumerate(fixed, start=1))
    quiz.slots.extend(QuizSlot(position=i, category_id=category_id, count=draw.count)
                      for i, (category_id, draw) in enumerate(draws.items(), start=len(fixed) + 1))
    quiz.source_sha256 = digest
    db.session.flush()
    return quiz


#: What a trainer sets on a quiz beyond its quiz file; a new draft and a re-uploaded package keep them.
QUIZ_POLICIES = ("max_attempts", "grading_method", "time_limit_minutes", "feedback_when", "review_when", "closes_at",
                 "shuffle_questions", "shuffle_options", "questions_per_page")


def _previous_quiz(module: Module) -> Quiz | None:
    """The quiz of the same module (same key) in the course's latest earlier version, if any."""
    return db.session.scalar(
        select(Quiz).join(Module, Quiz.module_id == Module.id).join(CourseVersion, Module.version_id == CourseVersion.id)
        .where(CourseVersion.course_id == module.version.course_id, Module.key == module.key,
               CourseVersion.number < module.version.number)
        .order_by(CourseVersion.number.desc()).limit(1))


def check_and_build_quizzes(version: CourseVersion) -> None:
    """The publish check: every quiz file of the version is valid, then every quiz is built."""
    modules = list(db.session.scalars(select(Module).where(Module.version_id == version.id).order_by(Module.position)))
    sources = {s.module_id: s for s in db.session.scalars(
        select(ModuleQuizSource).where(ModuleQuizSource.module_id.in_([m.id for m in modules])))} if modules else {}
    problems = []
    for module in modules:
        if module.id in sources:
            problems.extend(source_problems(sources[module.id], version.course))
    if problems:
        raise ValidationError({f"quiz{i}": p for i, p in enumerate(problems)})
    for module in modules:
        if module.id in sources:
            sync_quiz_from_source(module)


def copy_quiz(old_module: Module, new_module: Module) -> None:
    """Copy hook: a new draft's module gets the quiz of the module it was copied from (same questions)."""
    quiz = db.session.scalar(select(Quiz).where(Quiz.module_id == old_module.id))
    if quiz is None:
        return
    copy = Quiz(module_id=new_module.id)
    for column in ("pass_mark", *QUIZ_POLICIES, "source_sha256"):
        setattr(copy, column, getattr(quiz, column))
    copy.slots = [QuizSlot(position=s.position, question_id=s.question_id, category_id=s.category_id, count=s.count)
                  for s in quiz.slots]
    db.session.add(copy)
    db.session.flush()


def _chain(kind: str, fn) -> None:
    """Register ``fn`` for ``kind``, calling any function already registered there first.

    The course area keeps one hook per kind; the course-package code registers its own "module"
    hook (copying the quiz file), so ours wraps it instead of replacing it.
    """
    previous = course_operations._copy_hooks.get(kind)
    if previous is not None and getattr(previous, "_quiz_engine", False):
        return  # already chained (module imported twice)

    def hook(*args):
        if previous is not None:
            previous(*args)
        fn(*args)

    hook._quiz_engine = True
    course_operations.register_copy_hook(kind, hook)


def register_hooks() -> None:
    import lms.courses.packaging  # noqa: F401,I001  (registers its "module" hook first, so that ours wraps it)

    _chain("module", copy_quiz)
    _chain("publish_check", check_and_build_quizzes)


register_hooks()


# -- quiz policies --------------------------------------------------------------------------------

@dataclass
class QuizSettings:
    pass_mark: int = 70
    max_attempts: int = 0
    grading_method: str = "highest"
    time_limit_minutes: int | None = None
    feedback_when: str = "immediately"
    review_when: str = "after_submit"
    closes_at: dt.datetime | None = None
    shuffle_questions: bool = False
    shuffle_options: bool = True
    questions_per_page: int = 5


def update_settings(quiz: Quiz, settings: QuizSettings) -> Quiz:
    """Set the quiz's policies.

    The pass mark is also the module's (its quiz file's, as the module form and a course package give
    it): it is written there too, so that the package export and the next version keep it. A draft
    made before the change has its own copy of the quiz, published later: each setting it still has
    as it was follows the change (a draft's own changes stand), instead of coming back at publishing.
    """
    errors = {}
    if not 1 <= settings.pass_mark <= 100:
        errors["pass_mark"] = _("Điểm đạt phải là số phần trăm từ 1 đến 100.")
    if settings.max_attempts < 0:
        errors["max_attempts"] = _("Số lần làm bài không được âm (0 là không giới hạn).")
    if settings.time_limit_minutes is not None and not 1 <= settings.time_limit_minutes <= 600:
        errors["time_limit_minutes"] = _("Thời gian làm bài phải từ 1 đến 600 phút.")
    if not 1 <= settings.questions_per_page <= 100:
        errors["questions_per_page"] = _("Số câu mỗi trang phải từ 1 đến 100.")
    if settings.grading_method not in GRADING_METHODS or settings.feedback_when not in FEEDBACK_WHEN \
            or settings.review_when not in REVIEW_WHEN:
        errors[""] = _("Lựa chọn không hợp lệ.")
    if errors:
        raise ValidationError(errors)
    _carry_settings(quiz, settings)
    for name, value in vars(settings).items():
        setattr(quiz, name, value)
    db.session.flush()
    return quiz


def _carry_settings(quiz: Quiz, settings: QuizSettings) -> None:
    """Write the settings that change to the quiz file of the quiz's module (the pass mark) and to the
    same module (same key) of the course's draft, where that still has the quiz's old value."""
    changed = {name: value for name, value in vars(settings).items() if getattr(quiz, name) != value}
    if not changed:
        return
    module = db.session.get(Module, quiz.module_id)
    same_module = (select(Module.id).join(CourseVersion, Module.version_id == CourseVersion.id)
                   .where(CourseVersion.course_id == module.version.course_id, Module.key == module.key,
                          CourseVersion.status == DRAFT, Module.id != module.id))
    drafts = list(db.session.scalars(select(Quiz).where(Quiz.module_id.in_(same_module))))
    for draft in drafts:
        for name, value in changed.items():
            if getattr(draft, name) == getattr(quiz, name):
                setattr(draft, name, value)
    if "pass_mark" in changed:
        for source in db.session.scalars(select(ModuleQuizSource).where(
                ModuleQuizSource.module_id.in_(same_module) | (ModuleQuizSource.module_id == module.id))):
            if source.module_id == module.id or source.pass_mark == quiz.pass_mark:
                source.pass_mark = changed["pass_mark"]


# -- attempts -------------------------------------------------------------------------------------

def open_attempt(quiz: Quiz, cadre) -> Attempt | None:
    return db.session.scalar(select(Attempt).where(
        Attempt.quiz_id == quiz.id, Attempt.cadre_id == cadre.id, Attempt.state == IN_PROGRESS
    ).order_by(Attempt.number.desc()).limit(1))


def attempts_used(quiz: Quiz, cadre) -> int:
    return db.session.scalar(select(func.count(Attempt.id)).where(
        Attempt.quiz_id == quiz.id, Attempt.cadre_id == cadre.id)) or 0


def can_start_new(quiz: Quiz, cadre, now: dt.datetime | None = None) -> str | None:
    """None when the cadre may start a new attempt now, else the reason (Vietnamese)."""
    now = now or core_db.utcnow()
    if quiz.is_closed(now):
        return _("Bài kiểm tra đã đóng.")
    if quiz.max_attempts and attempts_used(quiz, cadre) >= quiz.max_attempts:
        return _("Bạn đã dùng hết %(n)s lần làm bài.", n=quiz.max_attempts)
    return None


def build_layout(quiz: Quiz, rng: random.Random) -> list[list[int]]:
    """The questions of one attempt: fixed slots in order, random picks from categories, shuffled if asked."""
    used = {s.question_id for s in quiz.slots if s.question_id is not None}
    items: list[list[int]] = []
    for slot in quiz.slots:
        if slot.question_id is not None:
            items.append([slot.position, slot.question_id])
        elif slot.category_id is not None and slot.count > 0:
            pool = [qid for qid in db.session.scalars(
                select(Question.id).where(Question.category_id == slot.category_id, Question.type != "description")
                .order_by(Question.id)) if qid not in used]
            picked = rng.sample(pool, min(slot.count, len(pool)))
            used.update(picked)
            items.extend([slot.position, qid] for qid in picked)
    if quiz.shuffle_questions:
        rng.shuffle(items)
    return items


_UNKNOWN: Any = object()


def start_attempt(quiz: Quiz, cadre, enrolment: Enrolment | None = None, now: dt.datetime | None = None,
                  rng: random.Random | None = None, current: Attempt | None = _UNKNOWN) -> Attempt:
    """Resume the cadre's open attempt, or start a new one with its layout and option order fixed now.

    ``current``: the cadre's open attempt (or None) when the caller has just looked it up in this
    transaction (:func:`open_attempt`), to spare a second look.
    """
    now = now or core_db.utcnow()
    if current is _UNKNOWN:
        current = open_attempt(quiz, cadre)
    if current is not None:
        finish_if_overdue(current, now)
        if current.state == IN_PROGRESS:
            return current
    reason = can_start_new(quiz, cadre, now)
    if reason:
        raise ValidationError(reason)
    rng = rng or random.Random(secrets.randbits(64))
    layout = build_layout(quiz, rng)
    if not layout:
        raise ValidationError(_("Bài kiểm tra chưa có câu hỏi nào."))
    questions = {q.id: q for q in db.session.scalars(select(Question).where(Question.id.in_([i[1] for i in layout])))}
    number = (db.session.scalar(select(func.max(Attempt.number)).where(
        Attempt.quiz_id == quiz.id, Attempt.cadre_id == cadre.id)) or 0) + 1
    deadline = None
    if quiz.time_limit_minutes:
        deadline = now + dt.timedelta(minutes=quiz.time_limit_minutes)
    if quiz.closes_at is not None:
        deadline = min(deadline, quiz.closes_at) if deadline else quiz.closes_at
    attempt = Attempt(quiz_id=quiz.id, cadre_id=cadre.id, enrolment_id=enrolment.id if enrolment else None,
                      number=number, state=IN_PROGRESS, started_at=now, deadline_at=deadline, layout=json.dumps(layout))
    for position, (_slot, question_id) in enumerate(layout, start=1):
        question = questions[question_id]
        cls = question_type(question.type)
        state = cls.prepare(question.payload, rng, quiz.shuffle_options) if cls is not None else {}
        attempt.answers.append(AttemptAnswer(position=position, question_id=question_id, state=_dumps(state),
                                             max_mark=question.default_mark))
    try:
        with db.session.begin_nested():
            db.session.add(attempt)
            db.session.flush()
    except IntegrityError:  # another tab started the same attempt at the same moment
        current = open_attempt(quiz, cadre)
        if current is None:
            raise
        return current
    return attempt


def finish_if_overdue(attempt: Attempt, now: dt.datetime | None = None) -> bool:
    """Submit an open attempt whose deadline has passed (the server's clock decides). True when it did."""
    now = now or core_db.utcnow()
    if attempt.is_overdue(now):
        return submit_attempt(attempt, now)
    return False


_ATTEMPT_COLUMNS = [c.key for c in Attempt.__table__.columns]


def save_answer(attempt: Attempt, position: int, form, now: dt.datetime | None = None,
                locked: bool = False, answer: AttemptAnswer | None = None) -> AttemptAnswer:
    """Store the response to one question from submitted form fields (``q<position>-…``).

    Raises AttemptClosed once the attempt is submitted or its deadline has passed (the attempt is
    then submitted, with the answers saved before the deadline). ``locked``: the attempt was loaded
    in this transaction with its row lock (``FOR UPDATE``), so what it says is current. ``answer``:
    the answer at ``position`` with its question, loaded in that same statement (the autosave).
    """
    now = now or core_db.utcnow()
    if not locked:
        # Wait for a submission under way, then see it: lock the row and re-read its own columns only
        # (the attempt may have been loaded with its quiz, module and course joined, and PostgreSQL
        # refuses FOR UPDATE on the nullable side of an outer join).
        db.session.refresh(attempt, attribute_names=_ATTEMPT_COLUMNS, with_for_update=True)
    if attempt.state != IN_PROGRESS:
        raise AttemptClosed(_("Bài làm đã nộp; câu trả lời không được lưu thêm."), attempt)
    if attempt.is_overdue(now):
        submit_attempt(attempt, now)
        raise AttemptClosed(_("Đã hết giờ làm bài: câu trả lời gửi sau giờ không được lưu, bài đã được nộp tự động."),
                            attempt)
    if answer is None:
        answer = db.session.scalar(answer_at_statement(), {"attempt_id": attempt.id, "position": position})
    if answer is None:
        raise ValidationError({"position": _("Không có câu hỏi này trong bài làm.")})
    cls = question_type(answer.question.type)
    if cls is None or not cls.answerable:
        return answer
    response = cls.parse_response(answer.question.payload, answer.state_data, form, prefix_for(position))
    core_db.write_columns(answer, response=None if response is None else _dumps(response), saved_at=now)
    return answer


@functools.cache
def answer_at_statement():
    """The answer at ``position`` of attempt ``attempt_id`` with its question (built once: every autosave)."""
    return select(AttemptAnswer).options(joinedload(AttemptAnswer.question)).where(
        AttemptAnswer.attempt_id == bindparam("attempt_id", type_=Integer),
        AttemptAnswer.position == bindparam("position", type_=Integer))


def prefix_for(position: int) -> str:
    """The form-field prefix of the question at ``position`` (the type's fields are ``q3-…``)."""
    return f"q{position}-"


def submit_attempt(attempt: Attempt, now: dt.datetime | None = None) -> bool:
    """Finish the attempt and grade it. Exactly one call wins; the others return False and change nothing."""
    now = now or core_db.utcnow()
    submitted_at = min(now, attempt.deadline_at) if attempt.deadline_at else now
    result = db.session.execute(
        update(Attempt).where(Attempt.id == attempt.id, Attempt.state == IN_PROGRESS)
        .values(state=SUBMITTED, submitted_at=submitted_at)
        .execution_options(synchronize_session=False)
    )
    if result.rowcount != 1:
        db.session.refresh(attempt)
        return False
    # Won: the row is what this transaction loaded plus these two columns, since nothing but a
    # submission writes an open attempt's row; tell the loaded object instead of reading it again.
    set_committed_value(attempt, "state", SUBMITTED)
    set_committed_value(attempt, "submitted_at", submitted_at)
    _grade(attempt, now)
    return True


def _grade(attempt: Attempt, now: dt.datetime) -> None:
    """Grade every automatic question of a just-submitted attempt; manual ones wait for a trainer."""
    answers = db.session.scalars(
        select(AttemptAnswer).where(AttemptAnswer.attempt_id == attempt.id).order_by(AttemptAnswer.position)
        .options(joinedload(AttemptAnswer.question)).execution_options(populate_existing=True)
    ).all()
    for answer in answers:
        if answer.max_mark <= 0:
            continue
        cls = question_type(answer.question.type)
        response = answer.response_data
        if cls is None or cls.manual:
            if cls is not None and response is None:
                _set_fraction(answer, 0.0, now)  # nothing written: nothing to grade by hand
            continue
        fraction = cls.grade(answer.question.payload, response) if response is not None else 0.0
        _set_fraction(answer, 0.0 if fraction is None else fraction, now)
    db.session.flush()
    _finalise(attempt, now, answers)


def _set_fraction(answer: AttemptAnswer, fraction: float, now: dt.datetime, grader=None) -> None:
    fraction = max(0.0, min(1.0, float(fraction)))
    answer.fraction = fraction
    answer.mark = round(fraction * answer.max_mark, 7)
    answer.graded_at = now
    answer.graded_by_id = grader.id if grader is not None else None


def _finalise(attempt: Attempt, now: dt.datetime, answers: list[AttemptAnswer] | None = None) -> None:
    """Totals and pass state; an attempt with questions left to grade by hand waits as needs_grading.

    ``answers``: every answer of the attempt, current in this session, when the caller has them."""
    if answers is None:
        answers = db.session.scalars(select(AttemptAnswer).where(AttemptAnswer.attempt_id == attempt.id)).all()
    pending = any(a.max_mark > 0 and a.fraction is None for a in answers)
    attempt.max_score = sum(a.max_mark for a in answers)
    attempt.score = round(sum(a.mark or 0.0 for a in answers), 7)
    if pending:
        attempt.state = NEEDS_GRADING
        attempt.fraction = None
        attempt.passed = None
        db.session.flush()
        return
    attempt.state = GRADED
    attempt.graded_at = now
    attempt.fraction = attempt.score / attempt.max_score if attempt.max_score else 1.0
    attempt.passed = attempt.fraction * 100 >= attempt.quiz.pass_mark - 1e-9
    db.session.flush()
    _apply_result(attempt)


@dataclass
class QuizResult:
    fraction: float | None
    passed: bool
    graded_attempts: int


def quiz_result(quiz: Quiz, cadre_id: int) -> QuizResult:
    """The cadre's grade for the quiz by its grading method (highest, last or average of graded attempts)."""
    fractions = list(db.session.scalars(select(Attempt.fraction).where(
        Attempt.quiz_id == quiz.id, Attempt.cadre_id == cadre_id, Attempt.state == GRADED
    ).order_by(Attempt.number)))
    return result_of(quiz, fractions)


def result_of(quiz: Quiz, fractions: list[float]) -> QuizResult:
    """The grade from the fractions of the graded attempts, in the order they were made."""
    if not fractions:
        return QuizResult(None, False, 0)
    if quiz.grading_method == "last":
        value = fractions[-1]
    elif quiz.grading_method == "average":
        value = sum(fractions) / len(fractions)
    else:
        value = max(fractions)
    return QuizResult(value, value * 100 >= quiz.pass_mark - 1e-9, len(fractions))


def _apply_result(attempt: Attempt) -> None:
    """A passed quiz completes its module (and, through the course area, the course)."""
    quiz = attempt.quiz
    if not quiz_result(quiz, attempt.cadre_id).passed:
        return
    enrolment = attempt.enrolment
    if enrolment is None:
        enrolment = course_operations.open_enrolment(attempt.cadre, quiz.module.version.course)
    if enrolment is not None:
        course_operations.complete_module(enrolment, quiz.module)


def grade_answer(answer: AttemptAnswer, mark: float, comment: str, grader, now: dt.datetime | None = None) -> Attempt:
    """A trainer's mark (0…max mark) and comment for one answer; the attempt's total and result follow."""
    now = now or core_db.utcnow()
    attempt = answer.attempt
    if attempt.state not in (NEEDS_GRADING, GRADED):
        raise ValidationError(_("Chỉ chấm được bài đã nộp."))
    if answer.max_mark <= 0:
        raise ValidationError(_("Câu này không tính điểm."))
    if mark is None or not 0 <= mark <= answer.max_mark:
        raise ValidationError({"mark": _("Điểm phải từ 0 đến %(m)s.", m=_plain_number(answer.max_mark))})
    _set_fraction(answer, mark / answer.max_mark, now, grader)
    answer.comment = (comment or "").strip()
    db.session.flush()
    _finalise(attempt, now)
    return attempt


def _plain_number(value: float) -> str:
    return f"{value:g}".replace(".", ",")


def visible_policies(quiz: Quiz, attempt: Attempt, now: dt.datetime | None = None) -> tuple[bool, bool]:
    """(review allowed, feedback allowed) for the learner: never before submission, then per the quiz.

    Review shows the questions with the learner's answers; feedback adds marks, right answers and
    feedback. "immediately" and "after_submit" both mean "as soon as the attempt is submitted";
    "after_close" waits for the quiz's closing time (never, when the quiz has none).
    """
    now = now or core_db.utcnow()
    if attempt.state == IN_PROGRESS:
        return False, False
    closed = quiz.is_closed(now)
    review = quiz.review_when == "after_submit" or (quiz.review_when == "after_close" and closed)
    feedback = review and (quiz.feedback_when in ("immediately", "after_submit") or closed)
    return review, feedback

