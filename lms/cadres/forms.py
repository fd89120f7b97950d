from __future__ import annotations

from wtforms import DateField, SelectField, SelectMultipleField, StringField
from wtforms.validators import AnyOf, DataRequired, Length, Optional, ValidationError

from lms.cadres.models import cadre_code
from lms.cadres.operations import birth_date_problem, check_effective_on, normal_phone, normal_term
from lms.core.errors import ValidationError as OperationError
from lms.core.clock import local_today
from lms.core.forms import BaseForm, EmailAddress, choices
from lms.core.i18n import _l


class EffectiveOnMixin:
    """``effective_on`` today or earlier, the operations' own rule (:func:`operations.check_effective_on`),
    shown with the form's other errors."""

    def validate_effective_on(self, field):
        if field.data is None:
            return
        try:
            check_effective_on(field.data)
        except OperationError as exc:
            raise ValidationError(exc.errors["effective_on"]) from None


class CadreForm(EffectiveOnMixin, BaseForm):
    code = StringField(_l("Mã cán bộ"), validators=[DataRequired(_l("Vui lòng nhập mã cán bộ.")), Length(max=40)],
                       filters=[lambda value: cadre_code(value) if value else value])
    full_name = StringField(_l("Họ và tên"), validators=[DataRequired(_l("Vui lòng nhập họ và tên.")), Length(max=200)])
    # No gender chosen beforehand: a default would count a cadre entered in haste among the women of the
    # women's-affairs reports.
    gender = SelectField(_l("Giới tính"), choices=choices([("", _l("— Chọn —")), ("female", _l("Nữ")), ("male", _l("Nam"))]),
                         validators=[AnyOf(["female", "male"], message=_l("Vui lòng chọn giới tính."))])
    birth_date = DateField(_l("Ngày sinh"), validators=[Optional()])
    unit = SelectField(_l("Đơn vị"), coerce=int)
    employment = SelectField(_l("Chế độ"), choices=choices([("part_time", _l("Không chuyên trách")), ("full_time", _l("Chuyên trách"))]))
    titles = SelectMultipleField(_l("Chức danh"), coerce=int)
    education_level = SelectField(_l("Trình độ chuyên môn"), coerce=int)
    political_level = SelectField(_l("Trình độ lý luận chính trị"), coerce=int)
    track_override = SelectField(_l("Khu vực (nếu khác đơn vị)"), coerce=int)
    term = StringField(_l("Nhiệm kỳ"), validators=[Optional(), Length(max=20)])
    email = StringField(_l("Thư điện tử"), validators=[Optional(), EmailAddress()])
    phone = StringField(_l("Điện thoại"), validators=[Optional(), Length(max=40)])
    effective_on = DateField(_l("Ngày có hiệu lực (khi chuyển đơn vị, đổi chức danh, chế độ hoặc trình độ)"),
                             default=local_today, validators=[DataRequired(_l("Vui lòng nhập ngày có hiệu lực."))])

    # The rules of lms.cadres.operations, as the import applies them.
    def validate_birth_date(self, field):
        problem = birth_date_problem(field.data, local_today()) if field.data else None
        if problem:
            raise ValidationError(problem)

    def validate_phone(self, field):
        if field.data and normal_phone(field.data) is None:
            raise ValidationError(_l("Số điện thoại “%(value)s” không hợp lệ.", value=field.data))

    def validate_term(self, field):
        if field.data:
            term = normal_term(field.data)
            if term is None:
                raise ValidationError(_l("Nhiệm kỳ “%(value)s” không hợp lệ (ghi dạng 2023–2028).", value=field.data))
            field.data = term


class PlanningForm(BaseForm):
    """Put a cadre in the pool planned for a title (quy hoạch)."""

    title_type = SelectField(_l("Chức danh quy hoạch"), coerce=int)
    term = StringField(_l("Nhiệm kỳ quy hoạch"), validators=[Optional(), Length(max=20)])
    start_on = DateField(_l("Ngày đưa vào quy hoạch"), default=local_today,
                         validators=[DataRequired(_l("Vui lòng nhập ngày đưa vào quy hoạch."))])
    note = StringField(_l("Ghi chú"), validators=[Optional(), Length(max=500)])


class EndPlanningForm(BaseForm):
    """Take a cadre out of a pool on a day."""

    end_on = DateField(_l("Ngày đưa ra khỏi quy hoạch"), default=local_today,
                       validators=[DataRequired(_l("Vui lòng nhập ngày đưa ra khỏi quy hoạch."))])
