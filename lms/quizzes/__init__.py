"""Quizzes: question banks, question formats and quiz taking."""
