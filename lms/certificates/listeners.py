"""Issuing at completion: the moment a cadre completes a course, the certificate is issued and the
online entry of their training record is written — no manual step and no scheduled job.

Imported by :mod:`lms.certificates.views` (which ``create_app`` imports), so the listener is
registered once per process.
"""
from __future__ import annotations

from flask import current_app, flash, has_request_context
from flask_login import current_user

from lms.core.errors import ValidationError
from lms.core.i18n import _
from lms.courses.operations import on_course_completed


@on_course_completed
def issue_at_completion(enrolment) -> None:
    """Write the online record entry, then issue the certificate in its own savepoint.

    Completing the course stands even when issuing fails (settings incomplete, disk full): the
    failure is logged, the learner is told, and the cadre appears on the manual-issue page under
    "completed without a certificate", where an admin issues it once the cause is fixed. A course
    is also completed by someone else's request — a trainer grading the last essay, or moving
    learners to a new version — who is told whose certificate it is, not "you have been issued".
    """
    from lms.certificates import operations

    operations.record_online_completion(enrolment)
    try:
        certificate = operations.issue_for_enrolment(enrolment)
    except ValidationError as exc:
        current_app.logger.error("certificate not issued for enrolment %s: %s", enrolment.id, exc)
        if _learner_is_asking(enrolment):
            flash(_("Chưa cấp được giấy chứng nhận tự động (%(error)s). Vui lòng liên hệ cán bộ phụ trách.",
                    error=exc), "error")
        elif has_request_context():
            flash(_("%(name)s đã hoàn thành khóa học nhưng chưa cấp được giấy chứng nhận tự động (%(error)s).",
                    name=enrolment.cadre.full_name, error=exc), "error")
        return
    except Exception:  # a bug in issuing must not cost the learner their completed course
        current_app.logger.exception("certificate not issued for enrolment %s", enrolment.id)
        if _learner_is_asking(enrolment):
            flash(_("Chưa cấp được giấy chứng nhận tự động. Vui lòng liên hệ cán bộ phụ trách."), "error")
        elif has_request_context():
            flash(_("%(name)s đã hoàn thành khóa học nhưng chưa cấp được giấy chứng nhận tự động.",
                    name=enrolment.cadre.full_name), "error")
        return
    if _learner_is_asking(enrolment):
        flash(_("Bạn đã được cấp giấy chứng nhận số %(serial)s.", serial=certificate.serial), "success")
    elif has_request_context():
        flash(_("%(name)s đã hoàn thành khóa học và được cấp giấy chứng nhận số %(serial)s.",
                name=enrolment.cadre.full_name, serial=certificate.serial), "success")


def _learner_is_asking(enrolment) -> bool:
    """Whether the request is the learner's own (their account is linked to the enrolment's cadre)."""
    return has_request_context() and current_user.is_authenticated and current_user.cadre_id == enrolment.cadre_id
