"""Forms of the reports area: the default term."""
from __future__ import annotations

from wtforms import DateField
from wtforms.validators import DataRequired

from lms.core.forms import BaseForm, PeriodMixin
from lms.core.i18n import _l


class TermForm(PeriodMixin, BaseForm):
    """The union's current term (nhiệm kỳ): the period the reports open on."""

    start_on = DateField(_l("Nhiệm kỳ từ ngày"), validators=[DataRequired(_l("Vui lòng nhập ngày bắt đầu nhiệm kỳ."))])
    end_on = DateField(_l("đến ngày"), validators=[DataRequired(_l("Vui lòng nhập ngày kết thúc nhiệm kỳ."))])
