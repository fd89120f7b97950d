"""random questions: a module's quiz can draw questions from categories of the course's bank

Revision ID: 0012_quiz_draws
Revises: 0011_class_results_pending

``module_quiz_sources.draws`` holds the rules, one a line ("3 Luật Công đoàn/Chương 1"). Existing
quizzes have none, so every question stays fixed, as before.
"""
import sqlalchemy as sa
from alembic import op

revision = "0012_quiz_draws"
down_revision = "0011_class_results_pending"
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table("module_quiz_sources") as batch:
        batch.add_column(sa.Column("draws", sa.Text(), nullable=False, server_default=""))


def downgrade():
    with op.batch_alter_table("module_quiz_sources") as batch:
        batch.drop_column("draws")
