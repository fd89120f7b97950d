"""Forms of the plans area: the audience rule, an assignment, an exemption."""
from __future__ import annotations

from wtforms import DateField, HiddenField, IntegerField, RadioField, SelectField, SelectMultipleField, StringField, TextAreaField
from wtforms.validators import DataRequired, Length, NumberRange, Optional, ValidationError
from wtforms.widgets import CheckboxInput, ListWidget

from lms.core.forms import BaseForm, choices
from lms.core.i18n import _l


class CheckboxList(SelectMultipleField):
    widget = ListWidget(prefix_label=False)
    option_widget = CheckboxInput()


class PlanForm(BaseForm):
    name = StringField(_l("Tên kế hoạch"), validators=[DataRequired(_l("Vui lòng nhập tên kế hoạch.")), Length(max=300)])
    units = SelectMultipleField(_l("Đơn vị (cả các đơn vị trực thuộc); để trống: toàn bộ phạm vi của bạn"),
                                coerce=int, validators=[Optional()])
    tracks = CheckboxList(_l("Khu vực"), coerce=int, validators=[Optional()])
    titles = CheckboxList(_l("Chức danh"), coerce=int, validators=[Optional()])
    planned_titles = CheckboxList(_l("Trong quy hoạch chức danh"), coerce=int, validators=[Optional()])
    employment = SelectField(_l("Chế độ"), choices=choices([
        ("", _l("Chuyên trách và không chuyên trách")), ("full_time", _l("Chuyên trách")),
        ("part_time", _l("Không chuyên trách")),
    ]), default="")
    new_within_months = IntegerField(_l("Mới được bầu, bổ nhiệm trong vòng (tháng)"),
                                     validators=[Optional(), NumberRange(min=1, max=120)])


class AssignmentForm(BaseForm):
    courses = CheckboxList(_l("Khóa học"), coerce=int)
    due_kind = RadioField(_l("Hạn hoàn thành"), choices=choices([
        ("fixed", _l("Một ngày cố định")), ("relative", _l("Số ngày kể từ khi cán bộ vào đối tượng")),
    ]), default="fixed")
    due_on = DateField(_l("Ngày hạn"), validators=[Optional()])
    due_days = IntegerField(_l("Số ngày"), validators=[Optional(), NumberRange(min=1, max=3650)])
    cycle_years = IntegerField(_l("Học lại sau mỗi (năm); để trống nếu chỉ học một lần"),
                               validators=[Optional(), NumberRange(min=1, max=10)])
    note = TextAreaField(_l("Ghi chú"), validators=[Optional(), Length(max=2000)])

    def validate_courses(self, field):
        if not field.data:
            raise ValidationError(_l("Vui lòng chọn ít nhất một khóa học."))

    def validate_due_on(self, field):
        """A new assignment is due today or later: a date already past would put the whole audience
        behind at once (the demo's back-dated assignment is data, written by ``lms demo``)."""
        from lms.plans.queries import today  # the plans' clock, which their tests move

        if self.due_kind.data == "fixed" and field.data and field.data < today():
            raise ValidationError(_l("Ngày hạn không được trước hôm nay (%(today)s).", today=today().strftime("%d/%m/%Y")))

    def validate(self, extra_validators=None) -> bool:
        """The date or the number of days, whichever kind of due date was chosen, is required."""
        valid = super().validate(extra_validators)
        if self.due_kind.data == "fixed" and not self.due_on.data and not self.due_on.errors:
            self.due_on.errors = [*self.due_on.errors, str(_l("Vui lòng nhập ngày hạn."))]
            valid = False
        if self.due_kind.data == "relative" and not self.due_days.data and not self.due_days.errors:
            self.due_days.errors = [*self.due_days.errors, str(_l("Vui lòng nhập số ngày."))]
            valid = False
        return valid


class ExemptionForm(BaseForm):
    cadre_id = HiddenField()
    reason = StringField(_l("Lý do miễn"), validators=[DataRequired(_l("Vui lòng ghi lý do miễn.")), Length(max=1000)])
