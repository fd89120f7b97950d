"""Quiz pages: taking a quiz (start, answer with autosave, submit, result) and the trainers' side
(question bank, import with preview, GIFT export, quiz settings, attempts, grading, statistics).

Views are thin: policy, form, then ``lms.quizzes.operations`` or ``queries``. The request commits
once when it succeeds (``lms.core.web``). The answer key never reaches a page or a JSON response of
an open attempt: those are built only from the question types' ``view()``.
"""
from __future__ import annotations

import datetime as dt
import time
from zoneinfo import ZoneInfo

from flask import (
    Blueprint, Response, abort, current_app, flash, jsonify, redirect, render_template, request, url_for,
)
from flask_login import current_user, login_required
from sqlalchemy import select
from sqlalchemy.exc import OperationalError

from lms.core import db as core_db
from lms.core.auth import login_row_only
from lms.core.db import db
from lms.core.errors import ValidationError
from lms.core.forms import ActionForm
from lms.core.i18n import _, format_number, format_percent
from lms.core.policy import require
from lms.courses import operations as course_operations
from lms.courses.models import Course
from lms.quizzes import operations, queries
from lms.quizzes.formats import decode_file, detect_format, export_gift
from lms.quizzes.forms import GradeForm, ImportConfirmForm, ImportForm, QuizSettingsForm
from lms.quizzes.models import GRADED, IN_PROGRESS, Attempt, AttemptAnswer, Question, QuestionCategory, Quiz
from lms.quizzes.types import question_type

SQLITE_RETRIES = 20

bp = Blueprint("quizzes", __name__, url_prefix="/quizzes", template_folder="templates")


@bp.app_template_filter("question_html")
def _question_html(text, text_format="moodle"):
    return queries.question_html(text, text_format)


@bp.app_template_filter("mark")
def _mark(value):
    """A mark without useless decimals, Vietnamese style: 1 → "1", 0.5 → "0,5", 0.3333333 → "0,33"."""
    if value is None:
        return "–"
    text = f"{round(float(value), 2):.2f}".rstrip("0").rstrip(".")
    return format_number(float(text), len(text.split(".")[1]) if "." in text else 0)


@bp.app_template_filter("clock")
def _clock(seconds):
    """Remaining time as text: 1:05:09 or 12:30 (quiz.js updates it in the same form)."""
    seconds = max(0, int(seconds or 0))
    hours, rest = divmod(seconds, 3600)
    minutes, secs = divmod(rest, 60)
    return f"{hours}:{minutes:02d}:{secs:02d}" if hours else f"{minutes:02d}:{secs:02d}"


@bp.app_template_global("quiz_block")
def _quiz_block(module):
    """The learner's quiz block for the module page (None without a quiz or for a login without a cadre)."""
    cadre = getattr(current_user, "cadre", None) if current_user.is_authenticated else None
    if cadre is None or module is None:
        return None
    return queries.quiz_block(module, cadre)


@bp.app_template_global("question_type_label")
def _type_label(name):
    cls = question_type(name)
    return str(cls.label) if cls is not None and getattr(cls, "label", None) else name


@bp.app_template_global("bank_path")
def _bank_path(parsed: dict, course_code: str) -> str:
    """Where a question being imported goes in the bank, as the bank and draw rules name it
    ("Luật/Chương 1", not GIFT's "$course$/Luật/Chương 1"; no $CATEGORY: the course's own category)."""
    return operations.parsed_category_path(parsed, course_code)


def _remaining(attempt: Attempt, now: dt.datetime) -> int | None:
    if attempt.deadline_at is None:
        return None
    return max(0, int((attempt.deadline_at - now).total_seconds()))


def _course_of_quiz(quiz: Quiz) -> Course:
    return quiz.module.version.course


def _learner_module_url(quiz: Quiz) -> str:
    module = quiz.module
    return url_for("learn.module", code=module.version.course.code, key=module.key)


def _attempt_for_learner(attempt_id: int, lock: bool = False) -> Attempt:
    """The cadre's own attempt with its quiz, module, version and course: one statement. ``lock`` (a
    request that writes answers) takes the attempt's row lock in that same statement, which
    ``operations.save_answer(..., locked=True)`` then relies on."""
    attempt = queries.attempt_with_course(attempt_id, lock) or abort(404)
    require("quizzes.attempt", attempt)
    return attempt


# -- taking a quiz --------------------------------------------------------------------------------

@bp.route("/<int:quiz_id>/start", methods=["POST"])
@login_required
def start(quiz_id: int):
    require("courses.learn")
    quiz = queries.quiz_with_course(quiz_id) or abort(404)
    cadre = current_user.cadre
    module = quiz.module
    enrolment = course_operations.open_enrolment(cadre, module.version.course)
    if enrolment is None or enrolment.version_id != module.version_id or not module.visible_to(cadre.track):
        abort(404)
    if not ActionForm().validate_on_submit():
        abort(400)
    current = operations.open_attempt(quiz, cadre)
    if current is not None and operations.finish_if_overdue(current):
        # "Làm tiếp" on an attempt whose time ran out: show what was submitted, not a fresh attempt
        flash(_("Đã hết giờ làm bài: bài đã được nộp tự động với các câu trả lời đã lưu."), "warning")
        return redirect(url_for(".result", attempt_id=current.id))
    try:
        attempt = operations.start_attempt(quiz, cadre, enrolment, current=current)
    except ValidationError as exc:
        flash(" ".join(exc.errors.values()), "error")
        return redirect(_learner_module_url(quiz))
    return redirect(url_for(".attempt", attempt_id=attempt.id))


@bp.route("/attempts/<int:attempt_id>")
@login_row_only
@login_required
def attempt(attempt_id: int):
    attempt = _attempt_for_learner(attempt_id)
    now = core_db.utcnow()
    if operations.finish_if_overdue(attempt, now):
        flash(_("Đã hết giờ làm bài: bài đã được nộp tự động với các câu trả lời đã lưu."), "warning")
    if attempt.state != IN_PROGRESS:
        return redirect(url_for(".result", attempt_id=attempt.id))
    pages = queries.attempt_pages(attempt, request.args.get("page", 1, type=int))
    return render_template("quizzes/attempt.html", pages=pages, attempt=attempt, quiz=attempt.quiz,
                           remaining=_remaining(attempt, now), form=ActionForm())


@bp.route("/attempts/<int:attempt_id>/save", methods=["POST"])
@login_row_only
@login_required
def save_page(attempt_id: int):
    """Without JavaScript: save the page's answers, then go where the pressed button says."""
    attempt = _attempt_for_learner(attempt_id, lock=True)
    if not ActionForm().validate_on_submit():
        abort(400)
    page = request.form.get("page", 1, type=int)
    pages = queries.attempt_pages(attempt, page)
    try:
        for item in pages.on_page():
            operations.save_answer(attempt, item.answer.position, request.form, locked=True)
    except operations.AttemptClosed as exc:
        flash(exc.message, "warning")
        return redirect(url_for(".result", attempt_id=attempt.id))
    go = request.form.get("go", "next")
    if go == "finish":
        return redirect(url_for(".finish", attempt_id=attempt.id))
    if go == "prev":
        target = pages.page - 1
    elif go.startswith("page-") and go[5:].isdigit():
        target = int(go[5:])
    else:
        target = pages.page + 1
    if target > pages.pages:
        return redirect(url_for(".finish", attempt_id=attempt.id))
    return redirect(url_for(".attempt", attempt_id=attempt.id, page=max(1, target)))


@bp.route("/attempts/<int:attempt_id>/answers/<int:position>", methods=["POST"])
@login_row_only
@login_required
def save_answer(attempt_id: int, position: int):
    """Autosave of one question (quiz.js): answers only ``{"saved": true, "saved_at": …, "answered": …,
    "warning": …}`` (``answered``: the question now counts as answered, for the page's header;
    ``warning``: the type's message about a response that cannot earn marks as written, or null). Thousands of
    cadres call it at once, so it reads the login's own row and the locked attempt with the answer
    and its question in one statement."""
    answer = queries.answer_to_save(attempt_id, position)
    attempt = answer.attempt if answer is not None else queries.locked_attempt(attempt_id) or abort(404)
    require("quizzes.attempt", attempt)
    try:
        answer = operations.save_answer(attempt, position, request.form, locked=True, answer=answer)
    except operations.AttemptClosed as exc:
        # The answer is refused, but an automatic submission made just now must stay: commit it here,
        # since the request ends with an error status (which rolls back).
        db.session.commit()
        return jsonify(saved=False, error=exc.message, redirect=url_for(".result", attempt_id=attempt.id)), 409
    except ValidationError as exc:
        return jsonify(saved=False, error=" ".join(exc.errors.values())), 404
    return jsonify(saved=True, saved_at=answer.saved_at.isoformat() if answer.saved_at else None,
                   answered=answer.answered, warning=queries.response_warning(answer))


@bp.route("/attempts/<int:attempt_id>/finish")
@login_row_only
@login_required
def finish(attempt_id: int):
    """The confirmation before submitting, listing the questions still unanswered."""
    attempt = _attempt_for_learner(attempt_id)
    now = core_db.utcnow()
    operations.finish_if_overdue(attempt, now)
    if attempt.state != IN_PROGRESS:
        return redirect(url_for(".result", attempt_id=attempt.id))
    pages = queries.attempt_pages(attempt, 1)
    return render_template("quizzes/finish.html", pages=pages, attempt=attempt, quiz=attempt.quiz,
                           remaining=_remaining(attempt, now), form=ActionForm())


@bp.route("/attempts/<int:attempt_id>/submit", methods=["POST"])
@login_required
def submit(attempt_id: int):
    attempt = _attempt_for_learner(attempt_id)
    if not ActionForm().validate_on_submit():
        abort(400)
    for retry in range(SQLITE_RETRIES + 1):
        try:
            won = operations.submit_attempt(attempt)
            break
        except OperationalError:
            # SQLite refuses at once a writer whose snapshot went stale while another request
            # submitted ("database is locked"): nothing was written yet, so start the transaction
            # again; it then sees the submission. PostgreSQL waits for the row lock instead.
            db.session.rollback()
            if db.engine.dialect.name != "sqlite" or retry == SQLITE_RETRIES:
                raise
            time.sleep(0.02 * (retry + 1))
            attempt = _attempt_for_learner(attempt_id)
    if not won:
        flash(_("Bài làm này đã được nộp trước đó."), "info")
    return redirect(url_for(".result", attempt_id=attempt.id))


@bp.route("/attempts/<int:attempt_id>/result")
@login_row_only
@login_required
def result(attempt_id: int):
    attempt = queries.attempt_with_course(attempt_id) or abort(404)
    require("quizzes.review", attempt)
    quiz = attempt.quiz
    own = attempt.cadre_id == current_user.cadre_id
    now = core_db.utcnow()
    if own:
        operations.finish_if_overdue(attempt, now)
        if attempt.state == IN_PROGRESS:
            return redirect(url_for(".attempt", attempt_id=attempt.id))
    if attempt.state == IN_PROGRESS:
        review, feedback = False, False  # the trainer sees that the cadre is still working, nothing more
    elif own:
        review, feedback = operations.visible_policies(quiz, attempt, now)
    else:
        review, feedback = True, True
    items = queries.attempt_review(attempt, feedback) if review else []
    result = queries.quiz_result(quiz, attempt.cadre_id) if own else None
    return render_template("quizzes/result.html", attempt=attempt, quiz=quiz, items=items, review=review,
                           feedback=feedback, own=own, overall=result, module_url=_learner_module_url(quiz) if own else None)


# -- trainers: the course's question bank and quizzes ---------------------------------------------

def _managed_course(course_id: int) -> Course:
    course = db.get_or_404(Course, course_id)
    require("quizzes.manage", course)
    return course


def _managed_quiz(quiz_id: int) -> Quiz:
    quiz = db.get_or_404(Quiz, quiz_id)
    require("quizzes.manage", _course_of_quiz(quiz))
    return quiz


@bp.route("/courses/<int:course_id>")
@login_required
def bank(course_id: int):
    course = _managed_course(course_id)
    title = course_operations.latest(course).title
    return render_template("quizzes/bank.html", course=course, title=title, categories=queries.bank(course),
                           quizzes=queries.course_quizzes(course), waiting=len(queries.grading_queue(course)))


def _managed_question(question_id: int) -> Question:
    question = db.get_or_404(Question, question_id)
    require("quizzes.manage", db.session.get(Course, question.course_id))
    return question


@bp.route("/questions/<int:question_id>")
@login_required
def question(question_id: int):
    """One question of the bank in full, with its answer key and where it is used, for the course's editors."""
    item = _managed_question(question_id)
    course = db.session.get(Course, item.course_id)
    return render_template("quizzes/question.html", course=course, question=item, q=operations.parsed_of(item),
                           path=queries.category_path(item.category), usage=queries.question_usage(item))


@bp.route("/questions/<int:question_id>/delete", methods=["POST"])
@login_required
def delete_question(question_id: int):
    """Remove a question nothing needs; refused with the reason otherwise (see operations.delete_question)."""
    item = _managed_question(question_id)
    course_id = item.course_id
    try:
        operations.delete_question(item)
    except ValidationError as exc:
        flash(str(exc), "error")
        return redirect(url_for(".question", question_id=question_id))
    flash(_("Đã xóa câu hỏi khỏi ngân hàng câu hỏi."), "success")
    return redirect(url_for(".bank", course_id=course_id))


@bp.route("/courses/<int:course_id>/import", methods=["GET", "POST"])
@login_required
def import_questions(course_id: int):
    """Upload or paste a GIFT/Aiken file → preview (questions with keys, errors with lines) → save."""
    course = _managed_course(course_id)
    form = ImportForm()
    confirm = ImportConfirmForm()
    if request.method == "POST" and "confirm" in request.form:
        if not confirm.validate_on_submit():
            abort(400)
        try:
            saved = operations.import_questions(course, confirm.text.data, confirm.format.data)
        except (ValidationError, ValueError):
            preview = operations.preview_questions(confirm.text.data, _format(confirm.format.data, confirm.text.data))
            flash(_("Chưa lưu câu hỏi nào: hãy sửa các lỗi trong tệp rồi xem trước lại."), "error")
            form = ImportForm(formdata=None, text=confirm.text.data, format=confirm.format.data)
            return render_template("quizzes/import_preview.html", course=course, preview=preview, confirm=confirm,
                                   form=form), 422
        flash(_("Đã lưu %(n)s câu hỏi vào ngân hàng câu hỏi.", n=len(saved)), "success")
        return redirect(url_for(".bank", course_id=course.id))
    if form.validate_on_submit():
        text, filename = form.text.data or "", None
        if form.file.data:
            filename = form.file.data.filename
            try:
                text, encoding = decode_file(form.file.data.read())
            except UnicodeDecodeError:  # a BOM, then bytes that do not follow it
                form.file.errors = [_("Không đọc được tệp: mã hóa ký tự không hợp lệ. Hãy lưu tệp dưới dạng văn bản UTF-8.")]
                return render_template("quizzes/import.html", course=course, form=form), 422
            except ValueError as exc:  # not text at all
                form.file.errors = [str(exc)]
                return render_template("quizzes/import.html", course=course, form=form), 422
            if encoding == "cp1258":
                flash(_("Tệp không phải UTF-8: đã đọc theo bảng mã Windows-1258 (Word, Notepad trên Windows tiếng Việt). "
                        "Hãy kiểm tra chữ có dấu trong phần xem trước trước khi lưu."), "warning")
        if not text.strip() and filename:
            form.file.errors = [_("Tệp %(name)s trống: không có câu hỏi nào.", name=filename)]
            return render_template("quizzes/import.html", course=course, form=form), 422
        if not text.strip():
            form.text.errors = [_("Hãy chọn tệp hoặc dán nội dung câu hỏi.")]
            return render_template("quizzes/import.html", course=course, form=form), 422
        fmt = detect_format(text, filename) if form.format.data == "auto" else form.format.data
        preview = operations.preview_questions(text, fmt)
        confirm = ImportConfirmForm(formdata=None, text=text, format=fmt)
        form.text.data = text  # with errors the form is shown again, with the file's text to correct in place
        return render_template("quizzes/import_preview.html", course=course, preview=preview, confirm=confirm,
                               form=form)
    status = 422 if request.method == "POST" else 200
    return render_template("quizzes/import.html", course=course, form=form), status


def _format(fmt: str, text: str) -> str:
    return fmt if fmt in ("gift", "aiken") else detect_format(text)


@bp.route("/courses/<int:course_id>/export.gift")
@login_required
def export(course_id: int):
    """The course's questions (or one category's, with ``?category=<id>``) as a GIFT file."""
    course = _managed_course(course_id)
    query = select(Question).where(Question.course_id == course.id).order_by(Question.category_id, Question.id)
    category_id = request.args.get("category", type=int)
    name = course.code
    if category_id:
        category = db.session.get(QuestionCategory, category_id)
        if category is None or category.course_id != course.id:
            abort(404)
        query = query.where(Question.category_id == category.id)
        name = f"{course.code}-{category.id}"
    questions = list(db.session.scalars(query))
    try:
        text = export_gift(operations.export_questions(questions))
    except ValueError as exc:
        flash(_("Không xuất được GIFT: %(e)s", e=str(exc)), "error")
        return redirect(url_for(".bank", course_id=course.id))
    return Response(text, mimetype="text/plain", headers={
        "Content-Disposition": f'attachment; filename="{name}.gift"',
    })


@bp.route("/<int:quiz_id>/settings", methods=["GET", "POST"])
@login_required
def settings(quiz_id: int):
    quiz = _managed_quiz(quiz_id)
    tz = ZoneInfo(current_app.config["BABEL_DEFAULT_TIMEZONE"])
    form = QuizSettingsForm(obj=quiz)
    if request.method == "GET" and quiz.closes_at:
        form.closes_at.data = quiz.closes_at.astimezone(tz).replace(tzinfo=None)
    if form.validate_on_submit():
        closes_at = form.closes_at.data.replace(tzinfo=tz) if form.closes_at.data else None
        try:
            operations.update_settings(quiz, operations.QuizSettings(
                pass_mark=form.pass_mark.data, max_attempts=form.max_attempts.data,
                grading_method=form.grading_method.data, time_limit_minutes=form.time_limit_minutes.data,
                feedback_when=form.feedback_when.data, review_when=form.review_when.data, closes_at=closes_at,
                shuffle_questions=form.shuffle_questions.data, shuffle_options=form.shuffle_options.data,
                questions_per_page=form.questions_per_page.data,
            ))
        except ValidationError as exc:
            exc.apply_to(form)
        else:
            flash(_("Đã lưu cài đặt bài kiểm tra."), "success")
            if quiz.closes_at is not None and quiz.is_closed(core_db.utcnow()):
                flash(_("Thời điểm đóng đã qua: học viên không bắt đầu được lần làm bài mới."), "warning")
            return redirect(url_for(".bank", course_id=_course_of_quiz(quiz).id))
    status = 422 if request.method == "POST" else 200
    return render_template("quizzes/settings.html", quiz=quiz, form=form), status


@bp.route("/<int:quiz_id>/attempts")
@login_required
def attempts(quiz_id: int):
    quiz = _managed_quiz(quiz_id)
    return render_template("quizzes/attempts.html", quiz=quiz, attempts=queries.quiz_attempts(quiz),
                           course=_course_of_quiz(quiz))


@bp.route("/<int:quiz_id>/statistics")
@login_required
def statistics(quiz_id: int):
    quiz = _managed_quiz(quiz_id)
    graded, stats = queries.statistics(quiz)
    return render_template("quizzes/statistics.html", quiz=quiz, graded=graded, stats=stats,
                           course=_course_of_quiz(quiz), minimum=queries.DISCRIMINATION_MIN_ATTEMPTS)


@bp.route("/courses/<int:course_id>/grading")
@login_required
def grading(course_id: int):
    return _grading_page(_managed_course(course_id))


def _grading_page(course, failed: GradeForm | None = None, failed_id: int | None = None):
    """The queue with a form per answer; a refused grade keeps its mark and comment, with the errors."""
    answers = queries.grading_queue(course)
    forms = {a.id: failed if a.id == failed_id else GradeForm(prefix=f"a{a.id}", formdata=None) for a in answers}
    # essays, and any installed type a trainer grades by hand, wait here; so does a type no longer installed
    missing = {a.question.type for a in answers if question_type(a.question.type) is None}
    return render_template("quizzes/grading.html", course=course, answers=answers, forms=forms, missing=missing)


@bp.route("/answers/<int:answer_id>/grade", methods=["POST"])
@login_required
def grade(answer_id: int):
    answer = db.get_or_404(AttemptAnswer, answer_id)
    course = _course_of_quiz(answer.attempt.quiz)
    require("quizzes.manage", course)
    form = GradeForm(prefix=f"a{answer.id}")
    if form.validate_on_submit():
        try:
            attempt = operations.grade_answer(answer, form.mark.data, form.comment.data or "", current_user)
        except ValidationError as exc:
            form.mark.errors = list(form.mark.errors) + list(exc.errors.values())
            return _grading_page(course, form, answer.id), 422
        if attempt.state == GRADED:
            flash(_("Đã chấm xong bài làm lần %(n)s của %(name)s: %(p)s, %(r)s.", n=attempt.number,
                    name=attempt.cadre.full_name, p=format_percent(attempt.fraction or 0, 1),
                    r=_("đạt") if attempt.passed else _("không đạt")), "success")
        else:
            flash(_("Đã lưu điểm."), "success")
        return redirect(url_for(".grading", course_id=course.id))
    return _grading_page(course, form, answer.id), 422

