"""Forms of the quiz pages."""
from __future__ import annotations

from flask_wtf.file import FileAllowed, FileField
from wtforms import BooleanField, DateTimeLocalField, FloatField, HiddenField, IntegerField, SelectField, TextAreaField
from wtforms.validators import InputRequired, Length, NumberRange, Optional
from wtforms.widgets import TextInput

from lms.core.forms import BaseForm, choices
from lms.core.i18n import _l

FORMAT_CHOICES = (("auto", _l("Tự nhận biết")), ("gift", "GIFT"), ("aiken", "Aiken"))
GRADING_CHOICES = (("highest", _l("Lần cao nhất")), ("last", _l("Lần cuối cùng")), ("average", _l("Trung bình các lần")))
FEEDBACK_CHOICES = (("immediately", _l("Ngay khi nộp bài")), ("after_submit", _l("Sau khi nộp bài")),
                    ("after_close", _l("Sau khi bài kiểm tra đóng")))
REVIEW_CHOICES = (("after_submit", _l("Sau khi nộp bài")), ("after_close", _l("Sau khi bài kiểm tra đóng")),
                  ("never", _l("Không cho xem lại")))


class ImportForm(BaseForm):
    """A question file to read into the course's bank: uploaded or pasted."""

    file = FileField(_l("Tệp câu hỏi (.gift, .txt)"), validators=[FileAllowed(["gift", "txt", "aiken"], _l("Chỉ nhận tệp .gift, .txt hoặc .aiken."))])
    text = TextAreaField(_l("Hoặc dán nội dung"), validators=[Optional(), Length(max=1_000_000)])
    format = SelectField(_l("Định dạng"), choices=choices(FORMAT_CHOICES), default="auto")


class ImportConfirmForm(BaseForm):
    """The text shown in the preview, sent back to be saved (read again on the server, never trusted)."""

    text = HiddenField(validators=[InputRequired()])
    format = HiddenField(validators=[InputRequired()])


class CommaFloatField(FloatField):
    """A number typed the Vietnamese way ("0,5") or with a decimal point ("0.5"). A text input with the
    decimal keypad: Chromium in Vietnamese took "0,5" typed in a number input for 05, and "10,5" for 105."""

    widget = TextInput()

    def process_formdata(self, valuelist):
        super().process_formdata([v.strip().replace(",", ".") for v in valuelist])


class GradeForm(BaseForm):
    mark = CommaFloatField(_l("Điểm"), validators=[InputRequired(_l("Vui lòng nhập điểm.")), NumberRange(min=0)])
    comment = TextAreaField(_l("Nhận xét"), validators=[Optional(), Length(max=5000)])


class QuizSettingsForm(BaseForm):
    pass_mark = IntegerField(_l("Điểm đạt (%)"), validators=[
        InputRequired(), NumberRange(1, 100, _l("Điểm đạt phải là số phần trăm từ 1 đến 100."))])
    max_attempts = IntegerField(_l("Số lần làm bài tối đa (0 = không giới hạn)"), validators=[InputRequired(), NumberRange(0, 100)])
    grading_method = SelectField(_l("Cách tính điểm"), choices=choices(GRADING_CHOICES))
    time_limit_minutes = IntegerField(_l("Thời gian làm bài (phút, để trống = không giới hạn)"),
                                      validators=[Optional(), NumberRange(1, 600)])
    feedback_when = SelectField(_l("Cho xem đáp án và nhận xét"), choices=choices(FEEDBACK_CHOICES))
    review_when = SelectField(_l("Cho xem lại bài làm"), choices=choices(REVIEW_CHOICES))
    closes_at = DateTimeLocalField(_l("Đóng bài kiểm tra lúc (giờ Việt Nam)"), format="%Y-%m-%dT%H:%M", validators=[Optional()])
    shuffle_questions = BooleanField(_l("Xáo trộn thứ tự câu hỏi"))
    shuffle_options = BooleanField(_l("Xáo trộn thứ tự phương án"))
    questions_per_page = IntegerField(_l("Số câu mỗi trang"), validators=[InputRequired(), NumberRange(1, 100)])

    def validate(self, extra_validators=None) -> bool:
        """"After the quiz closes" needs a closing time: without one learners would never see it (checked
        here, since the empty optional field stops its own validators)."""
        valid = super().validate(extra_validators)
        if self.closes_at.data is None and not self.closes_at.errors and "after_close" in (
                self.feedback_when.data, self.review_when.data):
            self.closes_at.errors = [*self.closes_at.errors, str(_l("Hãy chọn thời điểm đóng bài kiểm tra: đã chọn cho xem “Sau khi bài kiểm tra đóng”, "
                                     "nếu không có thời điểm đóng thì học viên sẽ không bao giờ được xem."))]
            valid = False
        return valid
