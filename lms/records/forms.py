"""Forms of the records area: a class, external training with its evidence file."""
from __future__ import annotations

from flask_wtf.file import FileField, FileRequired
from wtforms import BooleanField, DateField, IntegerField, SelectField, StringField, TextAreaField
from wtforms.validators import DataRequired, InputRequired, Length, NumberRange, Optional, ValidationError

from lms.core.clock import local_today
from lms.core.forms import BaseForm, PeriodMixin, choices
from lms.core.i18n import _l, result_score
from lms.records.models import DEFAULT_PASS_SCORE, STUDY_KINDS
from lms.records.operations import MAX_HOURS
from lms.records.queries import STUDY_KIND_LABELS


class ClassForm(PeriodMixin, BaseForm):
    title = StringField(_l("Tên lớp"), validators=[DataRequired(_l("Vui lòng nhập tên lớp.")), Length(max=300)])
    topic = StringField(_l("Chuyên đề"), validators=[Optional(), Length(max=300)])
    organiser_unit = SelectField(_l("Đơn vị tổ chức"), coerce=int)
    start_on = DateField(_l("Ngày bắt đầu"), validators=[DataRequired(_l("Vui lòng nhập ngày bắt đầu."))])
    end_on = DateField(_l("Ngày kết thúc"), validators=[DataRequired(_l("Vui lòng nhập ngày kết thúc."))])
    hours = IntegerField(_l("Số giờ"), default=8, validators=[
        InputRequired(_l("Vui lòng nhập số giờ.")), NumberRange(min=1, max=MAX_HOURS)])  # 0 is typed, but out of range
    place = StringField(_l("Địa điểm"), validators=[Optional(), Length(max=300)])
    trainer_name = StringField(_l("Giảng viên"), validators=[Optional(), Length(max=300)])
    grants_certificate = BooleanField(_l("Cấp giấy chứng nhận cho học viên đạt"))
    pass_score = StringField(_l("Điểm đạt (khi kết quả là điểm số)"), default=f"{DEFAULT_PASS_SCORE:g}", validators=[Optional()])

    def validate_pass_score(self, field):
        if field.data and result_score(field.data) is None:
            raise ValidationError(_l("Điểm đạt “%(value)s” không phải là một số (ví dụ 5 hoặc 6,5).", value=field.data))


class ExternalForm(PeriodMixin, BaseForm):
    study_kind = SelectField(_l("Loại hình đào tạo"),
                             choices=choices([(k, STUDY_KIND_LABELS[k]) for k in STUDY_KINDS]))
    title = StringField(_l("Tên khóa, chương trình đào tạo"),
                        validators=[DataRequired(_l("Vui lòng nhập tên khóa đào tạo.")), Length(max=300)])
    provider = StringField(_l("Cơ sở đào tạo"), validators=[Optional(), Length(max=300)])
    start_on = DateField(_l("Từ ngày"), validators=[Optional()])
    end_on = DateField(_l("Đến ngày (ngày tốt nghiệp, ngày cấp bằng)"),
                       validators=[DataRequired(_l("Vui lòng nhập ngày kết thúc."))])
    hours = IntegerField(_l("Số giờ (nếu có)"), default=0, validators=[Optional(), NumberRange(min=0, max=MAX_HOURS)])
    result = StringField(_l("Kết quả, xếp loại"), validators=[Optional(), Length(max=100)])
    note = TextAreaField(_l("Ghi chú"), validators=[Optional(), Length(max=2000)])
    evidence = FileField(_l("Minh chứng (bằng, chứng chỉ, quyết định: PDF hoặc ảnh)"),
                         validators=[FileRequired(_l("Vui lòng tải lên tệp minh chứng."))])

    def validate_end_on(self, field):
        super().validate_end_on(field)
        # Also checked by operations.add_external; here too, so the form shows it with its other errors.
        if field.data and field.data > local_today():
            raise ValidationError(_l("Ngày kết thúc không được ở tương lai."))
