"""A cadre's dated facts (employment, education and political-theory levels): the history that creating,
importing and editing a cadre write, the refusal of a change dated before the open period, and the page."""
from __future__ import annotations

import datetime as dt
import re

import pytest
from sqlalchemy import select

from lms.cadres.importing import import_cadres, read_file
from lms.cadres.models import CadreFacts, EducationLevel, PoliticalLevel
from lms.cadres.operations import CadreData, update_cadre
from lms.core.clock import local_today
from lms.core.db import db
from lms.core.errors import ValidationError
from tests.cadres.test_import import cadre, csv_text
from tests.conftest import html_text

JOINED = dt.date(2021, 1, 1)  # the factory's default membership start


def _levels(model) -> dict[str, object]:
    return {row.code: row for row in db.session.scalars(select(model))}


@pytest.fixture()
def levels(ctx):
    return {"education": _levels(EducationLevel), "political": _levels(PoliticalLevel)}


def history(c) -> list[tuple]:
    education = {e.id: e.code for e in db.session.scalars(select(EducationLevel))}
    political = {p.id: p.code for p in db.session.scalars(select(PoliticalLevel))}
    rows = db.session.scalars(
        select(CadreFacts).where(CadreFacts.cadre_id == c.id).order_by(CadreFacts.start_on, CadreFacts.id)).all()
    return [(r.start_on, r.end_on, r.employment, education.get(r.education_level_id), political.get(r.political_level_id))
            for r in rows]


def data_of(c, **changes) -> CadreData:
    """The cadre's own data, with ``changes``: what the edit form would post."""
    values = dict(code=c.code, full_name=c.full_name, gender=c.gender, unit=c.unit, birth_date=c.birth_date,
                  employment=c.employment, education_level=c.education_level, political_level=c.political_level,
                  track_override=c.track_override, email=c.email, phone=c.phone, term=c.term)
    values.update(changes)
    return CadreData(**values)


# -- creating ------------------------------------------------------------------------------------

def test_creating_a_cadre_opens_the_first_period_when_they_join(make, levels):
    unit = make.unit()
    c = make.cadre(unit=unit, employment="full_time", start_on=dt.date(2019, 4, 1),
                   education_level=levels["education"]["university"], political_level=levels["political"]["trung_cap"])
    assert history(c) == [(dt.date(2019, 4, 1), None, "full_time", "university", "trung_cap")]


def test_importing_new_cadres_opens_their_first_period(province):
    header = ["Mã cán bộ", "Họ và tên", "Giới tính", "Mã đơn vị", "Chế độ", "Trình độ chuyên môn", "Lý luận chính trị"]
    rows = [["CB-F1", "Nguyễn Thị Ánh", "Nữ", "CS-MAY", "Chuyên trách", "Đại học", "Trung cấp"],
            ["CB-F2", "Trần Văn Đức", "Nam", "CS-TRUONG", "", "", ""]]
    report = import_cadres(read_file(csv_text(rows, header=header).encode()), dt.date(2025, 7, 1))
    assert report.errors == [] and report.created == 2
    assert history(cadre("CB-F1")) == [(dt.date(2025, 7, 1), None, "full_time", "university", "trung_cap")]
    assert history(cadre("CB-F2")) == [(dt.date(2025, 7, 1), None, "part_time", None, None)]


# -- editing -------------------------------------------------------------------------------------

def test_a_change_closes_the_open_period_and_opens_the_next(make, levels):
    c = make.cadre(unit=make.unit(), education_level=levels["education"]["university"])
    update_cadre(c, data_of(c, employment="full_time"), dt.date(2022, 3, 1))
    update_cadre(c, data_of(c, education_level=levels["education"]["postgraduate"],
                            political_level=levels["political"]["cao_cap"]), dt.date(2024, 9, 15))
    assert history(c) == [
        (JOINED, dt.date(2022, 3, 1), "part_time", "university", None),
        (dt.date(2022, 3, 1), dt.date(2024, 9, 15), "full_time", "university", None),
        (dt.date(2024, 9, 15), None, "full_time", "postgraduate", "cao_cap"),
    ]
    assert (c.employment, c.education_level.code, c.political_level.code) == ("full_time", "postgraduate", "cao_cap")


def test_an_edit_that_changes_none_of_them_writes_no_period(make):
    c = make.cadre(unit=make.unit())
    update_cadre(c, data_of(c, phone="0912345678"), dt.date(2023, 1, 1))
    assert history(c) == [(JOINED, None, "part_time", None, None)]


def test_a_change_on_the_day_the_period_started_corrects_it(make, levels):
    c = make.cadre(unit=make.unit())
    update_cadre(c, data_of(c, political_level=levels["political"]["so_cap"]), JOINED)
    assert history(c) == [(JOINED, None, "part_time", None, "so_cap")]


def test_a_change_before_the_open_period_is_refused_and_changes_nothing(make, levels):
    c = make.cadre(unit=make.unit())
    update_cadre(c, data_of(c, employment="full_time"), dt.date(2023, 5, 1))
    before = history(c)
    with pytest.raises(ValidationError) as refused:
        update_cadre(c, data_of(c, employment="part_time", phone="0912345678",
                                education_level=levels["education"]["university"]), dt.date(2023, 4, 30))
    assert list(refused.value.errors) == ["effective_on"]
    assert "01/05/2023" in refused.value.errors["effective_on"]
    assert history(c) == before
    assert (c.employment, c.education_level, c.phone) == ("full_time", None, "")


def test_a_cadre_without_history_keeps_its_values_before_the_change(make, levels):
    """Data loaded without history (no facts row): the old values get a period from the first membership."""
    c = make.cadre(unit=make.unit(), education_level=levels["education"]["college"])
    for row in db.session.scalars(select(CadreFacts).where(CadreFacts.cadre_id == c.id)):
        db.session.delete(row)
    db.session.flush()
    update_cadre(c, data_of(c, education_level=levels["education"]["university"]), dt.date(2024, 6, 1))
    assert history(c) == [
        (JOINED, dt.date(2024, 6, 1), "part_time", "college", None),
        (dt.date(2024, 6, 1), None, "part_time", "university", None),
    ]


def test_an_import_changing_a_level_is_dated_and_one_before_the_period_is_refused(province, levels):
    existing = province["cadre_a"]  # part-time, no levels, member since 01/01/2021
    header = ["Mã cán bộ", "Họ và tên", "Giới tính", "Mã đơn vị", "Lý luận chính trị"]
    data = csv_text([[existing.code, existing.full_name, "Nữ", "CS-MAY", "Sơ cấp"]], header=header).encode()

    refused = import_cadres(read_file(data), dt.date(2020, 12, 31))
    assert [(e.row, e.field) for e in refused.errors] == [(2, "Trình độ lý luận chính trị")]
    assert "01/01/2021" in refused.errors[0].message
    assert existing.political_level is None
    assert history(existing) == [(JOINED, None, "part_time", None, None)]

    report = import_cadres(read_file(data), dt.date(2025, 7, 1))
    assert report.errors == [] and report.updated == 1
    assert history(existing) == [
        (JOINED, dt.date(2025, 7, 1), "part_time", None, None),
        (dt.date(2025, 7, 1), None, "part_time", None, "so_cap"),
    ]
    assert import_cadres(read_file(data), dt.date(2025, 8, 1)).unchanged == 1  # the same file again: no new period


# -- the edit form and the cadre's page ----------------------------------------------------------------

def _form(c, **changes) -> dict:
    form = {"code": c.code, "full_name": c.full_name, "gender": c.gender, "unit": str(c.unit_id),
            "employment": c.employment, "education_level": str(c.education_level_id or 0),
            "political_level": str(c.political_level_id or 0), "track_override": "0", "term": "", "email": "",
            "phone": "", "effective_on": local_today().isoformat()}
    form.update(changes)
    return form


def test_the_edit_form_dates_the_change_and_refuses_one_before_the_period(client, auth, province, levels):
    c = province["cadre_b"]  # part-time since 01/01/2021
    auth.login("admin")
    page = html_text(client.get(f"/cadres/{c.id}/edit"))
    assert "Ngày có hiệu lực (khi chuyển đơn vị, đổi chức danh, chế độ hoặc trình độ)" in page

    r = client.post(f"/cadres/{c.id}/edit", data=_form(c, employment="full_time", effective_on="2020-06-30"))
    assert r.status_code == 200
    assert "trước ngày bắt đầu của chế độ công tác và trình độ đang ghi nhận (01/01/2021)" in html_text(r)
    assert c.employment == "part_time" and history(c) == [(JOINED, None, "part_time", None, None)]

    future = (local_today() + dt.timedelta(days=1)).isoformat()
    r = client.post(f"/cadres/{c.id}/edit", data=_form(c, employment="full_time", effective_on=future))
    assert r.status_code == 200 and "Ngày có hiệu lực không được sau hôm nay." in html_text(r)
    assert c.employment == "part_time"

    university = levels["education"]["university"]
    r = client.post(f"/cadres/{c.id}/edit", data=_form(c, employment="full_time", education_level=str(university.id),
                                                       effective_on="2023-02-01"))
    assert r.status_code == 302
    assert history(c) == [
        (JOINED, dt.date(2023, 2, 1), "part_time", None, None),
        (dt.date(2023, 2, 1), None, "full_time", "university", None),
    ]

    page = html_text(client.get(f"/cadres/{c.id}"))
    assert "Quá trình chế độ công tác và trình độ" in page
    rows = [re.findall(r"<td[^>]*>([^<]*)</td>", row) for row in re.findall(r"<tr><td data-label.*?</tr>", page)]
    assert rows == [["01/02/2023", "nay", "Chuyên trách", "Đại học", "–"],
                    ["01/01/2021", "01/02/2023", "Không chuyên trách", "–", "–"]]
    assert '<td data-label="Lý luận chính trị">' in page  # the column's name, shown beside the value on a phone
