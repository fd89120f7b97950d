"""training_classes.pass_score: the lowest score that passes a class whose results are scores

Revision ID: 0017_class_pass_score
Revises: 0016_cadre_plannings

A class result may be a score ("3 điểm"); every score counted as a pass, so a cadre who scored 3 out of
10 received a certificate. Existing classes get 5, the pass mark of the usual 10-point scale; a class
scored out of 100 sets 50 in its form.
"""
import sqlalchemy as sa
from alembic import op

revision = "0017_class_pass_score"
down_revision = "0016_cadre_plannings"
branch_labels = None
depends_on = None


def upgrade():
    op.add_column("training_classes", sa.Column("pass_score", sa.Float(), nullable=False, server_default="5"))


def downgrade():
    op.drop_column("training_classes", "pass_score")
