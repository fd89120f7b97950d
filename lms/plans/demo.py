"""The demo's "plans" step: training plans with overdue, upcoming and relative assignments.

Due dates are set relative to the day the demo is built (so that "overdue" and "due soon" stay
true whenever someone builds it); everything else is deterministic.
"""
from __future__ import annotations

import datetime as dt

from sqlalchemy import select

from lms.cadres.models import Cadre, TitleType
from lms.core.db import db
from lms.core.i18n import format_number
from lms.courses.models import Course
from lms.orgs.models import Track
from lms.plans import operations, queries


def build_plans(ctx) -> str:
    """Part-time business cadres: the Charter course overdue for three months (most are overdue; the
    `learning` step's graduates have completed it); public-sector cadres: the grassroots-democracy
    course due in four months; newly elected cadres: the Charter course 60 days after entering;
    chairs under the `union` login (the `cadre` login is one): the finance course overdue (every 2
    years) and the dialogue course due in 5 days; the pool planned for grassroots chairs of the next
    term (quy hoạch: 150 deputy chairs and the `cadre2` login, in it for three months): the finance
    course within 180 days of entering the pool."""
    rng = ctx.rng("plans")
    today = queries.today()
    admin, union = ctx.users["admin"], ctx.users["union"]
    courses = {c.code: c for c in db.session.scalars(select(Course))}
    tracks = {t.code: t for t in db.session.scalars(select(Track))}
    chair = db.session.scalar(select(TitleType).where(TitleType.code == "chu_tich"))

    def assign(plan, code: str, actor, **due) -> object:
        return operations.create_assignment(plan, operations.AssignmentData([courses[code]], **due), actor)

    part_time = operations.create_plan(operations.PlanData(
        "Cán bộ không chuyên trách khu vực sản xuất kinh doanh", tracks=[tracks["business"]], employment="part_time"),
        admin)
    charter = assign(part_time, "DIEU-LE-LUAT-2024", admin, due_on=queries.add_months(today, -3),
                     starts_on=queries.add_months(today, -6), note="Học tập Luật Công đoàn 2024 (hiệu lực 01/7/2025).")
    public = operations.create_plan(operations.PlanData(
        "Cán bộ khu vực hành chính sự nghiệp", tracks=[tracks["public"]]), admin)
    assign(public, "DAN-CHU-CO-SO", admin, due_on=queries.add_months(today, 4), starts_on=today)
    newcomers = operations.create_plan(operations.PlanData(
        "Cán bộ mới được bầu, bổ nhiệm trong 24 tháng", new_within_months=24), admin)
    assign(newcomers, "DIEU-LE-LUAT-2024", admin, due_days=60, starts_on=today - dt.timedelta(days=30))
    chairs = operations.create_plan(operations.PlanData("Chủ tịch công đoàn cơ sở", titles=[chair]), union)
    assign(chairs, "KIEM-TRA-TAI-CHINH", union, due_on=today - dt.timedelta(days=20), cycle_years=2,
           starts_on=queries.add_months(today, -2))
    assign(chairs, "THUONG-LUONG-DOI-THOAI", union, due_on=today + dt.timedelta(days=5), starts_on=today)

    pool = _planning_pool(ctx, rng, chair, today - dt.timedelta(days=90))
    planned = operations.create_plan(operations.PlanData(
        "Nguồn quy hoạch Chủ tịch công đoàn cơ sở nhiệm kỳ 2028–2033", planned_titles=[chair]), admin)
    assign(planned, "KIEM-TRA-TAI-CHINH", admin, due_days=180, starts_on=today - dt.timedelta(days=90))

    members = db.session.scalars(queries.audience_select(queries.Rule.of(part_time), today)).all()
    login_cadres = {u.cadre_id for u in ctx.users.values() if u.cadre_id}
    exempted = rng.sample(sorted(m for m in members if m not in login_cadres), 3)
    reasons = ("Nghỉ thai sản", "Đã học lớp tập trung tương đương của LĐLĐ tỉnh", "Đang điều trị dài ngày")
    for cadre_id, reason in zip(exempted, reasons):
        operations.exempt(charter, db.session.get(Cadre, cadre_id), reason, admin, today)
    return (f"5 đối tượng, 6 lần giao khóa học; {format_number(len(members))} cán bộ không chuyên trách khu vực "
            f"sản xuất kinh doanh được giao khóa Điều lệ, hạn đã qua 3 tháng (3 được miễn); {format_number(pool)} "
            "cán bộ trong quy hoạch Chủ tịch công đoàn cơ sở nhiệm kỳ 2028–2033")


def _planning_pool(ctx, rng, chair, since: dt.date) -> int:
    """Deputy chairs of grassroots unions, and the `cadre2` login, planned for chair of the next term."""
    from lms.cadres.models import CadreTitle
    from lms.cadres.operations import add_planning
    from lms.orgs.models import Unit, UnitLevel

    deputies = db.session.scalars(
        select(CadreTitle.cadre_id).join(TitleType, TitleType.id == CadreTitle.title_type_id)
        .join(Cadre, Cadre.id == CadreTitle.cadre_id).join(Unit, Unit.id == Cadre.unit_id)
        .join(UnitLevel, UnitLevel.id == Unit.level_id)
        .where(TitleType.code == "pho_chu_tich", CadreTitle.end_on.is_(None), UnitLevel.code == "grassroots")
        .order_by(CadreTitle.cadre_id)).all()
    chosen = set(rng.sample(sorted(set(deputies)), min(150, len(set(deputies)))))
    chosen.add(ctx.users["cadre2"].cadre_id)
    for cadre_id in sorted(chosen):
        add_planning(db.session.get(Cadre, cadre_id), chair, since, "2028–2033", "Nghị quyết của Ban Thường vụ LĐLĐ tỉnh")
    return len(chosen)
