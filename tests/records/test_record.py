"""The training record page: three kinds of entries, hours per year, who may see it, and what it survives."""
from __future__ import annotations

import datetime as dt

import pytest
from sqlalchemy import event, select

from lms.core.db import db
from lms.records.models import RecordEntry
from tests.conftest import html_text


def _login(auth, province, role):
    auth.logout()
    assert auth.login(province["users"][role].username).status_code == 302


def test_the_record_shows_all_three_kinds_with_hours_per_year(client, auth, province, records):
    cadre = province["cadre_a"]
    online = records.online(cadre, end_on=dt.date(2024, 5, 10), hours=8)
    records.training_class([cadre], start_on=dt.date(2024, 9, 12), end_on=dt.date(2024, 9, 13), hours=16)
    records.training_class([cadre], title="Nghiệp vụ công tác kiểm tra", start_on=dt.date(2023, 4, 3),
                           end_on=dt.date(2023, 4, 3), hours=6)
    records.external(cadre, end_on=dt.date(2023, 12, 20), hours=120)
    _login(auth, province, "cadre")

    page = html_text(client.get(f"/records/{cadre.id}"))
    assert "Nguyễn Thị Ánh" in page
    assert "Kỹ năng thương lượng tập thể" in page and online.certificate.serial in page
    assert "Tập huấn Điều lệ Công đoàn Việt Nam" in page and "Nghiệp vụ công tác kiểm tra" in page
    assert "Cao cấp lý luận chính trị hệ không tập trung" in page and "Học viện Chính trị khu vực I" in page
    # 2024: 8 online + 16 in class; 2023: 6 in class + 120 external
    assert ('<td>2024</td><td class="num">8</td><td class="num">16</td><td class="num">0</td>'
            '<td class="num"><strong>24</strong></td>') in page
    assert ('<td>2023</td><td class="num">0</td><td class="num">6</td><td class="num">120</td>'
            '<td class="num"><strong>126</strong></td>') in page
    assert "150" in page  # the total
    # and the download links of every installed exporter
    for name in ("csv", "xlsx", "pdf"):
        assert f"/records/{cadre.id}/export/{name}" in page


def test_records_me_leads_a_cadre_to_their_own_record(client, auth, province):
    _login(auth, province, "cadre")
    response = client.get("/records/me")
    assert response.status_code == 302
    assert response.headers["Location"].endswith(f"/records/{province['cadre_a'].id}")
    _login(auth, province, "trainer")
    assert client.get("/records/me").status_code == 403


@pytest.mark.parametrize("role, own_cadre, other_cadre", [
    ("cadre", 200, 403),         # their own, never another cadre's
    ("cadre2", 403, 200),
    ("union", 200, 403),         # the subtree of upper_a holds cadre_a, not cadre_b
    ("other_union", 403, 200),
    ("admin", 200, 200),
    ("trainer", 403, 403),
])
def test_who_sees_which_record(client, auth, province, role, own_cadre, other_cadre):
    _login(auth, province, role)
    assert client.get(f"/records/{province['cadre_a'].id}").status_code == own_cadre
    assert client.get(f"/records/{province['cadre_b'].id}").status_code == other_cadre
    assert client.get("/records/999999").status_code == 404


def test_the_union_admin_follows_the_cadre_current_unit(client, auth, province, make):
    """Transferred to another subtree: the old union admin loses the record, the new one gains it."""
    from lms.cadres.operations import transfer

    transfer(province["cadre_a"], province["pub"], dt.date(2025, 1, 1))
    db.session.flush()
    _login(auth, province, "union")
    assert client.get(f"/records/{province['cadre_a'].id}").status_code == 403
    _login(auth, province, "other_union")
    assert client.get(f"/records/{province['cadre_a'].id}").status_code == 200


def _titles(client, cadre_id) -> str:
    return html_text(client.get(f"/records/{cadre_id}"))


def test_the_record_survives_transfer_merge_and_dissolution(client, auth, province, records, make):
    from lms.cadres.operations import transfer
    from lms.orgs.operations import dissolve_unit, merge_unit

    cadre = province["cadre_a"]
    records.online(cadre)
    records.training_class([cadre], unit=province["biz"])
    records.external(cadre)
    before = set(db.session.scalars(select(RecordEntry.id).where(RecordEntry.cadre_id == cadre.id)))
    assert len(before) == 3
    _login(auth, province, "admin")

    transfer(cadre, province["pub"], dt.date(2025, 1, 1))
    db.session.flush()
    after_transfer = _titles(client, cadre.id)

    # the organiser of the class and the cadre's old unit both end
    other = make.unit("Công đoàn Trường THCS Nha Trang", parent=province["upper_b"], track="public", code="CS-THCS")
    merge_unit(province["pub"], other, dt.date(2025, 3, 1))
    db.session.flush()
    after_merge = _titles(client, cadre.id)

    dissolve_unit(other, dt.date(2025, 6, 11))
    dissolve_unit(province["biz"], dt.date(2025, 6, 11))
    db.session.flush()
    db.session.expire_all()
    after_dissolution = _titles(client, cadre.id)

    for page in (after_transfer, after_merge, after_dissolution):
        for text in ("Kỹ năng thương lượng tập thể", "Tập huấn Điều lệ Công đoàn Việt Nam",
                     "Cao cấp lý luận chính trị hệ không tập trung", "Công đoàn Công ty May Đức Giang"):
            assert text in page, text
    assert "Không còn thuộc đơn vị nào" in after_dissolution
    assert set(db.session.scalars(select(RecordEntry.id).where(RecordEntry.cadre_id == cadre.id))) == before
    # a cadre without a unit is in no union admin's scope, but still the federation's and their own
    _login(auth, province, "union")
    assert client.get(f"/records/{cadre.id}").status_code == 403
    _login(auth, province, "cadre")
    assert client.get(f"/records/{cadre.id}").status_code == 200


def test_the_record_survives_a_new_course_version(client, auth, province, records):
    from lms.courses import operations

    course = operations.create_course("THUONG-LUONG", operations.CourseMeta("Kỹ năng thương lượng tập thể"),
                                      province["users"]["trainer"])
    version = operations.latest(course)
    operations.add_module(version, operations.ModuleData("Bài 1", "Nội dung", 5))
    operations.publish(version)
    records.online(province["cadre_a"], course_id=course.id, course_version_id=version.id)

    draft = operations.draft_of(course)
    operations.update_meta(draft, operations.CourseMeta("Thương lượng tập thể (bản 2026)"))
    operations.publish(draft)
    db.session.flush()

    _login(auth, province, "cadre")
    page = _titles(client, province["cadre_a"].id)
    assert "Kỹ năng thương lượng tập thể" in page
    entry = db.session.scalar(select(RecordEntry).where(RecordEntry.cadre_id == province["cadre_a"].id))
    assert entry.course_version_id == version.id


def _count_queries(app, fn) -> int:
    statements = []

    def listener(conn, cursor, statement, parameters, context, executemany):
        statements.append(statement)

    with app.app_context():
        engine = db.engine
    event.listen(engine, "before_cursor_execute", listener)
    try:
        response = fn()
    finally:
        event.remove(engine, "before_cursor_execute", listener)
    assert response.status_code == 200
    return len(statements)


def _fill(records, cadre, n):
    for i in range(n):
        kind = i % 3
        day = dt.date(2015 + i % 10, 1 + i % 12, 10)
        if kind == 0:
            records.online(cadre, title=f"Khóa trực tuyến {i}", end_on=day)
        elif kind == 1:
            records.training_class([cadre], title=f"Lớp {i}", start_on=day, end_on=day, hours=4)
        else:
            records.external(cadre, title=f"Khóa bên ngoài {i}", end_on=day, filename=f"minh-chung-{i}.pdf")


def test_the_record_page_needs_the_same_queries_for_3_or_30_entries(app, client, auth, province, records):
    few, many = province["cadre_a"], province["cadre_b"]
    _fill(records, few, 3)
    _fill(records, many, 30)
    db.session.flush()
    _login(auth, province, "admin")
    counts = [_count_queries(app, lambda c=c: client.get(f"/records/{c.id}")) for c in (few, many, few)]
    assert counts[0] == counts[1], counts
    assert counts[1] <= 8, counts
