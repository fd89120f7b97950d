"""cache stamps: tokens that let each worker process keep rarely changing data (plans, course outlines)

Revision ID: 0007_cache_stamps
Revises: 0006_external_index
"""
import uuid

import sqlalchemy as sa
from alembic import op

revision = "0007_cache_stamps"
down_revision = "0006_external_index"
branch_labels = None
depends_on = None

STAMPS = ("plans", "courses")


def upgrade():
    table = op.create_table(
        "cache_stamps",
        sa.Column("name", sa.String(length=40), nullable=False),
        sa.Column("token", sa.String(length=32), nullable=False),
        sa.PrimaryKeyConstraint("name", name=op.f("pk_cache_stamps")),
    )
    # Random tokens: two databases (or one restored from a backup) never share a token by chance.
    op.bulk_insert(table, [{"name": name, "token": uuid.uuid4().hex} for name in STAMPS])


def downgrade():
    op.drop_table("cache_stamps")
