"""account lifecycle: a password chosen by someone else must be changed; account events

Revision ID: 0014_account_lifecycle
Revises: 0013_catalogue_search_lessons

``users.must_change_password`` is set when an administrator creates an account or resets its password in
the browser: the user chooses their own before anything else. ``users.password_changed_at`` says when the
user last did. ``account_events`` keeps who created, reset, disabled, enabled, unlocked or changed an
account, and when. Existing accounts keep the passwords their users have (no change forced).
"""
import sqlalchemy as sa
from alembic import op


revision = "0014_account_lifecycle"
down_revision = "0013_catalogue_search_lessons"
branch_labels = None
depends_on = None


def upgrade():
    # Plain ADD COLUMN on both databases: a batch copy of `users` would meet every foreign key that
    # points at it.
    op.add_column("users", sa.Column("must_change_password", sa.Boolean(), nullable=False, server_default=sa.false()))
    op.add_column("users", sa.Column("password_changed_at", sa.DateTime(timezone=True), nullable=True))
    op.create_table(
        "account_events",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("user_id", sa.Integer(), nullable=False),
        sa.Column("actor_id", sa.Integer(), nullable=True),
        sa.Column("kind", sa.String(length=30), nullable=False),
        sa.Column("detail", sa.String(length=400), nullable=False),
        sa.Column("at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(["actor_id"], ["users.id"], name=op.f("fk_account_events_actor_id_users")),
        sa.ForeignKeyConstraint(["user_id"], ["users.id"], name=op.f("fk_account_events_user_id_users")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_account_events")),
    )
    op.create_index(op.f("ix_account_events_user_id"), "account_events", ["user_id"], unique=False)


def downgrade():
    op.drop_index(op.f("ix_account_events_user_id"), table_name="account_events")
    op.drop_table("account_events")
    op.drop_column("users", "password_changed_at")
    op.drop_column("users", "must_change_password")
