"""Unit drop-downs list the tree in order: each unit under its parent, sisters in Vietnamese alphabetical order."""
from __future__ import annotations

from lms.core.db import db
from lms.orgs.queries import unit_choices


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
