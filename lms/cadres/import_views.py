"""The upload page for bulk import of cadres (federation admins) and the template CSV."""
from __future__ import annotations

import csv
import io

from flask import Blueprint, Response, render_template
from flask_login import login_required
from flask_wtf.file import FileField, FileRequired
from sqlalchemy import select
from wtforms import BooleanField, DateField
from wtforms.validators import DataRequired

from lms.cadres.forms import EffectiveOnMixin
from lms.cadres.importing import (
    ImportFileError, accepted_values, import_cadres, label, read_file, read_limited, template_headers,
)
from lms.core.clock import local_today
from lms.core.db import db
from lms.core.forms import BaseForm
from lms.core.i18n import _l
from lms.core.policy import require
from lms.orgs.models import Unit, UnitLevel

bp = Blueprint("cadre_import", __name__, url_prefix="/cadres/import", template_folder="templates")


class ImportForm(EffectiveOnMixin, BaseForm):
    file = FileField(_l("Tệp CSV hoặc XLSX"), validators=[FileRequired(_l("Vui lòng chọn tệp để nhập."))])
    effective_on = DateField(
        _l("Ngày có hiệu lực (vào đơn vị, chuyển đơn vị, đổi chức danh, chế độ hoặc trình độ)"), default=local_today,
        validators=[DataRequired(_l("Vui lòng nhập ngày có hiệu lực."))],
    )
    skip_invalid = BooleanField(_l("Chỉ nhập các dòng hợp lệ"))


def _page(form: ImportForm, status: int = 200, **values):
    """The upload page, with the values the reference columns accept (read from the database)."""
    accepted = [(label(key), names) for key, names in accepted_values().items()]
    return render_template("cadres/import.html", form=form, accepted=accepted, **values), status


@bp.route("/", methods=["GET", "POST"])
@login_required
def upload():
    """Upload a file; show the counts, or every error with nothing imported (status 422 rolls back)."""
    require("cadres.import")
    form = ImportForm()
    if not form.validate_on_submit():
        status = 422 if form.is_submitted() else 200
        return _page(form, status)
    try:
        rows = read_file(read_limited(form.file.data.stream))
    except ImportFileError as exc:
        return _page(form, 422, file_errors=exc.messages)
    report = import_cadres(rows, form.effective_on.data, skip_invalid=form.skip_invalid.data)
    nothing_written = bool(report.errors) and (not form.skip_invalid.data or report.written == 0)
    # The request commits only below 400: an error status is what keeps a refused import out.
    status = 422 if report.errors and not form.skip_invalid.data else 200
    return _page(form, status, report=report, nothing_written=nothing_written, filename=form.file.data.filename)


@bp.route("/template.csv")
@login_required
def template():
    """A CSV with the header row and one example row, UTF-8 with BOM so Excel shows the diacritics."""
    require("cadres.import")
    unit_code = db.session.scalar(
        select(Unit.code).join(UnitLevel, Unit.level_id == UnitLevel.id)
        .where(Unit.active_to.is_(None), UnitLevel.is_grassroots.is_(True)).order_by(Unit.code).limit(1)
    ) or "CS-001"
    # Sample data in the file's own language, like the headers.
    example = [
        "CB0001", "Nguyễn Thị Ánh", "Nữ", "05/03/1985", unit_code, "Không chuyên trách",
        "Chủ tịch; Ủy viên Ban Chấp hành", "Đại học", "Trung cấp", "", "anh.nt@example.vn", "0912 345 678", "2023–2028",
    ]
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\r\n")
    writer.writerow(template_headers())
    writer.writerow(example)
    body = "\ufeff" + buffer.getvalue()
    return Response(
        body.encode("utf-8"), mimetype="text/csv",
        headers={"Content-Disposition": "attachment; filename=mau-nhap-can-bo.csv"},
    )
