"""Forms of the certificate pages. Every state change is a POST carrying the CSRF token."""
from __future__ import annotations

from flask_wtf.file import FileField
from wtforms import BooleanField, DateField, SelectField, StringField, TextAreaField
from wtforms.validators import DataRequired, Length, Optional

from lms.core.forms import BaseForm
from lms.core.i18n import _l


class RevokeForm(BaseForm):
    reason = TextAreaField(_l("Lý do thu hồi"), validators=[DataRequired(_l("Vui lòng ghi lý do thu hồi.")),
                                                            Length(max=1000)])


class ReissueForm(BaseForm):
    full_name = StringField(_l("Họ và tên"), validators=[DataRequired(_l("Vui lòng nhập họ và tên.")), Length(max=200)])
    birth_date = DateField(_l("Ngày sinh"), validators=[Optional()])
    unit_name = StringField(_l("Đơn vị"), validators=[Optional(), Length(max=300)])
    result = StringField(_l("Kết quả"), validators=[DataRequired(_l("Vui lòng nhập kết quả.")), Length(max=100)])


class IssueForm(BaseForm):
    """Issue one certificate by hand: a cadre (by code) and either a completed course or a class."""

    cadre_code = StringField(_l("Mã cán bộ"), validators=[DataRequired(_l("Vui lòng nhập mã cán bộ.")), Length(max=40)])
    course = SelectField(_l("Khóa học trực tuyến đã hoàn thành"), coerce=int, validate_choice=False)
    training_class = SelectField(_l("Hoặc lớp tập huấn"), coerce=int, validate_choice=False)


class ClassIssueForm(BaseForm):
    """Issue to every attendee of a class who passed."""

    training_class = SelectField(_l("Lớp tập huấn cấp giấy chứng nhận"), coerce=int, validate_choice=False)


class SettingsForm(BaseForm):
    issuer_parent = StringField(_l("Cơ quan cấp trên (dòng 1 góc trái)"), validators=[Optional(), Length(max=200)])
    issuer_name = StringField(_l("Cơ quan cấp (dòng 2 góc trái)"), validators=[DataRequired(), Length(max=200)])
    issuer_short = StringField(_l("Tên viết tắt trong số hiệu"), validators=[DataRequired(), Length(max=20)])
    place = StringField(_l("Địa danh"), validators=[DataRequired(), Length(max=100)])
    signer_on_behalf = StringField(_l("Thẩm quyền ký (ví dụ TM. BAN THƯỜNG VỤ)"), validators=[Optional(), Length(max=100)])
    signer_title = StringField(_l("Chức vụ người ký"), validators=[DataRequired(), Length(max=100)])
    signer_name = StringField(_l("Họ và tên người ký"), validators=[Optional(), Length(max=200)])
    serial_pattern = StringField(_l("Mẫu số hiệu"), validators=[DataRequired(), Length(max=80)])
    public_base_url = StringField(_l("Địa chỉ công khai của trang (cho mã QR xác minh)"),
                                  validators=[DataRequired(), Length(max=200)])
    signature = FileField(_l("Ảnh chữ ký (PNG)"))
    seal = FileField(_l("Ảnh con dấu (PNG)"))
    remove_signature = BooleanField(_l("Bỏ ảnh chữ ký"))
    remove_seal = BooleanField(_l("Bỏ ảnh con dấu"))


class LookupForm(BaseForm):
    """The public look-up by serial number (GET: no CSRF token, nothing changes)."""

    class Meta:
        csrf = False

    serial = StringField(_l("Số hiệu giấy chứng nhận"),
                         validators=[DataRequired(_l("Hãy nhập số hiệu in trên giấy chứng nhận.")), Length(max=80)])
