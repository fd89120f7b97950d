"""a partial index for external training entries ("cadres sent to study" at national scale)

Revision ID: 0006_external_index
Revises: 0005_plans
"""
import sqlalchemy as sa
from alembic import op

revision = "0006_external_index"
down_revision = "0005_plans"
branch_labels = None
depends_on = None


def upgrade():
    op.create_index(
        "ix_record_entries_external_cadre", "record_entries", ["cadre_id"],
        sqlite_where=sa.text("kind = 'external'"), postgresql_where=sa.text("kind = 'external'"),
    )


def downgrade():
    op.drop_index("ix_record_entries_external_cadre", table_name="record_entries")
