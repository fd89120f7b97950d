"""The base form: CSRF (Flask-WTF), whitespace stripped and text normalised to NFC."""
from __future__ import annotations

from flask_wtf import FlaskForm
from wtforms.fields.choices import SelectChoice
from wtforms.validators import ValidationError

from lms.core.i18n import _l
from lms.core.text import EMAIL_ADDRESS, nfc


def _normalise(value):
    return nfc(value) if isinstance(value, str) else value


# WTForms ships no Vietnamese catalogue: its built-in messages, translated here.
WTFORMS_VI = {
    "This field is required.": "Trường này là bắt buộc.",
    "Not a valid choice.": "Lựa chọn không hợp lệ.",
    "Invalid Choice: could not coerce.": "Lựa chọn không hợp lệ.",
    "Invalid choice(s): one or more data inputs could not be coerced.": "Lựa chọn không hợp lệ.",
    "Not a valid date value.": "Ngày không hợp lệ (dạng ngày/tháng/năm).",
    "Not a valid datetime value.": "Thời điểm không hợp lệ.",
    "Not a valid time value.": "Giờ không hợp lệ.",
    "Not a valid integer value.": "Vui lòng nhập một số nguyên.",
    "Not a valid decimal value.": "Vui lòng nhập một số.",
    "Not a valid float value.": "Vui lòng nhập một số.",
    "Invalid email address.": "Địa chỉ thư điện tử không hợp lệ.",
    "Invalid URL.": "Địa chỉ URL không hợp lệ.",
    "Invalid input.": "Giá trị không hợp lệ.",
    "Field must be between %(min)d and %(max)d characters long.": "Cần từ %(min)d đến %(max)d ký tự.",
    "'%(value)s' is not a valid choice for this field.": "Lựa chọn không hợp lệ: '%(value)s'.",
    "Not a valid week value.": "Tuần không hợp lệ.",
    "This field cannot be edited.": "Không sửa được trường này.",
    "This field is disabled and cannot have a value.": "Trường này bị khóa, không nhận giá trị.",
    "Invalid IP address.": "Địa chỉ IP không hợp lệ.",
    "Invalid Mac address.": "Địa chỉ MAC không hợp lệ.",
    "Invalid UUID.": "Mã UUID không hợp lệ.",
    "Field must be equal to %(other_name)s.": "Giá trị phải trùng với %(other_name)s.",
    "Number must be at least %(min)s.": "Số phải từ %(min)s trở lên.",
    "Number must be at most %(max)s.": "Số không được lớn hơn %(max)s.",
    "Number must be between %(min)s and %(max)s.": "Số phải trong khoảng %(min)s đến %(max)s.",
    "Date must be at least %(min)s.": "Ngày phải từ %(min)s trở đi.",
    "Date must be at most %(max)s.": "Ngày không được sau %(max)s.",
    "Date must be between %(min)s and %(max)s.": "Ngày phải trong khoảng %(min)s đến %(max)s.",
    "Invalid value, must be one of: %(values)s.": "Giá trị phải là một trong: %(values)s.",
    "Invalid value, can't be any of: %(values)s.": "Giá trị không được là: %(values)s.",
    "CSRF token missing.": "Thiếu mã bảo vệ biểu mẫu (CSRF). Hãy tải lại trang.",
    "CSRF failed.": "Mã bảo vệ biểu mẫu (CSRF) không hợp lệ. Hãy tải lại trang.",
    "CSRF token expired.": "Mã bảo vệ biểu mẫu (CSRF) đã hết hạn. Hãy tải lại trang.",
    "Invalid CSRF Token.": "Mã bảo vệ biểu mẫu (CSRF) không hợp lệ. Hãy tải lại trang.",
    "The CSRF token is missing.": "Thiếu mã bảo vệ biểu mẫu (CSRF). Hãy tải lại trang.",
    "The CSRF token is invalid.": "Mã bảo vệ biểu mẫu (CSRF) không hợp lệ. Hãy tải lại trang.",
    "The CSRF token has expired.": "Mã bảo vệ biểu mẫu (CSRF) đã hết hạn. Hãy tải lại trang.",
    "The CSRF session token is missing.": "Phiên làm việc đã hết hạn. Hãy tải lại trang.",
    "The CSRF tokens do not match.": "Mã bảo vệ biểu mẫu (CSRF) không khớp. Hãy tải lại trang.",
}


class _WTFormsTranslations:
    """WTForms' messages in the current language: Vietnamese from the table above, else English."""

    def _vietnamese(self) -> bool:
        from flask_babel import get_locale

        try:
            return str(get_locale() or "vi").startswith("vi")
        except Exception:
            return True

    def gettext(self, string: str) -> str:
        return WTFORMS_VI.get(string, string) if self._vietnamese() else string

    def ngettext(self, singular: str, plural: str, n: int) -> str:
        if self._vietnamese():
            return {
                "Field must be at least %(min)d character long.": "Cần ít nhất %(min)d ký tự.",
                "Field cannot be longer than %(max)d character.": "Không được dài quá %(max)d ký tự.",
                "Field must be exactly %(max)d character long.": "Cần đúng %(max)d ký tự.",
                "Field must be between %(min)d and %(max)d characters long.": "Cần từ %(min)d đến %(max)d ký tự.",
                "'%(value)s' is not a valid choice for this field.": "Lựa chọn không hợp lệ: '%(value)s'.",
            }.get(singular, plural)
        return singular if n == 1 else plural


_TRANSLATIONS = _WTFormsTranslations()


class EmailAddress:
    """An e-mail address as the cadre import accepts it (one @, a dot in the domain, no spaces, at most
    ``max`` characters). WTForms' own ``Email`` needs the email-validator package and checks more than a
    contact field needs."""

    def __init__(self, max: int = 200):
        self.max = max

    def __call__(self, form, field):
        if field.data and (len(field.data) > self.max or not EMAIL_ADDRESS.match(field.data)):
            raise ValidationError(_l("Địa chỉ thư điện tử không hợp lệ."))


class PeriodMixin:
    """For a form with ``start_on`` and ``end_on`` dates: the end may not come before the start."""

    def validate_end_on(self, field):
        if field.data and self.start_on.data and field.data < self.start_on.data:
            raise ValidationError(_l("Ngày kết thúc không được trước ngày bắt đầu."))


class BaseForm(FlaskForm):
    class Meta:
        def get_translations(self, form):
            return _TRANSLATIONS

        def bind_field(self, form, unbound_field, options):
            filters = list(unbound_field.kwargs.get("filters", []))
            if unbound_field.field_class.__name__ in {"StringField", "SearchField", "EmailField"}:
                filters.append(_normalise)
            return unbound_field.bind(form=form, filters=filters, **options)


class ActionForm(BaseForm):
    """An empty form for one-button actions: it only carries the CSRF token."""


def choices(pairs) -> list[SelectChoice]:
    """Select-box options from (value, label) pairs (WTForms 3.3 wants SelectChoice objects)."""
    return [SelectChoice(value, label) for value, label in pairs]
