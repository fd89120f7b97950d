"""class results start blank ("Chưa có kết quả"); results and certificates only once a class has ended

Revision ID: 0011_class_results_pending
Revises: 0010_cadre_codes_upper

Until now every new attendee of a class was given the result "Đạt" and, in a class granting them,
a certificate at once, even for a class that had not taken place. For the classes that have not
ended yet (their last day after Vietnam's today), this revision clears those results on the
attendance and on the class entries of the training records, and revokes the certificates issued
for them, with the reason shown on the public verification page. Classes that have ended are left
as they are: their results may have been checked by an admin. The schema itself does not change
(the blank result is a Python-side default).
"""
import datetime as dt
from zoneinfo import ZoneInfo

import sqlalchemy as sa
from alembic import op

revision = "0011_class_results_pending"
down_revision = "0010_cadre_codes_upper"
branch_labels = None
depends_on = None

REASON = "Cấp trước khi lớp học kết thúc (lỗi của hệ thống, đã sửa): cấp lại sau khi có kết quả."


def upgrade():
    bind = op.get_bind()
    now = dt.datetime.now(dt.timezone.utc)
    today = now.astimezone(ZoneInfo("Asia/Ho_Chi_Minh")).date()
    future = sa.text("SELECT id FROM training_classes WHERE end_on > :today").bindparams(
        sa.bindparam("today", type_=sa.Date()))
    class_ids = [row[0] for row in bind.execute(future, {"today": today})]
    if not class_ids:
        return
    ids = sa.bindparam("ids", expanding=True)
    bind.execute(sa.text("UPDATE attendances SET result = '' WHERE class_id IN :ids").bindparams(ids),
                 {"ids": class_ids})
    revoked = [row[0] for row in bind.execute(sa.text(
        "SELECT id FROM certificates WHERE status = 'valid' AND class_id IN :ids").bindparams(ids), {"ids": class_ids})]
    bind.execute(sa.text(
        "UPDATE record_entries SET result = '', certificate_id = NULL WHERE kind = 'class' AND class_id IN :ids"
    ).bindparams(ids), {"ids": class_ids})
    if revoked:
        bind.execute(sa.text(
            "UPDATE certificates SET status = 'revoked', revoked_at = :now, revoked_reason = :reason WHERE id IN :ids"
        ).bindparams(sa.bindparam("ids", expanding=True), sa.bindparam("now", type_=sa.DateTime(timezone=True))),
            {"ids": revoked, "now": now, "reason": REASON})
    print(f"0011: {len(class_ids)} class(es) not ended yet: results cleared, {len(revoked)} certificate(s) revoked.")


def downgrade():
    pass  # the cleared results were never entered by anyone; revoked certificates stay revoked
