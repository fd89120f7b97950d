"""Imports every model module so that the metadata (and Alembic's autogenerate) sees all tables."""
from lms.accounts.models import AccountEvent, User  # noqa: F401
from lms.cadres.models import Cadre, CadreTitle, EducationLevel, Membership, PoliticalLevel, TitleType  # noqa: F401
from lms.orgs.models import Track, Unit, UnitEvent, UnitLevel  # noqa: F401
from lms.courses.models import (  # noqa: F401
    Asset, Blob, Course, CourseAuthor, CourseVersion, Enrolment, Module, ModuleProgress, ModuleQuizSource,
)
from lms.quizzes.models import Attempt, AttemptAnswer, Question, QuestionCategory, Quiz, QuizSlot  # noqa: F401
from lms.certificates.models import Certificate, RegisterCounter  # noqa: F401
from lms.core.settings import Setting  # noqa: F401
from lms.core.cache import CacheStamp  # noqa: F401
from lms.records.models import Attendance, RecordEntry, TrainingClass  # noqa: F401
from lms.plans.models import Assignment, Exemption, Notification, OutboxMessage, Plan  # noqa: F401
from lms.reports.models import ReportSnapshot  # noqa: F401
