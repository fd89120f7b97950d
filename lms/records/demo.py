"""The demo's training history: the article's 2014–2019 term, written straight into the records.

The article counts 47 in-person classes with 3,573 cadre-attendances (lượt) in the term, organised
by the federation and the upper-level unions on six topics, and 7 cadres sent for a master's degree,
8 for advanced and 8 for intermediate political theory. This step reproduces exactly those figures.

Like the rest of the demo it uses bulk INSERTs (one per table) and fills every column as
:mod:`lms.records.operations` would: one ``Attendance`` and one ``RecordEntry`` of kind "class" per
attendee (title, organiser's name as provider, dates, hours, result, topic as note), and
``RecordEntry`` rows of kind "external" for the cadres sent to study (without evidence files: the
demo has no scanned diplomas). Those cadres held the level below until their study ended: their
``CadreFacts`` history is written again with that period. Attendees are drawn from the organiser's
subtree, preferring cadres who had already joined their unit by the class; the ``cadre`` and
``cadre2`` logins attend at least two classes each, so their records are not empty.
"""
from __future__ import annotations

import datetime as dt
import random
from typing import TYPE_CHECKING

from sqlalchemy import insert

from lms.core.db import db
from lms.core.i18n import format_number
from lms.records.models import KIND_CLASS, KIND_EXTERNAL, Attendance, RecordEntry, TrainingClass
from lms.reports.operations import set_default_term

if TYPE_CHECKING:  # lms.demo imports this module
    from lms.demo import DemoCadre, DemoContext, DemoUnit

TERM_START = dt.date(2014, 1, 1)
TERM_END = dt.date(2019, 9, 30)
#: The article's term as the reports' default period (the article was written before its end).
REPORT_TERM = (dt.date(2014, 1, 1), dt.date(2019, 12, 31))
CLASSES_TOTAL = 47
ATTENDANCES_TOTAL = 3573
CLASSES_PER_YEAR = {2014: 7, 2015: 8, 2016: 8, 2017: 8, 2018: 8, 2019: 8}
#: The upper-level unions that existed in the term (the ward and commune unions date from 2025).
TERM_UPPERS = ("CD-KCN", "CD-VC", "CD-GD", "CD-YT")
#: (topic as stored, as it reads in a class title)
TOPICS = (
    ("Điều lệ Công đoàn Việt Nam", "Điều lệ Công đoàn Việt Nam"),
    ("Nghiệp vụ công tác kiểm tra", "nghiệp vụ công tác kiểm tra"),
    ("Tài chính công đoàn", "nghiệp vụ tài chính công đoàn"),
    ("Thi đua khen thưởng", "công tác thi đua khen thưởng"),
    ("Hoạt động nữ công", "nghiệp vụ hoạt động nữ công"),
    ("Phương pháp hoạt động công đoàn", "phương pháp hoạt động công đoàn cơ sở"),
)
TRAINERS = ("Hoàng Thị Lan", "Nông Văn Thắng", "Ma Thị Hiền", "Triệu Văn Tài", "Lục Thị Nguyệt", "Hà Đức Quang")
RESULTS = (("Đạt", 70), ("Khá", 20), ("Giỏi", 10))
#: (study kind, count, title, provider, years of study, the cadres' political or education level)
SENT_TO_STUDY = (
    ("masters", 7, "Thạc sĩ {field}", "Trường Đại học Công đoàn", 2, "postgraduate"),
    ("political_advanced", 8, "Cao cấp lý luận chính trị (hệ không tập trung)", "Học viện Chính trị khu vực I", 2,
     "cao_cap"),
    ("political_intermediate", 8, "Trung cấp lý luận chính trị – hành chính", "Trường Chính trị tỉnh Bắc Kạn", 1,
     "trung_cap"),
)
#: The level a cadre held before the study ended, by the level it gave: (field, choices drawn from).
LEVEL_BEFORE = {
    "postgraduate": ("education", ("university",)),
    "cao_cap": ("political", ("trung_cap",)),
    "trung_cap": ("political", ("so_cap", None)),
}
MASTERS_FIELDS = ("Quản trị nhân lực", "Quản lý kinh tế", "Luật kinh tế", "Quản trị kinh doanh")


def _sizes(rng: random.Random, capacities: list[int]) -> list[int]:
    """Class sizes adding up to exactly ATTENDANCES_TOTAL, each within its pool's capacity."""
    weights = [rng.uniform(0.7, 1.3) * (1.4 if cap > 1000 else 1.0) for cap in capacities]
    scale = ATTENDANCES_TOTAL / sum(weights)
    sizes = [min(cap, max(20, round(w * scale))) for w, cap in zip(weights, capacities)]
    while (gap := ATTENDANCES_TOTAL - sum(sizes)) != 0:
        step = 1 if gap > 0 else -1
        candidates = [i for i, s in enumerate(sizes) if (s < capacities[i] if step > 0 else s > 20)]
        if not candidates:
            raise RuntimeError("the class pools cannot hold the article's attendances")
        sizes[rng.choice(candidates)] += step
    return sizes


def _in_subtree(cadre: DemoCadre, unit: DemoUnit) -> bool:
    current = cadre.unit
    while current is not None:
        if current is unit:
            return True
        current = current.parent
    return False


def build_classes(ctx: DemoContext) -> str:
    """47 classes and 3,573 attendances in 2014–2019, and 23 cadres sent to study, as records."""
    rng = ctx.rng("classes")
    assert ctx.federation is not None, "build_units runs first"
    organisers = [ctx.federation] + [ctx.upper(code) for code in TERM_UPPERS]
    pools = {id(unit): [c for c in ctx.cadres if _in_subtree(c, unit)] for unit in organisers}

    plans = []
    for year, count in CLASSES_PER_YEAR.items():
        for _ in range(count):
            unit = ctx.federation if rng.random() < 0.4 else rng.choice(organisers[1:])
            days = rng.choice((1, 2, 2, 3))
            start = _random_day(rng, max(TERM_START, dt.date(year, 3, 1)),
                                min(TERM_END - dt.timedelta(days=2), dt.date(year, 11, 30)))
            plans.append((unit, start, start + dt.timedelta(days=days - 1), 8 * days))
    plans.sort(key=lambda p: p[1])
    assert len(plans) == CLASSES_TOTAL
    sizes = _sizes(rng, [len(pools[id(unit)]) for unit, *_ in plans])

    trainer_id = ctx.users["trainer"].id
    admin_id = ctx.users["admin"].id
    class_rows = []
    for number, (unit, start, end, hours) in enumerate(plans):
        topic, phrase = TOPICS[number % len(TOPICS)] if number < len(TOPICS) else rng.choice(TOPICS)
        audience = "cán bộ công đoàn cơ sở" if unit is not ctx.federation else "cán bộ công đoàn chủ chốt"
        class_rows.append({
            "title": f"Tập huấn {phrase} cho {audience} năm {start.year}", "topic": topic,
            "organiser_unit_id": unit.id, "start_on": start, "end_on": end, "hours": hours,
            "place": f"Hội trường {'Liên đoàn Lao động tỉnh' if unit is ctx.federation else unit.name}",
            "trainer_name": rng.choice(TRAINERS), "grants_certificate": False,
            "created_by_id": trainer_id if unit is ctx.federation else admin_id,
        })
    class_ids = db.session.scalars(
        insert(TrainingClass).returning(TrainingClass.id, sort_by_parameter_order=True), class_rows).all()

    attendees: list[list[DemoCadre]] = []
    for (unit, start, _end, _hours), size in zip(plans, sizes):
        pool = pools[id(unit)]
        joined = [c for c in pool if c.joined_on <= start]
        later = [c for c in pool if c.joined_on > start]
        chosen = rng.sample(joined, min(size, len(joined)))
        chosen += rng.sample(later, size - len(chosen))
        attendees.append(chosen)
    _seat_logins(ctx, rng, plans, attendees)

    results, weights = zip(*RESULTS)
    attendance_rows, entry_rows = [], []
    for class_id, row, people in zip(class_ids, class_rows, attendees):
        organiser = next(u for u in organisers if u.id == row["organiser_unit_id"])
        for cadre in people:
            result = rng.choices(results, weights=weights)[0]
            attendance_rows.append({"class_id": class_id, "cadre_id": cadre.id, "result": result})
            entry_rows.append({
                "cadre_id": cadre.id, "kind": KIND_CLASS, "study_kind": None, "title": row["title"],
                "provider": organiser.name, "start_on": row["start_on"], "end_on": row["end_on"],
                "hours": row["hours"], "result": result, "class_id": class_id, "evidence_name": "",
                "note": row["topic"], "created_by_id": row["created_by_id"],
            })
    entry_rows += _sent_to_study(ctx, rng)
    _levels_before_study(ctx, entry_rows)
    db.session.execute(insert(Attendance), attendance_rows)
    db.session.execute(insert(RecordEntry), entry_rows)
    # The reports open on the article's term, as a federation admin would set it (/reports/term).
    set_default_term(REPORT_TERM[0], REPORT_TERM[1], ctx.users["admin"])
    sent = sum(count for _, count, *_ in SENT_TO_STUDY)
    return (f"{CLASSES_TOTAL} lớp tập huấn 2014–2019, {format_number(len(attendance_rows))} lượt học viên; "
            f"{sent} cán bộ được cử đi học (7 thạc sĩ, 8 cao cấp, 8 trung cấp lý luận chính trị); "
            f"báo cáo mở với nhiệm kỳ {REPORT_TERM[0]:%d/%m/%Y}–{REPORT_TERM[1]:%d/%m/%Y}")


def _random_day(rng: random.Random, start: dt.date, end: dt.date) -> dt.date:
    return start + dt.timedelta(days=rng.randint(0, max(0, (end - start).days)))


def _seat_logins(ctx: DemoContext, rng: random.Random, plans, attendees: list[list[DemoCadre]]) -> None:
    """Put the ``cadre`` and ``cadre2`` logins in two classes each, replacing a drawn attendee (totals stay)."""
    by_id = {c.id: c for c in ctx.cadres}
    for username in ("cadre", "cadre2"):
        cadre = by_id[ctx.users[username].cadre_id]
        fitting = [i for i, (unit, start, *_rest) in enumerate(plans) if _in_subtree(cadre, unit)]
        already = [i for i in fitting if cadre in attendees[i]]
        later = [i for i in fitting if i not in already and plans[i][1] >= cadre.joined_on] or \
                [i for i in fitting if i not in already]
        for index in rng.sample(later, max(0, min(2 - len(already), len(later)))):
            people = attendees[index]
            replace = next(i for i in range(len(people) - 1, -1, -1) if people[i].id not in
                           {by_id[ctx.users[u].cadre_id].id for u in ("cadre", "cadre2")})
            people[replace] = cadre


def _sent_to_study(ctx: DemoContext, rng: random.Random) -> list[dict]:
    """External-training entries for the cadres sent to study in the term, chosen among those whose
    level the study explains (a master's for postgraduates, political theory for its holders)."""
    rows = []
    used: set[int] = set()
    admin_id = ctx.users["admin"].id
    for study_kind, count, title, provider, years, level in SENT_TO_STUDY:
        holders = [c for c in ctx.cadres if level in (c.education, c.political) and c.id not in used
                   and c.joined_on <= dt.date(2015, 1, 1)]
        for cadre in rng.sample(holders, count):
            used.add(cadre.id)
            start = _random_day(rng, dt.date(2014, 3, 1), dt.date(2019 - years, 10, 1))
            end = _random_day(rng, dt.date(start.year + years, 3, 1), dt.date(start.year + years, 9, 30))
            rows.append({
                "cadre_id": cadre.id, "kind": KIND_EXTERNAL, "study_kind": study_kind,
                "title": title.format(field=rng.choice(MASTERS_FIELDS)), "provider": provider,
                "start_on": start, "end_on": min(end, TERM_END), "hours": 0,
                "result": rng.choice(("Tốt nghiệp loại khá", "Tốt nghiệp loại giỏi", "Tốt nghiệp")),
                "class_id": None, "evidence_name": "",
                "note": "Cử đi học theo quy hoạch cán bộ nhiệm kỳ 2014–2019; bản sao văn bằng lưu tại LĐLĐ tỉnh.",
                "created_by_id": admin_id,
            })
    return rows


def _levels_before_study(ctx: DemoContext, entry_rows: list[dict]) -> None:
    """The cadres sent to study obtained their level when the study ended: before, they held the one below
    (a bachelor's before a master's, intermediate before advanced political theory, elementary or none
    before intermediate). Drawn from a generator of its own, so the rest of the step is unchanged."""
    from lms.demo import replace_facts

    rng = ctx.rng("levels-before-study")
    level_of = {kind: level for kind, _count, _title, _provider, _years, level in SENT_TO_STUDY}
    by_id = {c.id: c for c in ctx.cadres}
    changed = []
    for row in entry_rows:
        if row["kind"] != KIND_EXTERNAL:
            continue
        cadre = by_id[row["cadre_id"]]
        field, choices = LEVEL_BEFORE[level_of[row["study_kind"]]]
        cadre.held_until(row["end_on"], **{field: rng.choice(choices)})
        changed.append(cadre)
    replace_facts(ctx, changed)
