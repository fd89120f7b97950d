from __future__ import annotations

import datetime as dt

from wtforms import DateField, SelectField, StringField, TextAreaField
from wtforms.validators import DataRequired, Length, Optional

from lms.core.forms import BaseForm
from lms.core.i18n import _l


def _today():
    return dt.date.today()


class EffectiveDateMixin:
    effective_on = DateField(_l("Ngày có hiệu lực"), default=_today, validators=[DataRequired(_l("Vui lòng nhập ngày có hiệu lực."))])


class UnitForm(BaseForm):
    code = StringField(_l("Mã đơn vị"), validators=[DataRequired(_l("Vui lòng nhập mã đơn vị.")), Length(max=40)])
    name = StringField(_l("Tên đơn vị"), validators=[DataRequired(_l("Vui lòng nhập tên đơn vị.")), Length(max=300)])
    level = SelectField(_l("Cấp"), coerce=int)
    track = SelectField(_l("Khu vực (khối)"), coerce=int)
    active_from = DateField(_l("Hoạt động từ ngày"), default=_today, validators=[DataRequired(_l("Vui lòng nhập ngày."))])


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
