"""The learner's side: catalogue for the cadre's track, course page with progress, module pages, resume."""
from __future__ import annotations

from flask import Blueprint, abort, flash, redirect, render_template, request, url_for
from flask_login import current_user, login_required

from lms.core.errors import ValidationError
from lms.core.forms import ActionForm
from lms.core.i18n import _
from lms.core.markdown import render_cached
from lms.core.policy import require
from lms.courses import operations, queries

bp = Blueprint("learn", __name__, url_prefix="/learn", template_folder="templates")


def _cadre():
    require("courses.learn")
    return current_user.cadre


def _course_or_404(code: str):
    course = queries.course_by_code(code)
    if course is None:
        abort(404)
    return course


def _outline_or_404(cadre, code: str):
    outline = queries.learner_outline(code, cadre)
    if outline is None:
        abort(404)
    return outline


def asset_url_for(version):
    return lambda filename: url_for("authoring.asset", version_id=version.id, filename=filename)


@bp.route("/")
@login_required
def catalogue():
    cadre = _cadre()
    q = request.args.get("q", "").strip()
    return render_template("courses/catalogue.html", items=queries.catalogue(cadre, q), q=q, cadre=cadre)


@bp.route("/courses/<code>")
@login_required
def course(code: str):
    cadre = _cadre()
    outline = _outline_or_404(cadre, code)
    course = outline.course
    if outline.version is None or not outline.modules:
        abort(404)
    from lms.plans.queries import new_round_due

    again = outline.enrolment is not None and outline.enrolment.completed_at is not None and new_round_due(cadre, course)
    return render_template("courses/course.html", outline=outline, form=ActionForm(), cadre=cadre, again=again)


@bp.route("/courses/<code>/enrol", methods=["POST"])
@login_required
def enrol(code: str):
    cadre = _cadre()
    course = _course_or_404(code)
    if ActionForm().validate_on_submit():
        try:
            from lms.plans.queries import is_assigned, new_round_due

            if not course.is_open and operations.open_enrolment(cadre, course) is None and not is_assigned(cadre, course):
                raise ValidationError(_("Khóa học này chỉ dành cho người được giao."))
            operations.enrol(cadre, course, new_round=new_round_due(cadre, course))
        except ValidationError as exc:
            flash(" ".join(exc.errors.values()), "error")
            return redirect(url_for(".course", code=code))
        return redirect(url_for(".resume", code=code))
    abort(400)


@bp.route("/courses/<code>/resume")
@login_required
def resume(code: str):
    cadre = _cadre()
    outline = _outline_or_404(cadre, code)
    module = outline.resume_module() if outline.enrolment else None
    if module is None:
        return redirect(url_for(".course", code=code))
    return redirect(url_for(".module", code=code, key=module.key))


@bp.route("/courses/<code>/modules/<key>")
@login_required
def module(code: str, key: str):
    cadre = _cadre()
    outline = _outline_or_404(cadre, code)
    if outline.enrolment is None:
        return redirect(url_for(".course", code=code))
    module = next((m for m in outline.modules if m.key == key), None)
    if module is None:
        abort(404)
    operations.record_visit(outline.enrolment, module)
    return render_template(
        "courses/module.html", outline=outline, module=module, form=ActionForm(),
        content=render_cached(("version", outline.version.id), module.content, asset_url_for(outline.version)),
        next_module=outline.next_after(module), previous_module=outline.previous_before(module),
    )


@bp.route("/courses/<code>/modules/<key>/done", methods=["POST"])
@login_required
def done(code: str, key: str):
    cadre = _cadre()
    outline = _outline_or_404(cadre, code)
    module = next((m for m in outline.modules if m.key == key), None)
    if outline.enrolment is None or module is None:
        abort(404)
    if not ActionForm().validate_on_submit():
        abort(400)
    if module.has_quiz:
        flash(_("Bài học này hoàn thành khi bạn đạt bài kiểm tra."), "info")
        return redirect(url_for(".module", code=code, key=key))
    completed = operations.complete_module(outline.enrolment, module)
    if completed:
        flash(_("Chúc mừng! Bạn đã hoàn thành khóa học %(title)s.", title=outline.version.title), "success")
        return redirect(url_for(".course", code=code))
    following = outline.next_after(module)
    if following is not None:
        return redirect(url_for(".module", code=code, key=following.key))
    return redirect(url_for(".course", code=code))
