"""The tables (and charts) of the report pages, built from the query results as plain data.

The page renders these tables and the exports write them, so both always agree.
"""
from __future__ import annotations

from flask import url_for

from lms.core.i18n import _, format_date
from lms.reports.charts import Bar, bar_chart, split_chart
from lms.reports.exports import INT, SHARE, Cell, Column, Table
from lms.reports.queries import Overview, RollUp


def _share(part: int, whole: int) -> float | None:
    return part / whole if whole else None


def overview_tables(data: Overview) -> list[Table]:
    count, share = Column(_("Số cán bộ"), INT), Column(_("Tỷ lệ"), SHARE)
    units = Table("units", _("Đơn vị theo cấp"), [Column(_("Cấp")), Column(_("Số đơn vị"), INT)],
                  [[r.label, r.count] for r in data.units_by_level])
    employment = Table("employment", _("Chế độ công tác"), [Column(_("Chế độ")), count, share], [
        [_("Chuyên trách"), data.full_time, _share(data.full_time, data.cadres)],
        [_("Không chuyên trách"), data.part_time, _share(data.part_time, data.cadres)],
        [_("Nữ"), data.female, _share(data.female, data.cadres)],
    ], footer=[_("Tổng số cán bộ công đoàn"), data.cadres, _share(data.cadres, data.cadres)])
    education_rows = [[r.label, r.count, _share(r.count, data.cadres)] for r in data.education]
    if data.education_unknown:
        education_rows.append([_("Chưa cập nhật"), data.education_unknown, _share(data.education_unknown, data.cadres)])
    education = Table("education", _("Trình độ chuyên môn"), [Column(_("Trình độ")), count, share], education_rows,
                      footer=[_("Đại học trở lên"), data.university_or_higher, _share(data.university_or_higher, data.cadres)])
    political_rows = [[r.label, r.count, _share(r.count, data.cadres)] for r in data.political]
    if data.political_unknown:
        political_rows.append([_("Chưa qua đào tạo / chưa cập nhật"), data.political_unknown,
                               _share(data.political_unknown, data.cadres)])
    political = Table("political", _("Trình độ lý luận chính trị"), [Column(_("Trình độ")), count, share], political_rows)
    term = _("%(start)s–%(end)s", start=format_date(data.term_start), end=format_date(data.term_end))
    classes = Table("classes", _("Lớp tập huấn trực tiếp trong nhiệm kỳ"), [Column(_("Chỉ tiêu")), Column(_("Số lượng"), INT)], [
        [_("Lớp tập huấn, bồi dưỡng"), data.classes],
        [_("Lượt cán bộ tham dự"), data.attendances],
    ], caption=term)
    study = Table("study", _("Cán bộ được cử đi đào tạo trong nhiệm kỳ"), [Column(_("Loại hình đào tạo")), count],
                  [[r.label, r.count] for r in data.study], caption=term)
    return [units, employment, education, political, classes, study]


def overview_charts(data: Overview) -> dict:
    return {
        "employment": split_chart(_("Cán bộ chuyên trách và không chuyên trách"), [
            (_("Chuyên trách"), data.full_time), (_("Không chuyên trách"), data.part_time)]),
        "political": bar_chart(_("Trình độ lý luận chính trị"), [
            Bar(r.label, (r.count / data.cadres) if data.cadres else 0, _pct(r.count, data.cadres)) for r in data.political]),
    }


def _pct(part: int, whole: int) -> str:
    from lms.core.i18n import format_percent

    return format_percent(part, whole)


def rollup_tables(data: RollUp, args: dict) -> list[Table]:
    plans = data.plans_available
    # The code tells apart units of the same name (three "Công đoàn Công ty TNHH Hanwoo Vina" in the demo):
    # its own column in the exports, where the link of the name is lost; after the name on the page.
    columns = [Column(_("Đơn vị")), Column(_("Mã đơn vị"), on_page=False), Column(_("Số cán bộ"), INT),
               Column(_("Đã bồi dưỡng"), INT),
               Column(_("Tỷ lệ đã bồi dưỡng"), SHARE), Column(_("Số giờ học"), INT)]
    if plans:
        columns += [Column(_("Được giao"), INT), Column(_("Hoàn thành"), INT), Column(_("Quá hạn"), INT)]

    def figures(f) -> list:
        values = [f.cadres, f.trained, f.share_trained, f.hours]
        return values + ([f.assigned, f.completed, f.overdue] if plans else [])

    rows = []
    for row in data.rows:
        if row.unit is None:
            code = data.unit.code
            label = Cell(_("Cán bộ trực thuộc trực tiếp %(name)s", name=data.unit.name))
        else:
            code = row.unit.code
            name = row.unit.name + ("" if row.unit.active_to is None else " " + _("(đã giải thể/sáp nhập)"))
            label = Cell(name, url_for("reports.unit", unit_id=row.unit.id, **args), note=code)
        rows.append([label, code, *figures(row.figures)])
    units = Table("units", _("Đơn vị trực thuộc"), columns, rows, footer=[_("Tổng cộng"), "", *figures(data.total)])
    tables = [units]
    if data.cadres is not None:
        # The code after the name on the page, as the units' (a column of its own squeezed the units' names
        # into a column of single words on a phone); its own column in the exports.
        cadre_columns = [Column(_("Mã cán bộ"), on_page=False), Column(_("Họ và tên")), Column(_("Đơn vị")),
                         Column(_("Chế độ")), Column(_("Tình trạng")),
                         Column(_("Khóa học hoàn thành"), INT), Column(_("Lượt dự lớp"), INT), Column(_("Số giờ học"), INT)]
        if plans:
            cadre_columns += [Column(_("Được giao"), INT), Column(_("Hoàn thành"), INT), Column(_("Quá hạn"), INT)]
        cadre_rows = []
        for c in data.cadres:
            row = [c.cadre.code, Cell(c.cadre.full_name, url_for("records.show", cadre_id=c.cadre.id), note=c.cadre.code),
                   c.cadre.unit.name if c.cadre.unit else "",
                   _("Chuyên trách") if c.cadre.employment == "full_time" else _("Không chuyên trách"),
                   _("Đã bồi dưỡng") if c.trained else _("Chưa bồi dưỡng"),
                   c.completions, c.attendances, c.hours]
            if plans:
                row += [c.plan.assigned, c.plan.completed, c.plan.overdue]
            cadre_rows.append(row)
        tables.append(Table("cadres", _("Cán bộ"), cadre_columns, cadre_rows))
    return tables


def rollup_chart(data: RollUp):
    bars = []
    for row in data.rows:
        f = row.figures
        label = row.unit.name if row.unit is not None else _("Trực thuộc trực tiếp")
        bars.append(Bar(label, f.share_trained or 0, _pct(f.trained, f.cadres)))
    return bar_chart(_("Tỷ lệ cán bộ đã bồi dưỡng theo đơn vị"), bars) if bars else None
