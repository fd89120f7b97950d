"""cadre facts: a dated history of each cadre's employment and education / political-theory levels, back-filled with one open period per cadre

Revision ID: 0009_cadre_facts
Revises: 0008_report_snapshots
"""
import sqlalchemy as sa
from alembic import op

revision = "0009_cadre_facts"
down_revision = "0008_report_snapshots"
branch_labels = None
depends_on = None


def upgrade():
    op.create_table(
        "cadre_facts",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("cadre_id", sa.Integer(), nullable=False),
        sa.Column("start_on", sa.Date(), nullable=False),
        sa.Column("end_on", sa.Date(), nullable=True),
        sa.Column("employment", sa.String(length=20), nullable=False),
        sa.Column("education_level_id", sa.Integer(), nullable=True),
        sa.Column("political_level_id", sa.Integer(), nullable=True),
        sa.ForeignKeyConstraint(["cadre_id"], ["cadres.id"], name=op.f("fk_cadre_facts_cadre_id_cadres")),
        sa.ForeignKeyConstraint(["education_level_id"], ["education_levels.id"],
                                name=op.f("fk_cadre_facts_education_level_id_education_levels")),
        sa.ForeignKeyConstraint(["political_level_id"], ["political_levels.id"],
                                name=op.f("fk_cadre_facts_political_level_id_political_levels")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_cadre_facts")),
    )
    op.create_index(op.f("ix_cadre_facts_cadre_id"), "cadre_facts", ["cadre_id"], unique=False)

    # Back-fill: what each cadre is today, from their earliest membership (else the day they were created).
    # Nothing older is known, so earlier dates keep counting the current values, as they did before.
    created_on = "date(c.created_at)" if op.get_bind().dialect.name == "sqlite" else "CAST(c.created_at AS DATE)"
    op.execute(
        "INSERT INTO cadre_facts (cadre_id, start_on, end_on, employment, education_level_id, political_level_id) "
        "SELECT c.id, COALESCE((SELECT MIN(m.start_on) FROM memberships m WHERE m.cadre_id = c.id), "
        f"{created_on}), NULL, c.employment, c.education_level_id, c.political_level_id FROM cadres c"
    )


def downgrade():
    op.drop_index(op.f("ix_cadre_facts_cadre_id"), table_name="cadre_facts")
    op.drop_table("cadre_facts")
