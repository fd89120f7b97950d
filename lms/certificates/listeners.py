"""Issuing at completion: the moment a cadre completes a course, the certificate is issued and the
online entry of their training record is written — no manual step and no scheduled job.

Imported by :mod:`lms.certificates.views` (which ``create_app`` imports), so the listener is
registered once per process.
"""
from __future__ import annotations

from flask import current_app, flash, has_request_context

from lms.core.errors import ValidationError
from lms.core.i18n import _
from lms.courses.operations import on_course_completed


@on_course_completed
def issue_at_completion(enrolment) -> None:
    """Write the online record entry, then issue the certificate in its own savepoint.

    Completing the course stands even when issuing fails (settings incomplete, disk full): the
    failure is logged, the learner is told, and the cadre appears on the manual-issue page under
    "completed without a certificate", where an admin issues it once the cause is fixed.
    """
    from lms.certificates import operations

    operations.record_online_completion(enrolment)
    try:
        certificate = operations.issue_for_enrolment(enrolment)
    except ValidationError as exc:
        current_app.logger.error("certificate not issued for enrolment %s: %s", enrolment.id, exc)
        if has_request_context():
            flash(_("Chưa cấp được giấy chứng nhận tự động (%(error)s). Vui lòng liên hệ cán bộ phụ trách.",
                    error=exc), "error")
        return
    except Exception:  # a bug in issuing must not cost the learner their completed course
        current_app.logger.exception("certificate not issued for enrolment %s", enrolment.id)
        if has_request_context():
            flash(_("Chưa cấp được giấy chứng nhận tự động. Vui lòng liên hệ cán bộ phụ trách."), "error")
        return
    if has_request_context():
        flash(_("Bạn đã được cấp giấy chứng nhận số %(serial)s.", serial=certificate.serial), "success")
