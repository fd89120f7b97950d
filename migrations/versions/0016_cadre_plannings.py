"""cadre_plannings: cadres in the pool planned for a title (quy hoạch), dated; plan_planned_titles: a
plan's audience may be the cadres planned for some titles

Revision ID: 0016_cadre_plannings
Revises: 0015_certificate_serial_key

The article's fifth problem: the federation keeps reviewing its pool of cadres (quy hoạch) as the basis
for sending them to training. A cadre enters the pool for a title on a day and leaves it on another;
plans reach the pool by rule, as they reach titles.
"""
import sqlalchemy as sa
from alembic import op

revision = "0016_cadre_plannings"
down_revision = "0015_certificate_serial_key"
branch_labels = None
depends_on = None


def upgrade():
    op.create_table(
        "cadre_plannings",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("cadre_id", sa.Integer(), nullable=False),
        sa.Column("title_type_id", sa.Integer(), nullable=False),
        sa.Column("term", sa.String(length=20), nullable=False),
        sa.Column("start_on", sa.Date(), nullable=False),
        sa.Column("end_on", sa.Date(), nullable=True),
        sa.Column("note", sa.Text(), nullable=False),
        sa.ForeignKeyConstraint(["cadre_id"], ["cadres.id"], name=op.f("fk_cadre_plannings_cadre_id_cadres")),
        sa.ForeignKeyConstraint(["title_type_id"], ["title_types.id"],
                                name=op.f("fk_cadre_plannings_title_type_id_title_types")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_cadre_plannings")),
    )
    op.create_index(op.f("ix_cadre_plannings_cadre_id"), "cadre_plannings", ["cadre_id"], unique=False)
    op.create_table(
        "plan_planned_titles",
        sa.Column("plan_id", sa.Integer(), nullable=False),
        sa.Column("title_type_id", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(["plan_id"], ["plans.id"], name=op.f("fk_plan_planned_titles_plan_id_plans"),
                                ondelete="CASCADE"),
        sa.ForeignKeyConstraint(["title_type_id"], ["title_types.id"],
                                name=op.f("fk_plan_planned_titles_title_type_id_title_types")),
        sa.PrimaryKeyConstraint("plan_id", "title_type_id", name=op.f("pk_plan_planned_titles")),
    )


def downgrade():
    op.drop_table("plan_planned_titles")
    op.drop_index(op.f("ix_cadre_plannings_cadre_id"), table_name="cadre_plannings")
    op.drop_table("cadre_plannings")
