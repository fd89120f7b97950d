"""cadre codes in upper case: a code is stored as typed no more ("cb00042" and "CB00042" were two cadres)

Revision ID: 0010_cadre_codes_upper
Revises: 0009_cadre_facts

Codes already stored in another case are upper-cased, unless the upper-case code already belongs to
another cadre: those pairs are left for an admin to resolve (two cadres, two records), and the
migration says how many.
"""
import sqlalchemy as sa
from alembic import op

revision = "0010_cadre_codes_upper"
down_revision = "0009_cadre_facts"
branch_labels = None
depends_on = None


def upgrade():
    # In Python, not SQL: SQLite's UPPER() leaves letters outside ASCII (đ, ư…) as they are.
    bind = op.get_bind()
    rows = bind.execute(sa.text("SELECT id, code FROM cadres")).all()
    taken = {code for _id, code in rows}
    renamed, left = [], 0
    for cadre_id, code in rows:
        upper = code.strip().upper()
        if upper == code:
            continue
        if upper in taken:
            left += 1
            continue
        taken.add(upper)
        renamed.append({"id": cadre_id, "code": upper})
    if renamed:
        bind.execute(sa.text("UPDATE cadres SET code = :code WHERE id = :id"), renamed)
    if left:
        print(f"0010: {left} cadre code(s) differ only in case from another cadre's; left as they are.")


def downgrade():
    pass  # the original case is not kept; upper-case codes stay valid
