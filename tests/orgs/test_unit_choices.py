"""Unit drop-downs list the tree in order: each unit under its parent, sisters in Vietnamese alphabetical order."""
from __future__ import annotations

from lms.core.db import db
from lms.orgs.queries import unit_choices
from tests.conftest import html_text


def test_units_are_listed_in_tree_order_with_sisters_by_name(make):
    federation = make.unit("Liên đoàn Lao động tỉnh")
    upper = {name: make.unit(name, parent=federation) for name in ("Viên chức", "Đại Từ", "Ba Bể", "Chợ Đồn")}
    make.unit("Công đoàn trường B", parent=upper["Ba Bể"])
    make.unit("Công đoàn trường A", parent=upper["Ba Bể"])
    for _ in range(8):  # ids in the tens: "1/10/" sorts before "1/2/" as text
        make.unit(parent=upper["Viên chức"])
    late = make.unit("An Khánh", parent=federation)
    db.session.flush()
    admin = make.user("tree-admin", role="federation_admin")

    names = [label.split(" (")[0] for _id, label in unit_choices(admin)]
    top = [n for n in names if n in {*upper, "An Khánh"}]
    assert top == ["An Khánh", "Ba Bể", "Chợ Đồn", "Đại Từ", "Viên chức"]
    assert names.index("Công đoàn trường A") == names.index("Ba Bể") + 1
    assert names.index("Công đoàn trường B") == names.index("Ba Bể") + 2
    assert names[0] == "Liên đoàn Lao động tỉnh" and late.id > upper["Viên chức"].id


def test_the_tree_counts_a_subtree_s_cadres_opens_its_top_and_sorts_in_vietnamese(client, auth, province, make):
    """The tree put "3 cán bộ" (its own) beside an upper-level union of 468, as its page counts them; its
    top was never open (a rank "< 2" of ranks 10, 20, 30…); and "Đ" sorted among the "D"s."""
    upper_a = province["upper_a"]
    make.unit("Công đoàn Đường sắt", parent=upper_a, code="CS-DS")
    make.unit("Công đoàn Dệt may", parent=upper_a, code="CS-DM")
    make.unit("Công đoàn Điện lực", parent=upper_a, code="CS-DL")
    make.cadre("Lê Văn Một", unit=upper_a)
    auth.login("union")
    page = html_text(client.get("/units/"))
    # upper_a: its own cadre and the one of Công đoàn Công ty May Đức Giang
    assert 'Công đoàn Khu công nghiệp</a> <span class="muted">· 4 đơn vị · 2 cán bộ</span>' in page
    assert f'<details open> <summary><a href="/units/{upper_a.id}">' in page
    names = ["Công đoàn Dệt may", "Công đoàn Điện lực", "Công đoàn Đường sắt"]
    assert [page.index(n) for n in names] == sorted(page.index(n) for n in names)
