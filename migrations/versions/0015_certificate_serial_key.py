"""certificates.serial_key: the serial folded (no accents, small letters) for the public look-up

Revision ID: 0015_certificate_serial_key
Revises: 0014_account_lifecycle

A visitor who types "30/GCN-LDLD-2026" or "30/gcn-lđlđ-2026" from a paper certificate (a phone keyboard
without Vietnamese letters) found nothing: the look-up wanted the serial exactly as printed. Existing
certificates get their key here, folded in Python as the model folds new ones (SQLite's LOWER() leaves
letters outside ASCII as they are, and neither database drops accents).
"""
import sqlalchemy as sa
from alembic import op

from lms.core.text import fold

revision = "0015_certificate_serial_key"
down_revision = "0014_account_lifecycle"
branch_labels = None
depends_on = None


def upgrade():
    op.add_column("certificates", sa.Column("serial_key", sa.String(length=80), nullable=False, server_default=""))
    bind = op.get_bind()
    rows = [{"id": certificate_id, "key": fold(serial)}
            for certificate_id, serial in bind.execute(sa.text("SELECT id, serial FROM certificates")).all()]
    if rows:
        bind.execute(sa.text("UPDATE certificates SET serial_key = :key WHERE id = :id"), rows)
    op.create_index(op.f("ix_certificates_serial_key"), "certificates", ["serial_key"], unique=False)


def downgrade():
    op.drop_index(op.f("ix_certificates_serial_key"), table_name="certificates")
    op.drop_column("certificates", "serial_key")
