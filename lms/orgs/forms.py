from __future__ import annotations

from wtforms import DateField, SelectField, StringField, TextAreaField
from wtforms.validators import DataRequired, Length, Optional

from lms.core.clock import local_today
from lms.core.forms import BaseForm
from lms.core.i18n import _l


# The dates default to today in Vietnam (not the server's, often UTC, calendar). Whether a date fits the
# unit's history is the operations' decision (lms.orgs.operations), which the views put on these fields.
class EffectiveDateMixin:
    effective_on = DateField(_l("Ngày có hiệu lực"), default=local_today, validators=[DataRequired(_l("Vui lòng nhập ngày có hiệu lực."))])


class UnitForm(BaseForm):
    code = StringField(_l("Mã đơn vị"), validators=[DataRequired(_l("Vui lòng nhập mã đơn vị.")), Length(max=40)])
    name = StringField(_l("Tên đơn vị"), validators=[DataRequired(_l("Vui lòng nhập tên đơn vị.")), Length(max=300)])
    level = SelectField(_l("Cấp"), coerce=int)
    track = SelectField(_l("Khu vực (khối)"), coerce=int)
    active_from = DateField(_l("Hoạt động từ ngày"), default=local_today, validators=[DataRequired(_l("Vui lòng nhập ngày."))])


class RenameForm(BaseForm, EffectiveDateMixin):
    name = StringField(_l("Tên mới"), validators=[DataRequired(_l("Vui lòng nhập tên đơn vị.")), Length(max=300)])


class TrackForm(BaseForm, EffectiveDateMixin):
    track = SelectField(_l("Khu vực (khối)"), coerce=int)


class MoveForm(BaseForm, EffectiveDateMixin):
    parent = SelectField(_l("Đơn vị cấp trên mới"), coerce=int)


class MergeForm(BaseForm, EffectiveDateMixin):
    target = SelectField(_l("Sáp nhập vào đơn vị"), coerce=int)


class DissolveForm(BaseForm, EffectiveDateMixin):
    note = TextAreaField(_l("Căn cứ / ghi chú"), validators=[Optional(), Length(max=2000)])
