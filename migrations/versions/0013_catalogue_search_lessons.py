"""the catalogue's search reads the lessons' titles: a published version's search key holds its title,
the course's code and its modules' titles

Revision ID: 0013_catalogue_search_lessons
Revises: 0012_quiz_draws

``course_versions.search_key`` becomes TEXT (a course of twenty lessons outgrows 600 characters) and
is rebuilt for every published or archived version as ``lms.courses.operations.publish`` now builds it.
Drafts keep their folded title until they are published.
"""
import sqlalchemy as sa
from alembic import op

revision = "0013_catalogue_search_lessons"
down_revision = "0012_quiz_draws"
branch_labels = None
depends_on = None


def upgrade():
    from lms.courses.operations import catalogue_search_key

    bind = op.get_bind()
    if bind.dialect.name != "sqlite":  # SQLite keeps text of any length in a VARCHAR(600) column; its
        # batch mode would copy the table, which the modules' foreign keys refuse once there are rows
        op.alter_column("course_versions", "search_key", type_=sa.Text(), existing_type=sa.String(600),
                        existing_nullable=False)
    versions = bind.execute(sa.text(
        "SELECT v.id, v.title, c.code FROM course_versions v JOIN courses c ON c.id = v.course_id "
        "WHERE v.status IN ('published', 'archived')")).all()
    titles: dict[int, list[str]] = {}
    for version_id, title in bind.execute(sa.text("SELECT version_id, title FROM modules ORDER BY version_id, position")):
        titles.setdefault(version_id, []).append(title)
    keys = [{"id": vid, "key": catalogue_search_key(title, code, titles.get(vid, []))} for vid, title, code in versions]
    if keys:
        bind.execute(sa.text("UPDATE course_versions SET search_key = :key WHERE id = :id"), keys)


def downgrade():
    from lms.core.text import fold

    bind = op.get_bind()
    rows = bind.execute(sa.text("SELECT id, title FROM course_versions")).all()
    if rows:
        bind.execute(sa.text("UPDATE course_versions SET search_key = :key WHERE id = :id"),
                     [{"id": vid, "key": fold(title)[:600]} for vid, title in rows])
    if bind.dialect.name != "sqlite":
        op.alter_column("course_versions", "search_key", type_=sa.String(600), existing_type=sa.Text(),
                        existing_nullable=False)
