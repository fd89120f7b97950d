from __future__ import annotations

from wtforms import PasswordField, SelectField, StringField
from wtforms.validators import DataRequired, EqualTo, Length, Optional

from lms.core.forms import BaseForm, choices
from lms.core.i18n import _l


class LoginForm(BaseForm):
    username = StringField(_l("Tên đăng nhập"), validators=[DataRequired(_l("Vui lòng nhập tên đăng nhập.")), Length(max=80)])
    password = PasswordField(_l("Mật khẩu"), validators=[DataRequired(_l("Vui lòng nhập mật khẩu."))])


class LanguageForm(BaseForm):
    lang = SelectField(choices=choices([("vi", "Tiếng Việt"), ("en", "English")]))


class UserForm(BaseForm):
    # The username's and the password's rules are the operation's (lms.accounts.operations.create_user), which
    # reports them together with the unit's and the cadre's: a form check here showed a short password alone,
    # then, once corrected, the username and the cadre code refused one submit later.
    username = StringField(_l("Tên đăng nhập"), validators=[DataRequired(_l("Vui lòng nhập tên đăng nhập.")), Length(max=80)])
    password = PasswordField(_l("Mật khẩu"), validators=[DataRequired(_l("Vui lòng nhập mật khẩu."))])
    role = SelectField(_l("Vai trò"))
    unit_code = StringField(_l("Mã đơn vị (với quản trị công đoàn)"), validators=[Optional()])
    cadre_code = StringField(_l("Mã cán bộ (liên kết tài khoản)"), validators=[Optional()])


class PasswordChangeForm(BaseForm):
    """A user's own new password, proving the current one."""

    current = PasswordField(_l("Mật khẩu hiện tại"), validators=[DataRequired(_l("Vui lòng nhập mật khẩu hiện tại."))])
    new = PasswordField(_l("Mật khẩu mới"), validators=[DataRequired(_l("Vui lòng nhập mật khẩu mới.")),
                                                       Length(min=8, message=_l("Mật khẩu cần ít nhất 8 ký tự."))])
    confirm = PasswordField(_l("Nhập lại mật khẩu mới"), validators=[
        DataRequired(_l("Vui lòng nhập lại mật khẩu mới.")),
        EqualTo("new", message=_l("Hai lần nhập mật khẩu mới không khớp."))])


class PasswordResetForm(BaseForm):
    """A temporary password an administrator gives a user, who must change it at the next log-in."""

    password = PasswordField(_l("Mật khẩu tạm thời"), validators=[
        DataRequired(_l("Vui lòng nhập mật khẩu.")), Length(min=8, message=_l("Mật khẩu cần ít nhất 8 ký tự."))])


class AccountForm(BaseForm):
    """An account's role, its unit (a union admin's scope) and its cadre."""

    role = SelectField(_l("Vai trò"))
    unit_code = StringField(_l("Mã đơn vị (với quản trị công đoàn)"), validators=[Optional()])
    cadre_code = StringField(_l("Mã cán bộ (liên kết tài khoản)"), validators=[Optional()])
