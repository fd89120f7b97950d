"""Move, merge and dissolve keep every cadre's history."""
from __future__ import annotations

import datetime as dt

import pytest
from sqlalchemy import select

from lms.cadres.models import Cadre, CadreTitle, Membership
from lms.core.db import db
from lms.core.errors import ValidationError
from lms.orgs import operations
from lms.orgs.models import Unit, UnitEvent
from tests.conftest import html_text

D = dt.date(2025, 6, 11)


def memberships(cadre):
    return db.session.scalars(select(Membership).where(Membership.cadre_id == cadre.id).order_by(Membership.id)).all()


def test_move_updates_subtree_paths_and_keeps_cadres(province, make):
    fed, upper_a, upper_b, biz = province["fed"], province["upper_a"], province["upper_b"], province["biz"]
    group = make.unit("Tổ công đoàn Phân xưởng 1", parent=biz, level="member_union")
    cadre = province["cadre_a"]
    moved = operations.move_unit(biz, upper_b, D)
    assert moved.parent_id == upper_b.id
    assert moved.path == f"{upper_b.path}{biz.id}/"
    assert db.session.get(Unit, group.id).path == f"{upper_b.path}{biz.id}/{group.id}/"
    assert db.session.get(Cadre, cadre.id).unit_id == biz.id
    assert [m.end_on for m in memberships(cadre)] == [None]
    event = db.session.scalar(select(UnitEvent).where(UnitEvent.unit_id == biz.id, UnitEvent.kind == "move"))
    assert (event.old_parent_id, event.new_parent_id, event.effective_on) == (upper_a.id, upper_b.id, D)
    assert fed.path == "/" + str(fed.id) + "/"


def test_move_refuses_cycles_and_same_parent(province):
    with pytest.raises(ValidationError):
        operations.move_unit(province["upper_a"], province["biz"], D)
    with pytest.raises(ValidationError):
        operations.move_unit(province["biz"], province["upper_a"], D)


def test_merge_moves_cadres_children_and_keeps_history(province, make):
    upper_a, upper_b, biz = province["upper_a"], province["upper_b"], province["biz"]
    other = make.unit("Công đoàn Công ty Cổ phần Gang thép", parent=upper_a, track="business")
    worker = make.cadre("Lê Văn Bình", unit=other, titles=["uv_bch"], start_on=dt.date(2019, 3, 1))
    target = operations.merge_unit(upper_a, upper_b, D)
    assert target.id == upper_b.id
    old = db.session.get(Unit, upper_a.id)
    assert old.active_to == D and old.merged_into_id == upper_b.id
    # the grassroots unions now sit under the target
    assert db.session.get(Unit, biz.id).parent_id == upper_b.id
    assert db.session.get(Unit, other.id).path.startswith(upper_b.path)
    # cadres of the grassroots unions keep their unit and full history
    assert [m.unit_id for m in memberships(worker)] == [other.id]
    assert db.session.get(Cadre, worker.id).unit_id == other.id


def test_merge_of_grassroots_transfers_members(province, make):
    biz = province["biz"]
    twin = make.unit("Công đoàn Công ty May 2", parent=province["upper_a"], track="business")
    worker = make.cadre("Phạm Thị Dung", unit=twin, titles=["chu_tich"], start_on=dt.date(2018, 1, 1))
    operations.merge_unit(twin, biz, D)
    rows = memberships(worker)
    assert [(m.unit_id, m.start_on, m.end_on) for m in rows] == [(twin.id, dt.date(2018, 1, 1), D), (biz.id, D, None)]
    assert db.session.get(Cadre, worker.id).unit_id == biz.id
    title = db.session.scalar(select(CadreTitle).where(CadreTitle.cadre_id == worker.id))
    assert title.end_on == D  # the title was held in the merged unit
    events = db.session.scalars(select(UnitEvent).where(UnitEvent.unit_id == twin.id)).all()
    assert [e.kind for e in events] == ["create", "merge"]


def test_dissolve_requires_empty_subtree_and_closes_memberships(province):
    with pytest.raises(ValidationError):
        operations.dissolve_unit(province["upper_b"], D)
    pub, cadre = province["pub"], province["cadre_b"]
    operations.dissolve_unit(pub, D, note="Công văn 4133/TLĐ-ToC")
    assert db.session.get(Unit, pub.id).active_to == D
    assert [(m.unit_id, m.end_on) for m in memberships(cadre)] == [(pub.id, D)]
    assert db.session.get(Cadre, cadre.id).unit_id is None
    # the cadre still exists with the full record; the unit still exists as history
    assert db.session.get(Cadre, cadre.id).full_name == "Trần Văn Đức"
    with pytest.raises(ValidationError):
        operations.rename_unit(db.session.get(Unit, pub.id), "Tên mới", D)


def test_rename_is_dated_history(province):
    biz = province["biz"]
    operations.rename_unit(biz, "Công đoàn Tổng công ty May Đức Giang", D)
    event = db.session.scalar(select(UnitEvent).where(UnitEvent.unit_id == biz.id, UnitEvent.kind == "rename"))
    assert (event.old_name, event.new_name) == ("Công đoàn Công ty May Đức Giang", "Công đoàn Tổng công ty May Đức Giang")
    assert db.session.get(Unit, biz.id).search_key.startswith("cong doan tong cong ty may duc giang")


def test_the_history_names_units_as_they_were_on_the_day(client, auth, province, make):
    """A move of 2025 under a parent renamed in 2026 read "Chuyển từ <the 2026 name>": every unit an
    event names is named as it was on the event's date, and today's name only for what came after."""
    biz, upper_a, upper_b = province["biz"], province["upper_a"], province["upper_b"]
    old_a, old_b = upper_a.name, upper_b.name
    twin = make.unit("Công đoàn Công ty May 2", parent=upper_a, code="CS-MAY2")
    operations.move_unit(biz, upper_b, dt.date(2025, 3, 1))
    operations.rename_unit(upper_a, "Công đoàn các Khu công nghiệp tỉnh", dt.date(2025, 7, 1))
    operations.rename_unit(upper_b, "Công đoàn Viên chức và Lực lượng vũ trang", dt.date(2025, 7, 1))
    operations.merge_unit(twin, biz, dt.date(2025, 8, 1))
    operations.rename_unit(biz, "Công đoàn Tổng công ty May Đức Giang", dt.date(2026, 1, 1))
    operations.move_unit(biz, upper_a, dt.date(2026, 2, 1))
    auth.login("admin")
    history = html_text(client.get(f"/units/{biz.id}")).split("Lịch sử")[-1]
    assert f"Chuyển từ {old_a} sang {old_b}" in history
    assert "Tiếp nhận Công đoàn Công ty May 2 sáp nhập" in history
    assert ("Chuyển từ Công đoàn Viên chức và Lực lượng vũ trang sang Công đoàn các Khu công nghiệp tỉnh"
            in history)
    merged = html_text(client.get(f"/units/{twin.id}")).split("Lịch sử")[-1]
    assert "Sáp nhập vào Công đoàn Công ty May Đức Giang" in merged  # its name on 01/08/2025
    assert f"trực thuộc {old_a}" in merged


def test_web_move_by_federation_admin(client, auth, province):
    auth.login("admin")
    biz, upper_b = province["biz"], province["upper_b"]
    r = client.post(f"/units/{biz.id}/move", data={"move-parent": upper_b.id, "move-effective_on": "2025-06-11"})
    assert r.status_code == 302
    db.session.expire_all()
    assert db.session.get(Unit, biz.id).parent_id == upper_b.id
    page = client.get(f"/units/{biz.id}").get_data(as_text=True)
    assert "11/06/2025" in page and "Công đoàn Viên chức tỉnh" in page


def test_web_union_admin_limited_to_subtree(client, auth, province):
    auth.login("union")  # administers upper_a
    biz, upper_b = province["biz"], province["upper_b"]
    # cannot move its unit into another subtree
    r = client.post(f"/units/{biz.id}/move", data={"move-parent": upper_b.id, "move-effective_on": "2025-06-11"})
    assert r.status_code == 422
    assert "Lựa chọn không hợp lệ" in r.get_data(as_text=True) or "không quản lý" in r.get_data(as_text=True)
    db.session.expire_all()
    assert db.session.get(Unit, biz.id).parent_id == province["upper_a"].id
    # cannot restructure the root of its own scope
    assert client.post(f"/units/{province['upper_a'].id}/dissolve", data={"dissolve-effective_on": "2025-06-11"}).status_code == 403
    # can rename inside its subtree, and a failed form keeps what was typed
    r = client.post(f"/units/{biz.id}/rename", data={"rename-name": "", "rename-effective_on": "2025-06-11"})
    assert r.status_code == 422 and "Vui lòng nhập tên đơn vị" in r.get_data(as_text=True)
    r = client.post(f"/units/{biz.id}/rename", data={"rename-name": "Công đoàn May ĐG", "rename-effective_on": "2025-06-11"})
    assert r.status_code == 302


def test_web_create_child_keeps_input_on_error(client, auth, province):
    auth.login("union")
    upper_a = province["upper_a"]
    r = client.get(f"/units/{upper_a.id}/children/new")
    assert r.status_code == 200
    r = client.post(f"/units/{upper_a.id}/children/new", data={
        "code": "CS-MAY", "name": "Công đoàn Công ty Mới", "level": 3, "track": 1, "active_from": "2025-01-01"})
    body = r.get_data(as_text=True)
    assert r.status_code == 200 and "đã có" in body and "Công đoàn Công ty Mới" in body
    for code in ("CS NEW <b>", "CS/MỚI", "-CS"):  # spaces, markup, letters with diacritics, a leading dash
        r = client.post(f"/units/{upper_a.id}/children/new", data={
            "code": code, "name": "Công đoàn Công ty Mới", "level": 3, "track": 1, "active_from": "2025-01-01"})
        assert r.status_code == 200 and "Mã đơn vị chỉ gồm chữ không dấu" in html_text(r), code
    r = client.post(f"/units/{upper_a.id}/children/new", data={
        "code": " cs-new ", "name": "Công đoàn Công ty Mới", "level": 3, "track": 1, "active_from": "2025-01-01"})
    assert r.status_code == 302
    assert db.session.scalar(select(Unit.code).where(Unit.code == "CS-NEW")) == "CS-NEW"


def test_unit_choices_name_the_level_in_the_readers_language(app, province):
    from flask_babel import force_locale

    from lms.orgs.queries import unit_choices

    admin = province["users"]["admin"]
    with app.test_request_context("/"):
        vietnamese = dict(unit_choices(admin))
        with force_locale("en"):
            english = dict(unit_choices(admin))
    assert vietnamese[province["fed"].id].endswith("(LDLD · Liên đoàn Lao động tỉnh)")
    assert english[province["fed"].id].endswith("(LDLD · Provincial federation)")
    assert english[province["biz"].id].startswith("Công đoàn Công ty May Đức Giang")  # names are data


def test_a_change_of_track_reads_from_which_to_which_and_a_change_to_the_same_track_is_refused(client, auth, province):
    """The history said only "Đổi khu vực", so nobody could tell what a unit's track had been; and
    choosing the track it already had wrote an event that changed nothing but held back every
    earlier-dated change of the unit."""
    biz = province["biz"]
    auth.login("admin")
    r = client.post(f"/units/{biz.id}/track", data={"retrack-track": biz.track_id, "retrack-effective_on": "2025-06-11"})
    assert r.status_code == 422
    assert "Khu vực mới trùng khu vực hiện tại." in html_text(r)
    assert db.session.scalar(select(UnitEvent.id).where(UnitEvent.unit_id == biz.id, UnitEvent.kind == "retrack")) is None

    public = province["pub"].track
    r = client.post(f"/units/{biz.id}/track", data={"retrack-track": public.id, "retrack-effective_on": "2025-06-11"})
    assert r.status_code == 302
    page = html_text(client.get(f"/units/{biz.id}"))
    assert "Đổi khu vực từ “Sản xuất kinh doanh” sang “Hành chính sự nghiệp”" in page
    db.session.expire_all()  # the request changed the unit
    operations.set_track(db.session.get(Unit, biz.id), None, dt.date(2025, 7, 1))
    page = html_text(client.get(f"/units/{biz.id}"))
    assert "Đổi khu vực từ “Hành chính sự nghiệp” sang “Không xác định”" in page, page[page.find("Lịch sử"):]


@pytest.mark.parametrize("merged, target", [("biz", "upper_b"), ("upper_a", "pub"), ("biz", "fed"), ("biz", "upper_a")])
def test_a_merge_joins_units_of_one_level_only(province, merged, target):
    """Merging compared only the sub-units' levels with the target's: a grassroots union merged into an
    upper-level union put its cadres in the upper-level union, and an upper-level union merged into a
    grassroots union ended with its grassroots unions under one of their own kind."""
    from tests.orgs.test_effective_dates import _snapshot

    unit, into = province[merged], province[target]
    before = _snapshot()
    with pytest.raises(ValidationError) as caught:
        operations.merge_unit(unit, into, D)
    message = caught.value.errors["target"]
    assert message == (f"Chỉ sáp nhập được vào đơn vị cùng cấp, hoặc (đơn vị còn đơn vị trực thuộc) vào đơn vị cấp "
                       f"trên trực tiếp của nó: {unit.name} là {unit.level.name}, {into.name} là {into.level.name}.")
    assert _snapshot() == before


def test_an_upper_level_union_ends_into_its_parent_with_its_grassroots_unions(make, province):
    """The 2025 reorganisation: an upper-level union ended, its grassroots unions and its own cadres going
    straight to the provincial federation, in one merge rather than a move per grassroots union."""
    upper, fed, biz = province["upper_a"], province["fed"], province["biz"]
    staff = make.cadre("Đào Văn Cấp", unit=upper, start_on=dt.date(2022, 1, 1))
    operations.merge_unit(upper, fed, D)
    db.session.expire_all()
    assert db.session.get(Unit, biz.id).parent_id == fed.id
    assert db.session.get(Unit, upper.id).active_to == D
    assert db.session.get(Cadre, staff.id).unit_id == fed.id
    assert db.session.get(Cadre, province["cadre_a"].id).unit_id == biz.id  # the grassroots union's cadres stay


def test_the_merge_form_offers_units_of_the_same_level_and_the_move_form_higher_ones(client, auth, province):
    biz, pub = province["biz"], province["pub"]
    auth.login("admin")
    page = client.get(f"/units/{biz.id}").get_data(as_text=True)
    merge_form = page[page.index('name="merge-target"'):]
    merge_form = merge_form[:merge_form.index("</select>")]
    assert f'value="{pub.id}"' in merge_form
    assert all(f'value="{province[k].id}"' not in merge_form for k in ("fed", "upper_a", "upper_b"))
    upper = client.get(f'/units/{province["upper_a"].id}').get_data(as_text=True)
    upper_merge = upper[upper.index('name="merge-target"'):]
    upper_merge = upper_merge[:upper_merge.index("</select>")]
    assert f'value="{province["upper_b"].id}"' in upper_merge  # a unit of its level,
    assert f'value="{province["fed"].id}"' in upper_merge  # and its parent, which would take its sub-units
    move_form = page[page.index('name="move-parent"'):]
    move_form = move_form[:move_form.index("</select>")]
    assert f'value="{province["upper_b"].id}"' in move_form and f'value="{pub.id}"' not in move_form
    r = client.post(f"/units/{biz.id}/merge", data={"merge-target": province["upper_b"].id, "merge-effective_on": "2025-06-11"})
    assert r.status_code == 422
    db.session.expire_all()
    assert db.session.get(Unit, biz.id).active_to is None
    # the federation has no unit of its level to merge into, and none above it to move under
    page = html_text(client.get(f"/units/{province['fed'].id}"))
    assert "Không có đơn vị cùng cấp (Liên đoàn Lao động tỉnh) nào bạn quản lý để sáp nhập đơn vị này vào." in page
    assert 'name="merge-target"' not in page


def test_the_move_form_does_not_offer_the_current_parent(client, auth, province):
    """A union admin of an upper-level union was offered only their own union as the new parent of a
    grassroots union already under it: a form whose only choice is refused ("Đơn vị đã trực thuộc …")."""
    biz = province["biz"]
    auth.login("union")
    page = html_text(client.get(f"/units/{biz.id}"))
    assert 'name="move-parent"' not in page
    assert "Không có đơn vị cấp cao hơn nào bạn quản lý để chuyển đơn vị này sang." in page
    auth.logout()
    auth.login("admin")
    page = client.get(f"/units/{biz.id}").get_data(as_text=True)
    move_form = page[page.index('name="move-parent"'):]
    move_form = move_form[:move_form.index("</select>")]
    assert f'value="{province["upper_b"].id}"' in move_form and f'value="{province["upper_a"].id}"' not in move_form


def test_a_long_list_of_sub_units_is_folded_above_the_actions(client, auth, province, make):
    """An upper-level union's 120 grassroots unions were listed in full above the unit's actions and
    history: on a phone those were thousands of pixels down."""
    upper_a = province["upper_a"]
    auth.login("union")
    page = client.get(f"/units/{upper_a.id}").get_data(as_text=True)
    assert '<details class="subunits" open>' in page  # one grassroots union: shown
    for n in range(20):
        make.unit(f"Công đoàn Công ty số {n}", parent=upper_a, code=f"CS-SO-{n}")
    page = client.get(f"/units/{upper_a.id}").get_data(as_text=True)
    assert '<details class="subunits" >' in page and "Đơn vị trực thuộc (21)" in page
    assert page.index('class="subunits"') < page.index("Thao tác")


def test_a_refused_dissolution_counts_its_sub_units_as_a_vietnamese_number(province):
    """"Đơn vị còn 1204 đơn vị trực thuộc": the count was printed bare."""
    upper_a = province["upper_a"]
    grassroots = province["biz"].level
    db.session.add_all([Unit(code=f"CS-N{n:04d}", name=f"Công đoàn cơ sở {n}", search_key=f"cong doan co so {n}",
                             level=grassroots, parent=upper_a, path=f"{upper_a.path}x{n}/", active_from=D)
                        for n in range(1203)])  # and biz: 1.204 sub-units
    db.session.flush()
    with pytest.raises(ValidationError) as caught:
        operations.dissolve_unit(upper_a, D)
    assert "Đơn vị còn 1.204 đơn vị trực thuộc đang hoạt động" in str(caught.value)
