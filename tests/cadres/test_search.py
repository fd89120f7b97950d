"""Accent-insensitive search of cadres and units; lists sorted by given name."""
from lms.cadres.queries import list_cadres
from lms.orgs.queries import search_units
from tests.conftest import html_text


def _found(user, q: str) -> list[str]:
    return [c.full_name for c in list_cadres(user, q=q).items]


def test_search_cadres_without_diacritics(province, make):
    make.cadre("Nguyễn Văn A", unit=province["biz"])
    make.cadre("Đặng Thị Đào", unit=province["biz"])
    admin = province["users"]["admin"]
    assert _found(admin, "nguyen van a") == ["Nguyễn Văn A"]
    assert _found(admin, "dang thi dao") == ["Đặng Thị Đào"]
    assert _found(admin, "ĐÀO") == ["Đặng Thị Đào"]
    assert "Đặng Thị Đào" in _found(admin, "d")


def test_cadre_list_sorted_by_given_name_and_scoped(client, auth, province, make):
    for name in ("Trần Văn Bình", "Lê Thị Yến", "Phạm Văn An"):
        make.cadre(name, unit=province["biz"])
    make.cadre("Hoàng Thị Cúc", unit=province["pub"])
    auth.login("union")  # upper_a: business side only
    body = html_text(client.get("/cadres/"))
    order = [body.index(n) for n in ("Phạm Văn An", "Nguyễn Thị Ánh", "Trần Văn Bình", "Lê Thị Yến")]
    assert order == sorted(order)
    assert "Hoàng Thị Cúc" not in body and "Trần Văn Đức" not in body
    body = html_text(client.get("/cadres/?q=binh"))
    assert "Trần Văn Bình" in body and "Lê Thị Yến" not in body


def test_search_units_without_diacritics(client, auth, province):
    admin = province["users"]["admin"]
    assert [u.code for u in search_units(admin, "duc giang")] == ["CS-MAY"]
    assert [u.code for u in search_units(admin, "luong ngoc quyen")] == ["CS-TRUONG"]
    assert search_units(province["users"]["union"], "luong ngoc quyen") == []
    auth.login("admin")
    assert "Công đoàn Công ty May Đức Giang" in html_text(client.get("/units/?q=may duc giang"))


def test_search_matches_every_word_in_any_order_and_takes_wildcards_literally(province, make):
    make.cadre("Nguyễn Văn Minh", unit=province["biz"])
    make.cadre("Nguyễn Thị Lan", unit=province["biz"])
    admin = province["users"]["admin"]
    assert _found(admin, "minh nguyen") == ["Nguyễn Văn Minh"]
    assert _found(admin, "  nguyen   van  ") == ["Nguyễn Văn Minh"]
    assert _found(admin, "nguyen %") == [] and _found(admin, "_") == []
    assert [u.code for u in search_units(admin, "giang duc")] == ["CS-MAY"]


def test_a_cadre_is_found_by_code_in_any_case(province, make):
    make.cadre("Nguyễn Thị Hoa", unit=province["biz"], code="CB00440")
    make.cadre("Trần Văn Bình", unit=province["biz"], code="CB00441")
    admin = province["users"]["admin"]
    assert _found(admin, "cb00440") == ["Nguyễn Thị Hoa"]
    assert _found(admin, "0044") == ["Trần Văn Bình", "Nguyễn Thị Hoa"]  # by given name: Bình, Hoa
    assert _found(admin, "hoa") == ["Nguyễn Thị Hoa"]
    assert _found(admin, "cb00440 hoa") == []  # two words: every one in the name, as before
    assert _found(province["users"]["other_union"], "cb00440") == []  # outside that admin's subtree


def test_cadres_of_a_dissolved_unit_stay_on_the_federation_admins_list(client, auth, province, make):
    """Their unit dissolved, they belong to no unit until the federation places them again: the federation
    admin must still find them (by name and by code) to do so; a union admin's list never shows them."""
    import datetime as dt

    from lms.orgs.operations import dissolve_unit

    closing = make.unit("Công đoàn Công ty Giải Thể", parent=province["upper_a"], track="business")
    make.cadre("Phùng Thị Lụa", unit=closing, code="CB-LUA")
    dissolve_unit(closing, dt.date(2025, 6, 11))
    admin, union = province["users"]["admin"], province["users"]["union"]
    assert _found(admin, "phung thi lua") == ["Phùng Thị Lụa"]
    assert _found(admin, "cb-lua") == ["Phùng Thị Lụa"]
    assert "Phùng Thị Lụa" in _found(admin, "")
    assert _found(union, "phung thi lua") == []
    auth.login("admin")
    body = html_text(client.get("/cadres/?q=lua"))
    assert "Phùng Thị Lụa" in body and "Không còn thuộc đơn vị nào" in body


def test_a_units_cadre_list_leads_back_to_the_unit_and_out_of_the_filter(client, auth, province):
    """A unit's page links its cadre count to the cadre list of that unit, which then had no way back to
    the unit and none out of the filter but the menu (a search there searched the unit only)."""
    biz = province["biz"]
    auth.login("union")
    page = client.get(f"/cadres/?unit={biz.id}&q=anh").get_data(as_text=True)
    assert f'<a href="/units/{biz.id}">« {biz.name}</a>' in page
    assert '<a href="/cadres/?q=anh">Tất cả cán bộ bạn quản lý</a>' in page
    assert "Tất cả cán bộ bạn quản lý" not in client.get("/cadres/").get_data(as_text=True)
