"""report snapshots: stored figures of reports that take long to compute (national scale), and a pattern index for subtree filters on PostgreSQL

Revision ID: 0008_report_snapshots
Revises: 0007_cache_stamps
"""
import sqlalchemy as sa
from alembic import op

revision = "0008_report_snapshots"
down_revision = "0007_cache_stamps"
branch_labels = None
depends_on = None


def upgrade():
    op.create_table(
        "report_snapshots",
        sa.Column("key", sa.String(length=255), nullable=False),
        sa.Column("computed_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("seconds", sa.Float(), nullable=False),
        sa.Column("payload", sa.Text(), nullable=False),
        sa.PrimaryKeyConstraint("key", name=op.f("pk_report_snapshots")),
    )
    # Subtree filters are `path LIKE '/1/2/%'`: under a collation other than "C" (C.UTF-8 included),
    # PostgreSQL serves them only from a text_pattern_ops index (a plain index on SQLite).
    op.create_index("ix_units_path_pattern", "units", ["path"], postgresql_ops={"path": "text_pattern_ops"})


def downgrade():
    op.drop_index("ix_units_path_pattern", table_name="units")
    op.drop_table("report_snapshots")
