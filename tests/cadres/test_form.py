"""The cadre form: e-mail addresses and codes as an admin types them."""
from __future__ import annotations

import re

from sqlalchemy import func, select

from lms.accounts.operations import create_user
from lms.cadres.models import Cadre
from lms.core.clock import local_today
from lms.core.db import db
from tests.conftest import html_text


def _new(unit, **changes) -> dict:
    form = {"code": "CB-NEW-1", "full_name": "Lê Thị Hoa", "gender": "female", "unit": str(unit.id),
            "employment": "part_time", "education_level": "0", "political_level": "0", "track_override": "0",
            "term": "", "email": "", "phone": "", "effective_on": local_today().isoformat()}
    form.update(changes)
    return form


def _cadres() -> int:
    return db.session.scalar(select(func.count()).select_from(Cadre))


def test_an_email_address_is_saved(client, auth, province):
    auth.login("admin")
    r = client.post("/cadres/new", data=_new(province["biz"], email="hoa.le@example.com"))
    assert r.status_code == 302, html_text(r)
    assert db.session.scalar(select(Cadre.email).where(Cadre.code == "CB-NEW-1")) == "hoa.le@example.com"

    c = province["cadre_b"]
    edit = {"code": c.code, "full_name": c.full_name, "gender": c.gender, "unit": str(c.unit_id),
            "employment": c.employment, "education_level": "0", "political_level": "0", "track_override": "0",
            "term": "", "email": "duc@congdoan.vn", "phone": "", "effective_on": local_today().isoformat()}
    r = client.post(f"/cadres/{c.id}/edit", data=edit)
    assert r.status_code == 302, html_text(r)
    db.session.refresh(c)
    assert c.email == "duc@congdoan.vn"


def test_the_cadres_page_shows_the_email_and_phone_typed(client, auth, province):
    """An admin typed a cadre's e-mail and phone in the form or the import, and no page showed them."""
    auth.login("union")
    r = client.post("/cadres/new", data=_new(province["biz"], email="hoa.le@example.com", phone="0912 345 678"))
    assert r.status_code == 302, html_text(r)
    page = client.get(r.headers["Location"]).get_data(as_text=True)
    assert '<a href="mailto:hoa.le@example.com">hoa.le@example.com</a>' in page
    assert '<a href="tel:0912345678">0912 345 678</a>' in page
    page = html_text(client.get(f"/cadres/{province['cadre_a'].id}"))
    assert "Thư điện tử" not in page and "Điện thoại" not in page  # nothing typed: no empty line


def test_a_bad_email_address_is_refused_next_to_the_field_and_the_form_kept(client, auth, province):
    auth.login("admin")
    before = _cadres()
    for typed in ("abc@", "hoa le@example.com", "hoa@example", "@example.com"):
        r = client.post("/cadres/new", data=_new(province["biz"], email=typed, full_name="Lê Thị Hoa"))
        assert r.status_code == 200, typed
        page = r.get_data(as_text=True)
        assert "Địa chỉ thư điện tử không hợp lệ." in html_text(r), typed
        assert 'value="Lê Thị Hoa"' in page, typed
    assert _cadres() == before


def test_a_code_in_another_case_is_the_same_cadre(client, auth, province):
    auth.login("admin")
    existing = province["cadre_b"].code
    before = _cadres()
    r = client.post("/cadres/new", data=_new(province["biz"], code=existing.lower()))
    assert r.status_code == 200
    assert f"Mã cán bộ {existing} đã có." in html_text(r)
    assert _cadres() == before

    r = client.post("/cadres/new", data=_new(province["biz"], code="  cb-moi-7 "))
    assert r.status_code == 302
    assert db.session.scalar(select(Cadre.id).where(Cadre.code == "CB-MOI-7")) is not None


def test_an_account_links_to_a_cadre_typed_in_lower_case(make, province):
    cadre = make.cadre("Lê Thị Hoa", unit=province["biz"])
    user = create_user("hoa.le", "mat-khau-dai", "cadre", cadre_code=cadre.code.lower())
    assert user.cadre_id == cadre.id


def test_the_migration_upper_cases_stored_codes_unless_another_cadre_has_it(make, province, monkeypatch):
    import importlib

    migration = importlib.import_module("migrations.versions.0010_cadre_codes_upper")
    lone, twin = make.cadre("Lê Thị Hoa", unit=province["biz"]), make.cadre("Lê Văn Nam", unit=province["biz"])
    db.session.execute(db.update(Cadre).where(Cadre.id == lone.id).values(code="cb-đ-1"))
    db.session.execute(db.update(Cadre).where(Cadre.id == twin.id).values(code=province["cadre_b"].code.lower()))

    class _Op:
        @staticmethod
        def get_bind():
            return db.session.connection()

    monkeypatch.setattr(migration, "op", _Op)
    migration.upgrade()
    codes = dict(db.session.execute(select(Cadre.id, Cadre.code).where(Cadre.id.in_([lone.id, twin.id]))).all())
    assert codes == {lone.id: "CB-Đ-1", twin.id: province["cadre_b"].code.lower()}


def test_an_import_row_with_a_code_in_another_case_updates_that_cadre(province):
    from tests.cadres.test_import import ANH, cadre, count, csv_text, errors_of, run

    assert errors_of(csv_text([ANH]).encode()) == []
    before = count(Cadre)
    report = run(csv_text([["cb-a1", *ANH[1:]]]).encode())
    assert report.errors == [] and count(Cadre) == before
    assert cadre("CB-A1") is not None and cadre("cb-a1") is None

    twice = errors_of(csv_text([["cb-a9", *ANH[1:]], ["CB-A9", *ANH[1:]]]).encode())
    assert [e.message for e in twice] == ["Mã cán bộ CB-A9 trùng với dòng 2."]


def _titles(cadre) -> list[tuple]:
    from lms.cadres.models import CadreTitle

    rows = db.session.scalars(select(CadreTitle).where(CadreTitle.cadre_id == cadre.id).order_by(CadreTitle.id)).all()
    return [(r.title_type.code, r.unit.code if r.unit else None, r.start_on, r.end_on) for r in rows]


def _edit(cadre, **changes) -> dict:
    form = {"code": cadre.code, "full_name": cadre.full_name, "gender": cadre.gender, "unit": str(cadre.unit_id),
            "employment": cadre.employment, "education_level": "0", "political_level": "0", "track_override": "0",
            "term": "", "email": "", "phone": "", "effective_on": local_today().isoformat()}
    form.update(changes)
    return form


def test_a_transfer_in_the_form_ends_the_titles_held_in_the_old_unit(client, auth, province, make):
    """Titles are held in a unit: moving a cadre with the title boxes left as they were ends them; it no
    longer started them again in the new unit (which also made the cadre "newly elected")."""
    import datetime as dt

    chair = make.titles["chu_tich"]
    cadre = make.cadre("Lê Thị Hoa", unit=province["biz"], titles=["chu_tich"])
    start = _titles(cadre)[0][2]
    auth.login("admin")
    moved_on = dt.date(2025, 9, 1)
    page = html_text(client.get(f"/cadres/{cadre.id}/edit"))
    import re

    assert re.search(rf'<option (?=[^>]*selected)(?=[^>]*value="{chair.id}")', page)  # the form shows what is held
    r = client.post(f"/cadres/{cadre.id}/edit", data=_edit(cadre, unit=str(province["pub"].id), titles=[str(chair.id)],
                                                          effective_on=moved_on.isoformat()))
    assert r.status_code == 302, html_text(r)
    assert _titles(cadre) == [("chu_tich", province["biz"].code, start, moved_on)]

    # titles chosen with the move are the titles in the new unit
    other = make.cadre("Lê Văn Nam", unit=province["biz"], titles=["chu_tich"])
    member = make.titles["uv_bch"]
    r = client.post(f"/cadres/{other.id}/edit", data=_edit(other, unit=str(province["pub"].id), titles=[str(member.id)],
                                                          effective_on=moved_on.isoformat()))
    assert r.status_code == 302, html_text(r)
    assert _titles(other)[-1] == ("uv_bch", province["pub"].code, moved_on, None)
    assert [t for t in _titles(other) if t[3] is None] == [("uv_bch", province["pub"].code, moved_on, None)]


def test_an_import_without_the_titles_column_ends_them_on_a_transfer(province, make):
    import datetime as dt

    from tests.cadres.test_import import count, csv_text, run

    cadre = make.cadre("Lê Thị Hoa", unit=province["biz"], titles=["chu_tich"], code="CB-T1")
    header = ["Mã cán bộ", "Họ và tên", "Giới tính", "Mã đơn vị"]
    before = count(Cadre)
    report = run(csv_text([["CB-T1", "Lê Thị Hoa", "Nữ", province["pub"].code]], header=header).encode(),
                 effective_on=dt.date(2025, 9, 1))
    assert report.errors == [] and report.transferred == 1 and count(Cadre) == before
    assert [t for t in _titles(cadre) if t[3] is None] == []


def test_a_cadre_whose_unit_was_dissolved_is_placed_again_by_the_federation(client, auth, province, make):
    import datetime as dt

    from lms.orgs.operations import dissolve_unit

    cadre = make.cadre("Lê Thị Hoa", unit=province["biz"])
    gone = dt.date(2025, 6, 11)
    dissolve_unit(province["biz"], gone)
    db.session.commit()
    assert cadre.unit is None
    auth.login("union")  # the subtree the unit was in: no longer theirs to change
    assert client.get(f"/cadres/{cadre.id}/edit").status_code == 403
    auth.logout()
    auth.login("admin")
    assert "Sửa" in html_text(client.get(f"/cadres/{cadre.id}"))
    early = client.post(f"/cadres/{cadre.id}/edit", data=_edit(cadre, unit=str(province["pub"].id),
                                                                effective_on="2025-06-01"))
    assert "không được trước ngày cán bộ rời đơn vị cũ (11/06/2025)" in html_text(early)
    placed = client.post(f"/cadres/{cadre.id}/edit", data=_edit(cadre, unit=str(province["pub"].id),
                                                                 effective_on="2025-07-01"))
    assert placed.status_code == 302, html_text(placed)
    db.session.refresh(cadre)
    assert cadre.unit_id == province["pub"].id


def test_the_form_applies_the_rules_of_the_import(client, auth, province):
    """Telephone, term of office and birth date: the same rules and messages as the cadre import, and
    what was typed stays in the form."""
    auth.login("admin")
    before = _cadres()
    cases = {
        "phone": ("12ab", "Số điện thoại “12ab” không hợp lệ."),
        "term": ("2028-2023", "Nhiệm kỳ “2028-2023” không hợp lệ (ghi dạng 2023–2028)."),
        "birth_date": ("2020-01-01", "Ngày sinh 01/01/2020 không hợp lệ: phải từ 01/01/1930 đến"),
    }
    for name, (typed, message) in cases.items():
        r = client.post("/cadres/new", data=_new(province["biz"], **{name: typed}))
        assert r.status_code == 200 and message in html_text(r), name
        assert typed in r.get_data(as_text=True), name
    assert _cadres() == before
    r = client.post("/cadres/new", data=_new(province["biz"], phone="0912 345 678", term="2023-2028",
                                             birth_date="1985-03-05"))
    assert r.status_code == 302, html_text(r)
    saved = db.session.scalar(select(Cadre).where(Cadre.code == "CB-NEW-1"))
    assert (saved.phone, saved.term) == ("0912 345 678", "2023–2028")


def test_saving_a_cadre_of_a_dissolved_unit_moves_them_only_where_the_admin_chooses(client, auth, province, make):
    """The edit form of a cadre with no unit (theirs was dissolved) used to show the first unit of the tree
    as chosen, and saving it (to correct a phone number, say) moved the cadre into the federation itself."""
    import datetime as dt

    from lms.cadres.models import Membership
    from lms.orgs.operations import dissolve_unit

    closing = make.unit("Công đoàn Công ty Giải Thể", parent=province["upper_a"], track="business")
    cadre = make.cadre("Phùng Thị Lụa", unit=closing)
    dissolve_unit(closing, dt.date(2025, 6, 11))
    auth.login("admin")
    page = client.get(f"/cadres/{cadre.id}/edit").get_data(as_text=True)
    assert '<option selected value="0">— Chọn đơn vị —</option>' in page
    form = {"code": cadre.code, "full_name": cadre.full_name, "gender": cadre.gender, "unit": "0",
            "employment": cadre.employment, "education_level": "0", "political_level": "0", "track_override": "0",
            "term": "", "email": "", "phone": "0912 345 678", "effective_on": local_today().isoformat()}
    r = client.post(f"/cadres/{cadre.id}/edit", data=form)
    assert r.status_code == 200
    assert "Vui lòng chọn đơn vị." in html_text(r) and 'value="0912 345 678"' in r.get_data(as_text=True)
    db.session.refresh(cadre)
    assert cadre.unit_id is None and cadre.phone == ""
    assert db.session.scalar(select(func.count()).select_from(Membership).where(
        Membership.cadre_id == cadre.id, Membership.end_on.is_(None))) == 0

    r = client.post(f"/cadres/{cadre.id}/edit", data=dict(form, unit=str(province["biz"].id)))
    assert r.status_code == 302, html_text(r)
    db.session.refresh(cadre)
    assert cadre.unit_id == province["biz"].id


def test_a_new_cadre_has_no_gender_until_one_is_chosen(client, auth, province):
    """A default of "Nữ" counted every cadre entered in haste among the women of the women's-affairs reports."""
    auth.login("admin")
    page = client.get("/cadres/new").get_data(as_text=True)
    select = re.search(r'<select id="gender".*?</select>', page, re.S).group(0)
    assert select.index('<option value="">— Chọn —</option>') < select.index("Nữ") and "selected" not in select
    before = _cadres()
    r = client.post("/cadres/new", data=_new(province["biz"], gender=""))
    assert r.status_code == 200 and "Vui lòng chọn giới tính." in html_text(r) and 'value="Lê Thị Hoa"' in html_text(r)
    assert _cadres() == before
    assert client.post("/cadres/new", data=_new(province["biz"], gender="male")).status_code == 302
