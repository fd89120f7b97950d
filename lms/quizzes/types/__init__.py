"""Question types: the plugin base class and the registry access. Built-ins live in this package and
register through the ``lms.question_types`` entry-point group like any third-party plugin."""
from lms.quizzes.types.base import QuestionType, question_type, question_types  # noqa: F401
