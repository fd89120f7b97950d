from __future__ import annotations

from wtforms import PasswordField, SelectField, StringField
from wtforms.validators import DataRequired, Length, Optional

from lms.core.forms import BaseForm, choices
from lms.core.i18n import _l


class LoginForm(BaseForm):
    username = StringField(_l("Tên đăng nhập"), validators=[DataRequired(_l("Vui lòng nhập tên đăng nhập.")), Length(max=80)])
    password = PasswordField(_l("Mật khẩu"), validators=[DataRequired(_l("Vui lòng nhập mật khẩu."))])


class LanguageForm(BaseForm):
    lang = SelectField(choices=choices([("vi", "Tiếng Việt"), ("en", "English")]))


class UserForm(BaseForm):
    username = StringField(_l("Tên đăng nhập"), validators=[DataRequired(_l("Vui lòng nhập tên đăng nhập.")), Length(min=3, max=80)])
    password = PasswordField(_l("Mật khẩu"), validators=[DataRequired(_l("Vui lòng nhập mật khẩu.")), Length(min=8, message=_l("Mật khẩu cần ít nhất 8 ký tự."))])
    role = SelectField(_l("Vai trò"))
    unit_code = StringField(_l("Mã đơn vị (với quản trị công đoàn)"), validators=[Optional()])
    cadre_code = StringField(_l("Mã cán bộ (liên kết tài khoản)"), validators=[Optional()])
